package twoway

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"halobridge/internal/connect"
	"halobridge/internal/jobs"
	"halobridge/internal/store"
)

// ProcessArgs asks for a partner's stored webhook deliveries to be acted on.
type ProcessArgs struct {
	PartnerID int64 `json:"partner_id"`
	// Wake marks the job that follows one already running, which may have read the
	// deliveries before the new ones were stored.
	Wake bool `json:"wake,omitempty"`
}

// Kind names the job.
func (ProcessArgs) Kind() string { return "halo_ticket_changes" }

// SweepArgs asks for every partner's webhook to be checked where due, its deliveries acted
// on, and its tickets polled when no delivery came for an interval.
type SweepArgs struct{}

// Kind names the sweep.
func (SweepArgs) Kind() string { return "halo_ticket_changes_sweep" }

// Inserter is what the jobs are inserted with: *jobs.Queue.
type Inserter interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (jobs.JobInfo, error)
}

// Jobs runs the Service as durable jobs.
type Jobs struct {
	Service *Service
	queue   Inserter
}

// Register adds the workers and returns the sweep, to run at start and every interval.
func (j *Jobs) Register(workers *river.Workers) *river.PeriodicJob {
	river.AddWorker(workers, &processWorker{svc: j.Service})
	river.AddWorker(workers, &sweepWorker{svc: j.Service})
	river.AddWorker(workers, &writeWorker[CallbackArgs]{svc: j.Service, send: j.Service.SendCallback, timeout: 2 * callbackTimeout})
	river.AddWorker(workers, &writeWorker[IncidentArgs]{svc: j.Service, send: j.Service.SendIncident, timeout: incidentTimeout})
	// Unlike jobs.Every, the sweep also runs as the leader starts, so that a server sets up
	// the webhooks at once rather than an interval later.
	return river.NewPeriodicJob(river.PeriodicInterval(j.Service.interval()), func() (river.JobArgs, *river.InsertOpts) {
		return SweepArgs{}, &river.InsertOpts{UniqueOpts: *jobs.UniquePerPartner()}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

// Use sets the queue jobs are inserted into, once jobs.Open returned it.
func (j *Jobs) Use(q Inserter) { j.queue, j.Service.queue = q, q }

// OnStored starts acting on a partner's new deliveries; the receiver calls it. A job
// already waiting takes them; one already running may have read before they were stored,
// so a wake-up job follows it. The sweep catches any left over.
func (j *Jobs) OnStored(ctx context.Context, partnerID int64) {
	if j.queue == nil {
		return
	}
	unique := &river.InsertOpts{UniqueOpts: *jobs.UniquePerPartner()}
	job, err := j.queue.Insert(ctx, ProcessArgs{PartnerID: partnerID}, unique)
	if err == nil && job.Duplicate {
		_, err = j.queue.Insert(ctx, ProcessArgs{PartnerID: partnerID, Wake: true}, unique)
	}
	if err != nil {
		j.Service.logger().Warn("could not start acting on HaloPSA's webhook deliveries; the next sweep will", "partner_id", partnerID, "error", err)
	}
}

type processWorker struct {
	river.WorkerDefaults[ProcessArgs]
	svc *Service
}

func (w *processWorker) Work(ctx context.Context, job *river.Job[ProcessArgs]) error {
	return jobs.SnoozeOnRateLimit(w.svc.Process(ctx, job.Args.PartnerID))
}

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	svc *Service
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	return jobs.SnoozeOnRateLimit(w.svc.Sweep(ctx))
}

// Sweep runs, for every partner with a HaloPSA connection, what is due: check the webhook,
// act on deliveries left over, and poll when no delivery came within the interval. One
// partner's failure does not stop the others.
func (s *Service) Sweep(ctx context.Context) error {
	partners, err := s.Store.Partners(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range partners {
		if err := s.SweepPartner(ctx, p.ID); err != nil && !errors.Is(err, connect.ErrNotConnected) {
			errs = append(errs, fmt.Errorf("partner %q: %w", p.Name, err))
		}
	}
	return errors.Join(errs...)
}

// SweepPartner is Sweep for one partner.
func (s *Service) SweepPartner(ctx context.Context, partnerID int64) error {
	if _, err := s.Store.HaloConnection(ctx, partnerID); errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	rec, err := s.Store.HaloWebhook(ctx, partnerID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	now := s.now()
	var errs []error
	if s.checkDue(rec, err != nil, now) {
		checked, cerr := s.Ensure(ctx, partnerID)
		if cerr != nil {
			errs = append(errs, cerr)
		}
		rec = checked
	}
	errs = append(errs, s.Process(ctx, partnerID))
	if rec.PartnerID != 0 && polling(rec, now, s.interval()) && now.Sub(rec.PolledAt) >= s.interval()-time.Second {
		_, perr := s.Poll(ctx, partnerID)
		errs = append(errs, perr)
	}
	return errors.Join(errs...)
}

// checkDue says whether the webhook is to be checked now: never set up, not working and
// not checked for an interval, or not checked for checkEvery.
func (s *Service) checkDue(rec store.HaloWebhook, missing bool, now time.Time) bool {
	age := now.Sub(rec.CheckedAt)
	return missing || rec.State == store.WebhookNone || rec.State != store.WebhookActive && age >= s.interval() || age >= checkEvery
}
