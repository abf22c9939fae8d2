package gravityzone

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone/gzsim"
)

func TestNew(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		name string
		cfg  Config
		says string
	}{
		{"RejectsMissingAccessURL", Config{APIKey: "k"}, "not an http(s) URL"},
		{"RejectsAccessURLWithoutScheme", Config{AccessURL: "cloud.gravityzone.bitdefender.com/api", APIKey: "k"}, "not an http(s) URL"},
		{"RejectsEmptyKey", Config{AccessURL: "https://cloud.gravityzone.bitdefender.com/api"}, "API key is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("New: %v, want an error saying %q", err, tc.says)
			}
		})
	}
}

func TestClientWire(t *testing.T) {
	t.Parallel()

	t.Run("SendsJSONRPCWithKeyAsBasicUserAndEmptyPassword", func(t *testing.T) {
		t.Parallel()
		var got struct {
			path, user, pass, contentType string
			basic                         bool
			body                          map[string]any
		}
		server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got.path, got.contentType = r.URL.Path, r.Header.Get("Content-Type")
			got.user, got.pass, got.basic = r.BasicAuth()
			_ = json.NewDecoder(r.Body).Decode(&got.body)
			_, _ = w.Write([]byte(`{"id":1,"jsonrpc":"2.0","result":{"enabledApis":["network"],"createdAt":"2019-04-11T12:00:54"}}`))
		}))
		defer server.Close()
		client, err := New(Config{Outbound: outbound.Local(), AccessURL: server.URL + "/api/", APIKey: "my-key"})
		if err != nil {
			t.Fatal(err)
		}
		details, err := client.APIKeyDetails(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got.path != "/api/v1.0/jsonrpc/general" || !got.basic || got.user != "my-key" || got.pass != "" || got.contentType != "application/json" {
			t.Errorf("path %q, basic %v user %q pass %q, content type %q", got.path, got.basic, got.user, got.pass, got.contentType)
		}
		if got.body["jsonrpc"] != "2.0" || got.body["method"] != "getApiKeyDetails" || got.body["id"] == nil {
			t.Errorf("envelope %v", got.body)
		}
		if params, ok := got.body["params"].(map[string]any); !ok || len(params) != 0 {
			t.Errorf("params %v, want {}", got.body["params"])
		}
		if len(details.EnabledAPIs) != 1 || details.CreatedAt != "2019-04-11T12:00:54" {
			t.Errorf("details %+v", details)
		}
	})

	t.Run("UsesEachMethodsVersion", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1}, Config{})
		ctx := context.Background()
		if _, err := b.client.Incidents(ctx, IncidentFilters{}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.client.CompanyDetails(ctx, ""); err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, r := range b.sim.Requests() {
			paths = append(paths, r.Path)
		}
		want := "/api/v1.2/jsonrpc/incidents /api/v1.0/jsonrpc/companies"
		if strings.Join(paths, " ") != want {
			t.Errorf("paths %v, want %s", paths, want)
		}
	})

	t.Run("ReportsAnswerThatIsNotJSONRPC", func(t *testing.T) {
		t.Parallel()
		server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("<html>maintenance</html>"))
		}))
		defer server.Close()
		client, err := New(Config{Outbound: outbound.Local(), AccessURL: server.URL, APIKey: "k"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.CompanyDetails(context.Background(), "")
		if err == nil || !strings.Contains(err.Error(), "answered with a web page, not JSON-RPC") || strings.Contains(err.Error(), "<html>") {
			t.Errorf("error %v, want it to say the answer is a web page and not JSON-RPC, without quoting the page", err)
		}
	})

	t.Run("QuotesNoMoreThanAShortReasonOfAnAnswer", func(t *testing.T) {
		t.Parallel()
		const key = "a-key-the-answer-echoes"
		basic := base64.StdEncoding.EncodeToString([]byte(key + ":"))
		tests := []struct {
			name   string
			status int
			body   string
			want   string
		}{
			{"PlainText401EchoingTheKey", http.StatusUnauthorized, "unknown key " + key + "\r\nAuthorization: Basic " + basic + "\n" + strings.Repeat("internal detail ", 40),
				"(401: unknown key [redacted] Authorization: Basic [redacted] internal detail"},
			{"JSONRPCDetailsEchoingTheKey", http.StatusOK, `{"id":1,"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":{"details":"key ` + key + ` has no access\u0007"}}}`,
				"failed: Invalid params: key [redacted] has no access (-32602)"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.WriteHeader(tc.status)
					_, _ = w.Write([]byte(tc.body))
				}))
				defer server.Close()
				client, err := New(Config{Outbound: outbound.Local(), AccessURL: server.URL, APIKey: key})
				if err != nil {
					t.Fatal(err)
				}
				_, err = client.CompanyDetails(context.Background(), "")
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %v, want it to say %q", err, tc.want)
				}
				msg := err.Error()
				if strings.Contains(msg, key) || strings.Contains(msg, basic) || strings.ContainsAny(msg, "\r\n\a") || len(msg) > 600 {
					t.Errorf("error quotes the key, control characters or too much of the answer (%d bytes): %q", len(msg), msg)
				}
			})
		}
	})
}

func TestClientErrors(t *testing.T) {
	t.Parallel()

	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		opts  gzsim.Options
		cfg   Config
		wrap  func(h http.Handler) http.Handler
		call  func(c *Client) error
		check func(t *testing.T, e *Error)
		says  string
	}{
		{
			name: "MapsWrongKeyTo401",
			cfg:  Config{APIKey: "not-the-key"},
			call: func(c *Client) error { _, err := c.Companies(ctx); return err },
			check: func(t *testing.T, e *Error) {
				if e.HTTPStatus != http.StatusUnauthorized || !IsUnauthorized(e) || e.Details != "Invalid API key" {
					t.Errorf("%+v", e)
				}
			},
			says: "check the key, and that the access URL is the GravityZone instance that issued it",
		},
		{
			name: "MapsDisabledCategoryTo403NamingIt",
			opts: gzsim.Options{Services: []string{"companies", "licensing"}},
			call: func(c *Client) error { _, err := c.Companies(ctx); return err },
			check: func(t *testing.T, e *Error) {
				if e.HTTPStatus != http.StatusForbidden || !IsForbidden(e) || e.Service != "network" {
					t.Errorf("%+v", e)
				}
			},
			says: "enable the Network API on this API key in GravityZone > My Account > API keys",
		},
		{
			name: "NamesThePushCategoryAsControlCenterDoes",
			opts: gzsim.Options{Services: []string{"network"}},
			call: func(c *Client) error { _, err := c.GetPushEventStats(ctx); return err },
			check: func(t *testing.T, e *Error) {
				if e.HTTPStatus != http.StatusForbidden {
					t.Errorf("%+v", e)
				}
			},
			says: "enable the Event Push Service API",
		},
		{
			name: "MapsRefusedMethodTo405",
			wrap: func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { r.Method = http.MethodGet; h.ServeHTTP(w, r) })
			},
			call: func(c *Client) error { _, err := c.CompanyDetails(ctx, ""); return err },
			check: func(t *testing.T, e *Error) {
				if e.HTTPStatus != http.StatusMethodNotAllowed || e.Code != CodeInvalidRequest {
					t.Errorf("%+v", e)
				}
			},
			says: "405",
		},
		{
			name: "Maps429WithRetryAfter",
			opts: gzsim.Options{RateLimit: 1},
			cfg:  Config{RatePerSecond: 1000, MaxRateWait: -1},
			call: func(c *Client) error {
				if _, err := c.CompanyDetails(ctx, ""); err != nil {
					return err
				}
				_, err := c.CompanyDetails(ctx, "")
				return err
			},
			check: func(t *testing.T, e *Error) {
				if e.HTTPStatus != http.StatusTooManyRequests || e.Code != CodeTooManyRequests || e.RetryAfter < time.Second {
					t.Errorf("%+v", e)
				}
			},
			says: "retry after 1s",
		},
		{
			name: "SurfacesInvalidParamsDetails",
			call: func(c *Client) error {
				_, err := c.MonthlyUsage(ctx, "000000000000000000000000", source.Month{Year: 2026, Month: time.January})
				return err
			},
			check: func(t *testing.T, e *Error) {
				if e.HTTPStatus != http.StatusOK || e.Code != CodeInvalidParams || !IsInvalidParams(e) || e.Details != "Invalid value for 'companyId'" {
					t.Errorf("%+v", e)
				}
			},
			says: "GravityZone licensing.getMonthlyUsage failed: Invalid params: Invalid value for 'companyId' (-32602)",
		},
		{
			name: "SurfacesUnknownMethod",
			call: func(c *Client) error { return c.Call(ctx, "network", "getNothing", nil, nil) },
			check: func(t *testing.T, e *Error) {
				if e.Code != CodeMethodNotFound {
					t.Errorf("%+v", e)
				}
			},
			says: "Method not found",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sim := gzsim.New(tc.opts)
			var h http.Handler = sim
			if tc.wrap != nil {
				h = tc.wrap(sim)
			}
			server := httptest.NewServer(h)
			t.Cleanup(server.Close)
			b := bundleFor(t, sim, server, tc.cfg)
			err := tc.call(b.client)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v, want *Error", err)
			}
			tc.check(t, e)
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q should say %q", err, tc.says)
			}
		})
	}
}

func TestClientRateLimit(t *testing.T) {
	t.Parallel()

	t.Run("SpacesRequestsToTenPerSecond", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{}, Config{})
		start := time.Now()
		var wg sync.WaitGroup
		for range 11 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := b.client.APIKeyDetails(context.Background()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		// The first goes at once and each further one 100 ms later.
		if elapsed := time.Since(start); elapsed < 950*time.Millisecond {
			t.Errorf("11 requests took %s, want at least 1 s at 10 per second", elapsed)
		}
		for _, r := range b.sim.Requests() {
			if r.HTTPStatus != http.StatusOK {
				t.Errorf("GravityZone answered %d: the client went over the key's budget", r.HTTPStatus)
			}
		}
	})

	t.Run("WaitsForRetryAfterAndSendsAgain", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: 1}, Config{RatePerSecond: 1000})
		for range 2 {
			if _, err := b.client.CompanyDetails(context.Background(), ""); err != nil {
				t.Fatal(err)
			}
		}
		var statuses []int
		for _, r := range b.sim.Requests() {
			statuses = append(statuses, r.HTTPStatus)
		}
		if len(statuses) != 3 || statuses[1] != http.StatusTooManyRequests || statuses[2] != http.StatusOK {
			t.Errorf("statuses %v, want 200, 429, then 200 after the Retry-After", statuses)
		}
	})

	t.Run("GivesUpWhenRetryAfterExceedsMaxRateWait", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: 1}, Config{RatePerSecond: 1000, MaxRateWait: 10 * time.Millisecond})
		ctx := context.Background()
		if _, err := b.client.CompanyDetails(ctx, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := b.client.CompanyDetails(ctx, ""); !rateLimited(err) {
			t.Fatalf("second call: %v, want rate limited", err)
		}
		// The pause a 429 asked for holds back the next call without sending it.
		if _, err := b.client.CompanyDetails(ctx, ""); !rateLimited(err) {
			t.Fatalf("third call: %v, want rate limited", err)
		}
		if n := len(b.sim.Requests()); n != 2 {
			t.Errorf("%d requests reached GravityZone, want 2", n)
		}
	})
}

// rateLimited reports whether a call failed on the key's request budget (429).
func rateLimited(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.HTTPStatus == http.StatusTooManyRequests
}
