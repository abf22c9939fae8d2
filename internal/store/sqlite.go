package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"halobridge/internal/datadir"
	"halobridge/internal/secret"
)

// The writer checkpoints the WAL itself only past 16384 pages, as a
// backstop for the background checkpointer (sqlite_checkpoint.go), and
// cuts the WAL back to 64 MiB after a burst.
//
// busy_timeout comes first so that the pragmas after it, which may need a
// lock, wait for one instead of failing. The writer's transactions begin
// IMMEDIATE so a writer takes the file lock before reading, and never has
// to give up a read snapshot it cannot upgrade.
const (
	sqliteWriterParams = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(FULL)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-65536)" +
		"&_pragma=wal_autocheckpoint(16384)&_pragma=journal_size_limit(67108864)" +
		"&_txlock=immediate"
	sqliteReaderParams = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=query_only(1)"
	// The checkpointer only copies the WAL into the database file.
	sqliteCheckpointParams = "_pragma=busy_timeout(10000)"
)

// openSQLite opens the file with one writer connection and a pool of
// readers: WAL lets readers run beside the writer, and a single writer
// means writes queue in Go rather than contend for the file lock.
func openSQLite(ctx context.Context, path string, keys *secret.Keyring, logger *slog.Logger) (*Store, error) {
	// The database holds sealed credentials and every partner's data. SQLite
	// gives its -wal and -shm files the mode of the database file, so a
	// database created private keeps them private too; files of an older
	// start are tightened.
	if err := datadir.Create(path, logger); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	for _, companion := range []string{path + "-wal", path + "-shm", path + "-journal"} {
		if err := datadir.File(companion, logger); err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
	}
	uri := "file:" + (&url.URL{Path: path}).EscapedPath()

	writer, err := sql.Open("sqlite", uri+"?"+sqliteWriterParams)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	// The writer connects first so the file exists and is in WAL mode
	// before any reader opens it.
	if err := writer.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("open sqlite %s: %w", path, err), writer.Close())
	}

	reader, err := sql.Open("sqlite", uri+"?"+sqliteReaderParams)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open sqlite %s readers: %w", path, err), writer.Close())
	}
	readers := max(4, runtime.NumCPU())
	reader.SetMaxOpenConns(readers)
	reader.SetMaxIdleConns(readers)

	ckpt, err := sql.Open("sqlite", uri+"?"+sqliteCheckpointParams)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open sqlite %s checkpointer: %w", path, err), reader.Close(), writer.Close())
	}

	d := sqliteDialect()
	return &Store{
		d:      d,
		wal:    &walFile{path: path + "-wal"},
		writer: writer,
		reader: reader,
		keys:   keys,
		log:    logger,
		now:    time.Now,
		ckpt:   startCheckpointer(ckpt, logger),
	}, nil
}

// commitUnsynced runs commit, a write transaction on conn, with SQLite
// committing without syncing (synchronous=NORMAL), so that the writer
// connection is free for the next transaction while this one's sync is
// made by walFile.sync, outside it. The store's synchronous=FULL is put
// back before conn goes back to the pool; a connection it cannot be put
// back on is closed, never lent to a write that expects its commit synced.
func (s *Store) commitUnsynced(ctx context.Context, conn *sql.Conn, commit func() error) error {
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous=NORMAL"); err != nil {
		return fmt.Errorf("commit without sync: %w", err)
	}
	err := commit()
	if _, restoreErr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous=FULL"); restoreErr != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn })
		return errors.Join(err, fmt.Errorf("sync commits again: %w", restoreErr))
	}
	return err
}

// walFile syncs SQLite's write-ahead log: once sync returns, every
// transaction committed before it was called is on disk, as with
// synchronous=FULL. The file is opened at each sync: SQLite may remove the
// log and make a new one when its last connection closes (having copied
// the log into the database file and synced it first).
type walFile struct {
	path string
	// committed counts the commits made without sync, in their order.
	committed atomic.Uint64
	mu        sync.Mutex // held while syncing; guards synced
	// synced is the count of commits known to be on disk.
	synced uint64
}

// syncThrough returns once the commit-th commit is on disk. A commit that
// waited while another sync ran is often covered by it, or by the one sync
// made next for every commit waiting: the log is synced once for all of
// them, not once each.
func (w *walFile) syncThrough(commit uint64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.synced >= commit {
		return nil
	}
	// Every commit counted by now had returned before the sync starts.
	through := w.committed.Load()
	if err := w.sync(); err != nil {
		return err
	}
	w.synced = through
	return nil
}

func (w *walFile) sync() error {
	f, err := os.OpenFile(w.path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open the write-ahead log: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync the write-ahead log: %w", err)
	}
	return f.Close()
}
