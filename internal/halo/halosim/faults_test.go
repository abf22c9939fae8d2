package halosim

import (
	"context"
	"errors"
	"fmt"
	"halobridge/internal/wait"
	"net/http"
	"slices"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	t.Parallel()

	t.Run("StatusFaultAppliesTimesThenStops", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		b.sim.InjectFault(Fault{Method: "GET", PathPrefix: "/API/client", Status: 503, Body: "Service Unavailable", RetryAfter: 7 * time.Second, Times: 2})
		for range 2 {
			resp := b.send(t, "GET", "/api/Client", tok, nil)
			wantStatus(t, resp, http.StatusServiceUnavailable)
			if resp.text() != "Service Unavailable" || resp.header.Get("Retry-After") != "7" {
				t.Fatalf("fault answer %q, Retry-After %q", resp.body, resp.header.Get("Retry-After"))
			}
		}
		wantStatus(t, b.send(t, "GET", "/api/Client", tok, nil), http.StatusOK)
	})

	t.Run("MatchesMethodAndPathPrefix", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		b.sim.InjectFault(Fault{Method: "POST", PathPrefix: "/api/tickets", Status: 500})
		wantStatus(t, b.send(t, "GET", "/api/Tickets", tok, nil), http.StatusOK)
		wantStatus(t, b.send(t, "GET", "/api/Client", tok, nil), http.StatusOK)
		wantStatus(t, b.send(t, "POST", "/api/Tickets", tok, []map[string]any{{"summary": "s"}}), http.StatusInternalServerError)
	})

	t.Run("ClearFaultsRemovesStandingFaults", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		b.sim.InjectFault(Fault{Status: 502})
		wantStatus(t, b.send(t, "GET", "/api/Status", tok, nil), http.StatusBadGateway)
		wantStatus(t, b.send(t, "GET", "/api/Status", tok, nil), http.StatusBadGateway)
		b.sim.ClearFaults()
		wantStatus(t, b.send(t, "GET", "/api/Status", tok, nil), http.StatusOK)
	})

	t.Run("LatencyDelaysTheRealAnswer", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		b.sim.InjectFault(Fault{PathPrefix: "/api/status", Latency: 80 * time.Millisecond, Times: 1})
		start := time.Now()
		wantStatus(t, b.send(t, "GET", "/api/Status", tok, nil), http.StatusOK)
		if elapsed := time.Since(start); elapsed < 80*time.Millisecond {
			t.Fatalf("answered after %v", elapsed)
		}
	})

	t.Run("HangLastsUntilTheClientGivesUp", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		b.sim.InjectFault(Fault{PathPrefix: "/api/status", Hang: true, Times: 1})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.srv.URL+"/api/Status", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		_, err := http.DefaultClient.Do(req)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want a deadline", err)
		}
		waitForLog(t, b, "/api/Status", 0)
	})

	t.Run("DropClosesTheConnectionWithoutAnswer", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		b.sim.InjectFault(Fault{PathPrefix: "/api/status", Drop: true, Times: 1})
		req, _ := http.NewRequest(http.MethodGet, b.srv.URL+"/api/Status", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		// A fresh connection: on a reused one Go's transport silently retries an idempotent
		// request the server dropped, and the retry would get the real answer.
		fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		if resp, err := fresh.Do(req); err == nil {
			resp.Body.Close()
			t.Fatalf("got an answer: %d", resp.StatusCode)
		}
		waitForLog(t, b, "/api/Status", 0)
	})

	t.Run("AfterApplyWritesThenFails", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		client := activeClientWithGeneralUser(t, b)
		before := len(b.sim.Tickets())
		b.sim.InjectFault(Fault{Method: "POST", PathPrefix: "/api/tickets", Status: 504, AfterApply: true, Times: 1})
		wantStatus(t, b.send(t, "POST", "/api/Tickets", tok, []map[string]any{{"summary": "lost answer", "client_id": client.ID}}), http.StatusGatewayTimeout)
		tickets := b.sim.Tickets()
		if len(tickets) != before+1 || tickets[len(tickets)-1].Summary != "lost answer" {
			t.Fatalf("%d tickets (before %d): the write was not applied", len(tickets), before)
		}
	})

	t.Run("AfterApplyFailsReadsBeforeAnswering", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		b.sim.InjectFault(Fault{Method: "GET", Status: 500, AfterApply: true, Times: 1})
		wantStatus(t, b.send(t, "GET", "/api/Status", tok, nil), http.StatusInternalServerError)
	})
}

// waitForLog waits for the simulator to log a request to path with status (it logs a hung or
// dropped request once its handler returns, which may be after the client has given up).
func waitForLog(t *testing.T, b *testBundle, path string, status int) {
	t.Helper()
	wait.For(t, fmt.Sprintf("a %s request logged with status %d", path, status), func() bool {
		return slices.ContainsFunc(b.sim.Requests(), func(r Request) bool { return r.Path == path && r.Status == status })
	})
}

func TestRequestLog(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	tok := b.token(t, "all")
	wantStatus(t, b.send(t, "POST", "/api/Tickets?x=1", tok, `[{"summary":"s"}]`), http.StatusBadRequest)

	log := b.sim.Requests()
	if len(log) != 2 {
		t.Fatalf("%d requests logged", len(log))
	}
	token, write := log[0], log[1]
	if token.Method != "POST" || token.Path != "/auth/token" || token.Status != 200 || token.ClientID != DefaultClientID {
		t.Fatalf("token request = %+v", token)
	}
	if write.Path != "/api/Tickets" || write.Query != "x=1" || write.Status != 400 || write.ClientID != DefaultClientID ||
		string(write.Body) != `[{"summary":"s"}]` || !write.Time.Equal(b.clock.Now()) {
		t.Fatalf("write request = %+v", write)
	}
	b.sim.ResetRequests()
	if n := len(b.sim.Requests()); n != 0 {
		t.Fatalf("%d requests after reset", n)
	}
}
