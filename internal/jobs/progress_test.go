package jobs

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/store"
)

func TestProgress(t *testing.T) {
	t.Parallel()

	type progressBundle struct {
		store    *store.Store
		run      store.SyncRun
		progress *Progress
		clock    time.Time
	}
	setup := func(t *testing.T) *progressBundle {
		t.Helper()
		b := &progressBundle{store: testStore(t, newSQLiteDatabase(t)), clock: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
		p, err := b.store.CreatePartner(t.Context(), store.Partner{Name: "Acme IT"})
		if err != nil {
			t.Fatal(err)
		}
		b.run, err = b.store.StartSyncRun(t.Context(), store.SyncRun{PartnerID: p.ID, Kind: store.SyncCatalog, JobID: 3})
		if err != nil {
			t.Fatal(err)
		}
		b.progress = NewProgress(b.store, b.run)
		b.progress.now = func() time.Time { return b.clock }
		return b
	}
	stored := func(t *testing.T, b *progressBundle) store.SyncRun {
		t.Helper()
		run, err := b.store.SyncRun(t.Context(), b.run.PartnerID, b.run.ID)
		if err != nil {
			t.Fatal(err)
		}
		return run
	}

	t.Run("SavesAtEveryStepAndAtMostEvery250ms", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.progress.Step("clients", 500)
		if diff := cmp.Diff([]store.SyncStep{{Name: "clients", Total: 500}}, stored(t, b).Steps); diff != "" {
			t.Errorf("after Step (-want +stored):\n%s", diff)
		}

		b.progress.Advance(10)
		b.clock = b.clock.Add(100 * time.Millisecond)
		b.progress.Advance(10)
		if got := stored(t, b).Steps[0].Done; got != 0 {
			t.Errorf("100 ms after the step: stored Done = %d, want 0 (not saved yet)", got)
		}
		b.clock = b.clock.Add(150 * time.Millisecond)
		b.progress.Advance(5)
		if got := stored(t, b).Steps[0].Done; got != 25 {
			t.Errorf("250 ms after the step: stored Done = %d, want 25", got)
		}
		b.progress.Count("created", 2)
		if got := stored(t, b).Steps[0].Counts; got != nil {
			t.Errorf("count right after a save: stored counts %v, want none yet", got)
		}

		b.progress.Step("sites", 40)
		want := []store.SyncStep{
			{Name: "clients", Total: 500, Done: 25, Counts: map[string]int{"created": 2}},
			{Name: "sites", Total: 40},
		}
		if diff := cmp.Diff(want, stored(t, b).Steps); diff != "" {
			t.Errorf("after the second Step (-want +stored):\n%s", diff)
		}

		b.progress.Advance(40)
		if err := b.progress.Finish(nil); err != nil {
			t.Fatalf("Finish: %v", err)
		}
		run := stored(t, b)
		want[1].Done = 40
		if diff := cmp.Diff(want, run.Steps); diff != "" {
			t.Errorf("after Finish (-want +stored):\n%s", diff)
		}
		if run.State != store.SyncSucceeded || run.Error != "" || run.FinishedAt == nil {
			t.Errorf("finished run: %+v", run)
		}
		if diff := cmp.Diff(run, b.progress.Run()); diff != "" {
			t.Errorf("Run() after Finish (-stored +reported):\n%s", diff)
		}
	})

	t.Run("CountsErrorsKeepsTheFirstMessagesAndFinishesFailed", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.progress.Step("users", 30)
		for i := range 25 {
			b.progress.Fail(fmt.Errorf("user %d: HaloPSA answered 500", i))
		}
		b.progress.Fail(nil)
		if err := b.progress.Finish(errors.New("HaloPSA refused the token")); err != nil {
			t.Fatalf("Finish: %v", err)
		}
		run := stored(t, b)
		if run.State != store.SyncFailed || run.Error != "HaloPSA refused the token" {
			t.Errorf("finished as %q with %q, want failed with the error", run.State, run.Error)
		}
		step := run.Steps[0]
		if step.Counts["errors"] != 25 || len(step.Errors) != 20 || step.Errors[0] != "user 0: HaloPSA answered 500" || step.Errors[19] != "user 19: HaloPSA answered 500" {
			t.Errorf("step %q: %d errors counted, messages %q", step.Name, step.Counts["errors"], step.Errors)
		}
	})

	t.Run("ReportsBeforeTheFirstStepOnAStepNamedAfterTheKind", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.progress.Advance(3)
		b.progress.Count("unchanged", 3)
		if err := b.progress.Finish(nil); err != nil {
			t.Fatal(err)
		}
		want := []store.SyncStep{{Name: store.SyncCatalog, Done: 3, Counts: map[string]int{"unchanged": 3}}}
		if diff := cmp.Diff(want, stored(t, b).Steps); diff != "" {
			t.Errorf("steps (-want +stored):\n%s", diff)
		}
	})

	t.Run("ReportsWhyARunCouldNotBeFinished", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		// A later attempt of the same job declares this run interrupted.
		if _, err := b.store.StartSyncRun(t.Context(), store.SyncRun{PartnerID: b.run.PartnerID, Kind: store.SyncCatalog, JobID: b.run.JobID}); err != nil {
			t.Fatal(err)
		}
		b.progress.Step("clients", 10)
		if err := b.progress.Finish(nil); !errors.Is(err, store.ErrConflict) {
			t.Errorf("Finish of an interrupted run: err = %v, want ErrConflict", err)
		}
		if run := stored(t, b); run.State != store.SyncFailed || run.Error != store.SyncInterrupted {
			t.Errorf("interrupted run now %q with %q", run.State, run.Error)
		}
	})
}
