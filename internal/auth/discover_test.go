package auth

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHaloRoot(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want, wantErr string }{
		{in: "acme.halopsa.com", want: "https://acme.halopsa.com"},
		{in: " https://Acme.HaloPSA.com/ ", want: "https://acme.halopsa.com"},
		{in: "https://acme.halopsa.com/api", want: "https://acme.halopsa.com"},
		{in: "https://acme.halopsa.com/auth/", want: "https://acme.halopsa.com"},
		{in: "https://support.example.com/halo/api", want: "https://support.example.com/halo"},
		{in: "http://127.0.0.1:8181", want: "http://127.0.0.1:8181"},
		{in: "http://localhost:8181/api", want: "http://localhost:8181"},
		{in: "", wantErr: "enter your HaloPSA address, e.g. https://yourcompany.halopsa.com"},
		{in: "http://acme.halopsa.com", wantErr: `the HaloPSA address "http://acme.halopsa.com" must start with https://`},
		{in: "ftp://acme.halopsa.com", wantErr: `"ftp://acme.halopsa.com" is not a HaloPSA address like https://yourcompany.halopsa.com`},
		{in: "https://user:pw@acme.halopsa.com", wantErr: `"https://user:pw@acme.halopsa.com" is not a HaloPSA address like https://yourcompany.halopsa.com`},
		{in: "https://acme.halopsa.com/?tenant=x", wantErr: `"https://acme.halopsa.com/?tenant=x" is not a HaloPSA address like https://yourcompany.halopsa.com`},
	}
	for _, c := range cases {
		got, err := haloRoot(c.in)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != c.want || gotErr != c.wantErr {
			t.Errorf("haloRoot(%q) = %q, %q; want %q, %q", c.in, got, gotErr, c.want, c.wantErr)
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
		s := &Service{}
		got := s.discover(t.Context(), srv.URL)
		want := haloInstance{root: srv.URL, resource: srv.URL + "/api", auth: "https://auth.halopsa.com", tenant: "acme"}
		if got != want {
			t.Errorf("discover = %+v, want %+v", got, want)
		}
	})

	t.Run("FallsBackToTheUsualLayoutWithoutAuthInfo", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		t.Cleanup(srv.Close)
		s := &Service{}
		got := s.discover(t.Context(), srv.URL)
		want := haloInstance{root: srv.URL, resource: srv.URL + "/api", auth: srv.URL + "/auth"}
		if got != want {
			t.Errorf("discover = %+v, want %+v", got, want)
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
