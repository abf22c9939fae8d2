package run

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"halobridge/internal/jobs"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// Args asks for one month of one partner to be billed for real.
type Args struct {
	PartnerID int64        `json:"partner_id" river:"unique"`
	Month     source.Month `json:"month" river:"unique"`
}

// Kind names billing jobs.
func (Args) Kind() string { return "billing" }

// InsertOpts makes a partner's month one job while it waits or runs.
func (Args) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: *jobs.UniquePerPartner()}
}

// Worker bills one partner's month as a durable job, recorded as a sync
// run of kind billing. A job stopped half way is simply run again: Run
// resumes without counting anything twice.
type Worker struct {
	river.WorkerDefaults[Args]
	Service *Service
}

// Work runs the billing. Clients that could not be billed are errors of the
// sync run but not of the job: the run tried every other client, and
// running it again at once would meet the same problems, which the events
// report. HaloPSA's rate limit snoozes the job instead.
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	st := w.Service.Store
	rec, err := st.StartSyncRun(ctx, store.SyncRun{PartnerID: job.Args.PartnerID, Kind: store.SyncBilling, JobID: job.ID})
	if err != nil {
		return fmt.Errorf("billing job %d: %w", job.ID, err)
	}
	p := jobs.NewProgress(st, rec)
	res, err := w.Service.RunWithProgress(ctx, job.Args.PartnerID, job.Args.Month, false, p)
	for _, c := range res.Clients {
		if c.Error != "" {
			p.Fail(fmt.Errorf("client %q (%d): %s", c.Name, c.ClientID, c.Error))
		}
	}
	return jobs.SnoozeOnRateLimit(errors.Join(err, p.Finish(err)))
}

// DueArgs asks for the check that bills each partner's due month.
type DueArgs struct{}

// Kind names the due check.
func (DueArgs) Kind() string { return "billing_due" }

// Inserter takes jobs; *jobs.Queue is one.
type Inserter interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (jobs.JobInfo, error)
}

// DueWorker inserts a billing job for every partner whose due month has
// not been billed yet.
type DueWorker struct {
	river.WorkerDefaults[DueArgs]
	Service *Service
	// Queue takes the billing jobs. It is set once jobs.Open has returned
	// the queue these workers run on, before the queue starts.
	Queue Inserter
}

// Work inserts the due billing jobs.
func (w *DueWorker) Work(ctx context.Context, _ *river.Job[DueArgs]) error {
	if w.Queue == nil {
		return errors.New("the billing due check has no queue to insert into: set DueWorker.Queue before starting the queue")
	}
	due, err := w.Service.Due(ctx)
	if err != nil {
		return err
	}
	for _, a := range due {
		if _, err := w.Queue.Insert(ctx, a, nil); err != nil {
			return err
		}
	}
	return nil
}

// Register adds the billing worker and the due check to workers. Set the
// returned due check's Queue before the queue starts.
func Register(workers *river.Workers, svc *Service) *DueWorker {
	due := &DueWorker{Service: svc}
	river.AddWorker(workers, &Worker{Service: svc})
	river.AddWorker(workers, due)
	return due
}

// dueCheckEvery is how often the due check runs. Billing is daily business
// (the bill day), but River counts a periodic job's interval from when a
// replica becomes the leader, so a daily check would never run in a
// process restarted every day; the check only reads the database, and a
// month already billed is not billed again.
const dueCheckEvery = time.Hour

// Periodic is the due check as a periodic job.
func Periodic() *river.PeriodicJob {
	return jobs.Every(dueCheckEvery, func() river.JobArgs { return DueArgs{} })
}

// Due lists what each partner needs billed now: the month its policy says
// is due (billing.Policy.DueMonth), unless a real run of that month has
// finished without error. Partners without a usable policy or a HaloPSA
// connection are left out.
func (s *Service) Due(ctx context.Context) ([]Args, error) {
	partners, err := s.Store.Partners(ctx)
	if err != nil {
		return nil, err
	}
	var out []Args
	for _, p := range partners {
		policy, err := s.Policy(ctx, p.ID)
		if errors.Is(err, ErrNoPolicy) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !policy.usable() {
			continue
		}
		if _, err := s.Store.HaloConnection(ctx, p.ID); errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		month := policy.DueMonth(s.now())
		billed, err := s.billed(ctx, p.ID, month)
		if err != nil {
			return nil, err
		}
		if !billed {
			out = append(out, Args{PartnerID: p.ID, Month: month})
		}
	}
	return out, nil
}

// billed reports whether a real run of month finished without error among
// the partner's recent runs.
func (s *Service) billed(ctx context.Context, partnerID int64, month source.Month) (bool, error) {
	runs, err := s.Store.BillingRuns(ctx, partnerID, 100)
	if err != nil {
		return false, err
	}
	for _, r := range runs {
		if r.Month == month && !r.DryRun && !r.FinishedAt.IsZero() && r.Error == "" {
			return true, nil
		}
	}
	return false, nil
}
