package retention

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"halobridge/internal/jobs"
)

// Args asks for one pruning run.
type Args struct{}

// Kind names the pruning job.
func (Args) Kind() string { return "retention_prune" }

// runTimeout bounds one run, below River's one hour after which a running
// job is taken for abandoned. A run stopped by it has committed every batch
// it finished, and the next run goes on from there.
const runTimeout = 30 * time.Minute

type worker struct {
	river.WorkerDefaults[Args]
	pruner *Pruner
}

func (w *worker) Timeout(*river.Job[Args]) time.Duration { return runTimeout }

// Work runs the pruner once. A database failure fails the job, which River
// tries again; so does the next hourly run.
func (w *worker) Work(ctx context.Context, _ *river.Job[Args]) error {
	log := w.pruner.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	res, err := w.pruner.Prune(ctx)
	attrs := []any{"alerts", res.Alerts, "resolutions", res.Resolutions, "kept_for_delivery", res.Kept, "batches", res.Batches}
	switch {
	case stoppedEarly(ctx, err):
		log.Info("pruning stopped at its time limit; the next run goes on", attrs...)
		return nil
	case err != nil:
		log.Warn("pruning failed; it is tried again", append(attrs, "error", err)...)
		return fmt.Errorf("prune old alerts: %w", err)
	case res.Alerts+res.Resolutions > 0:
		log.Info("pruned what is older than the retention", attrs...)
	}
	return nil
}

// Register adds the pruning worker, to run every interval.
func Register(workers *river.Workers, p *Pruner, interval time.Duration) *river.PeriodicJob {
	river.AddWorker(workers, &worker{pruner: p})
	return jobs.Every(interval, func() river.JobArgs { return Args{} })
}
