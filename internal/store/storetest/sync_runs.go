package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/store"
)

func startSyncRun(t *testing.T, b *testBundle, r store.SyncRun) store.SyncRun {
	t.Helper()
	run, err := b.store.StartSyncRun(b.ctx, r)
	if err != nil {
		t.Fatalf("StartSyncRun(%+v): %v", r, err)
	}
	return run
}

func testSyncRuns(t *testing.T, setup func(t *testing.T) *testBundle) {
	t.Run("RecordsARunFromStartThroughProgressToItsEnd", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		before := time.Now().Add(-time.Second)
		run := startSyncRun(t, b, store.SyncRun{PartnerID: p.ID, Kind: store.SyncCatalog, JobID: 41})
		if run.ID == 0 || run.State != store.SyncRunning || run.FinishedAt != nil || run.StartedAt.Before(before) {
			t.Fatalf("started run: %+v", run)
		}
		got, err := b.store.SyncRun(b.ctx, p.ID, run.ID)
		if err != nil {
			t.Fatalf("SyncRun: %v", err)
		}
		if diff := cmp.Diff(run, got); diff != "" {
			t.Errorf("running run read back (-started +read):\n%s", diff)
		}

		steps := []store.SyncStep{
			{Name: "clients", Total: 500, Done: 500, Counts: map[string]int{"created": 3, "unchanged": 497}},
			{Name: "sites", Total: 40, Done: 12, Errors: []string{"site 77: HaloPSA answered 500"}},
		}
		if err := b.store.SaveSyncRunProgress(b.ctx, run.ID, steps); err != nil {
			t.Fatalf("SaveSyncRunProgress: %v", err)
		}
		got, _ = b.store.SyncRun(b.ctx, p.ID, run.ID)
		if diff := cmp.Diff(steps, got.Steps); diff != "" {
			t.Errorf("steps read back (-saved +read):\n%s", diff)
		}

		done, err := b.store.FinishSyncRun(b.ctx, run.ID, store.SyncFailed, "HaloPSA refused the token")
		if err != nil {
			t.Fatalf("FinishSyncRun: %v", err)
		}
		if done.State != store.SyncFailed || done.Error != "HaloPSA refused the token" || done.FinishedAt == nil ||
			done.FinishedAt.Before(done.StartedAt) || done.JobID != 41 || len(done.Steps) != 2 {
			t.Errorf("finished run: %+v", done)
		}
		got, _ = b.store.SyncRun(b.ctx, p.ID, run.ID)
		if diff := cmp.Diff(done, got); diff != "" {
			t.Errorf("finished run read back (-returned +read):\n%s", diff)
		}
	})

	t.Run("RefusesToChangeAFinishedRun", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		run := startSyncRun(t, b, store.SyncRun{PartnerID: p.ID, Kind: store.SyncUsage})
		if _, err := b.store.FinishSyncRun(b.ctx, run.ID, store.SyncSucceeded, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.FinishSyncRun(b.ctx, run.ID, store.SyncFailed, "late"); !errors.Is(err, store.ErrConflict) {
			t.Errorf("finishing twice: err = %v, want ErrConflict", err)
		}
		if err := b.store.SaveSyncRunProgress(b.ctx, run.ID, []store.SyncStep{{Name: "late"}}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("progress after the end: err = %v, want ErrConflict", err)
		}
		if got, _ := b.store.SyncRun(b.ctx, p.ID, run.ID); got.State != store.SyncSucceeded || got.Error != "" || len(got.Steps) != 0 {
			t.Errorf("after refused changes: %+v", got)
		}
	})

	t.Run("RefusesUnknownRunsKindsStatesAndPartners", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		q := createPartner(t, b, "Beta IT", "beta")
		run := startSyncRun(t, b, store.SyncRun{PartnerID: p.ID, Kind: store.SyncBilling})
		if _, err := b.store.StartSyncRun(b.ctx, store.SyncRun{PartnerID: p.ID, Kind: " "}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("empty kind: err = %v, want ErrInvalid", err)
		}
		if _, err := b.store.StartSyncRun(b.ctx, store.SyncRun{PartnerID: q.ID + 100, Kind: store.SyncBilling}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown partner: err = %v, want ErrNotFound", err)
		}
		if _, err := b.store.FinishSyncRun(b.ctx, run.ID, store.SyncRunning, ""); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("finishing as running: err = %v, want ErrInvalid", err)
		}
		if _, err := b.store.FinishSyncRun(b.ctx, run.ID+100, store.SyncSucceeded, ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("finishing an unknown run: err = %v, want ErrNotFound", err)
		}
		if err := b.store.SaveSyncRunProgress(b.ctx, run.ID+100, nil); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("progress of an unknown run: err = %v, want ErrNotFound", err)
		}
		if _, err := b.store.SyncRun(b.ctx, q.ID, run.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another partner's run: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("ListsAPartnersHistoryNewestFirstByKind", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		q := createPartner(t, b, "Beta IT", "beta")
		hour := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		catalog1 := startSyncRun(t, b, store.SyncRun{PartnerID: p.ID, Kind: store.SyncCatalog, StartedAt: hour})
		usage := startSyncRun(t, b, store.SyncRun{PartnerID: p.ID, Kind: store.SyncUsage, StartedAt: hour.Add(time.Minute)})
		catalog2 := startSyncRun(t, b, store.SyncRun{PartnerID: p.ID, Kind: store.SyncCatalog, StartedAt: hour.Add(time.Hour)})
		startSyncRun(t, b, store.SyncRun{PartnerID: q.ID, Kind: store.SyncCatalog, StartedAt: hour.Add(2 * time.Hour)})

		ids := func(runs []store.SyncRun) []int64 {
			var out []int64
			for _, r := range runs {
				out = append(out, r.ID)
			}
			return out
		}
		tests := []struct {
			name  string
			kind  string
			limit int
			want  []int64
		}{
			{"every kind", "", 0, []int64{catalog2.ID, usage.ID, catalog1.ID}},
			{"catalog only", store.SyncCatalog, 10, []int64{catalog2.ID, catalog1.ID}},
			{"the latest catalog", store.SyncCatalog, 1, []int64{catalog2.ID}},
			{"a kind never run", store.SyncBilling, 10, nil},
		}
		for _, tt := range tests {
			runs, err := b.store.SyncRuns(b.ctx, p.ID, tt.kind, tt.limit)
			if err != nil {
				t.Fatalf("%s: SyncRuns: %v", tt.name, err)
			}
			if diff := cmp.Diff(tt.want, ids(runs)); diff != "" {
				t.Errorf("%s: run ids (-want +got):\n%s", tt.name, diff)
			}
		}
		runs, _ := b.store.SyncRuns(b.ctx, p.ID, store.SyncCatalog, 1)
		if len(runs) == 1 && !runs[0].StartedAt.Equal(hour.Add(time.Hour)) {
			t.Errorf("StartedAt read back as %v, want %v", runs[0].StartedAt, hour.Add(time.Hour))
		}
	})

	t.Run("FailsTheRunAJobLeftRunningWhenTheJobStartsAgain", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		crashed := startSyncRun(t, b, store.SyncRun{PartnerID: p.ID, Kind: store.SyncCatalog, JobID: 7})
		otherJob := startSyncRun(t, b, store.SyncRun{PartnerID: p.ID, Kind: store.SyncCatalog, JobID: 8})
		noJob := startSyncRun(t, b, store.SyncRun{PartnerID: p.ID, Kind: store.SyncCatalog})
		again := startSyncRun(t, b, store.SyncRun{PartnerID: p.ID, Kind: store.SyncCatalog, JobID: 7})

		got, _ := b.store.SyncRun(b.ctx, p.ID, crashed.ID)
		if got.State != store.SyncFailed || got.Error != store.SyncInterrupted || got.FinishedAt == nil {
			t.Errorf("run of the restarted job: %+v, want failed as interrupted", got)
		}
		for _, r := range []store.SyncRun{otherJob, noJob, again} {
			if got, _ := b.store.SyncRun(b.ctx, p.ID, r.ID); got.State != store.SyncRunning {
				t.Errorf("run %d of job %d: state %q, want running", r.ID, r.JobID, got.State)
			}
		}
	})

	t.Run("DeletesRunsWithTheirPartner", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		run := startSyncRun(t, b, store.SyncRun{PartnerID: p.ID, Kind: store.SyncCatalog})
		if err := b.store.DeletePartner(b.ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.SyncRun(b.ctx, p.ID, run.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("run of a deleted partner: err = %v, want ErrNotFound", err)
		}
	})
}
