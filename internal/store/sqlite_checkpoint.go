package store

import (
	"context"
	"database/sql"
	"log/slog"
	"time"
)

// SQLite in WAL mode appends every commit to the -wal file; a checkpoint
// copies those pages back into the database file. Left to itself, SQLite
// checkpoints on the committing connection once the WAL passes 1000 pages,
// so one in every few ingest commits would also pay for copying megabytes.
// Instead a connection of its own copies the WAL in the background, beside
// the writer, and the writer checkpoints only as a backstop, when the WAL
// has grown past 16384 pages because the background one fell behind (see
// sqliteWriterParams).

// checkpointEvery is how often the background checkpoint runs.
const checkpointEvery = 100 * time.Millisecond

// checkpointer runs PASSIVE checkpoints, which never block the writer or
// readers, until Close.
type checkpointer struct {
	db   *sql.DB
	log  *slog.Logger
	stop chan struct{}
	done chan struct{}
}

func startCheckpointer(db *sql.DB, log *slog.Logger) *checkpointer {
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	c := &checkpointer{db: db, log: log, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

func (c *checkpointer) run() {
	defer close(c.done)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-c.stop:
			return
		case <-tick.C:
		}
		err := c.checkpoint()
		switch {
		case err != nil && !failing:
			// Said once per run of failures: the writer's backstop keeps
			// the WAL bounded meanwhile, so nothing is lost.
			c.log.Warn("background WAL checkpoint failed; the writer checkpoints instead", "error", err)
			failing = true
		case err == nil && failing:
			c.log.Info("background WAL checkpoint works again")
			failing = false
		}
	}
}

// checkpoint copies what the WAL holds beyond the last checkpoint.
func (c *checkpointer) checkpoint() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var busy, logPages, copied int
	return c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logPages, &copied)
}

// Close stops the background checkpoints and closes their connection.
func (c *checkpointer) Close() error {
	close(c.stop)
	<-c.done
	return c.db.Close()
}
