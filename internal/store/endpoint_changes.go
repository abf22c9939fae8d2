package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"halobridge/internal/source"
)

// EndpointChangeHorizon is how long the store remembers when an endpoint
// last changed, after it recorded that change: far longer than a source
// takes to redeliver, short enough that what it keeps of endpoints long
// gone does not grow without end.
const EndpointChangeHorizon = 30 * 24 * time.Hour

// applyEndpointChanges applies the batches' endpoint changes in tx, in
// order, and counts what came of them in results. A change older than the
// last change of its endpoint is stale; a new endpoint of a customer that
// has source.MaxEndpointsPerCustomer already is left out. A change dated
// in the future is taken as made now, so that a wrong clock at the source
// cannot hold an endpoint against every later change.
func (s *Store) applyEndpointChanges(ctx context.Context, tx *sql.Tx, batches []InboundBatch, results []InboundResult) error {
	nowTime := s.timestamp()
	now := s.d.timeArg(nowTime)
	horizon := nowTime.Add(-EndpointChangeHorizon)
	pruned := map[int64]bool{}
	for b, batch := range batches {
		if len(batch.Endpoints) == 0 {
			continue
		}
		if !pruned[batch.SourceID] {
			pruned[batch.SourceID] = true
			if _, err := tx.ExecContext(ctx, "DELETE FROM source_endpoint_changes WHERE source_id = $1 AND recorded_at < $2",
				batch.SourceID, s.d.timeArg(horizon)); err != nil {
				return fmt.Errorf("prune endpoint changes of source %d: %w", batch.SourceID, err)
			}
		}
		for i, c := range batch.Endpoints {
			at := exactTime(c.At)
			if at.After(nowTime) {
				at = nowTime
			}
			applied, err := s.applyEndpointChange(ctx, tx, batch.SourceID, c, at, now)
			if err != nil {
				return fmt.Errorf("endpoint change %d (%q of customer %q) of source %d: %w", i, c.Endpoint.ID, c.Endpoint.CustomerID, batch.SourceID, err)
			}
			switch applied {
			case changeApplied:
				results[b].Endpoints++
			case changeStale:
				results[b].StaleEndpoints++
			case changeOverLimit:
				results[b].EndpointsOverLimit++
			}
		}
	}
	return nil
}

type changeOutcome int

const (
	changeApplied changeOutcome = iota
	changeStale
	changeOverLimit
)

// applyEndpointChange applies one change made at at in tx. The change's
// row in source_endpoint_changes is written first, and only when the
// change is newer than the one it holds: writing it locks it, so that of
// two transactions changing one endpoint at once the second waits and then
// sees the first's change. Of two changes made in the same instant the
// removal stands, whichever came first, so that no order of delivery
// brings a removed endpoint back; otherwise the first stands, and a
// redelivery is stale.
func (s *Store) applyEndpointChange(ctx context.Context, tx *sql.Tx, sourceID int64, c source.EndpointChange, at time.Time, now any) (changeOutcome, error) {
	if !c.Removed {
		if full, err := s.customerFull(ctx, tx, sourceID, c.Endpoint); err != nil || full {
			return changeOverLimit, err
		}
	}
	var one int
	err := tx.QueryRowContext(ctx, `INSERT INTO source_endpoint_changes (source_id, endpoint_id, changed_at, removed, recorded_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (source_id, endpoint_id) DO UPDATE SET changed_at = excluded.changed_at, removed = excluded.removed, recorded_at = excluded.recorded_at
		WHERE excluded.changed_at > source_endpoint_changes.changed_at
			OR (excluded.changed_at = source_endpoint_changes.changed_at AND excluded.removed AND NOT source_endpoint_changes.removed)
		RETURNING 1`,
		sourceID, c.Endpoint.ID, s.d.timeArg(at), c.Removed, now).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return changeStale, nil
	}
	if err != nil {
		return 0, mapError(err)
	}
	if c.Removed {
		_, err := tx.ExecContext(ctx, "DELETE FROM source_endpoints WHERE source_id = $1 AND endpoint_id = $2", sourceID, c.Endpoint.ID)
		return changeApplied, err
	}
	return changeApplied, s.upsertEndpoints(ctx, tx, sourceID, c.Endpoint.CustomerID, []source.Endpoint{c.Endpoint}, now)
}

// customerFull reports whether e would be a new endpoint of a customer
// that has source.MaxEndpointsPerCustomer already.
func (s *Store) customerFull(ctx context.Context, tx *sql.Tx, sourceID int64, e source.Endpoint) (bool, error) {
	var kept bool
	if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM source_endpoints WHERE source_id = $1 AND endpoint_id = $2 AND customer_id = $3)",
		sourceID, e.ID, e.CustomerID).Scan(&kept); err != nil || kept {
		return false, err
	}
	var n int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM source_endpoints WHERE source_id = $1 AND customer_id = $2", sourceID, e.CustomerID).Scan(&n)
	return n >= source.MaxEndpointsPerCustomer, err
}
