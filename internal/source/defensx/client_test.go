package defensx_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/outbound"
	"halobridge/internal/source/defensx"
	"halobridge/internal/source/defensx/dxsim"
)

func TestNew(t *testing.T) {
	t.Parallel()

	t.Run("RejectsAnEmptyKey", func(t *testing.T) {
		t.Parallel()
		_, err := defensx.New(defensx.Config{APIKey: "  "})
		if err == nil || !strings.Contains(err.Error(), "API Keys page") {
			t.Fatalf("err = %v, want one pointing at the API Keys page", err)
		}
	})
	t.Run("RejectsARootThatIsNotHTTP", func(t *testing.T) {
		t.Parallel()
		for _, root := range []string{"cloud.defensx.com/api/partner/v1", "ftp://cloud.defensx.com", "https://"} {
			if _, err := defensx.New(defensx.Config{APIRoot: root, APIKey: "k"}); err == nil {
				t.Errorf("New accepted API root %q", root)
			}
		}
	})
	t.Run("DefaultsToDefensXCloud", func(t *testing.T) {
		t.Parallel()
		var got string
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			got = r.URL.String() + " " + r.Header.Get("Authorization")
			return nil, errors.New("offline")
		})
		c, err := defensx.New(defensx.Config{APIKey: "key-1", HTTPClient: &http.Client{Transport: rt}})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Status(context.Background())
		if want := "https://cloud.defensx.com/api/partner/v1/status Bearer key-1"; got != want {
			t.Fatalf("request = %q, want %q", got, want)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestClientCustomers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("ListsTheSeededCustomers", func(t *testing.T) {
		t.Parallel()
		b := setup(t, dxsim.Options{Customers: []dxsim.Customer{
			{ID: "7e23b512-fe92-4008-8da7-9453cf99f252", Name: "Osinski, Schiller and Corwin", Domain: "osinski.example"},
			{ID: "47592f76-6070-440d-b2dd-098580a961d3", Name: "Schuppe-Sanford", Disabled: true},
		}})
		got, err := b.client.Customers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		partner := got[0].PartnerID
		want := []defensx.Customer{
			{ID: "7e23b512-fe92-4008-8da7-9453cf99f252", PartnerID: partner, Name: "Osinski, Schiller and Corwin", Enabled: true, Domains: []string{"osinski.example"}},
			{ID: "47592f76-6070-440d-b2dd-098580a961d3", PartnerID: partner, Name: "Schuppe-Sanford", Enabled: false, Domains: []string{"schuppesanford.com"}},
		}
		if diff := cmp.Diff(want, got); diff != "" || partner == "" {
			t.Fatalf("customers (-want +got):\n%s (partner %q)", diff, partner)
		}
		n, err := b.client.Status(ctx)
		if err != nil || n != 2 {
			t.Fatalf("Status = %d, %v; want 2", n, err)
		}
	})
	t.Run("ReadsEveryPageOfAPagedList", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Query().Get("page") {
			case "":
				_, _ = w.Write([]byte(`{"page":1,"limit":1,"totalPages":2,"totalCount":2,"nitems":1,"items":[{"id":"a","name":"A"}]}`))
			case "2":
				_, _ = w.Write([]byte(`{"page":2,"limit":1,"totalPages":2,"totalCount":2,"nitems":1,"items":[{"id":"b","name":"B"}]}`))
			default:
				w.WriteHeader(http.StatusNotFound)
			}
		}))
		defer srv.Close()
		c, err := defensx.New(defensx.Config{Outbound: outbound.Local(), APIRoot: srv.URL, APIKey: "k"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Customers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]defensx.Customer{{ID: "a", Name: "A"}, {ID: "b", Name: "B"}}, got); diff != "" {
			t.Fatalf("customers (-want +got):\n%s", diff)
		}
	})
	t.Run("SelfIsThePartnersOwnCustomer", func(t *testing.T) {
		t.Parallel()
		b := setup(t, dxsim.Options{PartnerName: "Northgate MSP"})
		self, err := b.client.Self(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if self.Name != "Northgate MSP" || self.ID != b.sim.Self().ID {
			t.Fatalf("self = %+v", self)
		}
	})
	t.Run("ListsProducts", func(t *testing.T) {
		t.Parallel()
		b := setup(t, dxsim.Options{})
		got, err := b.client.Products(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 4 || got[0] != (defensx.Product{ID: 1, SKU: "DX-WEBSEC", Name: "DNS & Web Filtering"}) {
			t.Fatalf("products = %+v", got)
		}
	})
}

func TestClientErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	tests := []struct {
		name    string
		fault   *dxsim.Fault
		key     string
		call    func(*defensx.Client) error
		want    defensx.Error
		wantMsg string
	}{
		{
			name:    "WrongKeyIs401",
			key:     "not-the-key",
			call:    func(c *defensx.Client) error { _, err := c.Status(ctx); return err },
			want:    defensx.Error{Method: "GET", Path: "/status", Status: 401, Message: "Unauthorized"},
			wantMsg: "create a new key on the API Keys page",
		},
		{
			name:    "ForbiddenIs403",
			fault:   &dxsim.Fault{PathPrefix: "/customers", Status: 403, Message: "Forbidden"},
			call:    func(c *defensx.Client) error { _, err := c.Customers(ctx); return err },
			want:    defensx.Error{Method: "GET", Path: "/customers", Status: 403, Message: "Forbidden"},
			wantMsg: "denied GET /customers (403)",
		},
		{
			name: "UnknownCustomerIs404",
			call: func(c *defensx.Client) error {
				_, err := c.URLLogs(ctx, "00000000-0000-4000-8000-000000000000", defensx.URLLogQuery{})
				return err
			},
			want:    defensx.Error{Method: "GET", Path: "/customers/00000000-0000-4000-8000-000000000000/logs/urls", Status: 404, Message: "Customer not found"},
			wantMsg: "no such record",
		},
		{
			name:    "UsersOfAnUnknownCustomerIs404",
			call:    func(c *defensx.Client) error { _, err := c.Users(ctx, "nobody"); return err },
			want:    defensx.Error{Method: "GET", Path: "/customers/nobody/users", Status: 404, Message: "Customer not found"},
			wantMsg: "no such record",
		},
		{
			name:    "UsersFailingIs500",
			fault:   &dxsim.Fault{PathPrefix: "/customers/c1/users", Status: 500, Message: "Internal Server Error"},
			call:    func(c *defensx.Client) error { _, err := c.Users(ctx, "c1"); return err },
			want:    defensx.Error{Method: "GET", Path: "/customers/c1/users", Status: 500, Message: "Internal Server Error"},
			wantMsg: "try again later",
		},
		{
			name:    "RateLimitIs429WithRetryAfter",
			fault:   &dxsim.Fault{PathPrefix: "/usage", Status: 429, Message: "Too Many Requests", RetryAfter: 30 * time.Second},
			call:    func(c *defensx.Client) error { _, err := c.CurrentUsage(ctx); return err },
			want:    defensx.Error{Method: "GET", Path: "/usage/current", Status: 429, Message: "Too Many Requests", RetryAfter: 30 * time.Second},
			wantMsg: "retry after 30s",
		},
		{
			name:  "ServerErrorIs500",
			fault: &dxsim.Fault{PathPrefix: "/usage", Status: 500, Message: "Internal Server Error"},
			call: func(c *defensx.Client) error {
				_, err := c.Usage(ctx, testNow.AddDate(0, -1, 0), time.Time{})
				return err
			},
			want:    defensx.Error{Method: "GET", Path: "/usage", Status: 500, Message: "Internal Server Error"},
			wantMsg: "try again later",
		},
		{
			name:    "UnknownUsageIs404",
			call:    func(c *defensx.Client) error { _, err := c.UsageDetails(ctx, "no-such-subscription", 1); return err },
			want:    defensx.Error{Method: "GET", Path: "/usage/details", Status: 404, Message: "Usage not found"},
			wantMsg: "404",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, dxsim.Options{})
			if tt.fault != nil {
				b.sim.InjectFault(*tt.fault)
			}
			c := b.clientFor(t, defensx.Config{APIKey: tt.key})
			err := tt.call(c)
			var got *defensx.Error
			if !errors.As(err, &got) {
				t.Fatalf("err = %v, want a *defensx.Error", err)
			}
			if diff := cmp.Diff(tt.want, *got); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("message %q does not say %q", err.Error(), tt.wantMsg)
			}
		})
	}

	t.Run("KeepsTheTextOfANonJSONAnswer", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "upstream connect error", http.StatusBadGateway)
		}))
		defer srv.Close()
		c, err := defensx.New(defensx.Config{Outbound: outbound.Local(), APIRoot: srv.URL, APIKey: "k"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Status(ctx)
		var e *defensx.Error
		if !errors.As(err, &e) || e.Status != 502 || e.Message != "upstream connect error" {
			t.Fatalf("err = %#v", err)
		}
	})
	t.Run("CutsALongAnswerToAShortReasonWithoutTheKey", func(t *testing.T) {
		t.Parallel()
		const key = "dx-key-the-answer-echoes"
		// Two-byte characters from the start: a cut by bytes would split one.
		body := "key " + key + " refused\n" + strings.Repeat("é", 300)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, body, http.StatusBadGateway)
		}))
		defer srv.Close()
		c, err := defensx.New(defensx.Config{Outbound: outbound.Local(), APIRoot: srv.URL, APIKey: key})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Status(ctx)
		var e *defensx.Error
		if !errors.As(err, &e) {
			t.Fatalf("err = %v, want a *defensx.Error", err)
		}
		if !strings.HasPrefix(e.Message, "key [redacted] refused éé") || !strings.HasSuffix(e.Message, "é…") || len(e.Message) > 210 || !utf8.ValidString(e.Message) {
			t.Errorf("message %q (%d bytes), want the key redacted, one line, cut short between characters", e.Message, len(e.Message))
		}
		if strings.Contains(err.Error(), key) {
			t.Errorf("error %q shows the key", err)
		}
	})
}
