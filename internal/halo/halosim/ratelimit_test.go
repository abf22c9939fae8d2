package halosim

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	t.Parallel()

	t.Run("RollingWindowCountsTokenAndAPIRequests", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{RateLimit: 3, RateWindow: time.Minute})
		tok := b.token(t, "all")                                                // 1
		wantStatus(t, b.send(t, "GET", "/api/Status", tok, nil), http.StatusOK) // 2
		b.clock.Advance(20 * time.Second)
		wantStatus(t, b.send(t, "GET", "/api/Status", tok, nil), http.StatusOK) // 3, at +20s

		limited := b.send(t, "GET", "/api/Status", tok, nil)
		wantStatus(t, limited, http.StatusTooManyRequests)
		if limited.text() != "Rate Limit Reached - 3 Requests per rolling 1 minute window" {
			t.Fatalf("body = %q", limited.body)
		}
		if got := limited.header.Get("Retry-After"); got != "40" {
			t.Fatalf("Retry-After = %q, want 40 (the first two requests leave the window at +60s)", got)
		}
		b.clock.Advance(40 * time.Second)
		wantStatus(t, b.send(t, "GET", "/api/Status", tok, nil), http.StatusOK)
		wantStatus(t, b.send(t, "GET", "/api/Status", tok, nil), http.StatusOK)
		wantStatus(t, b.send(t, "GET", "/api/Status", tok, nil), http.StatusTooManyRequests)
	})

	t.Run("TokenEndpointIsLimitedToo", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{RateLimit: 1, RateWindow: time.Minute})
		b.token(t, "all")
		resp := b.postForm(t, "/auth/token", url.Values{"grant_type": {"client_credentials"},
			"client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}, "scope": {"all"}})
		wantStatus(t, resp, http.StatusTooManyRequests)
	})

	t.Run("RetryAfterCanBeSwitchedOff", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{RateLimit: 1, RateWindow: time.Minute, NoRetryAfter: true})
		tok := b.token(t, "all")
		resp := b.send(t, "GET", "/api/Status", tok, nil)
		wantStatus(t, resp, http.StatusTooManyRequests)
		if _, has := resp.header["Retry-After"]; has {
			t.Fatalf("Retry-After sent: %q", resp.header.Get("Retry-After"))
		}
	})

	t.Run("DefaultsToThreeHundredPerFiveMinutes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		for range 299 {
			wantStatus(t, b.send(t, "GET", "/api/Status?count=1", tok, nil), http.StatusOK)
		}
		resp := b.send(t, "GET", "/api/Status?count=1", tok, nil)
		wantStatus(t, resp, http.StatusTooManyRequests)
		if resp.text() != "Rate Limit Reached - 300 Requests per rolling 5 minute window" || resp.header.Get("Retry-After") != "300" {
			t.Fatalf("body %q, Retry-After %q", resp.body, resp.header.Get("Retry-After"))
		}
	})

	t.Run("NegativeLimitIsUnlimited", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{RateLimit: -1, RateWindow: time.Second})
		tok := b.token(t, "all")
		for range 50 {
			wantStatus(t, b.send(t, "GET", "/api/Status?count=1", tok, nil), http.StatusOK)
		}
	})
}
