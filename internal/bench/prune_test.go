package bench

import (
	"os"
	"testing"
	"time"
)

func TestPruneMeasuresIngestWithAndWithoutPruning(t *testing.T) {
	t.Parallel()
	opts := PruneOptions{Load: Load{Senders: 2, BatchSize: 20, Duration: 300 * time.Millisecond}, Rounds: 1, Backlog: 3000, PruneBatch: 50,
		PostgresURL: os.Getenv("TEST_DATABASE_URL")}
	report, err := Prune(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := 1
	if opts.PostgresURL != "" {
		want = 2
	}
	if len(report.Engines) != want {
		t.Fatalf("%d engines reported, want %d", len(report.Engines), want)
	}
	for _, e := range report.Engines {
		if len(e.Without) != 2 || len(e.While) != 1 {
			t.Fatalf("%s: %d runs without pruning and %d with it, want 2 and 1", e.Engine, len(e.Without), len(e.While))
		}
		for _, run := range append(e.Without, e.While...) {
			if run.Errors != 0 || run.Events == 0 {
				t.Errorf("%s: run %+v; want events posted and none failed", e.Engine, run)
			}
		}
		if e.PruneErrors != 0 || e.PrunedAlerts == 0 || e.PruneBatches == 0 {
			t.Errorf("%s: the pruner deleted %d alerts in %d batches with %d errors (%s); want some deleted, no errors",
				e.Engine, e.PrunedAlerts, e.PruneBatches, e.PruneErrors, e.PruneLastError)
		}
		if e.Ratio <= 0 {
			t.Errorf("%s: ratio %v", e.Engine, e.Ratio)
		}
	}
}

func TestPruneTargetsMet(t *testing.T) {
	t.Parallel()
	targets := PruneTargets{RatioAtLeast: 0.9}
	good := PruneEngineReport{Without: []Run{{EventsPerSec: 100}, {EventsPerSec: 100}}, While: []Run{{EventsPerSec: 90}}, Ratio: 0.9, PruningLastedEveryRun: true}
	tests := []struct {
		name   string
		change func(*PruneEngineReport)
		want   bool
	}{
		{"Met", func(*PruneEngineReport) {}, true},
		{"IngestSlowedTooMuch", func(r *PruneEngineReport) { r.Ratio = 0.89 }, false},
		{"BacklogRanOut", func(r *PruneEngineReport) { r.PruningLastedEveryRun = false }, false},
		{"PruningFailed", func(r *PruneEngineReport) { r.PruneErrors = 1 }, false},
		{"APostFailedWhilePruning", func(r *PruneEngineReport) { r.While = []Run{{EventsPerSec: 90, Errors: 1}} }, false},
		{"APostFailedWithout", func(r *PruneEngineReport) { r.Without = []Run{{Errors: 1}} }, false},
	}
	for _, tt := range tests {
		r := good
		tt.change(&r)
		if got := targets.met(r); got != tt.want {
			t.Errorf("%s: met = %v, want %v", tt.name, got, tt.want)
		}
	}
}
