package storetest

import (
	"os"
	"path/filepath"
	"testing"

	"halobridge/internal/store"
)

// Engine is one database engine, for the tests of packages whose state
// lives in the store.
type Engine struct {
	Name string
	// Open returns a migrated Store on a fresh database, closed when t ends.
	Open func(t *testing.T) *store.Store
}

// Engines are SQLite, and PostgreSQL when TEST_DATABASE_URL is set (see
// PostgresURL); prefix names the PostgreSQL schemas.
func Engines(prefix string) []Engine {
	out := []Engine{{"SQLite", func(t *testing.T) *store.Store {
		return open(t, "sqlite://"+filepath.Join(t.TempDir(), "halobridge.db"))
	}}}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		out = append(out, Engine{"PostgreSQL", func(t *testing.T) *store.Store {
			return open(t, PostgresURL(t, prefix, 4))
		}})
	}
	return out
}

func open(t *testing.T, databaseURL string) *store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), store.Config{DatabaseURL: databaseURL, Keys: NewKeyring(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}
