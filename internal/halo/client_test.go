package halo

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"halobridge/internal/outbound"
)

func TestNew(t *testing.T) {
	t.Parallel()

	valid := Config{ResourceURL: "https://acme.halopsa.com/api", AuthURL: "https://acme.halopsa.com/auth", ClientID: "id", ClientSecret: "secret"}
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"RejectsARelativeResourceURL", func(c *Config) { c.ResourceURL = "acme.halopsa.com/api" }},
		{"RejectsAMissingAuthURL", func(c *Config) { c.AuthURL = "" }},
		{"RejectsAMissingClientID", func(c *Config) { c.ClientID = "" }},
		{"RejectsClientCredentialsWithoutSecret", func(c *Config) { c.ClientSecret = "" }},
		{"RejectsAuthorizationCodeWithoutTokenStore", func(c *Config) { c.GrantType = GrantAuthorizationCode }},
		{"RejectsAnUnknownGrant", func(c *Config) { c.GrantType = "password" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := valid
			tt.edit(&cfg)
			if _, err := New(cfg); err == nil {
				t.Fatal("New accepted an invalid config")
			}
		})
	}

	t.Run("AcceptsAPublicAuthorizationCodeClient", func(t *testing.T) {
		t.Parallel()
		cfg := valid
		cfg.ClientSecret, cfg.GrantType, cfg.Tokens = "", GrantAuthorizationCode, &memoryTokens{}
		if _, err := New(cfg); err != nil {
			t.Fatal(err)
		}
	})
}

func TestClientCredentials(t *testing.T) {
	t.Parallel()

	ctx := context.Background()
	okInstance := func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"app_name": "Halo PSA"})
	}

	t.Run("SendsTheTokenRequestHaloExpects", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, okInstance)
		c := f.client(t, func(c *Config) { c.Tenant = "acme" })
		if _, err := c.InstanceInfo(ctx); err != nil {
			t.Fatal(err)
		}
		form := f.tokenRequests()[0]
		want := map[string]string{"grant_type": "client_credentials", "client_id": "client-id", "client_secret": "client-secret", "scope": "all"}
		for k, v := range want {
			if form.Get(k) != v {
				t.Errorf("form %s = %q, want %q", k, form.Get(k), v)
			}
		}
		if f.tokenURLs[0] != "/auth/token?tenant=acme" {
			t.Errorf("token URL = %q, want /auth/token?tenant=acme", f.tokenURLs[0])
		}
		if got := f.apiRequests()[0]; got.Auth != "Bearer access-1" || got.Path != "/api/InstanceInfo" {
			t.Errorf("API request = %s with %q, want /api/InstanceInfo with \"Bearer access-1\"", got.Path, got.Auth)
		}
	})

	t.Run("ReusesTheAccessTokenUntilNearExpiry", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, okInstance)
		c := f.client(t, nil)
		for range 3 {
			if _, err := c.InstanceInfo(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got := len(f.tokenRequests()); got != 1 {
			t.Errorf("got %d token requests for 3 calls, want 1", got)
		}
	})

	t.Run("RenewsATokenWithinAMinuteOfExpiry", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, okInstance)
		f.expiresIn = 59
		c := f.client(t, nil)
		for range 2 {
			if _, err := c.InstanceInfo(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got := len(f.tokenRequests()); got != 2 {
			t.Errorf("got %d token requests, want 2", got)
		}
	})

	t.Run("RetriesOnceWithANewTokenAfter401", func(t *testing.T) {
		t.Parallel()
		var calls atomic.Int32
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			okInstance(w, r)
		})
		if _, err := f.client(t, nil).InstanceInfo(ctx); err != nil {
			t.Fatal(err)
		}
		reqs := f.apiRequests()
		if len(reqs) != 2 || reqs[1].Auth != "Bearer access-2" {
			t.Errorf("requests = %+v, want a second one with access-2", reqs)
		}
	})

	t.Run("GivesUpAfterASecond401", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
		})
		_, err := f.client(t, nil).InstanceInfo(ctx)
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized {
			t.Fatalf("err = %v, want a 401 *APIError", err)
		}
		if got := len(f.apiRequests()); got != 2 {
			t.Errorf("got %d requests, want 2", got)
		}
	})

	t.Run("TurnsATokenRefusalIntoOAuthError", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "The specified 'client_id' is invalid."})
		}))
		t.Cleanup(srv.Close)
		c, err := New(Config{Outbound: outbound.Local(), ResourceURL: srv.URL + "/api", AuthURL: srv.URL + "/auth", ClientID: "wrong", ClientSecret: "s"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.InstanceInfo(ctx)
		var oe *OAuthError
		if !errors.As(err, &oe) {
			t.Fatalf("err = %v, want *OAuthError", err)
		}
		want := OAuthError{Status: 401, Code: "invalid_client", Description: "The specified 'client_id' is invalid."}
		if *oe != want {
			t.Errorf("OAuthError = %+v, want %+v", *oe, want)
		}
	})
}

func TestRetries(t *testing.T) {
	t.Parallel()

	ctx := context.Background()

	t.Run("RetriesAReadAfter5xx", func(t *testing.T) {
		t.Parallel()
		var calls atomic.Int32
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) < 3 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"id": 5})
		})
		tk, err := f.client(t, nil).Ticket(ctx, 5)
		if err != nil || tk.ID != 5 {
			t.Fatalf("Ticket = %+v, %v", tk, err)
		}
		if got := len(f.apiRequests()); got != 3 {
			t.Errorf("got %d requests, want 3", got)
		}
	})

	t.Run("StopsRetryingAReadAtMaxRetries", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
		})
		_, err := f.client(t, func(c *Config) { c.MaxRetries = 2 }).Ticket(ctx, 5)
		if !hasStatus(err, http.StatusInternalServerError) {
			t.Fatalf("err = %v, want the 500", err)
		}
		if got := len(f.apiRequests()); got != 3 {
			t.Errorf("got %d requests, want 3 (1 + 2 retries)", got)
		}
	})

	t.Run("NeverResendsACreateAfter5xx", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
		})
		_, err := f.client(t, nil).CreateTicket(ctx, Ticket{Summary: "x", ClientID: 1})
		if !IsMaybeApplied(err) || !hasStatus(err, http.StatusInternalServerError) {
			t.Fatalf("err = %v, want a maybe-applied 500", err)
		}
		if got := len(f.apiRequests()); got != 1 {
			t.Errorf("got %d requests, want 1", got)
		}
	})

	t.Run("NeverResendsACreateAfterATimeout", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			<-release
		})
		defer close(release)
		c := f.client(t, func(c *Config) { c.HTTPClient = &http.Client{Timeout: 200 * time.Millisecond} })
		_, err := c.CreateTicket(ctx, Ticket{Summary: "x", ClientID: 1})
		if !IsMaybeApplied(err) {
			t.Fatalf("err = %v, want maybe applied", err)
		}
		if got := len(f.apiRequests()); got != 1 {
			t.Errorf("got %d requests, want 1", got)
		}
	})

	t.Run("RetriesACreateThatNeverLeft", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusCreated, map[string]any{"id": 11, "summary": "x"})
		})
		var refused atomic.Bool
		base := http.DefaultTransport
		flaky := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if strings.HasSuffix(r.URL.Path, "/Tickets") && refused.CompareAndSwap(false, true) {
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
			}
			return base.RoundTrip(r)
		})
		c := f.client(t, func(c *Config) { c.HTTPClient = &http.Client{Transport: flaky} })
		tk, err := c.CreateTicket(ctx, Ticket{Summary: "x", ClientID: 1})
		if err != nil || tk.ID != 11 {
			t.Fatalf("CreateTicket = %+v, %v", tk, err)
		}
		if got := len(f.apiRequests()); got != 1 {
			t.Errorf("Halo received %d requests, want 1", got)
		}
	})

	t.Run("RetriesACreateAfter429", func(t *testing.T) {
		t.Parallel()
		var calls atomic.Int32
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				w.Header().Set("Retry-After", "0")
				http.Error(w, "Rate Limit Reached - 300 Requests per rolling 5 minute window", http.StatusTooManyRequests)
				return
			}
			writeJSON(w, http.StatusCreated, map[string]any{"id": 12})
		})
		tk, err := f.client(t, nil).CreateTicket(ctx, Ticket{Summary: "x", ClientID: 1})
		if err != nil || tk.ID != 12 {
			t.Fatalf("CreateTicket = %+v, %v", tk, err)
		}
	})

	t.Run("Returns429AtOnceWithoutMaxRateWait", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "30")
			http.Error(w, "Rate Limit Reached - 300 Requests per rolling 5 minute window", http.StatusTooManyRequests)
		})
		c := f.client(t, nil)
		_, err := c.Ticket(ctx, 1)
		var rl *RateLimitError
		if !errors.As(err, &rl) || rl.RetryAfter < 29*time.Second || rl.RetryAfter > 30*time.Second {
			t.Fatalf("err = %v, want *RateLimitError of about 30s", err)
		}
		// The pause covers every later call of the tenant without sending anything.
		if _, err := c.Clients(ctx, ClientQuery{}); !IsRateLimited(err) {
			t.Fatalf("second call err = %v, want rate limited", err)
		}
		if got := len(f.apiRequests()); got != 1 {
			t.Errorf("Halo received %d requests, want 1", got)
		}
	})

	t.Run("PausesSixtySecondsWhen429HasNoRetryAfter", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "Rate Limit Reached - 300 Requests per rolling 5 minute window", http.StatusTooManyRequests)
		})
		_, err := f.client(t, nil).Ticket(ctx, 1)
		var rl *RateLimitError
		if !errors.As(err, &rl) || rl.RetryAfter < 59*time.Second || rl.RetryAfter > 60*time.Second {
			t.Fatalf("err = %v, want *RateLimitError of about 60s", err)
		}
	})

	t.Run("SharesTheBudgetOfATenantAcrossClients", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"id": 1})
		})
		shared := NewLimiters(3, time.Hour) // the token request and two API calls
		a := f.client(t, func(c *Config) { c.Budget = shared })
		b := f.client(t, func(c *Config) { c.Budget = shared })
		tickets := WithRequestPriority(ctx, PriorityTickets)
		if _, err := a.Ticket(tickets, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Ticket(tickets, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Ticket(tickets, 1); !IsRateLimited(err) {
			t.Fatalf("third client's call err = %v, want rate limited", err)
		}
	})
}

func TestReserve(t *testing.T) {
	t.Parallel()
	ctx := WithRequestPriority(context.Background(), PriorityTickets)

	t.Run("CallsSpendTheReservationBeforeTheBudget", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"id": 1})
		})
		budget := NewLimiters(4, time.Hour)
		c := f.client(t, func(c *Config) { c.Budget = budget })
		reserved, err := c.Reserve(ctx, 2) // the token request and one API call
		if err != nil {
			t.Fatal(err)
		}
		// Two of the four are reserved: one more call fits besides the reservation.
		if err := budget.Take(ctx, c.cfg.limiterKey(), PriorityTickets, 3, 0); !IsRateLimited(err) {
			t.Fatalf("3 more beside a reservation of 2 out of 4: %v, want a rate limit", err)
		}
		for i := range 3 {
			if _, err := c.Ticket(reserved, 1); err != nil {
				t.Fatalf("call %d: %v", i+1, err)
			}
		}
		if _, err := c.Ticket(reserved, 1); !IsRateLimited(err) {
			t.Errorf("a call past the reservation and the budget: %v, want a rate limit", err)
		}
	})

	t.Run("TakesNothingWhenTheBudgetCannotHoldItAll", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"id": 1})
		})
		budget := NewLimiters(4, time.Hour)
		c := f.client(t, func(c *Config) { c.Budget = budget })
		if _, err := c.Reserve(ctx, 5); err == nil {
			t.Fatal("reserved more than a window holds")
		}
		if _, err := c.Reserve(ctx, 4); err != nil {
			t.Fatalf("reserve all 4: %v", err)
		}
		if _, err := c.Reserve(ctx, 1); !IsRateLimited(err) {
			t.Errorf("reserve one more: %v, want a rate limit", err)
		}
	})
}

func TestLogging(t *testing.T) {
	t.Parallel()

	t.Run("NeverLogsSecretsOrTokens", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"id": 1})
		})
		var logs strings.Builder
		c := f.client(t, func(c *Config) {
			c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		})
		ctx := context.Background()
		_, _ = c.Ticket(ctx, 1)
		_, _ = c.CreateTicket(ctx, Ticket{Summary: "x"})
		if !strings.Contains(logs.String(), "/api/Tickets/{id}") {
			t.Fatalf("logs lack the request lines:\n%s", logs.String())
		}
		for _, secret := range []string{"client-secret", "access-1"} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("logs contain %q:\n%s", secret, logs.String())
			}
		}
	})
}

func TestMetrics(t *testing.T) {
	t.Parallel()

	f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/404") {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": 1})
	})
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	c := f.client(t, func(c *Config) { c.Metrics = m })
	ctx := context.Background()
	for _, id := range []int{1, 2, 404} {
		_, _ = c.Ticket(ctx, id)
	}
	tests := []struct {
		method, path, status string
		want                 float64
	}{
		{"POST", "/auth/token", "200", 1},
		{"GET", "/api/Tickets/{id}", "200", 2},
		{"GET", "/api/Tickets/{id}", "404", 1},
		{"GET", "/api/Tickets", "200", 0},
	}
	for _, tt := range tests {
		if got := testutil.ToFloat64(m.requests.WithLabelValues(tt.method, tt.path, tt.status)); got != tt.want {
			t.Errorf("requests %s %s %s = %v, want %v", tt.method, tt.path, tt.status, got, tt.want)
		}
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range families {
		names[mf.GetName()] = true
	}
	for _, name := range []string{"halobridge_halo_requests_total", "halobridge_halo_request_duration_seconds"} {
		if !names[name] {
			t.Errorf("%s is not registered", name)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
