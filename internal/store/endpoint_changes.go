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

// changeStands reports whether a change made at at (a removal when
// removed) is newer than the last one applied to its endpoint, made at
// prevAt (a removal when prevRemoved), if there was one (known). Of two
// changes made in the same instant the removal stands, whichever came
// first, so that no order of delivery brings a removed endpoint back;
// otherwise the first stands, and a redelivery is stale.
func changeStands(known bool, prevAt time.Time, prevRemoved bool, at time.Time, removed bool) bool {
	switch {
	case !known || at.After(prevAt):
		return true
	case at.Before(prevAt):
		return false
	default:
		return removed && !prevRemoved
	}
}

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

func (s *Store) applyEndpointChange(ctx context.Context, tx *sql.Tx, sourceID int64, c source.EndpointChange, at time.Time, now any) (changeOutcome, error) {
	var prevAt time.Time
	var prevRemoved bool
	err := tx.QueryRowContext(ctx, "SELECT changed_at, removed FROM source_endpoint_changes WHERE source_id = $1 AND endpoint_id = $2",
		sourceID, c.Endpoint.ID).Scan(timeColumn{&prevAt}, &prevRemoved)
	known := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	if !changeStands(known, prevAt, prevRemoved, at, c.Removed) {
		return changeStale, nil
	}
	if c.Removed {
		if _, err := tx.ExecContext(ctx, "DELETE FROM source_endpoints WHERE source_id = $1 AND endpoint_id = $2", sourceID, c.Endpoint.ID); err != nil {
			return 0, err
		}
	} else {
		full, err := s.customerFull(ctx, tx, sourceID, c.Endpoint)
		if err != nil || full {
			return changeOverLimit, err
		}
		if err := s.upsertEndpoints(ctx, tx, sourceID, c.Endpoint.CustomerID, []source.Endpoint{c.Endpoint}, now); err != nil {
			return 0, err
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO source_endpoint_changes (source_id, endpoint_id, changed_at, removed, recorded_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (source_id, endpoint_id) DO UPDATE SET changed_at = excluded.changed_at, removed = excluded.removed, recorded_at = excluded.recorded_at`,
		sourceID, c.Endpoint.ID, s.d.timeArg(at), c.Removed, now)
	return changeApplied, mapError(err)
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
