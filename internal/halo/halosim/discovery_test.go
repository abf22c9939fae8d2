package halosim

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestOpenIDConfiguration serves the OpenIddict discovery document anonymously, naming the
// endpoints the simulator serves, outside the rate limit.
func TestOpenIDConfiguration(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{RateLimit: 1})
	for range 3 {
		resp := b.send(t, http.MethodGet, "/auth/.well-known/openid-configuration", "", nil)
		wantStatus(t, resp, http.StatusOK)
		doc := decode[map[string]any](t, resp)
		if doc["token_endpoint"] != b.srv.URL+"/auth/token" || doc["authorization_endpoint"] != b.srv.URL+"/auth/authorize" {
			t.Fatalf("document = %v, want the simulator's own endpoints", doc)
		}
		methods, _ := doc["code_challenge_methods_supported"].([]any)
		if !slices.Contains(anyStrings(methods), "S256") {
			t.Errorf("code_challenge_methods_supported = %v, want S256", methods)
		}
	}
	// The one request the rate limit allows is still there for a token.
	resp := b.postForm(t, "/auth/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}, "scope": {"all"}})
	wantStatus(t, resp, http.StatusOK)
}

// TestWrongTenant500 answers a token request for another tenant as hosted HaloPSA has been
// seen to: HTTP 500 with plain text, where the default is a tidy OAuth error.
func TestWrongTenant500(t *testing.T) {
	t.Parallel()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID},
		"client_secret": {DefaultClientSecret}, "scope": {"all"}}

	tidy := setup(t, Options{Tenant: "acme"})
	resp := tidy.postForm(t, "/auth/token?tenant=acmee", form)
	wantStatus(t, resp, http.StatusBadRequest)
	if got := decode[oauthErrorBody](t, resp); got.Error != "invalid_request" {
		t.Errorf("error = %+v, want invalid_request", got)
	}

	hosted := setup(t, Options{Tenant: "acme", WrongTenant500: true})
	resp = hosted.postForm(t, "/auth/token?tenant=acmee", form)
	wantStatus(t, resp, http.StatusInternalServerError)
	if ct := resp.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || strings.HasPrefix(resp.text(), "{") {
		t.Errorf("answer = %s %q, want plain text", ct, resp.text())
	}
	wantStatus(t, hosted.postForm(t, "/auth/token?tenant=ACME", form), http.StatusOK)
}

func anyStrings(v []any) []string {
	out := make([]string, 0, len(v))
	for _, x := range v {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
