package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type pinger struct{ err error }

func (p pinger) Ping(context.Context) error { return p.err }

func TestProbes(t *testing.T) {
	t.Parallel()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	cases := []struct {
		name       string
		store      Pinger
		method     string
		path       string
		wantStatus int
		wantBody   string
	}{
		{"HealthzAnswersOK", pinger{}, "GET", "/healthz", 200, `"ok"`},
		{"HealthzAnswersEvenWhenTheDatabaseIsDown", pinger{errors.New("down")}, "GET", "/healthz", 200, `"ok"`},
		{"ReadyzAnswersReadyWhenTheDatabaseAnswers", pinger{}, "GET", "/readyz", 200, `"ready"`},
		{"ReadyzAnswers503WhenTheDatabaseDoesNot", pinger{errors.New("connection refused")}, "GET", "/readyz", 503, "connection refused"},
		{"MetricsServesPrometheusText", pinger{}, "GET", "/metrics", 200, "probe_test_total 0"},
		{"PostToHealthzIsNotAllowed", pinger{}, "POST", "/healthz", 405, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reg := prometheus.NewRegistry()
			reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "probe_test_total", Help: "a counter"}))
			rec := httptest.NewRecorder()
			New(Deps{Store: tc.store, Gatherer: reg, Logger: logger}).ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d", rec.Code, tc.wantStatus)
			}
			if !strings.Contains(rec.Body.String(), tc.wantBody) {
				t.Errorf("body %q lacks %q", rec.Body.String(), tc.wantBody)
			}
		})
	}
}

func TestServeStopsGracefully(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	release := make(chan struct{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	})
	srv := httptest.NewUnstartedServer(nil)
	ln := srv.Listener
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ln, handler, Limits{Shutdown: 5 * time.Second}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()

	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String())
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	cancel() // shutdown begins while a request is in flight
	close(release)
	if body := <-got; body != "finished" {
		t.Fatalf("in-flight request got %q, want it to finish", body)
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve returned %v", err)
	}
}
