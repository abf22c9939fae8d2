package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"halobridge/internal/store"
)

// Options configures a Queue. Zero values take River's defaults unless
// said otherwise.
type Options struct {
	// Workers run the job kinds this Queue works. Nil makes an insert-only
	// Queue, which cannot Start.
	Workers *river.Workers
	// Periodic jobs are inserted by whichever replica currently leads.
	Periodic []*river.PeriodicJob
	// Queues default to river.QueueDefault with 4 workers.
	Queues map[string]river.QueueConfig
	// ID names this replica in job rows and in leader election.
	ID string
	// RescueStuckJobsAfter is how long a job may stay running before it is
	// taken for abandoned by a process that died, and run again. It must
	// not be shorter than JobTimeout.
	RescueStuckJobsAfter time.Duration
	// JobTimeout bounds one attempt of a job whose worker sets no Timeout.
	JobTimeout time.Duration
	// MaxAttempts is the attempts a job gets unless inserted with its own.
	MaxAttempts int
	// Logger receives River's own logs; nil discards them.
	Logger *slog.Logger
	// FetchPollInterval is how often idle workers look for new jobs. On
	// SQLite, which cannot notify, it is also how long a job inserted by
	// another process may wait.
	FetchPollInterval time.Duration
}

// defaultWorkers is how many jobs of the default queue run at once.
const defaultWorkers = 4

func (o Options) riverConfig() *river.Config {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg := &river.Config{
		ID:                   o.ID,
		JobTimeout:           o.JobTimeout,
		Logger:               logger,
		MaxAttempts:          o.MaxAttempts,
		PeriodicJobs:         o.Periodic,
		RescueStuckJobsAfter: o.RescueStuckJobsAfter,
		Workers:              o.Workers,
		FetchPollInterval:    o.FetchPollInterval,
	}
	// River refuses a poll interval shorter than the pause between fetches.
	if o.FetchPollInterval > 0 {
		cfg.FetchCooldown = min(o.FetchPollInterval, river.FetchCooldownDefault)
	}
	if o.Workers != nil {
		cfg.Queues = o.Queues
		if cfg.Queues == nil {
			cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: defaultWorkers}}
		}
	}
	return cfg
}

// Queue inserts and works durable jobs in the store's database, whichever
// engine that is.
type Queue struct {
	client riverClient
}

// riverClient is what Queue uses of a river.Client: the methods that do
// not depend on the engine's transaction type, so that one Queue serves
// both river.Client[pgx.Tx] and river.Client[*sql.Tx].
type riverClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	JobGet(ctx context.Context, id int64) (*rivertype.JobRow, error)
	JobRetry(ctx context.Context, id int64) (*rivertype.JobRow, error)
}

// JobInfo is what Insert did.
type JobInfo struct {
	ID int64
	// Duplicate reports that a unique job with the same arguments was
	// already waiting or running; ID is that job's.
	Duplicate bool
}

// Open brings River's tables up to date in the store's database and
// returns a Queue over it, not yet started. Replicas may open at the same
// time: River's migrations are applied once.
//
// On PostgreSQL the Queue uses the store's pgx pool; on SQLite it shares
// the store's single writer connection, so that River and the store queue
// for the file lock in Go instead of failing with SQLITE_BUSY.
func Open(ctx context.Context, s *store.Store, opts Options) (*Queue, error) {
	cfg := opts.riverConfig()
	var (
		client riverClient
		err    error
	)
	if pool := s.PgxPool(); pool != nil {
		if err := migratePostgres(ctx, pool, cfg.Logger); err != nil {
			return nil, fmt.Errorf("open job queue: %w", err)
		}
		client, err = newClient(riverpgxv5.New(pool), cfg)
	} else {
		if err := migrateSQLite(ctx, s.DB(), cfg.Logger); err != nil {
			return nil, fmt.Errorf("open job queue: %w", err)
		}
		client, err = newClient(riversqlite.New(s.DB()), cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("open job queue: %w", err)
	}
	return &Queue{client: client}, nil
}

func newClient[TTx any](driver riverdriver.Driver[TTx], cfg *river.Config) (riverClient, error) {
	c, err := river.NewClient(driver, cfg)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Start begins working jobs and, on the leading replica, inserting
// periodic jobs and rescuing stuck ones. Cancelling ctx stops the Queue as
// StopAndCancel does.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	return nil
}

// Stop stops fetching jobs and waits for the running ones to finish, or
// for ctx to end.
func (q *Queue) Stop(ctx context.Context) error {
	if err := q.client.Stop(ctx); err != nil {
		return fmt.Errorf("stop job queue: %w", err)
	}
	return nil
}

// StopAndCancel cancels the contexts of the running jobs and waits for
// their workers to return: what a crash looks like to the jobs, short of
// killing the process.
func (q *Queue) StopAndCancel(ctx context.Context) error {
	if err := q.client.StopAndCancel(ctx); err != nil {
		return fmt.Errorf("stop and cancel job queue: %w", err)
	}
	return nil
}

// Insert stores a job for a worker of args' kind. opts may be nil.
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (JobInfo, error) {
	res, err := q.client.Insert(ctx, args, opts)
	if err != nil {
		return JobInfo{}, fmt.Errorf("insert %s job: %w", args.Kind(), err)
	}
	return JobInfo{ID: res.Job.ID, Duplicate: res.UniqueSkippedAsDuplicate}, nil
}

// Job reads one job: its state, attempts, errors and schedule. An unknown
// id is store.ErrNotFound.
func (q *Queue) Job(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	job, err := q.client.JobGet(ctx, id)
	if errors.Is(err, river.ErrNotFound) {
		return nil, fmt.Errorf("job %d: %w: %w", id, store.ErrNotFound, err)
	}
	if err != nil {
		return nil, fmt.Errorf("read job %d: %w", id, err)
	}
	return job, nil
}

// Retry makes a job that waits (scheduled, snoozed or retrying) run now;
// a running job is left alone. It wakes a partner's job that sleeps on a
// backoff when new work arrives for it.
func (q *Queue) Retry(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	job, err := q.client.JobRetry(ctx, id)
	if errors.Is(err, river.ErrNotFound) {
		return nil, fmt.Errorf("job %d: %w: %w", id, store.ErrNotFound, err)
	}
	if err != nil {
		return nil, fmt.Errorf("retry job %d now: %w", id, err)
	}
	return job, nil
}
