package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"halobridge/internal/ingest"
	"halobridge/internal/source/gravityzone"
	"halobridge/internal/store"
)

// ceiling measures the bare engine: the rows halobridge stores for the
// events of the stream (the same columns, facts and raw bytes, rendered by
// the store's own code), inserted with no HTTP, no parsing and no
// redelivery check, in transactions of the committer's size, through the
// store's own connections (on SQLite the writer, WAL and
// synchronous=FULL). PostgreSQL gets them by COPY. Only the inserts and
// commits are timed. The rows go to a source of their own, so that they
// take no event id from the runs' source.
type ceiling struct {
	st     *store.Store
	src    store.Source
	bodies *bodies
	batch  int
	insert func(context.Context, [][]any) error
	done   func()
	// next is the first event not inserted yet.
	next  int
	tally tally
}

func newCeiling(ctx context.Context, db *Database, src store.Source, bodies *bodies, batch int) (*ceiling, error) {
	st := db.Store
	insert, done, err := bareInsert(ctx, db.Engine, st)
	if err != nil {
		return nil, fmt.Errorf("ceiling: %w", err)
	}
	return &ceiling{st: st, src: src, bodies: bodies, batch: batch, insert: insert, done: done}, nil
}

// close releases what the ceiling holds.
func (c *ceiling) close() { c.done() }

// measure inserts the events of the stream from the first-th on (or from
// the first it did not insert yet, if later), a transaction at a time,
// until the inserts took d.
func (c *ceiling) measure(ctx context.Context, first int, d time.Duration) error {
	c.next = max(c.next, first)
	var elapsed time.Duration
	for elapsed < d {
		var rows [][]any
		for len(rows) < ingest.DefaultMaxItems {
			in, err := gravityzone.ParsePush(nil, c.bodies.body(c.next))
			if err != nil {
				return err
			}
			c.next += c.batch
			batch := store.InboundBatch{PartnerID: c.src.PartnerID, SourceID: c.src.ID, ReceivedAt: time.Now(),
				DedupHorizon: ingest.DefaultDedupHorizon, Alerts: in.Alerts}
			batchRows, err := c.st.AlertRows(&batch)
			if err != nil {
				return err
			}
			rows = append(rows, batchRows...)
			c.tally.requests++
		}
		start, cpu := time.Now(), processCPU()
		if err := c.insert(ctx, rows); err != nil {
			return fmt.Errorf("ceiling: %w", err)
		}
		elapsed += time.Since(start)
		c.tally.cpu += processCPU() - cpu
		c.tally.events += len(rows)
	}
	c.tally.elapsed += elapsed
	return nil
}

// bareInsert returns what inserts rows of store.AlertColumns in one
// transaction: COPY on PostgreSQL, multi-row INSERTs of the store's size on
// SQLite. done releases what it holds.
func bareInsert(ctx context.Context, engine string, st *store.Store) (insert func(context.Context, [][]any) error, done func(), err error) {
	if engine == "postgres" {
		return func(ctx context.Context, rows [][]any) error {
			return pgx.BeginFunc(ctx, st.PgxPool(), func(tx pgx.Tx) error {
				_, err := tx.CopyFrom(ctx, pgx.Identifier{"alerts"}, store.AlertColumns, pgx.CopyFromRows(rows))
				return err
			})
		}, func() {}, nil
	}
	const perInsert = 200
	full, err := st.DB().PrepareContext(ctx, sqliteInsertSQL(perInsert))
	if err != nil {
		return nil, nil, err
	}
	return func(ctx context.Context, rows [][]any) error {
		tx, err := st.DB().BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for start := 0; start < len(rows); start += perInsert {
			chunk := rows[start:min(start+perInsert, len(rows))]
			args := make([]any, 0, len(chunk)*len(store.AlertColumns))
			for _, row := range chunk {
				args = append(args, row...)
			}
			var err error
			if len(chunk) == perInsert {
				_, err = tx.StmtContext(ctx, full).ExecContext(ctx, args...)
			} else {
				_, err = tx.ExecContext(ctx, sqliteInsertSQL(len(chunk)), args...)
			}
			if err != nil {
				return err
			}
		}
		return tx.Commit()
	}, func() { full.Close() }, nil
}

// sqliteInsertSQL inserts n alert rows.
func sqliteInsertSQL(n int) string {
	row := "(" + strings.Repeat("?, ", len(store.AlertColumns)-1) + "?)"
	return "INSERT INTO alerts (" + strings.Join(store.AlertColumns, ", ") + ") VALUES " + strings.Repeat(row+", ", n-1) + row
}
