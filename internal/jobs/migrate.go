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

// migrateSQLite applies River's migrations with Migrate, each in a
// transaction of its own, which begins IMMEDIATE and so excludes every other
// process writing the file while it runs. Another process opening the same
// file may be migrating at the same time: River reads which migrations are
// applied before it starts, so it can fail on one the other process has just
// applied. Migrating again starts from what is applied now; it is given up
// only when an attempt fails without any migration applied since the last.
func migrateSQLite(ctx context.Context, db *sql.DB, logger *slog.Logger) error {
	migrator, err := rivermigrate.New(riversqlite.New(db), &rivermigrate.Config{Logger: logger})
	if err != nil {
		return fmt.Errorf("migrate River tables: %w", err)
	}
	applied := -1
	for {
		_, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err == nil {
			return nil
		}
		versions, versionsErr := migrator.ExistingVersions(ctx)
		if versionsErr != nil || len(versions) <= applied {
			return fmt.Errorf("migrate River tables: %w", err)
		}
		applied = len(versions)
	}
}
