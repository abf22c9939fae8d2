package halo

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"halobridge/internal/outbound"
)

// TestDiscovery reads the authorisation server's OpenID Connect discovery document and
// sends token requests where it says, keeping the tenant; a document that is missing or
// names another site leaves the paths every HaloPSA serves.
func TestDiscovery(t *testing.T) {
	t.Parallel()

	// server answers a discovery document built by doc (404 when nil) and tokens at
	// tokenPath only, recording the paths and queries it saw.
	server := func(t *testing.T, tokenPath string, doc func(base string) string) (*httptest.Server, func() []string) {
		t.Helper()
		var mu sync.Mutex
		var seen []string
		srv := httptest.NewServer(nil)
		srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen = append(seen, r.Method+" "+r.URL.RequestURI())
			mu.Unlock()
			switch {
			case r.URL.Path == "/auth/.well-known/openid-configuration" && doc != nil:
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(doc(srv.URL)))
			case r.URL.Path == tokenPath && r.Method == http.MethodPost:
				writeJSON(w, http.StatusOK, map[string]any{"access_token": "a", "token_type": "Bearer", "expires_in": 3600,
					"refresh_token": "r", "id_token": "i", "scope": "all"})
			case r.URL.Path == "/api/Agent/me":
				writeJSON(w, http.StatusOK, map[string]any{"id": 7, "name": "Halo Integrator"})
			default:
				http.NotFound(w, r)
			}
		})
		t.Cleanup(srv.Close)
		return srv, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), seen...) }
	}
	connect := func(t *testing.T, base, tenant string) *Client {
		t.Helper()
		c, err := New(Config{Outbound: outbound.Local(), ResourceURL: base + "/api", AuthURL: base + "/auth", Tenant: tenant,
			ClientID: "id", ClientSecret: "secret", HTTPClient: &http.Client{}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tokenRequests := func(seen []string) []string {
		var out []string
		for _, s := range seen {
			if strings.HasPrefix(s, "POST ") {
				out = append(out, strings.TrimPrefix(s, "POST "))
			}
		}
		return out
	}

	t.Run("UsesThePublishedTokenEndpointWithTheTenant", func(t *testing.T) {
		t.Parallel()
		srv, seen := server(t, "/auth/connect/token", func(base string) string {
			return `{"issuer":"` + base + `/auth/","token_endpoint":"` + base + `/auth/connect/token?x=1",` +
				`"authorization_endpoint":"` + base + `/auth/connect/authorize"}`
		})
		c := connect(t, srv.URL, "acme")
		if _, err := c.Me(t.Context()); err != nil {
			t.Fatalf("Me through the discovered token endpoint: %v (requests %v)", err, seen())
		}
		if got := tokenRequests(seen()); len(got) != 1 || got[0] != "/auth/connect/token?tenant=acme" {
			t.Fatalf("token requests = %v, want one to /auth/connect/token?tenant=acme", got)
		}
		flow, err := NewAuthCodeFlow(Config{Outbound: outbound.Local(), ResourceURL: srv.URL + "/api", AuthURL: srv.URL + "/auth",
			Tenant: "acme", ClientID: "id", HTTPClient: &http.Client{}}, "https://halobridge.example/login/halo/callback")
		if err != nil {
			t.Fatal(err)
		}
		if u := flow.AuthCodeURL(t.Context(), "state", "verifier-verifier-verifier-verifier-verifier-1"); !strings.HasPrefix(u, srv.URL+"/auth/connect/authorize?") || !strings.Contains(u, "tenant=acme") {
			t.Fatalf("authorize URL = %s, want the published endpoint with the tenant", u)
		}
	})

	t.Run("IgnoresEndpointsOnAnotherSite", func(t *testing.T) {
		t.Parallel()
		srv, seen := server(t, "/auth/token", func(string) string {
			return `{"token_endpoint":"https://collector.example/steal","authorization_endpoint":"https://collector.example/authorize"}`
		})
		if _, err := connect(t, srv.URL, "").Me(t.Context()); err != nil {
			t.Fatalf("Me: %v (requests %v)", err, seen())
		}
		if got := tokenRequests(seen()); len(got) != 1 || got[0] != "/auth/token" {
			t.Fatalf("token requests = %v, want one to /auth/token", got)
		}
	})

	t.Run("FallsBackWhenTheServerPublishesNoDocument", func(t *testing.T) {
		t.Parallel()
		srv, seen := server(t, "/auth/token", nil)
		c := connect(t, srv.URL, "")
		for range 2 {
			if _, err := c.Me(t.Context()); err != nil {
				t.Fatalf("Me: %v (requests %v)", err, seen())
			}
		}
		discoveries := 0
		for _, s := range seen() {
			if strings.Contains(s, "openid-configuration") {
				discoveries++
			}
		}
		if got := tokenRequests(seen()); len(got) != 1 || got[0] != "/auth/token" || discoveries != 1 {
			t.Fatalf("requests = %v, want one discovery and one token request to /auth/token", seen())
		}
	})
}
