package store

import (
	"fmt"
	"time"
)

// dialect holds the little that differs between the engines; every query
// is otherwise shared, written with $n placeholders that both accept.
type dialect struct {
	name string
	// migrationsDir is the folder of migrations/ written for this engine.
	migrationsDir string
	// migrationsTable creates schema_migrations with the engine's types.
	migrationsTable string
	// migrationLock serialises Migrate across processes; "" when the
	// transaction itself already does.
	migrationLock string
	// forUpdate locks the selected rows until the transaction ends, and
	// forNoKeyUpdate does so without blocking inserts that reference them.
	// SQLite needs neither: its writer transaction locks the whole file.
	forUpdate      string
	forNoKeyUpdate string
	// timeArg turns a time into the value the engine's time columns hold.
	timeArg func(time.Time) any
	// numberedParams says whether generated statements number their bound
	// parameters ($1, $2…). SQLite keeps a list of every named or numbered
	// parameter, and the driver looks each one up in it when binding, which
	// makes a multi-row insert quadratic; there, bare "?" are used.
	numberedParams bool
	// copyFrom says that ingest sends alerts by COPY (PostgreSQL), rather
	// than in multi-row VALUES whose ids SQLite's single writer makes
	// consecutive.
	copyFrom bool
	// writers is how many ingest transactions may run at once (on
	// PostgreSQL, set from the pool's size).
	writers int
}

// sqliteTimeLayout has a fixed number of fractional digits so that stored
// times sort as strings; microseconds match PostgreSQL's precision.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// migrationLockKey is the pg_advisory_xact_lock key Migrate takes: any
// fixed number that no other user of the database is likely to pick.
const migrationLockKey = 0x68616c6f_6d696772 // "halomigr"

func sqliteDialect() dialect {
	return dialect{
		name:            "sqlite",
		migrationsDir:   "migrations/sqlite",
		migrationsTable: "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
		timeArg:         func(t time.Time) any { return t.UTC().Format(sqliteTimeLayout) },
		writers:         1,
	}
}

func postgresDialect() dialect {
	return dialect{
		name:            "postgres",
		migrationsDir:   "migrations/postgres",
		migrationsTable: "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)",
		migrationLock:   fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", int64(migrationLockKey)),
		forUpdate:       " FOR UPDATE",
		forNoKeyUpdate:  " FOR NO KEY UPDATE",
		timeArg:         func(t time.Time) any { return t.UTC() },
		numberedParams:  true,
		copyFrom:        true,
	}
}
