package deliver

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"halobridge/internal/halo"
	"halobridge/internal/jobs"
)

// Args is the durable job that delivers one partner's pending alerts and
// resolutions. Passes for one partner never overlap (Service.Deliver holds
// a lease), so its tickets are created one at a time, as HaloPSA's own
// ticket numbering needs.
//
// Jobs are unique per partner and Wake: a job inserted while the partner's
// job runs would be dropped as its duplicate, and what arrived meanwhile
// would wait for the sweep, so such an insert becomes the one wake-up job.
type Args struct {
	PartnerID int64 `json:"partner_id"`
	Wake      bool  `json:"wake,omitempty"`
}

func (Args) Kind() string { return "deliver_tickets" }

// SweepArgs is the periodic job that starts delivery for every partner
// with work left, so that nothing is lost when the process died between
// storing alerts and inserting their job.
type SweepArgs struct{}

func (SweepArgs) Kind() string { return "deliver_tickets_sweep" }

// Inserter inserts jobs, reads them back and wakes them; *jobs.Queue is one.
type Inserter interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (jobs.JobInfo, error)
	Job(ctx context.Context, id int64) (*rivertype.JobRow, error)
	Retry(ctx context.Context, id int64) (*rivertype.JobRow, error)
}

// Jobs wires delivery into a job queue:
//
//	dj := &deliver.Jobs{Service: svc}
//	workers := river.NewWorkers()
//	sweep := dj.Register(workers)
//	q, _ := jobs.Open(ctx, st, jobs.Options{Workers: workers, Periodic: []*river.PeriodicJob{sweep}})
//	dj.Use(q)
//	committer.OnStored(dj.OnStored)
type Jobs struct {
	Service *Service
	// SweepEvery is how often partners with work left are looked for
	// (default 1 minute).
	SweepEvery time.Duration
	// Timeout bounds one pass (default 10 minutes); the queue's
	// RescueStuckJobsAfter must be longer.
	Timeout time.Duration
	// Connectors, when set, lets the sweep ask sources that do not push
	// their resolutions (GravityZone incidents) what they resolved.
	Connectors Connectors
	Logger     *slog.Logger
	queue      Inserter
}

// Register adds the delivery workers to workers and returns the sweep, for
// jobs.Options.Periodic.
func (j *Jobs) Register(workers *river.Workers) *river.PeriodicJob {
	river.AddWorker(workers, &worker{jobs: j})
	river.AddWorker(workers, &sweepWorker{jobs: j})
	every := j.SweepEvery
	if every <= 0 {
		every = time.Minute
	}
	return jobs.Every(every, func() river.JobArgs { return SweepArgs{} })
}

// Use sets the queue jobs are inserted into, once jobs.Open returned it.
func (j *Jobs) Use(q Inserter) { j.queue = q }

// Enqueue inserts a delivery job for each partner, unless one is already
// waiting or running.
func (j *Jobs) Enqueue(ctx context.Context, partnerIDs []int64) error {
	if j.queue == nil {
		return errors.New("deliver: no job queue; call Use first")
	}
	var errs []error
	for _, id := range partnerIDs {
		errs = append(errs, j.enqueue(ctx, id))
	}
	return errors.Join(errs...)
}

func (j *Jobs) enqueue(ctx context.Context, partnerID int64) error {
	unique := &river.InsertOpts{UniqueOpts: *jobs.UniquePerPartner()}
	job, err := j.queue.Insert(ctx, Args{PartnerID: partnerID}, unique)
	if err != nil || !job.Duplicate {
		return err
	}
	// A job about to run will see what was just stored. One that sleeps
	// until a group's retry or a ticket's flush window would leave it
	// waiting that long: it runs now, unless the partner's delivery rests
	// (paused, or out of HaloPSA budget) and running is pointless. One that
	// runs, or finished since the insert found it, may not see it: a
	// wake-up job follows it.
	row, err := j.queue.Job(ctx, job.ID)
	if err != nil {
		return err
	}
	now := time.Now()
	switch row.State {
	case rivertype.JobStateAvailable, rivertype.JobStatePending:
		return nil
	case rivertype.JobStateScheduled, rivertype.JobStateRetryable:
		if !row.ScheduledAt.After(now.Add(j.Service.opts.Gather)) || j.Service.restingAt(partnerID, now) {
			return nil
		}
		_, err = j.queue.Retry(ctx, row.ID)
		return err
	}
	_, err = j.queue.Insert(ctx, Args{PartnerID: partnerID, Wake: true}, unique)
	return err
}

// OnStored starts delivery for partners that got new alerts; it is what
// ingest.Committer.OnStored takes. A failure is only logged: the sweep
// finds those partners again.
func (j *Jobs) OnStored(ctx context.Context, partnerIDs []int64) {
	if err := j.Enqueue(ctx, partnerIDs); err != nil && j.Logger != nil {
		j.Logger.Warn("could not start ticket delivery; the next sweep will", "partners", partnerIDs, "error", err)
	}
}

type worker struct {
	river.WorkerDefaults[Args]
	jobs *Jobs
}

func (w *worker) Timeout(*river.Job[Args]) time.Duration {
	if w.jobs.Timeout > 0 {
		return w.jobs.Timeout
	}
	return 10 * time.Minute
}

// Work runs one pass; a rate limit or work still gathering snoozes the job
// rather than failing it, so neither spends an attempt.
func (w *worker) Work(ctx context.Context, job *river.Job[Args]) error {
	res, err := w.jobs.Service.Deliver(ctx, job.Args.PartnerID)
	var limited *halo.RateLimitError
	switch {
	case errors.As(err, &limited):
		w.jobs.Service.rest(job.Args.PartnerID, time.Now().Add(limited.RetryAfter))
		return jobs.SnoozeOnRateLimit(err)
	case err != nil:
		if w.jobs.Logger != nil {
			w.jobs.Logger.Warn("ticket delivery pass failed; the job retries it", "partner", job.Args.PartnerID, "attempt", job.Attempt, "error", err)
		}
		return err
	}
	if res.Again > 0 {
		return river.JobSnooze(res.Again)
	}
	return nil
}

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	jobs *Jobs
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	svc := w.jobs.Service
	if w.jobs.Connectors != nil {
		w.poll(ctx)
	}
	partners, err := svc.store.PartnersWithPendingWork(ctx, svc.opts.Now())
	if err != nil {
		return err
	}
	return w.jobs.Enqueue(ctx, partners)
}

// poll asks every partner's sources for resolutions. A source that fails
// is logged and asked again at the next sweep; the others go on.
func (w *sweepWorker) poll(ctx context.Context) {
	partners, err := w.jobs.Service.store.Partners(ctx)
	if err != nil {
		w.warn("could not list partners to poll resolutions", err)
		return
	}
	for _, p := range partners {
		if _, err := w.jobs.Service.PollResolutions(ctx, p.ID, w.jobs.Connectors); err != nil {
			w.warn("could not poll resolutions", err)
		}
	}
}

func (w *sweepWorker) warn(msg string, err error) {
	if w.jobs.Logger != nil {
		w.jobs.Logger.Warn(msg, "error", err)
	}
}
