package defensx_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
	"halobridge/internal/source/defensx"
	"halobridge/internal/source/defensx/dxsim"
	"halobridge/internal/wait"
)

// receiver is a partner endpoint that keeps what it was sent when the secret is right.
type receiver struct {
	mu     sync.Mutex
	bodies [][]byte
	srv    *httptest.Server
}

func newReceiver(t *testing.T, secret string) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Query().Get(defensx.SecretParam) != secret && req.Header.Get("X-Halobridge-Secret") != secret {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, body)
		r.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) received() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.bodies...)
}

func TestWebhookSender(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("UserRequestArrivesAsTheExpectedAlert", func(t *testing.T) {
		t.Parallel()
		b := setup(t, dxsim.Options{Customers: []dxsim.Customer{{ID: "c062a202-e090-4e57-ba88-d74dfd2e3455", Name: "Bright Harbor Dental"}}})
		rcv := newReceiver(t, "s3cret")
		hook, err := defensx.CallbackURL(source.Delivery{URL: rcv.srv.URL + "/hooks/defensx", Secret: "s3cret"})
		if err != nil {
			t.Fatal(err)
		}
		b.sim.SetWebhook(hook, nil)
		sent, err := b.sim.SendUserRequest(ctx, "c062a202-e090-4e57-ba88-d74dfd2e3455", dxsim.UserRequest{
			ID: 1650, UserID: "ab02c0d0-f02f-4e9f-8fd6-dc82ea142c63", URL: "https://monster.com/", Reason: "Incorrect Risk Rating",
		})
		if err != nil || sent.Status != http.StatusAccepted {
			t.Fatalf("sent %+v, err %v", sent, err)
		}
		bodies := rcv.received()
		if len(bodies) != 1 || !bytes.Contains(bodies[0], []byte(`"url":"https:\/\/monster.com\/"`)) {
			t.Fatalf("received %q, want one body with the URL escaped as DefensX does", bodies)
		}
		in, _, err := defensx.ParseWebhook(nil, bodies[0])
		if err != nil {
			t.Fatal(err)
		}
		want := []source.Alert{{
			Source: source.DefensX, CustomerID: "c062a202-e090-4e57-ba88-d74dfd2e3455", Type: "user_request", Severity: source.SeverityLow,
			HostName: "monster.com", User: "ab02c0d0-f02f-4e9f-8fd6-dc82ea142c63", URL: "https://monster.com/",
			Facts: map[string]string{
				"request_id": "1650", "report_type": "url_block", "report_type_label": "URL Block", "hostname": "monster.com",
				"url": "https://monster.com/", "user_id": "ab02c0d0-f02f-4e9f-8fd6-dc82ea142c63", "user": "ab02c0d0-f02f-4e9f-8fd6-dc82ea142c63",
				"reason": "Incorrect Risk Rating", "object_type": "UserRequest",
			},
			OccurredAt:  testNow,
			Fingerprint: "defensx:c062a202-e090-4e57-ba88-d74dfd2e3455:user_request:1650",
		}}
		if diff := cmp.Diff(want, in.Alerts, ignoreIDs); diff != "" {
			t.Fatalf("alerts (-want +got):\n%s", diff)
		}
	})
	t.Run("AgentEventArrivesWithTheSecretHeader", func(t *testing.T) {
		t.Parallel()
		b := setup(t, dxsim.Options{Customers: []dxsim.Customer{{ID: "c1", Name: "Bright Harbor Dental"}}})
		rcv := newReceiver(t, "h-secret")
		b.sim.SetWebhook(rcv.srv.URL, http.Header{"X-Halobridge-Secret": {"h-secret"}})
		if _, err := b.sim.SendAgentEvent(ctx, "c1", dxsim.AgentEvent{Event: "Agent.Uninstall", Hostname: "BHD-PC-07"}); err != nil {
			t.Fatal(err)
		}
		bodies := rcv.received()
		if len(bodies) != 1 {
			t.Fatalf("received %d bodies", len(bodies))
		}
		_, agents, err := defensx.ParseWebhook(nil, bodies[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(agents) != 1 {
			t.Fatalf("agent events = %+v", agents)
		}
		got := agents[0]
		if got.Event != "Agent.Uninstall" || got.CustomerID != "c1" || got.Hostname != "BHD-PC-07" || got.AgentID == "" || got.Platform == "" || !got.Time.Equal(testNow) {
			t.Fatalf("agent event = %+v", got)
		}
	})
	t.Run("RunSendsRequestsUntilStopped", func(t *testing.T) {
		t.Parallel()
		sim := dxsim.New(dxsim.Options{NumCustomers: 3, RequestEvery: 5 * time.Millisecond})
		rcv := newReceiver(t, "s")
		sim.SetWebhook(rcv.srv.URL+"?secret=s", nil)
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { sim.Run(runCtx); close(done) }()
		wait.For(t, "three requests", func() bool { return len(rcv.received()) >= 3 })
		cancel()
		<-done
		customers := map[string]bool{}
		for _, body := range rcv.received() {
			in, _, err := defensx.ParseWebhook(nil, body)
			if err != nil || len(in.Alerts) != 1 {
				t.Fatalf("body %s: %v", body, err)
			}
			customers[in.Alerts[0].CustomerID] = true
		}
		if len(customers) < 3 {
			t.Fatalf("requests came from %d customers, want each of the 3 in turn", len(customers))
		}
	})
}
