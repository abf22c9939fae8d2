package auth

import (
	"net/http"
	"net/http/httptest"
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

	t.Run("FallsBackToTheUsualLayoutWithoutAuthInfo", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		t.Cleanup(srv.Close)
		s := &Service{HaloDefaults: halo.Config{Outbound: outbound.Local()}}
		got, err := s.discover(t.Context(), srv.URL)
		want := haloInstance{root: srv.URL, resource: srv.URL + "/api", auth: srv.URL + "/auth"}
		if err != nil || got != want {
			t.Errorf("discover = %+v, %v; want %+v", got, err, want)
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
