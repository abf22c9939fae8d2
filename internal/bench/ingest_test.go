package bench

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"halobridge/internal/ingest"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

func TestIngestStoresEveryEventItCountsAndReportsTheKeysRunsAreComparedBy(t *testing.T) {
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
		if e.PacedCheckpoint != "done" {
			t.Errorf("%s: checkpoint before the paced run: %s, want done", e.Engine, e.PacedCheckpoint)
		}
		if sum := e.Baseline.Events + e.Max.Events + e.Paced.Events; e.Stored != sum || e.Acknowledged != sum {
			t.Errorf("%s: %d alerts in the database, %d reported acknowledged, but %d were", e.Engine, e.Stored, e.Acknowledged, sum)
		}
	}
	// The keys runs are compared by.
	raw, err := json.Marshal(report)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Engines []map[string]any `json:"engines"`
		Targets map[string]any   `json:"targets"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	for _, e := range got.Engines {
		figures := map[string]float64{}
		for _, key := range []string{"events_per_second", "ceiling_events_per_second", "ratio_to_ceiling", "acknowledged", "alerts_in_database"} {
			v, ok := e[key].(float64)
			if !ok || v <= 0 {
				t.Errorf("%s: %s = %v, want a positive number", e["engine"], key, e[key])
			}
			figures[key] = v
		}
		if want := figures["events_per_second"] / figures["ceiling_events_per_second"]; math.Abs(figures["ratio_to_ceiling"]-want) > 0.006 {
			t.Errorf("%s: ratio_to_ceiling %v, want events_per_second / ceiling_events_per_second = %.3f", e["engine"], figures["ratio_to_ceiling"], want)
		}
		maxRun, _ := e["max_throughput"].(map[string]any)
		if maxRun["events_per_second"] != e["events_per_second"] {
			t.Errorf("%s: events_per_second %v is not max_throughput's %v", e["engine"], e["events_per_second"], maxRun["events_per_second"])
		}
		for _, key := range []string{"paced", "baseline_decode_insert", "ceiling", "http_to_baseline_ratio"} {
			if _, ok := e[key]; !ok {
				t.Errorf("%s: no %s", e["engine"], key)
			}
		}
	}
	for _, key := range []string{"sqlite_ratio_to_ceiling_at_least", "postgres_ratio_to_ceiling_at_least", "p99_ms_at_paced_rate_below", "met"} {
		if _, ok := got.Targets[key]; !ok {
			t.Errorf("targets: no %s", key)
		}
	}
}

func TestCeilingInsertsTheRowsHalobridgeStores(t *testing.T) {
	t.Parallel()
	for _, engine := range []struct{ name, url string }{{"sqlite", ""}, {"postgres", os.Getenv("TEST_DATABASE_URL")}} {
		t.Run(engine.name, func(t *testing.T) {
			t.Parallel()
			if engine.name == "postgres" && engine.url == "" {
				t.Skip("TEST_DATABASE_URL is not set")
			}
			db, err := OpenDatabase(t.Context(), engine.url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(db.Close)
			src, err := benchSource(t.Context(), db.Store)
			if err != nil {
				t.Fatal(err)
			}
			bare, err := db.Store.CreateSource(t.Context(), store.Source{PartnerID: src.PartnerID, Kind: source.GravityZone, Name: "GZ ceiling", Secret: "s"})
			if err != nil {
				t.Fatal(err)
			}
			const batch = 50
			bodies, err := newBodies(batch, ingest.DefaultMaxItems)
			if err != nil {
				t.Fatal(err)
			}
			// One transaction of the committer's size, whatever the time it takes.
			c, err := newCeiling(t.Context(), db, bare, bodies, batch)
			if err != nil {
				t.Fatal(err)
			}
			defer c.close()
			if err := c.measure(t.Context(), 0, time.Nanosecond); err != nil {
				t.Fatal(err)
			}
			if run := c.tally.run(); run.Events != ingest.DefaultMaxItems {
				t.Fatalf("ceiling inserted %d events, want %d", run.Events, ingest.DefaultMaxItems)
			}
			post, stop, err := serveIngest(t.Context(), db.Store, src, bodies, 2)
			if err != nil {
				t.Fatal(err)
			}
			for range ingest.DefaultMaxItems / batch {
				if _, err := post(); err != nil {
					stop()
					t.Fatal(err)
				}
			}
			stop()
			stored, inserted := alertRows(t, db, src.ID), alertRows(t, db, bare.ID)
			if len(stored) != ingest.DefaultMaxItems || len(inserted) != len(stored) {
				t.Fatalf("%d alerts stored over HTTP and %d by the ceiling, want %d of each", len(stored), len(inserted), ingest.DefaultMaxItems)
			}
			for eventID, row := range stored {
				if inserted[eventID] != row {
					t.Fatalf("event %s: the ceiling inserted\n%s\nhalobridge stored\n%s", eventID, inserted[eventID], row)
				}
			}
		})
	}
}

// alertRows reads the alerts of a source by event id, every column but
// the id, the source and the time received, as text; the time an event
// happened too when the event had none and it was taken from the time
// received.
func alertRows(t *testing.T, db *Database, sourceID int64) map[string]string {
	t.Helper()
	rows, err := db.Store.DB().QueryContext(t.Context(), `
		SELECT event_id, partner_id, source_kind, type, customer_id, severity, host_name, host_ip, user_name, url, facts,
			fingerprint, test, occurred_at, raw FROM alerts WHERE source_id = $1`, sourceID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var eventID string
		var partner int64
		var test bool
		var occurred any
		var kind, typ, customer, severity, host, ip, user, url, facts, fingerprint, raw string
		if err := rows.Scan(&eventID, &partner, &kind, &typ, &customer, &severity, &host, &ip, &user, &url, &facts, &fingerprint, &test, &occurred, &raw); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(facts, `"occurred_at_fallback"`) {
			occurred = "received"
		}
		out[eventID] = fmt.Sprint(partner, kind, typ, customer, severity, host, ip, user, url, facts, fingerprint, test, occurred, raw)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestIngestTargetsMet(t *testing.T) {
	t.Parallel()
	good := []EngineReport{
		{Engine: "sqlite", RatioToCeiling: 0.7, Paced: Run{P99Millis: 49.9}, Acknowledged: 10, Stored: 10},
		{Engine: "postgres", RatioToCeiling: 0.5, Paced: Run{P99Millis: 49.9}, Acknowledged: 10, Stored: 10},
	}
	tests := []struct {
		name   string
		change func([]EngineReport)
		missed []string
	}{
		{"AllMet", func([]EngineReport) {}, nil},
		{"SQLiteFarFromItsCeiling", func(r []EngineReport) { r[0].RatioToCeiling = 0.69 }, []string{"sqlite: ratio to ceiling 0.69, below 0.70"}},
		{"PostgresFarFromItsCeiling", func(r []EngineReport) { r[1].RatioToCeiling = 0.49 }, []string{"postgres: ratio to ceiling 0.49, below 0.50"}},
		{"TooSlowAtThePacedRate", func(r []EngineReport) { r[1].Paced.P99Millis = 50 }, []string{"postgres: ack p99 50.00 ms at the paced rate, not below 50"}},
		{"FailedPosts", func(r []EngineReport) { r[0].Max.Errors, r[0].Paced.Errors = 1, 2 }, []string{"sqlite: 3 failed posts"}},
		{"AnAcknowledgedEventLost", func(r []EngineReport) { r[0].Stored = 9 }, []string{"sqlite: 9 alerts in the database, 10 acknowledged"}},
		{"AnEventStoredTwice", func(r []EngineReport) { r[1].Stored = 11 }, []string{"postgres: 11 alerts in the database, 10 acknowledged"}},
	}
	for _, tt := range tests {
		r := slices.Clone(good)
		tt.change(r)
		targets := ingestTargets
		targets.check(r)
		if targets.Met != (tt.missed == nil) || !slices.Equal(targets.Missed, tt.missed) {
			t.Errorf("%s: met = %v, missed %q; want missed %q", tt.name, targets.Met, targets.Missed, tt.missed)
		}
	}
	none := ingestTargets
	if none.check(nil); none.Met {
		t.Error("met with no engine measured")
	}
}

func TestIngestSendersKeepThreeFullCommitsInFlight(t *testing.T) {
	for _, tt := range []struct{ batch, want int }{
		{100, 60},  // 6,000 events in flight: three transactions of 2,000
		{0, 60},    // the default batch
		{70, 86},   // rounded up: 85 senders would leave 5,950
		{1000, 16}, // never fewer than 16
	} {
		if got := ingestSenders(tt.batch); got != tt.want {
			t.Errorf("ingestSenders(%d) = %d, want %d", tt.batch, got, tt.want)
		}
	}
	if got := (IngestOptions{}).withDefaults().Senders; got != 60 {
		t.Errorf("default senders = %d, want 60", got)
	}
}
