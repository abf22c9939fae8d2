package syncrun_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/jobs"
	"halobridge/internal/store"
	"halobridge/internal/syncrun"
	"halobridge/internal/syncrun/syncruntest"
)

// startQueue runs the catalog workers on the fixture's database.
func startQueue(t *testing.T, f *syncruntest.Fixture, periodic []*river.PeriodicJob) *jobs.Queue {
	t.Helper()
	workers := river.NewWorkers()
	syncrun.Register(workers, f.Syncer)
	q, err := jobs.Open(t.Context(), f.St, jobs.Options{Workers: workers, Periodic: periodic, FetchPollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
	return q
}

// finishedRun waits for a finished catalog run of the partner.
func finishedRun(t *testing.T, st *store.Store, partnerID int64) store.SyncRun {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		runs, err := st.SyncRuns(t.Context(), partnerID, store.SyncCatalog, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) == 1 && runs[0].State != store.SyncRunning {
			return runs[0]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no catalog run of partner %d finished within 20 s", partnerID)
	return store.SyncRun{}
}

func TestWorker(t *testing.T) {
	t.Parallel()

	t.Run("SyncNowPressedTwiceRunsOneRecordedSync", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 6})
			q := startQueue(t, f, nil)
			first, err := q.Insert(t.Context(), syncrun.SyncArgs{PartnerID: f.Partner.ID}, nil)
			if err != nil {
				t.Fatal(err)
			}
			second, err := q.Insert(t.Context(), syncrun.SyncArgs{PartnerID: f.Partner.ID}, nil)
			if err != nil || !second.Duplicate || second.ID != first.ID {
				t.Fatalf("second insert %+v, %v; want a duplicate of job %d", second, err, first.ID)
			}
			if err := q.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
			run := finishedRun(t, st, f.Partner.ID)
			if run.State != store.SyncSucceeded || run.JobID != first.ID || len(run.Steps) != 3 || run.Steps[0].Counts[store.KindClient] != 6 {
				t.Errorf("run %+v", run)
			}
		})
	})

	t.Run("RateLimitSnoozesTheJobUntilHaloPSAAllowsMore", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 6})
			f.Sim.InjectFault(halosim.Fault{PathPrefix: "/api/Client", Status: 429, RetryAfter: time.Hour})
			q := startQueue(t, f, nil)
			if err := q.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
			info, err := q.Insert(t.Context(), syncrun.SyncArgs{PartnerID: f.Partner.ID}, nil)
			if err != nil {
				t.Fatal(err)
			}
			run := finishedRun(t, st, f.Partner.ID)
			if run.State != store.SyncFailed || !strings.Contains(run.Error, "rate limit") {
				t.Errorf("run %s: %q; want failed on the rate limit", run.State, run.Error)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				job, err := q.Job(t.Context(), info.ID)
				if err != nil {
					t.Fatal(err)
				}
				if job.State == rivertype.JobStateScheduled {
					if until := time.Until(job.ScheduledAt); until < 50*time.Minute {
						t.Errorf("snoozed for %s, want about the hour HaloPSA asked", until)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("job %s, want scheduled again", job.State)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	})

	t.Run("PeriodicSweepSyncsEveryPartnerConnectedToHaloPSA", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 6})
			unconnected, err := st.CreatePartner(t.Context(), store.Partner{Name: "Not Connected"})
			if err != nil {
				t.Fatal(err)
			}
			q := startQueue(t, f, syncrun.Periodic(200*time.Millisecond))
			if err := q.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
			if run := finishedRun(t, st, f.Partner.ID); run.State != store.SyncSucceeded {
				t.Errorf("periodic run %+v", run)
			}
			if runs, err := st.SyncRuns(t.Context(), unconnected.ID, "", 0); err != nil || len(runs) != 0 {
				t.Errorf("runs of a partner without HaloPSA: %+v, %v", runs, err)
			}
		})
	})
}
