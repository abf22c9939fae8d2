package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"

	"github.com/jackc/pgx/v5"

	"halobridge/internal/secret"
	"halobridge/internal/store"
)

// database is one throw-away store for a benchmark run.
type database struct {
	engine string
	store  store.Store
	close  func()
}

// engines opens a throw-away database on SQLite, then on PostgreSQL when
// postgresURL names one.
func engines(postgresURL string) []func(context.Context) (*database, error) {
	opens := []func(context.Context) (*database, error){openSQLite}
	if postgresURL != "" {
		opens = append(opens, func(ctx context.Context) (*database, error) { return openPostgres(ctx, postgresURL) })
	}
	return opens
}

// openSQLite makes a store in a fresh temporary directory.
func openSQLite(ctx context.Context) (*database, error) {
	dir, err := os.MkdirTemp("", "halobridge-bench-")
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, store.Config{DataDir: dir})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &database{engine: "sqlite", store: st, close: func() { st.Close(); os.RemoveAll(dir) }}, nil
}

// openPostgres makes a store in a fresh schema of the database at base,
// dropped afterwards.
func openPostgres(ctx context.Context, base string) (*database, error) {
	suffix := make([]byte, 4)
	rand.Read(suffix)
	schema := "bench_" + hex.EncodeToString(suffix)
	if err := adminExec(ctx, base, "CREATE SCHEMA "+schema); err != nil {
		return nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL URL: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	st, err := openStore(ctx, store.Config{DatabaseURL: u.String()})
	drop := func() { adminExec(context.Background(), base, "DROP SCHEMA "+schema+" CASCADE") }
	if err != nil {
		drop()
		return nil, err
	}
	return &database{engine: "postgres", store: st, close: func() { st.Close(); drop() }}, nil
}

func openStore(ctx context.Context, cfg store.Config) (store.Store, error) {
	key := make([]byte, secret.KeySize)
	rand.Read(key)
	keys, err := secret.NewKeyring(key)
	if err != nil {
		return nil, err
	}
	cfg.Keys = keys
	st, err := store.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

func adminExec(ctx context.Context, databaseURL, sql string) error {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}
