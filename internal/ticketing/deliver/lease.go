package deliver

import (
	"context"
	"errors"
	"time"
)

// leaseBusyRetry is how soon a pass that found another one running tries again.
const leaseBusyRetry = 500 * time.Millisecond

// errLeaseLost stops a pass whose lease another process took over.
var errLeaseLost = errors.New("the delivery lease was lost, so another pass may run; stopping this one")

// renewLease keeps the lease while the pass runs, and stops the pass if it
// cannot: two passes must never create tickets for one tenant at once.
func (s *Service) renewLease(ctx context.Context, cancel context.CancelCauseFunc, partnerID int64, holder string) {
	tick := time.NewTicker(s.opts.LeaseTTL / 3)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		ok, err := s.store.TakeDeliveryLease(ctx, partnerID, holder, s.opts.LeaseTTL)
		if ctx.Err() != nil {
			return
		}
		if err != nil || !ok {
			cancel(errors.Join(errLeaseLost, err))
			return
		}
	}
}
