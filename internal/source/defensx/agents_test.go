package defensx_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/outbound"
	"halobridge/internal/outbound/outboundtest"
	"halobridge/internal/source"
	"halobridge/internal/source/defensx"
	"halobridge/internal/source/defensx/dxsim"
)

// agentsServer answers GET …/customers/c1/agents with body.
func agentsServer(t *testing.T, body string) *defensx.Connector {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != dxsim.BasePath+"/customers/c1/agents" || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	conn, err := defensx.NewConnector(defensx.Config{Outbound: outbound.Local(), APIRoot: srv.URL + dxsim.BasePath, APIKey: "dx-key", Now: fixedClock})
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

func TestAgents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("ListsACustomersAgentsAsEndpoints", func(t *testing.T) {
		t.Parallel()
		body, err := os.ReadFile("testdata/agents/list.json")
		if err != nil {
			t.Fatalf("fixture missing: %v", err)
		}
		got, err := agentsServer(t, string(body)).Endpoints(ctx, "c1")
		want := []source.Endpoint{
			{ID: "fdceb72a-6a4b-4c2e-9d3e-1b2c3d4e5f60", CustomerID: "c1", Name: "WIN10-4", OS: "Windows", Managed: true},
			{ID: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", CustomerID: "c1", Name: "MAC-MINI-2", OS: "Mac OS"},
		}
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("endpoints (-want +got):\n%s", diff)
		}
	})

	t.Run("AgreesWithTheSimulator", func(t *testing.T) {
		t.Parallel()
		b := setup(t, billingOptions())
		got, err := b.conn.Endpoints(ctx, "c2")
		if err != nil {
			t.Fatal(err)
		}
		var want []source.Endpoint
		for _, a := range b.sim.Agents("c2") {
			want = append(want, source.Endpoint{ID: a.ID, CustomerID: "c2", Name: a.Hostname, OS: a.Platform, Managed: true})
		}
		if len(want) < 2 {
			t.Fatalf("the simulator seeds %d agents for c2", len(want))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("endpoints (-want +got):\n%s", diff)
		}
	})

	t.Run("KeepsTheFirst20000", func(t *testing.T) {
		t.Parallel()
		items := make([]string, source.MaxEndpointsPerCustomer+5)
		for i := range items {
			items[i] = fmt.Sprintf(`{"id":"a-%d","hostname":"PC-%d"}`, i, i)
		}
		got, err := agentsServer(t, "["+strings.Join(items, ",")+"]").Endpoints(ctx, "c1")
		if err != nil || len(got) != source.MaxEndpointsPerCustomer {
			t.Errorf("%d endpoints, %v", len(got), err)
		}
	})

	for _, tc := range []struct {
		name     string
		customer string
		fault    *dxsim.Fault
		says     string
	}{
		{"UnknownCustomer", "nope", nil, "DefensX has no such record: GET /customers/nope/agents (404): Customer not found"},
		{"ServerError", "c1", &dxsim.Fault{PathPrefix: "/customers/c1/agents", Status: 500}, "DefensX failed on GET /customers/c1/agents (500)"},
		{"RateLimited", "c1", &dxsim.Fault{PathPrefix: "/customers/c1/agents", Status: 429, RetryAfter: 30 * time.Second}, "DefensX rate limit reached on GET /customers/c1/agents (429)"},
		{"RefusedKey", "c1", &dxsim.Fault{PathPrefix: "/customers/c1/agents", Status: 401}, "DefensX did not accept the Partner API key (401 on GET /customers/c1/agents)"},
		{"NoCustomer", " ", nil, "list DefensX agents: no customer id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, billingOptions())
			if tc.fault != nil {
				b.sim.InjectFault(*tc.fault)
			}
			got, err := b.conn.Endpoints(ctx, tc.customer)
			if err == nil || !strings.Contains(err.Error(), tc.says) || got != nil {
				t.Errorf("%v, %v; want an error saying %q", got, err, tc.says)
			}
		})
	}

	t.Run("TimedOut", func(t *testing.T) {
		t.Parallel()
		conn, err := defensx.NewConnector(defensx.Config{Outbound: outbound.Local(), APIRoot: "https://partner.defensx.example/api", APIKey: "dx-key", Now: fixedClock,
			HTTPClient: outboundtest.Failing(&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded})})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := conn.Endpoints(ctx, "c1"); err == nil || !strings.Contains(err.Error(), "did not answer in time (timed out)") || got != nil {
			t.Errorf("%v, %v; want a timeout that says so", got, err)
		}
	})

	t.Run("AnswersNotJSON", func(t *testing.T) {
		t.Parallel()
		if got, err := agentsServer(t, `{"items": 3}`).Endpoints(ctx, "c1"); err == nil || got != nil {
			t.Errorf("%v, %v; want an error", got, err)
		}
	})
}
