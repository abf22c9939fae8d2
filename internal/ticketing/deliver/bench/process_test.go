package bench

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The replica processes here are this test binary, misbehaving as
// TestMain's runChild is told (main_test.go).
func TestReplicaProcess(t *testing.T) {
	t.Parallel()
	program, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ready := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ready.Close)
	start := func(t *testing.T, mode string) *replica {
		t.Helper()
		dir := t.TempDir()
		env := append(os.Environ(), "HALOBRIDGE_BENCH_TEST_CHILD="+mode, "HALOBRIDGE_BENCH_TEST_LISTEN="+strings.TrimPrefix(ready.URL, "http://"))
		r, err := startReplica("replica-1", program, []string{"serve"}, env, dir, filepath.Join(dir, "replica-1.log"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.stop(0) })
		return r
	}

	t.Run("ReadsWhereItServesAndStopsItWithSIGTERM", func(t *testing.T) {
		t.Parallel()
		r := start(t, "serve")
		if err := r.ready(t.Context()); err != nil {
			t.Fatalf("ready: %v", err)
		}
		if r.url != ready.URL {
			t.Errorf("the replica serves at %q, want %q as its log said", r.url, ready.URL)
		}
		if code := r.stop(time.Minute); code != 0 {
			t.Errorf("exit code %d after SIGTERM, want 0", code)
		}
	})
	t.Run("KillsAReplicaThatIgnoresSIGTERM", func(t *testing.T) {
		t.Parallel()
		r := start(t, "stubborn")
		if err := r.ready(t.Context()); err != nil {
			t.Fatalf("ready: %v", err)
		}
		if code := r.stop(200 * time.Millisecond); code != -1 {
			t.Errorf("exit code %d, want -1: killed", code)
		}
		select {
		case <-r.exited:
		default:
			t.Error("the replica still runs after stop")
		}
	})
	t.Run("SaysAReplicaEndedBeforeServingWithItsLastWords", func(t *testing.T) {
		t.Parallel()
		r := start(t, "fail")
		err := r.ready(t.Context())
		if err == nil || !strings.Contains(err.Error(), "replica-1 ended before serving") || !strings.Contains(err.Error(), "exit status 3") {
			t.Errorf("ready: %v; want it to say replica-1 ended, with its exit status", err)
		}
		if tail := r.logTail(5); !strings.Contains(tail, "the database refused the connection") {
			t.Errorf("log tail %q does not hold what the replica said", tail)
		}
	})
}
