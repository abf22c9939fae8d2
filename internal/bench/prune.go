package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"halobridge/internal/ingest"
	"halobridge/internal/retention"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone"
	"halobridge/internal/store"
)

// PruneOptions shape the pruning benchmark.
type PruneOptions struct {
	// PostgresURL, when set, runs the benchmark on PostgreSQL too (in a
	// throw-away schema).
	PostgresURL string
	Load        // Duration defaults to 5 s
	// Rounds of one run without pruning and one with it, before a last run
	// without (default 2): alternating keeps a database that grows, or a
	// machine whose other load changes, from favouring either side.
	Rounds int
	// Backlog is how many alerts older than the retention, delivered, wait
	// to be pruned when the runs start (default 200,000).
	Backlog int
	// PruneBatch and Rest are the pruner's (zero: its defaults).
	PruneBatch int
	Rest       int
}

func (o PruneOptions) withDefaults() PruneOptions {
	o.Load = o.Load.withDefaults(5 * time.Second)
	if o.Rounds <= 0 {
		o.Rounds = 2
	}
	if o.Backlog <= 0 {
		o.Backlog = 200_000
	}
	return o
}

// PruneReport is what 'halobridge bench prune' prints.
type PruneReport struct {
	Machine string              `json:"machine"`
	Options PruneOptions        `json:"options"`
	Engines []PruneEngineReport `json:"engines"`
	Targets PruneTargets        `json:"targets"`
}

// PruneTargets restate the target next to the figures, and say
// whether every engine met it.
type PruneTargets struct {
	// RatioAtLeast is the share of its rate without pruning that ingest
	// keeps while pruning runs.
	RatioAtLeast float64 `json:"ingest_rate_ratio_at_least"`
	Met          bool    `json:"met"`
}

// met reports whether r meets the target: ingest kept its rate, nothing
// failed, and pruning went on for the whole run it was measured in.
func (t PruneTargets) met(r PruneEngineReport) bool {
	failed := r.PruneErrors
	for _, run := range slices.Concat(r.Without, r.While) {
		failed += run.Errors
	}
	return failed == 0 && r.PruningLastedEveryRun && r.Ratio >= t.RatioAtLeast
}

// PruneEngineReport holds one engine's figures.
type PruneEngineReport struct {
	Engine string `json:"engine"`
	// SeedSeconds is how long storing and delivering the backlog took.
	SeedSeconds float64 `json:"backlog_seed_seconds"`
	// Without and While are the runs without pruning and with it, in the
	// order they alternated: without, while, without, while, …, without.
	Without []Run `json:"ingest_without_pruning"`
	While   []Run `json:"ingest_while_pruning"`
	// The mean rates of each kind of run, and While's over Without's.
	WithoutEventsPerSec float64 `json:"events_per_second_without_pruning"`
	WhileEventsPerSec   float64 `json:"events_per_second_while_pruning"`
	Ratio               float64 `json:"ratio"`
	// What the pruner did during the runs with pruning.
	PrunedAlerts   int     `json:"alerts_pruned"`
	PruneBatches   int     `json:"prune_batches"`
	PrunedPerSec   float64 `json:"alerts_pruned_per_second"`
	PruneErrors    int     `json:"prune_errors"`
	PruneLastError string  `json:"prune_error,omitempty"`
	// PruningLastedEveryRun says the backlog was not used up before a run
	// with pruning ended: each was measured with pruning going on.
	PruningLastedEveryRun bool `json:"pruning_lasted_every_run"`
}

// retentionPeriod is the benchmark's --retention; the backlog is a day older.
const retentionPeriod = 90 * 24 * time.Hour

// Prune measures ingest's rate with and without pruning running beside it,
// on SQLite (and PostgreSQL when asked).
func Prune(ctx context.Context, opts PruneOptions) (PruneReport, error) {
	opts = opts.withDefaults()
	report := PruneReport{Machine: machine(), Options: opts, Targets: PruneTargets{RatioAtLeast: 0.9, Met: true}}
	runs := 2*opts.Rounds + 1
	bodies, err := newBodies(opts.BatchSize, runs*int(opts.Duration.Seconds()*maxEventsPerSecond))
	if err != nil {
		return report, err
	}
	for _, open := range engines(opts.PostgresURL) {
		db, err := open(ctx)
		if err != nil {
			return report, err
		}
		r, err := pruneOn(ctx, db, bodies, opts)
		db.Close()
		if err != nil {
			return report, fmt.Errorf("%s: %w", db.Engine, err)
		}
		report.Engines = append(report.Engines, r)
		report.Targets.Met = report.Targets.Met && report.Targets.met(r)
	}
	return report, nil
}

func pruneOn(ctx context.Context, db *Database, bodies *bodies, opts PruneOptions) (PruneEngineReport, error) {
	r := PruneEngineReport{Engine: db.Engine, PruningLastedEveryRun: true}
	src, err := benchSource(ctx, db.Store)
	if err != nil {
		return r, err
	}
	start := time.Now()
	if err := seedBacklog(ctx, db.Store, src, opts.Backlog, start.Add(-retentionPeriod-24*time.Hour)); err != nil {
		return r, fmt.Errorf("seed the backlog: %w", err)
	}
	r.SeedSeconds = round(time.Since(start).Seconds())

	post, stop, err := serveIngest(ctx, db.Store, src, bodies, opts.Senders)
	if err != nil {
		return r, err
	}
	defer stop()
	var pruning time.Duration
	for range opts.Rounds {
		r.Without = append(r.Without, closedLoop(opts.Load, post).run())
		run, took := whilePruning(ctx, db.Store, opts, &r, func() Run { return closedLoop(opts.Load, post).run() })
		r.While = append(r.While, run)
		pruning += took
	}
	r.Without = append(r.Without, closedLoop(opts.Load, post).run())

	r.WithoutEventsPerSec, r.WhileEventsPerSec = meanRate(r.Without), meanRate(r.While)
	if r.WithoutEventsPerSec > 0 {
		r.Ratio = round(r.WhileEventsPerSec / r.WithoutEventsPerSec)
	}
	r.PrunedPerSec = round(float64(r.PrunedAlerts) / pruning.Seconds())
	return r, nil
}

func meanRate(runs []Run) float64 {
	var sum float64
	for _, run := range runs {
		sum += run.EventsPerSec
	}
	return round(sum / float64(len(runs)))
}

// whilePruning runs measure with the pruner working through the backlog
// beside it, adds what the pruner did to r, and says how long it pruned.
func whilePruning(ctx context.Context, st *store.Store, opts PruneOptions, r *PruneEngineReport, measure func() Run) (Run, time.Duration) {
	pctx, stopPruning := context.WithCancel(ctx)
	var batches atomic.Int64
	p := &retention.Pruner{Store: st, Retention: retentionPeriod, BatchSize: opts.PruneBatch, Rest: opts.Rest,
		OnBatch: func(retention.Batch) { batches.Add(1) }}
	var finished atomic.Bool
	var res retention.Result
	var err error
	var wg sync.WaitGroup
	started := time.Now()
	wg.Go(func() {
		res, err = p.Prune(pctx)
		finished.Store(true)
	})
	run := measure()
	r.PruningLastedEveryRun = r.PruningLastedEveryRun && !finished.Load()
	took := time.Since(started)
	stopPruning()
	wg.Wait()
	if err != nil && pctx.Err() == nil {
		r.PruneErrors++
		r.PruneLastError = err.Error()
	}
	r.PrunedAlerts += res.Alerts
	r.PruneBatches += int(batches.Load())
	return run, took
}

// seedBacklog stores n delivered alerts received at received: copies of a
// thousand events the GravityZone simulator made, each with an event id of
// its own.
func seedBacklog(ctx context.Context, st *store.Store, src store.Source, n int, received time.Time) error {
	stream, err := newBodies(1000, 1000)
	if err != nil {
		return err
	}
	in, err := gravityzone.ParsePushAt(nil, stream.next(), received, source.DefaultMaxEvents)
	if err != nil {
		return err
	}
	const chunk = 2000
	for start := 0; start < n; start += chunk {
		alerts := make([]source.Alert, 0, chunk)
		for i := start; i < min(start+chunk, n); i++ {
			a := in.Alerts[i%len(in.Alerts)]
			a.EventID = fmt.Sprintf("backlog-%d", i)
			alerts = append(alerts, a)
		}
		res, err := st.StoreInbound(ctx, []store.InboundBatch{{PartnerID: src.PartnerID, SourceID: src.ID, ReceivedAt: received,
			DedupHorizon: ingest.DefaultDedupHorizon, Alerts: alerts}})
		if err != nil {
			return err
		}
		done := make([]store.AlertDelivery, len(res[0].AlertIDs))
		for i, id := range res[0].AlertIDs {
			done[i] = store.AlertDelivery{AlertID: id, PartnerID: src.PartnerID, State: store.DeliveryDone, Action: "skip", Reason: "benchmark backlog"}
		}
		if err := st.RecordDeliveries(ctx, done); err != nil {
			return err
		}
	}
	return nil
}
