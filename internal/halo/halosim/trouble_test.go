package halosim

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestTrouble(t *testing.T) {
	t.Parallel()

	// fresh sends without keep-alives: on a reused connection Go's transport
	// silently retries an idempotent request the server dropped.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

	t.Run("FailRateAnswersWritesWith500BeforeApplyingThemAndLeavesReadsAlone", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{RateLimit: -1, Trouble: Trouble{FailRate: 1}})
		tok := b.token(t, "all")
		client := activeClientWithGeneralUser(t, b)
		before := len(b.sim.Tickets())
		for range 5 {
			wantStatus(t, b.send(t, "POST", "/api/Tickets", tok, []map[string]any{{"summary": "never", "client_id": client.ID}}), http.StatusInternalServerError)
		}
		if got := len(b.sim.Tickets()); got != before {
			t.Errorf("%d tickets after refused writes, want %d: nothing may be applied", got, before)
		}
		wantStatus(t, b.send(t, "GET", "/api/Tickets", tok, nil), http.StatusOK)
	})

	t.Run("FailAfterApplyRateAppliesWritesThenLosesTheAnswer", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{RateLimit: -1, Trouble: Trouble{FailAfterApplyRate: 1}})
		tok := b.token(t, "all")
		client := activeClientWithGeneralUser(t, b)
		before := len(b.sim.Tickets())
		failed, dropped := 0, 0
		for range 20 {
			req, _ := http.NewRequest(http.MethodPost, b.srv.URL+"/api/Tickets", strings.NewReader(`[{"summary":"lost","client_id":`+itoa(client.ID)+`}]`))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			resp, err := fresh.Do(req)
			if err != nil {
				dropped++
				continue
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusInternalServerError {
				t.Fatalf("answer %d, want 500 or no answer", resp.StatusCode)
			}
			failed++
		}
		if got := len(b.sim.Tickets()); got != before+20 {
			t.Errorf("%d tickets, want all 20 writes applied (before %d)", got, before)
		}
		if failed == 0 || dropped == 0 {
			t.Errorf("%d answered 500 and %d dropped, want both kinds of lost answer", failed, dropped)
		}
	})

	t.Run("RatesFailAboutThatShareOfWrites", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{RateLimit: -1, Seed: 7, Trouble: Trouble{FailRate: 0.2}})
		tok := b.token(t, "all")
		client := activeClientWithGeneralUser(t, b)
		failed := 0
		for range 400 {
			if b.send(t, "POST", "/api/Tickets", tok, []map[string]any{{"summary": "s", "client_id": client.ID}}).status == http.StatusInternalServerError {
				failed++
			}
		}
		// 400 draws at 20 %: 80 expected, and 50..110 holds for any seed but a
		// freak one (over 3.5 standard deviations).
		if failed < 50 || failed > 110 {
			t.Errorf("%d of 400 writes failed at a 20 %% rate", failed)
		}
	})

	t.Run("DownRefusesEveryRequestUntilItIsUp", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{RateLimit: -1})
		tok := b.token(t, "all")
		if err := b.sim.SetTrouble(Trouble{Down: true}); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/api/Status", "/auth/token"} {
			req, _ := http.NewRequest(http.MethodGet, b.srv.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			if resp, err := fresh.Do(req); err == nil {
				resp.Body.Close()
				t.Errorf("%s answered %d while down", path, resp.StatusCode)
			}
		}
		if err := b.sim.SetTrouble(Trouble{}); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, b.send(t, "GET", "/api/Status", tok, nil), http.StatusOK)
	})

	t.Run("LatencyHoldsEveryAnswer", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{RateLimit: -1})
		tok := b.token(t, "all")
		if err := b.sim.SetTrouble(Trouble{Latency: 10 * time.Minute}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.srv.URL+"/api/Status", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the client to give up before a 10-minute latency ends", err)
		}
	})

	t.Run("IsReadAndSetOverHTTPWhileRunning", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{RateLimit: -1})
		wantStatus(t, b.send(t, "PUT", "/_sim/trouble", "", `{"fail_rate":0.05,"fail_after_apply_rate":0.05,"latency":"20ms"}`), http.StatusOK)
		got := b.sim.CurrentTrouble()
		want := Trouble{FailRate: 0.05, FailAfterApplyRate: 0.05, Latency: 20 * time.Millisecond}
		if got != want {
			t.Errorf("after PUT: %+v, want %+v", got, want)
		}
		read := b.send(t, "GET", "/_sim/trouble", "", nil)
		wantStatus(t, read, http.StatusOK)
		if body := read.text(); !strings.Contains(body, `"latency":"20ms"`) || !strings.Contains(body, `"fail_rate":0.05`) || !strings.Contains(body, `"down":false`) {
			t.Errorf("GET answered %s", body)
		}
		for _, bad := range []string{`{"fail_rate":1.5}`, `{"fail_rate":0.6,"fail_after_apply_rate":0.6}`, `{"latency":"soon"}`, `{"fial_rate":0.1}`, `not json`} {
			resp := b.send(t, "PUT", "/_sim/trouble", "", bad)
			if resp.status != http.StatusBadRequest {
				t.Errorf("PUT %s answered %d, want 400", bad, resp.status)
			}
		}
		if got := b.sim.CurrentTrouble(); got != want {
			t.Errorf("refused settings changed them: %+v", got)
		}
	})
}
