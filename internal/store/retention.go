package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PruneQuery asks for one batch.
type PruneQuery struct {
	// Before is the received time before which rows may go.
	Before time.Time
	// After is where the previous batch stopped (its Pruned.Next); the
	// zero value starts at the beginning.
	After PruneCursor
	// Limit bounds the rows one batch visits: default 500, at most 5000.
	Limit int
}

// PruneCursor marks where a batch stopped: the last id it visited.
type PruneCursor struct{ id int64 }

// Pruned says what one batch did.
type Pruned struct {
	// Deleted counts the rows deleted; Kept the old enough ones that were
	// not: something still needs them (or another pruner took them first).
	Deleted, Kept int
	// Next is where the following batch starts.
	Next PruneCursor
	// Done reports that no batch after this one would find anything.
	Done bool
}

const (
	defaultPruneLimit = 500
	maxPruneLimit     = 5000
)

func pruneLimit(n int) int {
	if n <= 0 {
		return defaultPruneLimit
	}
	return min(n, maxPruneLimit)
}

// alertStillNeeded is the condition on alerts that PruneAlerts keeps them
// for: delivery has not finished with it, or a resolution finds an open or
// pending ticket through it.
const alertStillNeeded = `(NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.alert_id = alerts.id AND d.state = 'done')
	OR EXISTS (SELECT 1 FROM fingerprint_links f JOIN ticket_links l ON l.partner_id = f.partner_id AND l.key = f.key
		WHERE f.alert_id = alerts.id AND l.state <> 'closed'))`

// PruneAlerts deletes a batch of the alerts received before q.Before
// that delivery is done with, with their deliveries and fingerprint
// links. It keeps an alert delivery still needs: one never tried, one
// whose ticket is being created, one that failed and waits for a retry,
// and the latest alert of a fingerprint whose ticket is open or pending
// (the one a resolution of that fingerprint finds its ticket through).
// It also keeps the newest alert of all, so that SQLite never hands its
// id to another. Alerts are visited in id order and the batch ends at the
// first one received at or after q.Before.
func (s *Store) PruneAlerts(ctx context.Context, q PruneQuery) (Pruned, error) {
	ids, out, err := s.oldRows(ctx, "alerts", q)
	if err != nil || len(ids) == 0 {
		return out, err
	}
	// The newest alert stays: SQLite gives a new row the highest id plus one,
	// so deleting it would let the next alert take its id.
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		gone, err := deleteReturningIDs(ctx, tx, "DELETE FROM alerts WHERE id IN "+s.inList(0, len(ids))+
			" AND id < (SELECT max(id) FROM alerts) AND NOT "+alertStillNeeded+" RETURNING id", ids)
		if err != nil || len(gone) == 0 {
			return err
		}
		out.Deleted = len(gone)
		_, err = tx.ExecContext(ctx, "DELETE FROM fingerprint_links WHERE alert_id IN "+s.inList(0, len(gone)), gone...)
		return err
	})
	if err != nil {
		return Pruned{}, fmt.Errorf("prune alerts received before %s: %w", q.Before.UTC().Format(time.RFC3339), err)
	}
	out.Kept = len(ids) - out.Deleted
	return out, nil
}

// PruneResolutions deletes a batch of the resolutions received before
// q.Before that delivery has acted on, with what it did about them.
func (s *Store) PruneResolutions(ctx context.Context, q PruneQuery) (Pruned, error) {
	ids, out, err := s.oldRows(ctx, "resolutions", q)
	if err != nil || len(ids) == 0 {
		return out, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		gone, err := deleteReturningIDs(ctx, tx, "DELETE FROM resolutions WHERE id IN "+s.inList(0, len(ids))+
			" AND EXISTS (SELECT 1 FROM resolution_deliveries rd WHERE rd.resolution_id = resolutions.id) RETURNING id", ids)
		out.Deleted = len(gone)
		return err
	})
	if err != nil {
		return Pruned{}, fmt.Errorf("prune resolutions received before %s: %w", q.Before.UTC().Format(time.RFC3339), err)
	}
	out.Kept = len(ids) - out.Deleted
	return out, nil
}

// oldRows reads, without holding the writer, the ids of up to q.Limit rows
// of table after q.After that were received before q.Before. Ids grow with
// the time rows arrive, so the first row received since ends the search.
func (s *Store) oldRows(ctx context.Context, table string, q PruneQuery) ([]any, Pruned, error) {
	limit := pruneLimit(q.Limit)
	rows, err := s.reader.QueryContext(ctx, "SELECT id, received_at FROM "+table+" WHERE id > $1 ORDER BY id LIMIT $2", q.After.id, limit)
	if err != nil {
		return nil, Pruned{}, fmt.Errorf("find %s to prune: %w", table, err)
	}
	defer rows.Close()
	out := Pruned{Next: q.After}
	var ids []any
	visited := 0
	for rows.Next() {
		var id int64
		var received time.Time
		if err := rows.Scan(&id, timeColumn{&received}); err != nil {
			return nil, Pruned{}, fmt.Errorf("find %s to prune: %w", table, err)
		}
		visited++
		if !received.Before(q.Before) {
			out.Done = true
			break
		}
		ids = append(ids, id)
		out.Next.id = id
	}
	if err := rows.Err(); err != nil {
		return nil, Pruned{}, fmt.Errorf("find %s to prune: %w", table, err)
	}
	if visited < limit {
		out.Done = true
	}
	return ids, out, nil
}

// deleteReturningIDs runs a DELETE … RETURNING id and collects the ids.
func deleteReturningIDs(ctx context.Context, tx *sql.Tx, query string, args []any) ([]any, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// PruneHaloDeliveries deletes the HaloPSA webhook deliveries acted on and received before
// before: their ids only guard against HaloPSA's retries and replays, which come within
// hours. A delivery not acted on yet stays. It reports how many went.
func (s *Store) PruneHaloDeliveries(ctx context.Context, before time.Time) (int, error) {
	res, err := s.writer.ExecContext(ctx, "DELETE FROM halo_deliveries WHERE received_at < $1 AND done_at <> $2",
		s.d.timeArg(before), s.d.timeArg(time.Time{}))
	if err != nil {
		return 0, fmt.Errorf("prune HaloPSA webhook deliveries received before %s: %w", before.UTC().Format(time.RFC3339), err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
