package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"halobridge/internal/secret"
	"halobridge/internal/store"
	"halobridge/internal/store/storetest"
)

// newPostgresDatabase gives the test a schema of its own in the database
// TEST_DATABASE_URL names, so tests run in parallel without seeing each
// other's tables, and drops it when the test ends.
func newPostgresDatabase(t *testing.T) storetest.Reopen {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		t.Skip("TEST_DATABASE_URL is not set; set it to a PostgreSQL URL such as postgres://postgres@127.0.0.1:5432/halobridge_test?sslmode=disable to run the PostgreSQL store tests")
	}
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	schema := "storetest_" + hex.EncodeToString(suffix)
	adminExec(t, t.Context(), base, "CREATE SCHEMA "+schema)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		adminExec(t, ctx, base, "DROP SCHEMA "+schema+" CASCADE")
	})

	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("pool_max_conns", "4")
	u.RawQuery = q.Encode()
	databaseURL := u.String()

	return func(t *testing.T, keys *secret.Keyring) store.Store {
		t.Helper()
		return openStore(t, store.Config{DatabaseURL: databaseURL, Keys: keys})
	}
}

func adminExec(t *testing.T, ctx context.Context, databaseURL, sql string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		t.Fatalf("connect to TEST_DATABASE_URL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
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
		s, ok := st.(*store.SQLStore)
		if !ok {
			t.Fatalf("Open returned %T, want *store.SQLStore", st)
		}
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
