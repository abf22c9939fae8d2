package storetest

import (
	"sync"
	"testing"

	"halobridge/internal/store"
)

func testMigrate(t *testing.T, open func(t *testing.T) *store.Store, setup func(t *testing.T) *testBundle) {
	t.Run("MigratingTwiceChangesNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		before := migrationCounts(t, b)

		if err := b.store.Migrate(b.ctx); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		if after := migrationCounts(t, b); after != before {
			t.Errorf("schema_migrations went from %+v to %+v rows", before, after)
		}
		if _, err := b.store.Partner(b.ctx, p.ID); err != nil {
			t.Errorf("partner after second Migrate: %v", err)
		}
	})

	t.Run("MigratesOnceFromFourGoroutinesAtOnce", func(t *testing.T) {
		t.Parallel()
		b := &testBundle{ctx: t.Context(), store: open(t)}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() { errs[i] = b.store.Migrate(b.ctx) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Migrate in goroutine %d: %v", i, err)
			}
		}
		counts := migrationCounts(t, b)
		if counts.rows == 0 || counts.rows != counts.versions {
			t.Errorf("schema_migrations has %d rows for %d versions, want one row per version", counts.rows, counts.versions)
		}
		createPartner(t, b, "Acme IT", "acme")
	})
}

type migrationCount struct{ rows, versions int }

func migrationCounts(t *testing.T, b *testBundle) migrationCount {
	t.Helper()
	var c migrationCount
	err := rawDB(t, b.store).QueryRowContext(b.ctx,
		"SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations").Scan(&c.rows, &c.versions)
	if err != nil {
		t.Fatalf("count schema_migrations: %v", err)
	}
	return c
}
