package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"halobridge/internal/halo"
	"halobridge/internal/outbound"
)

func TestHaloRoot(t *testing.T) {
	t.Parallel()
	local := outbound.Local()
	cases := []struct {
		in            string
		policy        outbound.Policy
		want, wantErr string
	}{
		{in: "acme.halopsa.com", want: "https://acme.halopsa.com"},
		{in: " https://Acme.HaloPSA.com/ ", want: "https://acme.halopsa.com"},
		{in: "https://acme.halopsa.com/api", want: "https://acme.halopsa.com"},
		{in: "https://acme.halopsa.com/auth/", want: "https://acme.halopsa.com"},
		{in: "https://support.example.com/halo/api", want: "https://support.example.com/halo"},
		{in: "http://127.0.0.1:8181", policy: local, want: "http://127.0.0.1:8181"},
		{in: "http://localhost:8181/api", policy: local, want: "http://localhost:8181"},
		{in: "", wantErr: "enter your HaloPSA address, e.g. https://yourcompany.halopsa.com"},
		{in: "http://acme.halopsa.com", wantErr: "the HaloPSA address http://acme.halopsa.com: halobridge will not connect there: acme.halopsa.com uses plain http; use https (the operator can allow http with --allow-http)"},
		{in: "http://127.0.0.1:8181", wantErr: "the HaloPSA address http://127.0.0.1:8181: halobridge will not connect there: 127.0.0.1:8181 uses plain http; use https (the operator can allow http with --allow-http)"},
		{in: "https://127.0.0.1:8181", wantErr: "the HaloPSA address https://127.0.0.1:8181: halobridge will not connect there: 127.0.0.1 is a loopback address (the operator can open it with --allow-private-urls)"},
		{in: "https://10.1.2.3/api", policy: local, wantErr: "the HaloPSA address https://10.1.2.3: halobridge will not connect there: 10.1.2.3 is a private address (the operator can open it with --allow-private-urls)"},
		{in: "https://[fe80::1]", wantErr: "the HaloPSA address https://[fe80::1]: halobridge will not connect there: fe80::1 is a link-local address (the operator can open it with --allow-private-urls)"},
		{in: "ftp://acme.halopsa.com", wantErr: `"ftp://acme.halopsa.com" is not a HaloPSA address like https://yourcompany.halopsa.com`},
		{in: "https://user:pw@acme.halopsa.com", wantErr: `"https://user:pw@acme.halopsa.com" is not a HaloPSA address like https://yourcompany.halopsa.com`},
		{in: "https://acme.halopsa.com/?tenant=x", wantErr: `"https://acme.halopsa.com/?tenant=x" is not a HaloPSA address like https://yourcompany.halopsa.com`},
	}
	for _, c := range cases {
		got, err := haloRoot(c.in, c.policy)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != c.want || gotErr != c.wantErr {
			t.Errorf("haloRoot(%q, %v) = %q, %q; want %q, %q", c.in, c.policy, got, gotErr, c.want, c.wantErr)
		}
	}
}

func TestDiscover(t *testing.T) {
	t.Parallel()

	t.Run("TakesTheAuthorisationServerAndTenantFromAuthInfo", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/api/authinfo" {
				http.NotFound(w, r)
				return
			}
			w.Write([]byte(`{"auth_url":"https://auth.halopsa.com/","tenant_id":"acme"}`))
		}))
		t.Cleanup(srv.Close)
		s := &Service{HaloDefaults: halo.Config{Outbound: outbound.Local()}}
		got, err := s.discover(t.Context(), srv.URL)
		want := haloInstance{root: srv.URL, resource: srv.URL + "/api", auth: "https://auth.halopsa.com", tenant: "acme"}
		if err != nil || got != want {
			t.Errorf("discover = %+v, %v; want %+v", got, err, want)
		}
	})

	t.Run("SaysAnAddressWithoutAuthInfoIsNotAHaloPSA", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		t.Cleanup(srv.Close)
		s := &Service{HaloDefaults: halo.Config{Outbound: outbound.Local()}}
		_, err := s.discover(t.Context(), srv.URL)
		var notHalo *outbound.NotServiceError
		if !errors.As(err, &notHalo) || notHalo.Path != "/api/authinfo" || notHalo.Status != http.StatusNotFound {
			t.Errorf("discover = %v, want that %s is not a HaloPSA", err, srv.URL)
		}
	})

	t.Run("SaysHaloPSAIsBusyRatherThanMistyped", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		}))
		t.Cleanup(srv.Close)
		s := &Service{HaloDefaults: halo.Config{Outbound: outbound.Local()}}
		_, err := s.discover(t.Context(), srv.URL)
		if err == nil || !strings.Contains(err.Error(), "cannot answer just now: /api/authinfo answered 503") || !strings.Contains(err.Error(), "try again in a few minutes") {
			t.Errorf("discover = %v, want HaloPSA busy, to try again later", err)
		}
	})
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"":                     "/",
		"/":                    "/",
		"/mappings?source=2":   "/mappings?source=2",
		"//evil.example":       "/",
		`/\evil.example`:       "/",
		"https://evil.example": "/",
		"mappings":             "/",
	}
	for in, want := range cases {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// HaloPSA's authorisation server refuses to show its sign-in page for an
// application it cannot use; each refusal is said in plain words, quoting
// HaloPSA.
func TestClientRefusal(t *testing.T) {
	t.Parallel()
	const redirect = "https://halobridge.example/auth/halo/callback"
	cases := []struct{ code, desc, want string }{
		// OpenIddict's words for a Client ID it does not know, and the simulator's.
		{"invalid_request", "The specified 'client_id' is invalid.", `HaloPSA does not know the Client ID "abc": it said "The specified 'client_id' is invalid. (invalid_request)"`},
		{"invalid_client", "", `HaloPSA does not know the Client ID "abc": it said "invalid_client"`},
		{"unauthorized_client", "This application is not allowed to use the authorization_code grant.", "set its Authentication Method to Authorization Code"},
		{"invalid_request", "The specified 'redirect_uri' is not registered for this application.", "add " + redirect + " to its Login Redirect"},
		{"invalid_scope", "The specified scope \"all\" is not supported.", `HaloPSA refused to start the sign-in: it said "The specified scope \"all\" is not supported. (invalid_scope)"`},
	}
	for _, c := range cases {
		err := clientRefusal(c.code, c.desc, "abc", redirect)
		if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "Configuration > Integrations > HaloPSA API > View Applications") {
			t.Errorf("clientRefusal(%q, %q) = %q, want it to say %q and where to look", c.code, c.desc, err, c.want)
		}
	}
}

func TestGuessPartnerName(t *testing.T) {
	t.Parallel()
	cases := []struct{ root, instance, want string }{
		{"https://acme.halopsa.com", "", "acme"},
		{"https://support.acme.com", "", "acme"},
		{"https://halo.northwind.co.uk/halo", "", "northwind"},
		{"https://acme.halopsa.com", "Acme Service Desk", "Acme Service Desk"},
		{"http://127.0.0.1:45589", "", "127.0.0.1:45589"},
		{"http://localhost:8181", "", "localhost:8181"},
		{"https://halopsa.com", "", "halopsa.com"},
	}
	for _, c := range cases {
		if got := GuessPartnerName(c.root, c.instance); got != c.want {
			t.Errorf("GuessPartnerName(%q, %q) = %q, want %q", c.root, c.instance, got, c.want)
		}
	}
}
