package store_test

import (
	"testing"

	"halobridge/internal/secret"
	"halobridge/internal/store"
	"halobridge/internal/store/storetest"
)

// newPostgresDatabase gives the test a schema of its own (see
// storetest.PostgresURL) and opens stores on it.
func newPostgresDatabase(t *testing.T) storetest.Reopen {
	t.Helper()
	databaseURL := storetest.PostgresURL(t, "storetest", 4)
	return func(t *testing.T, keys *secret.Keyring) *store.Store {
		t.Helper()
		return openStore(t, store.Config{DatabaseURL: databaseURL, Keys: keys})
	}
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) *store.Store {
		return newPostgresDatabase(t)(t, storetest.NewKeyring(t))
	})
	storetest.RunShared(t, newPostgresDatabase)
}

func TestPostgresPool(t *testing.T) {
	t.Parallel()

	t.Run("ExposesPgxPoolAndKeepsTablesInTheTestSchema", func(t *testing.T) {
		t.Parallel()
		st := newPostgresDatabase(t)(t, storetest.NewKeyring(t))
		if err := st.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		s := st
		if s.PgxPool() == nil {
			t.Fatal("PgxPool() is nil on PostgreSQL")
		}
		var schema, table string
		err := s.PgxPool().QueryRow(t.Context(),
			"SELECT table_schema, table_name FROM information_schema.tables WHERE table_name = 'halo_catalog' AND table_schema = current_schema()").
			Scan(&schema, &table)
		if err != nil {
			t.Fatalf("find halo_catalog in the current schema: %v", err)
		}
		if err := s.Ping(t.Context()); err != nil {
			t.Errorf("Ping: %v", err)
		}
	})
}
