package deliver

import (
	"context"
	"time"
)

// flushWindow is the least time between two notes on one ticket in this
// pass: the configured FlushWindow, or longer with many tickets open.
func (p *pass) flushWindow(ctx context.Context) (time.Duration, error) {
	if p.window > 0 {
		return p.window, nil
	}
	open, err := p.svc.store.OpenTicketCount(ctx, p.partnerID)
	if err != nil {
		return 0, err
	}
	o := p.svc.opts
	p.window = noteSpacing(open, o.BudgetLimit, o.BudgetWindow, o.FlushWindow)
	return p.window, nil
}

// noteSpacing is how long each of open tickets waits between two notes so
// that, all noted as often as that allows, notes take at most half of a
// budget of limit requests per window (one request a note), leaving the
// rest for new tickets; never less than least.
func noteSpacing(open, limit int, window, least time.Duration) time.Duration {
	perWindow := max(limit/2, 1)
	return max(least, time.Duration(open)*window/time.Duration(perWindow))
}
