package retention_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"halobridge/internal/retention"
	"halobridge/internal/store"
)

// timedStore stands in for the database where only time matters: each
// alert batch takes took, and the alerts are done after batches of them.
// What the batches delete is the storage suite's business.
type timedStore struct {
	took    time.Duration
	batches int
	served  int
}

func (s *timedStore) PruneAlerts(ctx context.Context, _ store.PruneQuery) (store.Pruned, error) {
	time.Sleep(s.took)
	s.served++
	return store.Pruned{Deleted: 100, Done: s.served == s.batches}, ctx.Err()
}

func (s *timedStore) PruneResolutions(context.Context, store.PruneQuery) (store.Pruned, error) {
	return store.Pruned{Done: true}, nil
}

func TestPrunerRests(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		rest int
		want time.Duration
	}{
		// Three batches of 10 ms, and a rest after each but the last.
		{"NineTimesABatchByDefault", 0, 3*10*time.Millisecond + 2*90*time.Millisecond},
		{"AsLongAsABatchWhenRestIsOne", 1, 3*10*time.Millisecond + 2*10*time.Millisecond},
		{"NotAtAllWhenRestIsNegative", -1, 3 * 10 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				p := &retention.Pruner{Store: &timedStore{took: 10 * time.Millisecond, batches: 3}, Retention: ninetyDays, Rest: tc.rest}
				start := time.Now()
				res, err := p.Prune(t.Context())
				if err != nil || res.Alerts != 300 {
					t.Fatalf("Prune = %+v, %v", res, err)
				}
				if took := time.Since(start); took != tc.want {
					t.Errorf("took %s, want %s", took, tc.want)
				}
			})
		})
	}

	t.Run("StopsRestingWhenItsTimeIsUp", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			p := &retention.Pruner{Store: &timedStore{took: 10 * time.Millisecond, batches: 3}, Retention: ninetyDays}
			ctx, cancel := context.WithTimeout(t.Context(), 15*time.Millisecond)
			defer cancel()
			start := time.Now()
			res, err := p.Prune(ctx)
			if !errors.Is(err, context.DeadlineExceeded) || res.Alerts != 100 {
				t.Errorf("Prune = %+v, %v; want the first batch done and the deadline", res, err)
			}
			if took := time.Since(start); took != 15*time.Millisecond {
				t.Errorf("returned after %s, want at the deadline, 15ms", took)
			}
		})
	})
}
