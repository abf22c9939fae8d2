package syncrun

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"halobridge/internal/jobs"
	"halobridge/internal/store"
)

// DefaultInterval is how often every partner's catalog is synced unless
// configured otherwise.
const DefaultInterval = time.Hour

// syncTimeout bounds one sync: a large partner's usage costs a request per
// company per month at the source's pace (GravityZone allows ten a second).
const syncTimeout = 30 * time.Minute

// SyncArgs asks for a catalog sync of one partner. Inserting it while a
// sync of the partner waits or runs does nothing (jobs.UniquePerPartner),
// so "Sync now" pressed twice runs one sync.
type SyncArgs struct {
	PartnerID int64 `json:"partner_id" river:"unique"`
}

// Kind names the job.
func (SyncArgs) Kind() string { return "catalog_sync" }

// InsertOpts makes the job unique per partner.
func (SyncArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: *jobs.UniquePerPartner()}
}

// sweepArgs asks for a catalog sync of every partner connected to
// HaloPSA, spread over Spread; the periodic schedule inserts it.
type sweepArgs struct {
	Spread time.Duration `json:"spread,omitempty"`
}

func (sweepArgs) Kind() string { return "catalog_sync_all" }

// Register adds the catalog sync workers to workers: the per-partner sync,
// and the sweep Periodic schedules.
func Register(workers *river.Workers, syncer *Syncer) {
	river.AddWorker(workers, &syncWorker{syncer: syncer})
	river.AddWorker(workers, &sweepWorker{st: syncer.Store})
}

// Periodic schedules a sync of every connected partner every interval
// (DefaultInterval when not positive), for jobs.Options.Periodic.
func Periodic(interval time.Duration) []*river.PeriodicJob {
	if interval <= 0 {
		interval = DefaultInterval
	}
	return []*river.PeriodicJob{jobs.Every(interval, func() river.JobArgs { return sweepArgs{Spread: interval} })}
}

// syncWorker runs one partner's sync as a recorded run.
type syncWorker struct {
	river.WorkerDefaults[SyncArgs]
	syncer *Syncer
}

func (w *syncWorker) Timeout(*river.Job[SyncArgs]) time.Duration { return syncTimeout }

// Work records the run and its outcome. A sync that failed in part has
// done what it could and raised its events: it is not retried, the next
// sync is. Only a rate limit (snoozed until HaloPSA allows more) and an
// interrupted job are retried.
func (w *syncWorker) Work(ctx context.Context, job *river.Job[SyncArgs]) error {
	run, err := w.syncer.Store.StartSyncRun(ctx, store.SyncRun{PartnerID: job.Args.PartnerID, Kind: store.SyncCatalog, JobID: job.ID})
	if err != nil {
		return fmt.Errorf("start catalog sync of partner %d: %w", job.Args.PartnerID, err)
	}
	p := jobs.NewProgress(w.syncer.Store, run)
	_, err = w.syncer.Sync(ctx, job.Args.PartnerID, p)
	if ferr := p.Finish(err); ferr != nil {
		w.syncer.logger().Error("catalog sync not recorded", "partner", job.Args.PartnerID, "run", run.ID, "error", ferr)
	}
	if err != nil {
		w.syncer.logger().Warn("catalog sync failed", "partner", job.Args.PartnerID, "run", run.ID, "error", err)
	}
	if stops(err) {
		return jobs.SnoozeOnRateLimit(err)
	}
	return nil
}

// sweepWorker inserts a sync for every partner with a HaloPSA connection.
type sweepWorker struct {
	river.WorkerDefaults[sweepArgs]
	st *store.Store
}

func (w *sweepWorker) Work(ctx context.Context, job *river.Job[sweepArgs]) error {
	partners, err := w.st.Partners(ctx)
	if err != nil {
		return fmt.Errorf("periodic catalog sync: %w", err)
	}
	var errs []error
	for _, p := range partners {
		_, err := w.st.HaloConnection(ctx, p.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err == nil {
			at := time.Now().Add(SpreadOffset(p.ID, job.Args.Spread))
			err = insertFromWork(ctx, SyncArgs{PartnerID: p.ID}, &river.InsertOpts{ScheduledAt: at})
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("periodic catalog sync of partner %q: %w", p.Slug, err))
		}
	}
	return errors.Join(errs...)
}

// SpreadOffset is when within spread the periodic sync of a partner runs:
// the same offset every time, so each partner is synced every interval,
// and different offsets for different partners, so that a replica does
// not sync them all at once and spend every tenant's budget together.
func SpreadOffset(partnerID int64, spread time.Duration) time.Duration {
	if spread <= 0 {
		return 0
	}
	h := fnv.New64a()
	_ = binary.Write(h, binary.BigEndian, partnerID)
	return time.Duration(h.Sum64() % uint64(spread))
}

// insertFromWork inserts a job from inside a worker, through the River
// client working it, whichever engine that client runs on.
func insertFromWork(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	if c, err := river.ClientFromContextSafely[pgx.Tx](ctx); err == nil {
		_, err = c.Insert(ctx, args, opts)
		return err
	}
	c, err := river.ClientFromContextSafely[*sql.Tx](ctx)
	if err != nil {
		return err
	}
	_, err = c.Insert(ctx, args, opts)
	return err
}
