package halo

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// RequestPriority orders what a tenant's request budget goes to when it runs
// short: tickets first, then notes, then everything else. A priority may
// fill the rolling window only up to its share, so that what is left
// always serves the ones above it.
type RequestPriority int

const (
	// PriorityBackground is catalog syncs, billing, tests and anything
	// that sets no priority: at most 70 % of the window.
	PriorityBackground RequestPriority = iota
	// PriorityNotes is notes on open tickets: at most 90 % of the window.
	PriorityNotes
	// PriorityTickets is creating, finding, reopening and closing tickets:
	// the whole window.
	PriorityTickets
)

// RequestPriorities lists every priority, lowest first.
var RequestPriorities = []RequestPriority{PriorityBackground, PriorityNotes, PriorityTickets}

// String names the priority as metrics and the portal show it.
func (p RequestPriority) String() string {
	switch p {
	case PriorityTickets:
		return "tickets"
	case PriorityNotes:
		return "notes"
	}
	return "background"
}

// Cap is how many of limit requests in a window p may fill.
func (p RequestPriority) Cap(limit int) int {
	switch p {
	case PriorityTickets:
		return limit
	case PriorityNotes:
		return max(limit*9/10, 1)
	}
	return max(limit*7/10, 1)
}

// Budget accounts a tenant's HaloPSA requests over HaloPSA's rolling
// window. Limiters does it in memory for one process; connect.SharedBudget
// in the database, for every replica and command at once.
type Budget interface {
	// Take spends n requests of tenant's window at priority p, waiting at
	// most maxWait for them (telling NoticeWait before it waits). When they would free up later than that it takes nothing and
	// returns *RateLimitError with the wait.
	Take(ctx context.Context, tenant string, p RequestPriority, n int, maxWait time.Duration) error
	// Pause stops every request of tenant until until, as HaloPSA asks with
	// a 429.
	Pause(ctx context.Context, tenant string, until time.Time)
}

type priorityKey struct{}

// WithRequestPriority makes the requests sent with ctx spend the tenant's budget
// at priority p.
func WithRequestPriority(ctx context.Context, p RequestPriority) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

// RequestPriorityOf is the priority of requests sent with ctx: background unless
// WithRequestPriority said otherwise.
func RequestPriorityOf(ctx context.Context) RequestPriority {
	p, _ := ctx.Value(priorityKey{}).(RequestPriority)
	return p
}

type budgetWaitKey struct{}

// budgetWait is how a caller wants its requests to wait for the budget.
type budgetWait struct {
	max    time.Duration
	notice func(until time.Time)
}

// WithBudgetWait lets the requests sent with ctx wait up to maxWait for the
// tenant's budget (instead of the client's MaxRateWait), telling notice,
// before each wait, until when: a catalog sync pauses and resumes this way
// instead of failing, and shows the pause as its progress.
func WithBudgetWait(ctx context.Context, maxWait time.Duration, notice func(until time.Time)) context.Context {
	return context.WithValue(ctx, budgetWaitKey{}, budgetWait{max: maxWait, notice: notice})
}

// maxBudgetWait is how long requests sent with ctx may wait for the
// budget: WithBudgetWait's, or fallback.
func maxBudgetWait(ctx context.Context, fallback time.Duration) time.Duration {
	if w, ok := ctx.Value(budgetWaitKey{}).(budgetWait); ok {
		return w.max
	}
	return fallback
}

// NoticeWait tells ctx's WithBudgetWait notice, if any, that a request
// waits until until; Budget implementations call it before they wait.
func NoticeWait(ctx context.Context, until time.Time) {
	if w, ok := ctx.Value(budgetWaitKey{}).(budgetWait); ok && w.notice != nil {
		w.notice(until)
	}
}

// reservationTTL is how long requests taken by Reserve stay usable. They
// are counted as if sent at the end of it, so that the window never holds
// fewer requests than HaloPSA saw.
const reservationTTL = 30 * time.Second

type reservationKey struct{}

// reservation is what Reserve took and the calls made with its context
// have not spent yet.
type reservation struct {
	tenant  string
	mu      sync.Mutex
	left    int
	expires time.Time
}

// take spends one reserved request of tenant, if one is left and usable.
func (r *reservation) take(tenant string) bool {
	if r == nil || r.tenant != tenant {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.left <= 0 || !time.Now().Before(r.expires) {
		return false
	}
	r.left--
	return true
}

// Reserve takes n requests of the tenant's budget at ctx's priority, now
// or not at all, for the calls made with the returned context: a billing
// run reserves what one client needs before it starts, so that it never
// stops halfway for want of budget. The requests not used within 30 s are
// lost; calls past the reservation spend the budget as usual.
func (c *Client) Reserve(ctx context.Context, n int) (context.Context, error) {
	if n <= 0 {
		return ctx, nil
	}
	tenant := c.cfg.limiterKey()
	if err := c.cfg.Budget.Take(ctx, tenant, RequestPriorityOf(ctx), n, maxBudgetWait(ctx, c.cfg.MaxRateWait)); err != nil {
		return ctx, fmt.Errorf("reserve %d HaloPSA requests: %w", n, err)
	}
	r := &reservation{tenant: tenant, left: n, expires: time.Now().Add(reservationTTL)}
	return context.WithValue(ctx, reservationKey{}, r), nil
}

// spend takes one request for ctx from its reservation, or from the
// tenant's budget.
func spend(ctx context.Context, b Budget, tenant string, maxWait time.Duration) error {
	if r, _ := ctx.Value(reservationKey{}).(*reservation); r.take(tenant) {
		return nil
	}
	return b.Take(ctx, tenant, RequestPriorityOf(ctx), 1, maxBudgetWait(ctx, maxWait))
}
