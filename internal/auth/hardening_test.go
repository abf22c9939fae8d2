package auth_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"halobridge/internal/auth"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/web"
)

func TestHaloPSASignInStart(t *testing.T) {
	t.Parallel()

	t.Run("IsLimitedPerClientAddress", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		br := b.browser(t)
		start := func(addr string) response {
			req, _ := http.NewRequest(http.MethodPost, br.target("/login/halo"), strings.NewReader(url.Values{"halo_url": {b.halo.URL},
				"client_id": {halosim.DefaultPublicClientID}, "csrf_token": {br.formToken(t)}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", addr)
			return do(t, br.noFollow, req)
		}
		for i := range 10 {
			wantStatus(t, fmt.Sprintf("start %d", i+1), start(guesserAddr), http.StatusSeeOther)
		}
		page := start(guesserAddr)
		if page.status != http.StatusTooManyRequests || page.header.Get("Retry-After") != "600" ||
			!strings.Contains(page.body, "Too many HaloPSA sign-ins started from your address: wait 10 minutes, then try again.") {
			t.Errorf("the eleventh start: %d, Retry-After %q; want 429 for 600 s, said on the page:\n%s", page.status, page.header.Get("Retry-After"), page.body)
		}
		wantStatus(t, "a start from another address", start(ownerAddr), http.StatusSeeOther)
	})

	t.Run("RefusesACallbackWithAMadeUpCodeAsTheRequestsFault", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		br := b.browser(t)
		u, _ := url.Parse(br.startedCallback(t))
		q := u.Query()
		q.Set("code", "made-up-code")
		u.RawQuery = q.Encode()
		page := br.get(t, u.String())
		if page.status != http.StatusBadRequest || !strings.Contains(page.body, "HaloPSA did not sign you in") || !strings.Contains(page.body, "Start again.") {
			t.Errorf("the callback with a made-up code: %d, want 400 saying HaloPSA refused it:\n%s", page.status, page.body)
		}
		if _, status := br.whoami(t); status != http.StatusUnauthorized {
			t.Errorf("the browser is signed in (%d)", status)
		}
	})
}

func TestSignInPages(t *testing.T) {
	t.Parallel()

	t.Run("AllowNoInlineScriptStyleOrFraming", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		br := b.browser(t)
		for _, path := range []string{"/login", "/login?next=%2Fmapping"} {
			page := br.get(t, path)
			h := page.header
			if h.Get("Content-Security-Policy") != web.SignInPolicy || strings.Contains(h.Get("Content-Security-Policy"), "unsafe-inline") ||
				h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" || h.Get(web.RequestIDHeader) == "" {
				t.Errorf("GET %s: headers %v", path, h)
			}
			for _, inline := range []string{"<style", "style=", "<script", " onclick=", " onload="} {
				if strings.Contains(page.body, inline) {
					t.Errorf("GET %s: the page has %q, which its policy blocks", path, inline)
				}
			}
			// The portal's stylesheet, which the portal serves (its
			// TestSignInPages fetches it).
			if !strings.Contains(page.body, `<link rel="stylesheet" href="/assets/portal.css">`) {
				t.Errorf("GET %s: the page does not load its stylesheet:\n%s", path, page.body)
			}
		}
	})

	t.Run("RefuseAFormOverTheBound", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		br := b.browser(t)
		form := url.Values{"email": {"x@acme.example"}, "password": {strings.Repeat("p", web.MaxFormBody)}, "csrf_token": {br.formToken(t)}}
		// A body of unknown length, which the server reads up to the bound
		// before refusing it.
		req, _ := http.NewRequest(http.MethodPost, br.target("/login"), io.MultiReader(strings.NewReader(form.Encode())))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		page := do(t, br.noFollow, req)
		if page.status != http.StatusRequestEntityTooLarge || !strings.Contains(page.body, "larger than the 1048576 bytes") {
			t.Errorf("a sign-in form over the bound: %d, want 413 naming it:\n%s", page.status, page.body)
		}
	})
}

func TestTokenAPIRefusesABodyOverItsBound(t *testing.T) {
	t.Parallel()
	b := setup(t)
	br, me := b.signedInAdmin(t)
	body := `{"name": "` + strings.Repeat("n", 8<<10) + `"}`
	resp := b.apiCall(t, br.follow, http.MethodPost, "/api/v1/tokens", body, auth.CSRFHeader, me.CSRFToken)
	if resp.status != http.StatusRequestEntityTooLarge || !strings.Contains(resp.body, `"code":"too_large"`) {
		t.Errorf("an 8 KiB token name: %d, want 413:\n%s", resp.status, resp.body)
	}
}
