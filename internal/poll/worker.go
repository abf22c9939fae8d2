package poll

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"halobridge/internal/jobs"
)

// SweepArgs asks for every source that wants polling to be polled.
type SweepArgs struct{}

// Kind names the poll sweep.
func (SweepArgs) Kind() string { return "poll_sweep" }

// Worker polls, for every partner, the sources whose settings ask for it.
type Worker struct {
	river.WorkerDefaults[SweepArgs]
	Poller *Poller
}

// Work polls every enabled source; one failing source does not stop the others.
func (w *Worker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	partners, err := w.Poller.Store.Partners(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range partners {
		sources, err := w.Poller.Store.Sources(ctx, p.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, src := range sources {
			if !Enabled(src) {
				continue
			}
			if _, err := w.Poller.URLBlocks(ctx, src); err != nil {
				errs = append(errs, fmt.Errorf("poll source %q of partner %q: %w", src.Name, p.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// Register adds the poll worker, to run every interval.
func Register(workers *river.Workers, p *Poller, interval time.Duration) *river.PeriodicJob {
	river.AddWorker(workers, &Worker{Poller: p})
	return jobs.Every(interval, func() river.JobArgs { return SweepArgs{} })
}
