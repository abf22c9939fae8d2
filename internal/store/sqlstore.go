package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"halobridge/internal/secret"
)

// Store is everything halobridge keeps, on SQLite or PostgreSQL over
// database/sql: one type for both engines, each case of storetest.Run passed
// by both. Callers hold a *Store and, where they want less of it, declare
// the few methods they use as an interface of their own.
type Store struct {
	d dialect
	// writer takes every write. On SQLite it is a single connection whose
	// transactions begin IMMEDIATE, so writers queue instead of failing
	// with SQLITE_BUSY halfway through; on PostgreSQL it is the pool.
	writer *sql.DB
	// reader serves reads. On PostgreSQL it is the same pool as writer.
	reader *sql.DB
	pool   *pgxpool.Pool
	keys   *secret.Keyring
	log    *slog.Logger
	now    func() time.Time
	// prepared holds the writer's statements that are worth preparing
	// once: the full-size multi-row inserts of ingest, whose thousands of
	// parameters take longer to parse than the rows take to write.
	preparedMu sync.Mutex
	prepared   map[string]*sql.Stmt
	// inserts are the alert inserts of every chunk size, once prepared.
	insertsMu sync.Mutex
	inserts   *alertInserts
	// ckpt copies SQLite's WAL into the database file in the background;
	// nil on PostgreSQL.
	ckpt *checkpointer
	// wal syncs SQLite's WAL after ingest commits; nil on PostgreSQL.
	wal *walFile
}

// DB is the handle writes go through: on SQLite the single writer
// connection, on PostgreSQL the pool.
func (s *Store) DB() *sql.DB { return s.writer }

// PgxPool is the PostgreSQL pool beneath DB, for libraries that speak pgx
// directly; nil on SQLite.
func (s *Store) PgxPool() *pgxpool.Pool { return s.pool }

// Writers says how many ingest transactions may run at once: one on
// SQLite, whose single writer takes them in turn; on PostgreSQL, several,
// so that one commit's flush does not hold back the next group.
func (s *Store) Writers() int { return s.d.writers }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.writer.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", s.d.name, err)
	}
	if s.reader != s.writer {
		if err := s.reader.PingContext(ctx); err != nil {
			return fmt.Errorf("ping %s readers: %w", s.d.name, err)
		}
	}
	return nil
}

// Close closes every connection.
func (s *Store) Close() error {
	var errs []error
	s.preparedMu.Lock()
	for _, st := range s.prepared {
		errs = append(errs, st.Close())
	}
	s.prepared = nil
	s.preparedMu.Unlock()
	if s.ckpt != nil {
		errs = append(errs, s.ckpt.Close())
	}

	if s.reader != s.writer {
		errs = append(errs, s.reader.Close())
	}
	errs = append(errs, s.writer.Close())
	if s.pool != nil {
		s.pool.Close()
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close %s store: %w", s.d.name, err)
	}
	return nil
}

// prepare returns query prepared on the writer, once for the store's
// lifetime. It must not be called inside a write transaction: on SQLite it
// would wait for the writer connection that transaction holds.
func (s *Store) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	s.preparedMu.Lock()
	defer s.preparedMu.Unlock()
	if st, ok := s.prepared[query]; ok {
		return st, nil
	}
	st, err := s.writer.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	if s.prepared == nil {
		s.prepared = map[string]*sql.Stmt{}
	}
	s.prepared[query] = st
	return st, nil
}

// inTx runs fn in a write transaction and commits when fn succeeds.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.inConnTx(ctx, nil, fn)
}

// inConnTx is inTx on conn, or on the writer when conn is nil.
func (s *Store) inConnTx(ctx context.Context, conn *sql.Conn, fn func(tx *sql.Tx) error) error {
	var tx *sql.Tx
	var err error
	if conn != nil {
		tx, err = conn.BeginTx(ctx, nil)
	} else {
		tx, err = s.writer.BeginTx(ctx, nil)
	}
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		// ErrTxDone means a cancelled context already rolled it back.
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("roll back: %w", rbErr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", mapError(err))
	}
	return nil
}

// timestamp is the current time at the precision both engines keep, so a
// value reads back exactly as it was written.
func (s *Store) timestamp() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

// timeColumn scans a time column of either engine: PostgreSQL hands back
// time.Time, SQLite the text sqliteTimeLayout wrote.
type timeColumn struct{ t *time.Time }

func (c timeColumn) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*c.t = v.UTC()
		return nil
	case string:
		return c.parse(v)
	case []byte:
		return c.parse(string(v))
	default:
		return fmt.Errorf("scan time: unexpected %T", src)
	}
}

func (c timeColumn) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("scan time: %w", err)
	}
	*c.t = t.UTC()
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}
