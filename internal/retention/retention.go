// Package retention prunes what halobridge keeps no longer than it needs:
// alerts and resolutions received longer ago than the retention period
// (--retention) once delivery is done with them, and with them the event
// ids that recognise their redeliveries, and the HaloPSA webhook deliveries
// acted on more than 30 days ago. It works in small batches, each
// its own short transaction, and rests between them, so that ingest's
// commits go on while it runs; a periodic durable job runs it every hour.
package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"halobridge/internal/store"
)

// Batches removes old rows one small batch per call (the store): each batch
// reads its candidates without holding the writer and deletes them in a
// transaction of its own, so ingest's commits go on between batches.
type Batches interface {
	PruneAlerts(ctx context.Context, q store.PruneQuery) (store.Pruned, error)
	PruneResolutions(ctx context.Context, q store.PruneQuery) (store.Pruned, error)
}

// HaloDeliveries prunes the HaloPSA webhook deliveries acted on: the store does; a
// Batches without it prunes alerts and resolutions only.
type HaloDeliveries interface {
	PruneHaloDeliveries(ctx context.Context, before time.Time) (int, error)
}

// HaloDeliveryAge is how long a HaloPSA webhook delivery's id is kept once acted on.
const HaloDeliveryAge = 30 * 24 * time.Hour

// Pruner deletes, batch by batch, what is kept longer than it is needed.
type Pruner struct {
	Store Batches
	// Retention is how long alerts and resolutions are kept after they
	// were received; it must be positive.
	Retention time.Duration
	// BatchSize bounds the rows one batch visits (default 500).
	BatchSize int
	// Rest is how many times as long as a batch took the pruner waits
	// before the next one (default 9), so that pruning takes at most a
	// tenth of the database writer, which SQLite's ingest shares, and of the
	// processor; a batch that waited for a busy writer took longer, so the
	// pruner slows down further while ingest is busy. Negative: no rest.
	Rest int
	// Now defaults to time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// OnBatch, when set, hears of each batch once it is committed, before
	// the next one begins.
	OnBatch func(Batch)
}

// Batch is what one batch did.
type Batch struct {
	// What names the rows: "alerts" or "resolutions".
	What string
	store.Pruned
}

// Result adds up what a run did.
type Result struct {
	// Alerts and Resolutions count the rows deleted.
	Alerts, Resolutions int
	// Kept counts old alerts and resolutions left because delivery still
	// needs them.
	Kept int
	// HaloDeliveries counts the HaloPSA webhook deliveries deleted.
	HaloDeliveries int
	Batches        int
}

// Prune deletes everything old enough to go that nothing needs, and
// returns what it did, also when ctx ends or the database fails midway:
// each batch that finished is committed, and the next run goes on from
// there.
func (p *Pruner) Prune(ctx context.Context) (Result, error) {
	var res Result
	if p.Retention <= 0 {
		return res, fmt.Errorf("prune: the retention must be positive, not %s", p.Retention)
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	cutoff := now().Add(-p.Retention)
	steps := []struct {
		what    string
		prune   func(context.Context, store.PruneQuery) (store.Pruned, error)
		deleted *int
	}{
		{"alerts", p.Store.PruneAlerts, &res.Alerts},
		{"resolutions", p.Store.PruneResolutions, &res.Resolutions},
	}
	for _, step := range steps {
		q := store.PruneQuery{Before: cutoff, Limit: p.BatchSize}
		for {
			started := time.Now()
			batch, err := step.prune(ctx, q)
			if err != nil {
				return res, err
			}
			took := time.Since(started)
			res.Batches++
			*step.deleted += batch.Deleted
			res.Kept += batch.Kept
			if p.OnBatch != nil {
				p.OnBatch(Batch{What: step.what, Pruned: batch})
			}
			if batch.Done {
				break
			}
			q.After = batch.Next
			if err := p.rest(ctx, took); err != nil {
				return res, err
			}
		}
	}
	if d, ok := p.Store.(HaloDeliveries); ok {
		n, err := d.PruneHaloDeliveries(ctx, now().Add(-HaloDeliveryAge))
		res.HaloDeliveries = n
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// rest waits Rest times took before the next batch.
func (p *Pruner) rest(ctx context.Context, took time.Duration) error {
	factor := p.Rest
	if factor == 0 {
		factor = 9
	}
	if factor < 0 {
		return ctx.Err()
	}
	t := time.NewTimer(time.Duration(factor) * took)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// stoppedEarly reports an error that only says the run's time was up.
func stoppedEarly(ctx context.Context, err error) bool {
	return errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil
}
