package jobs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"halobridge/internal/secret"
	"halobridge/internal/store"
	"halobridge/internal/store/storetest"
	"halobridge/internal/wait"
)

// engine makes fresh databases of one kind for the tests.
type engine struct {
	name        string
	newDatabase func(t *testing.T) string
}

func engines() []engine {
	return []engine{
		{"SQLite", newSQLiteDatabase},
		{"PostgreSQL", newPostgresDatabase},
	}
}

// newSQLiteDatabase returns the URL of a new database file.
func newSQLiteDatabase(t *testing.T) string {
	return "sqlite://" + filepath.Join(t.TempDir(), "halobridge.db")
}

// newPostgresDatabase gives the test a schema of its own (see
// storetest.PostgresURL) and returns a URL whose connections use it.
func newPostgresDatabase(t *testing.T) string {
	t.Helper()
	return storetest.PostgresURL(t, "jobstest", 10)
}

// openStore opens and migrates a store on the database at databaseURL, as
// a process starting up does.
func openStore(ctx context.Context, databaseURL string) (*store.Store, error) {
	key := make([]byte, secret.KeySize)
	rand.Read(key)
	keys, err := secret.NewKeyring(key)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, store.Config{DatabaseURL: databaseURL, Keys: keys})
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("%w (close: %v)", err, st.Close())
	}
	return st, nil
}

// testStore is openStore for a test, closed when the test ends.
func testStore(t *testing.T, databaseURL string) *store.Store {
	t.Helper()
	st, err := openStore(t.Context(), databaseURL)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return st
}

// openQueue opens a Queue that the end of the test stops, with River's
// warnings in the test's output.
func openQueue(t *testing.T, st *store.Store, opts Options) *Queue {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if opts.FetchPollInterval == 0 {
		opts.FetchPollInterval = 50 * time.Millisecond
	}
	q, err := Open(t.Context(), st, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return q
}

func start(t *testing.T, q *Queue) {
	t.Helper()
	if err := q.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
}

func insert(t *testing.T, q *Queue, args river.JobArgs, opts *river.InsertOpts) JobInfo {
	t.Helper()
	info, err := q.Insert(t.Context(), args, opts)
	if err != nil {
		t.Fatalf("Insert(%+v): %v", args, err)
	}
	return info
}

// waitForJob polls job id until cond holds and returns it.
func waitForJob(t *testing.T, q *Queue, id int64, what string, cond func(*rivertype.JobRow) bool) *rivertype.JobRow {
	t.Helper()
	var job *rivertype.JobRow
	wait.For(t, fmt.Sprintf("job %d to be %s", id, what), func() bool {
		var err error
		if job, err = q.Job(t.Context(), id); err != nil {
			t.Fatalf("Job(%d): %v", id, err)
		}
		return cond(job)
	})
	return job
}

func completed(job *rivertype.JobRow) bool { return job.State == rivertype.JobStateCompleted }

// jobLog is where the test workers record each run, so that a test counts
// what really ran rather than what River reports.
const jobLogTable = "CREATE TABLE job_log (job_id BIGINT NOT NULL, attempt INTEGER NOT NULL, replica TEXT NOT NULL)"

type logEntry struct {
	JobID   int64
	Attempt int
	Replica string
}

func readJobLog(t *testing.T, db *sql.DB) []logEntry {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), "SELECT job_id, attempt, replica FROM job_log ORDER BY job_id, attempt")
	if err != nil {
		t.Fatalf("read job_log: %v", err)
	}
	defer rows.Close()
	var out []logEntry
	for rows.Next() {
		var e logEntry
		if err := rows.Scan(&e.JobID, &e.Attempt, &e.Replica); err != nil {
			t.Fatalf("read job_log: %v", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read job_log: %v", err)
	}
	return out
}

// logWorker records each run of a T job in job_log, after failing the
// first failFirst attempts.
type logWorker[T river.JobArgs] struct {
	river.WorkerDefaults[T]
	db        *sql.DB
	replica   string
	failFirst int
	pause     time.Duration
}

func (w *logWorker[T]) Work(ctx context.Context, job *river.Job[T]) error {
	if job.Attempt <= w.failFirst {
		return fmt.Errorf("attempt %d fails on purpose", job.Attempt)
	}
	time.Sleep(w.pause)
	_, err := w.db.ExecContext(ctx, "INSERT INTO job_log (job_id, attempt, replica) VALUES ($1, $2, $3)", job.ID, job.Attempt, w.replica)
	return err
}

// hangWorker works until it is stopped: a sync that is still running when
// its process is killed.
type hangWorker[T river.JobArgs] struct {
	river.WorkerDefaults[T]
}

func (hangWorker[T]) Work(ctx context.Context, _ *river.Job[T]) error {
	<-ctx.Done()
	return ctx.Err()
}

// The job arguments of the tests.
type (
	recordArgs struct {
		Label string `json:"label"`
	}
	interruptedArgs struct{}
	syncArgs        struct {
		PartnerID int64  `json:"partner_id"`
		SyncKind  string `json:"sync_kind"`
	}
	tickArgs     struct{}
	haloSyncArgs struct{}
)

func (recordArgs) Kind() string      { return "test_record" }
func (interruptedArgs) Kind() string { return "test_interrupted" }
func (syncArgs) Kind() string        { return "test_sync" }
func (tickArgs) Kind() string        { return "test_tick" }
func (haloSyncArgs) Kind() string    { return "test_halo_sync" }
