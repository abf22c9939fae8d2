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

// Database is one throw-away store for a benchmark run: a SQLite file in a
// temporary directory, or a schema of its own in a PostgreSQL database.
// Close drops it.
type Database struct {
	// Engine is "sqlite" or "postgres".
	Engine string
	Store  *store.Store
	// URL reaches the PostgreSQL schema (its search_path set), for other
	// processes to open; "" on SQLite.
	URL string
	// Key seals the stored credentials; a process opening the database
	// needs it too.
	Key   []byte
	close func()
}

// Close closes the store and drops the database.
func (d *Database) Close() { d.close() }

// checkpoint writes what the engine holds in its log into its tables, so
// that a run that follows does not pay for the writes of the one before:
// CHECKPOINT on PostgreSQL (it needs a superuser or the pg_checkpoint
// role), a passive WAL checkpoint on SQLite, whose background checkpointer
// has mostly done it already.
func (d *Database) checkpoint(ctx context.Context) error {
	if d.Engine == "postgres" {
		_, err := d.Store.PgxPool().Exec(ctx, "CHECKPOINT")
		return err
	}
	_, err := d.Store.DB().ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
	return err
}

// OpenDatabase makes a throw-away database: on PostgreSQL, in a schema of
// the database at postgresURL, when one is given; on SQLite otherwise.
func OpenDatabase(ctx context.Context, postgresURL string) (*Database, error) {
	if postgresURL != "" {
		return openPostgres(ctx, postgresURL)
	}
	return openSQLite(ctx)
}

// engines opens a throw-away database on SQLite, then on PostgreSQL when
// postgresURL names one.
func engines(postgresURL string) []func(context.Context) (*Database, error) {
	opens := []func(context.Context) (*Database, error){openSQLite}
	if postgresURL != "" {
		opens = append(opens, func(ctx context.Context) (*Database, error) { return openPostgres(ctx, postgresURL) })
	}
	return opens
}

// openSQLite makes a store in a fresh temporary directory.
func openSQLite(ctx context.Context) (*Database, error) {
	dir, err := os.MkdirTemp("", "halobridge-bench-")
	if err != nil {
		return nil, err
	}
	st, key, err := openStore(ctx, store.Config{DataDir: dir})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &Database{Engine: "sqlite", Store: st, Key: key, close: func() { st.Close(); os.RemoveAll(dir) }}, nil
}

// openPostgres makes a store in a fresh schema of the database at base,
// dropped afterwards.
func openPostgres(ctx context.Context, base string) (*Database, error) {
	suffix := make([]byte, 4)
	rand.Read(suffix)
	schema := "bench_" + hex.EncodeToString(suffix)
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL URL: %w", err)
	}
	if err := adminExec(ctx, base, "CREATE SCHEMA "+schema); err != nil {
		return nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	st, key, err := openStore(ctx, store.Config{DatabaseURL: u.String()})
	drop := func() { adminExec(context.Background(), base, "DROP SCHEMA "+schema+" CASCADE") }
	if err != nil {
		drop()
		return nil, err
	}
	return &Database{Engine: "postgres", Store: st, URL: u.String(), Key: key, close: func() { st.Close(); drop() }}, nil
}

// openStore opens and migrates a store sealed with a fresh key, and
// returns the key.
func openStore(ctx context.Context, cfg store.Config) (*store.Store, []byte, error) {
	key := make([]byte, secret.KeySize)
	rand.Read(key)
	keys, err := secret.NewKeyring(key)
	if err != nil {
		return nil, nil, err
	}
	cfg.Keys = keys
	st, err := store.Open(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, key, nil
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
