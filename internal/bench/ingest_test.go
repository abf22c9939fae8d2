package bench

import (
	"os"
	"testing"
	"time"
)

func TestIngestStoresEveryEventItCounts(t *testing.T) {
	t.Parallel()
	opts := IngestOptions{Load: Load{Senders: 2, BatchSize: 20, Duration: 300 * time.Millisecond}, PacedRate: 400, BaselineEvents: 200,
		PostgresURL: os.Getenv("TEST_DATABASE_URL")}
	report, err := Ingest(t.Context(), opts)
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
		if e.Max.Errors+e.Paced.Errors != 0 {
			t.Errorf("%s: %d failed posts", e.Engine, e.Max.Errors+e.Paced.Errors)
		}
		if e.Max.Events == 0 || e.Paced.Events == 0 {
			t.Errorf("%s: nothing posted: %+v", e.Engine, e)
		}
		if sum := e.Baseline.Events + e.Max.Events + e.Paced.Events; e.Stored != sum {
			t.Errorf("%s: %d alerts in the database, but %d were acknowledged", e.Engine, e.Stored, sum)
		}
	}
}

func TestIngestTargetsMet(t *testing.T) {
	t.Parallel()
	targets := IngestTargets{SQLiteEventsPerSecond: 30000, PacedP99Milliseconds: 100}
	good := EngineReport{Max: Run{EventsPerSec: 30000}, Paced: Run{P99Millis: 99.9}}
	tests := []struct {
		name   string
		change func(*EngineReport)
		want   bool
	}{
		{"BothMet", func(*EngineReport) {}, true},
		{"TooFew", func(r *EngineReport) { r.Max.EventsPerSec = 29999.9 }, false},
		{"TooSlow", func(r *EngineReport) { r.Paced.P99Millis = 100 }, false},
		{"FailedPosts", func(r *EngineReport) { r.Max.Errors = 1 }, false},
	}
	for _, tt := range tests {
		r := good
		tt.change(&r)
		if got := targets.met(r); got != tt.want {
			t.Errorf("%s: met = %v, want %v", tt.name, got, tt.want)
		}
	}
}
