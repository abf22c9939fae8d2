package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// riverMigrationLockKey is the PostgreSQL advisory lock held while River's
// migrations run: any fixed number no other user of the database picks,
// and not the store's own migration lock, which is taken per transaction.
const riverMigrationLockKey = 0x68616c6f_72697672 // "halorivr"

// migratePostgres applies River's migrations under a session advisory
// lock. rivermigrate does not serialise replicas itself, and it runs each
// migration in a transaction of its own (one adds an enum value the next
// statements use), so the lock is held on a connection of its own for the
// whole run rather than by one transaction.
func migratePostgres(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) (err error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate River tables: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(riverMigrationLockKey)); err != nil {
		return fmt.Errorf("migrate River tables: take lock: %w", err)
	}
	defer func() {
		// A cancelled ctx must not keep the lock held on a pooled connection.
		if _, unlockErr := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(riverMigrationLockKey)); unlockErr != nil {
			err = errors.Join(err, fmt.Errorf("migrate River tables: release lock: %w", unlockErr))
		}
	}()
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: logger})
	if err != nil {
		return fmt.Errorf("migrate River tables: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate River tables: %w", err)
	}
	return nil
}

// migrateSQLite applies River's migrations in one transaction of the
// store's writer, which begins IMMEDIATE and so excludes every other
// process writing the file. River marks MigrateTx deprecated because some
// PostgreSQL migrations cannot share a transaction; SQLite's can, and the
// single writer connection leaves no other way to hold the lock.
func migrateSQLite(ctx context.Context, db *sql.DB, logger *slog.Logger) error {
	migrator, err := rivermigrate.New(riversqlite.New(db), &rivermigrate.Config{Logger: logger})
	if err != nil {
		return fmt.Errorf("migrate River tables: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate River tables: %w", err)
	}
	//lint:ignore SA1019 the single SQLite writer leaves no other way to hold the file's lock (see above)
	if _, err := migrator.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil {
		return errors.Join(fmt.Errorf("migrate River tables: %w", err), tx.Rollback())
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate River tables: commit: %w", err)
	}
	return nil
}
