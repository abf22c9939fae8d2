package jobs

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/outbound"
	"halobridge/internal/store"
	"halobridge/internal/wait"
)

type testBundle struct {
	databaseURL string
	store       *store.Store
	db          *sql.DB
}

func TestQueue(t *testing.T) {
	t.Parallel()
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			testQueue(t, e)
		})
	}
}

func testQueue(t *testing.T, e engine) {
	setup := func(t *testing.T) *testBundle {
		t.Helper()
		b := &testBundle{databaseURL: e.newDatabase(t)}
		b.store = testStore(t, b.databaseURL)
		b.db = b.store.DB()
		if _, err := b.db.ExecContext(t.Context(), jobLogTable); err != nil {
			t.Fatalf("create job_log: %v", err)
		}
		return b
	}

	t.Run("JobSurvivesARestart", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		first, err := openStore(t.Context(), b.databaseURL)
		if err != nil {
			t.Fatal(err)
		}
		closeFirst := sync.OnceValue(first.Close)
		t.Cleanup(func() { closeFirst() })
		workers := river.NewWorkers()
		river.AddWorker(workers, &logWorker[recordArgs]{db: first.DB(), replica: "first"})
		q := openQueue(t, first, Options{Workers: workers, ID: "first"})
		start(t, q)
		// Due only after the first process has stopped.
		job := insert(t, q, recordArgs{Label: "survivor"}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Second)})
		if err := q.Stop(t.Context()); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		if err := closeFirst(); err != nil {
			t.Fatalf("close the first store: %v", err)
		}

		workers = river.NewWorkers()
		river.AddWorker(workers, &logWorker[recordArgs]{db: b.db, replica: "second"})
		restarted := openQueue(t, b.store, Options{Workers: workers, ID: "second"})
		start(t, restarted)
		done := waitForJob(t, restarted, job.ID, "completed", completed)
		if done.Attempt != 1 || !slices.Equal(done.AttemptedBy, []string{"second"}) {
			t.Errorf("job attempt %d by %v, want 1 by [second]", done.Attempt, done.AttemptedBy)
		}
		if diff := cmp.Diff([]logEntry{{job.ID, 1, "second"}}, readJobLog(t, b.db)); diff != "" {
			t.Errorf("runs (-want +got):\n%s", diff)
		}
	})

	t.Run("ResumesAJobAfterAKill", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		workers := river.NewWorkers()
		river.AddWorker(workers, &logWorker[interruptedArgs]{db: b.db, replica: "restarted"})
		// Open migrates River's tables before the other process uses them.
		const rescueAfter = time.Second
		q := openQueue(t, b.store, Options{Workers: workers, ID: "restarted", JobTimeout: rescueAfter, RescueStuckJobsAfter: rescueAfter})
		job := insert(t, q, interruptedArgs{}, nil)

		var output bytes.Buffer
		child := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
		child.Env = append(os.Environ(), childDatabaseEnv+"="+b.databaseURL)
		child.Stdout, child.Stderr = &output, &output
		if err := child.Start(); err != nil {
			t.Fatalf("start the replica to kill: %v", err)
		}
		t.Cleanup(func() {
			child.Process.Kill()
			child.Wait()
		})
		running := waitForJob(t, q, job.ID, "running in the other process", func(j *rivertype.JobRow) bool {
			return j.State == rivertype.JobStateRunning && slices.Equal(j.AttemptedBy, []string{childReplica})
		})
		if err := child.Process.Kill(); err != nil {
			t.Fatalf("kill the replica: %v", err)
		}
		if err := child.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("the replica ended with %v, want killed; its output:\n%s", err, output.String())
		}

		// Only the leader rescues stuck jobs, and the dead replica led: its
		// lease would expire some 15 s after its last renewal. Removing it
		// is the same as waiting that long.
		if _, err := b.db.ExecContext(t.Context(), "DELETE FROM river_leader"); err != nil {
			t.Fatalf("expire the dead replica's lease: %v", err)
		}
		// The leader looks for stuck jobs once when it begins to lead, then
		// every 30 s: by then the job must have been stuck long enough.
		time.Sleep(time.Until(running.AttemptedAt.Add(rescueAfter + 100*time.Millisecond)))
		start(t, q)
		done := waitForJob(t, q, job.ID, "completed", completed)
		if done.Attempt != 2 || !slices.Equal(done.AttemptedBy, []string{childReplica, "restarted"}) {
			t.Errorf("job attempt %d by %v, want 2 by [%s restarted]", done.Attempt, done.AttemptedBy, childReplica)
		}
		if diff := cmp.Diff([]logEntry{{job.ID, 2, "restarted"}}, readJobLog(t, b.db)); diff != "" {
			t.Errorf("runs (-want +got):\n%s", diff)
		}
	})

	t.Run("RetriesWithBackoff", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		workers := river.NewWorkers()
		river.AddWorker(workers, &logWorker[recordArgs]{db: b.db, replica: "only", failFirst: 1})
		q := openQueue(t, b.store, Options{Workers: workers})
		start(t, q)
		job := insert(t, q, recordArgs{Label: "flaky"}, nil)
		done := waitForJob(t, q, job.ID, "completed", completed)
		if done.Attempt != 2 || len(done.Errors) != 1 {
			t.Fatalf("job attempt %d with errors %+v, want attempt 2 after one error", done.Attempt, done.Errors)
		}
		failure := done.Errors[0]
		if failure.Attempt != 1 || failure.Error != "attempt 1 fails on purpose" {
			t.Errorf("recorded error %+v", failure)
		}
		// River waits attempt⁴ seconds, ±10 %, before the next attempt.
		if waited := done.AttemptedAt.Sub(failure.At); waited < 850*time.Millisecond {
			t.Errorf("second attempt %s after the failure, want about 1s", waited)
		}
		if diff := cmp.Diff([]logEntry{{job.ID, 2, "only"}}, readJobLog(t, b.db)); diff != "" {
			t.Errorf("runs (-want +got):\n%s", diff)
		}
	})

	t.Run("SnoozesOnHalo429WithoutBurningAnAttempt", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		sim := halosim.New(halosim.Options{RateLimit: -1})
		srv := httptest.NewServer(sim)
		t.Cleanup(srv.Close)
		client, err := halo.New(halo.Config{
			Outbound:    outbound.Local(),
			ResourceURL: srv.URL + "/api", AuthURL: srv.URL + "/auth",
			ClientID: halosim.DefaultClientID, ClientSecret: halosim.DefaultClientSecret,
			// The job, not the client, waits out the 429.
			MaxRetries: -1,
		})
		if err != nil {
			t.Fatal(err)
		}
		const retryAfter = 3 * time.Second
		sim.InjectFault(halosim.Fault{Method: "GET", PathPrefix: "/api/Client", Status: 429, RetryAfter: retryAfter, Times: 1})

		w := &haloWorker{client: client}
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		q := openQueue(t, b.store, Options{Workers: workers})
		start(t, q)
		job := insert(t, q, haloSyncArgs{}, nil)

		snoozed := waitForJob(t, q, job.ID, "snoozed", func(j *rivertype.JobRow) bool { return snoozes(t, j) == 1 })
		// River snoozed the job before it was read back, however loaded the machine.
		readBack := time.Now()
		first := w.call(0)
		if snoozed.State == rivertype.JobStateCompleted || snoozed.Attempt != 0 || len(snoozed.Errors) != 0 {
			t.Errorf("snoozed job: state %s, attempt %d, errors %+v; want it waiting with no attempt spent and no error", snoozed.State, snoozed.Attempt, snoozed.Errors)
		}
		// SQLite keeps River's times to the millisecond.
		if earliest, latest := first.start.Add(retryAfter-time.Millisecond), readBack.Add(retryAfter); snoozed.ScheduledAt.Before(earliest) || snoozed.ScheduledAt.After(latest) {
			t.Errorf("snoozed until %s, want Retry-After (%s) after the call, between %s and %s", snoozed.ScheduledAt, retryAfter, earliest, latest)
		}

		done := waitForJob(t, q, job.ID, "completed", completed)
		if done.Attempt != 1 || len(done.Errors) != 0 || done.MaxAttempts != river.MaxAttemptsDefault {
			t.Errorf("completed job: attempt %d, errors %+v, max attempts %d; want 1, none, %d", done.Attempt, done.Errors, done.MaxAttempts, river.MaxAttemptsDefault)
		}
		if second := w.call(1); second.start.Sub(first.end) < retryAfter-100*time.Millisecond || second.err != nil {
			t.Errorf("second call %s after the 429 with error %v, want about %s and success", second.start.Sub(first.end), second.err, retryAfter)
		}
	})

	t.Run("UniquePerPartnerAndKind", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		workers := river.NewWorkers()
		river.AddWorker(workers, &logWorker[syncArgs]{db: b.db, replica: "only"})
		q := openQueue(t, b.store, Options{Workers: workers})
		unique := &river.InsertOpts{UniqueOpts: *UniquePerPartner()}

		catalog := insert(t, q, syncArgs{PartnerID: 1, SyncKind: store.SyncCatalog}, unique)
		tests := []struct {
			name string
			args syncArgs
			dup  bool
		}{
			{"the same partner and kind again", syncArgs{PartnerID: 1, SyncKind: store.SyncCatalog}, true},
			{"another partner", syncArgs{PartnerID: 2, SyncKind: store.SyncCatalog}, false},
			{"another kind", syncArgs{PartnerID: 1, SyncKind: store.SyncUsage}, false},
		}
		for _, tt := range tests {
			got := insert(t, q, tt.args, unique)
			if got.Duplicate != tt.dup || (got.ID == catalog.ID) != tt.dup {
				t.Errorf("%s: %+v, want duplicate %v of job %d", tt.name, got, tt.dup, catalog.ID)
			}
		}

		start(t, q)
		waitForJob(t, q, catalog.ID, "completed", completed)
		again := insert(t, q, syncArgs{PartnerID: 1, SyncKind: store.SyncCatalog}, unique)
		if again.Duplicate || again.ID == catalog.ID {
			t.Errorf("after the first job completed: %+v, want a new job", again)
		}
	})

	t.Run("PeriodicJobRuns", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		workers := river.NewWorkers()
		river.AddWorker(workers, &logWorker[tickArgs]{db: b.db, replica: "leader"})
		q := openQueue(t, b.store, Options{
			Workers:  workers,
			Periodic: []*river.PeriodicJob{Every(300*time.Millisecond, func() river.JobArgs { return tickArgs{} })},
		})
		start(t, q)
		var runs []logEntry
		wait.For(t, "three periodic runs", func() bool {
			runs = readJobLog(t, b.db)
			return len(runs) >= 3
		})
		ids := make(map[int64]bool)
		for _, r := range runs {
			ids[r.JobID] = true
		}
		if len(ids) != len(runs) {
			t.Errorf("runs %+v: want one job per period", runs)
		}
	})

	t.Run("MigratesOnceWhenReplicasOpenTogether", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			st := testStore(t, b.databaseURL)
			wg.Go(func() {
				_, errs[i] = Open(t.Context(), st, Options{})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Open in replica %d: %v", i, err)
			}
		}
		var rows, versions int
		if err := b.db.QueryRowContext(t.Context(), "SELECT COUNT(*), COUNT(DISTINCT version) FROM river_migration").Scan(&rows, &versions); err != nil {
			t.Fatal(err)
		}
		if rows == 0 || rows != versions {
			t.Errorf("river_migration has %d rows for %d versions, want one row per version", rows, versions)
		}
	})

	t.Run("ReadsAnUnknownJobAsNotFound", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		q := openQueue(t, b.store, Options{})
		if _, err := q.Job(t.Context(), 12345); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Job(12345): err = %v, want store.ErrNotFound", err)
		}
	})
}

func TestReplicas(t *testing.T) {
	t.Parallel()

	t.Run("TwoReplicasRunEachJobOnce", func(t *testing.T) {
		t.Parallel()
		databaseURL := newPostgresDatabase(t)
		queues := make(map[string]*Queue)
		var db *sql.DB
		for _, replica := range []string{"replica-a", "replica-b"} {
			st := testStore(t, databaseURL)
			db = st.DB()
			workers := river.NewWorkers()
			// The pause keeps either replica from draining the queue alone.
			river.AddWorker(workers, &logWorker[recordArgs]{db: st.DB(), replica: replica, pause: 5 * time.Millisecond})
			queues[replica] = openQueue(t, st, Options{Workers: workers, ID: replica})
		}
		if _, err := db.ExecContext(t.Context(), jobLogTable); err != nil {
			t.Fatal(err)
		}
		const jobs = 200
		for i := range jobs {
			insert(t, queues["replica-a"], recordArgs{Label: strconv.Itoa(i)}, nil)
		}
		for _, q := range queues {
			start(t, q)
		}
		var runs []logEntry
		wait.For(t, "every job to run", func() bool {
			runs = readJobLog(t, db)
			return len(runs) >= jobs
		})
		// Give a job run twice the time to show up.
		time.Sleep(200 * time.Millisecond)
		runs = readJobLog(t, db)

		perJob := make(map[int64]int)
		perReplica := make(map[string]int)
		for _, r := range runs {
			perJob[r.JobID]++
			perReplica[r.Replica]++
		}
		if len(runs) != jobs || len(perJob) != jobs {
			t.Errorf("%d runs of %d distinct jobs, want each of the %d jobs run once", len(runs), len(perJob), jobs)
		}
		for id, n := range perJob {
			if n != 1 {
				t.Errorf("job %d ran %d times", id, n)
			}
		}
		if perReplica["replica-a"] == 0 || perReplica["replica-b"] == 0 {
			t.Errorf("runs per replica %v, want both to share the work", perReplica)
		}
	})
}

// haloWorker lists the Halo clients, as a catalog sync does, and records
// each call.
type haloWorker struct {
	river.WorkerDefaults[haloSyncArgs]
	client *halo.Client

	mu    sync.Mutex
	calls []haloCall
}

type haloCall struct {
	start, end time.Time
	err        error
}

func (w *haloWorker) Work(ctx context.Context, _ *river.Job[haloSyncArgs]) error {
	call := haloCall{start: time.Now()}
	_, call.err = w.client.Clients(ctx, halo.ClientQuery{})
	call.end = time.Now()
	w.mu.Lock()
	w.calls = append(w.calls, call)
	w.mu.Unlock()
	return SnoozeOnRateLimit(call.err)
}

func (w *haloWorker) call(i int) haloCall {
	w.mu.Lock()
	defer w.mu.Unlock()
	if i >= len(w.calls) {
		return haloCall{err: errors.New("no such call")}
	}
	return w.calls[i]
}

// snoozes is how often River snoozed job, from its metadata.
func snoozes(t *testing.T, job *rivertype.JobRow) int {
	t.Helper()
	var meta struct {
		Snoozes int `json:"snoozes"`
	}
	if err := json.Unmarshal(job.Metadata, &meta); err != nil {
		t.Fatalf("job metadata %s: %v", job.Metadata, err)
	}
	return meta.Snoozes
}
