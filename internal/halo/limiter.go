package halo

import (
	"context"
	"fmt"
	"sync"
	"time"

	"halobridge/internal/window"
)

const (
	// defaultLimit and defaultWindow are hosted Halo's observed budget: "Rate Limit Reached -
	// 300 Requests per rolling 5 minute window".
	defaultLimit  = 300
	defaultWindow = 5 * time.Minute
	// defaultPause is how long a 429 without Retry-After pauses a tenant.
	defaultPause = 60 * time.Second
	// evictAbove is how many tenants Limiters keeps before it forgets the
	// idle ones.
	evictAbove = 256
)

// Limiters is a Budget in memory: one rolling window per tenant, for a
// single process. Halo counts requests over a rolling window rather than
// refilling a bucket, so a token bucket would let a burst through right
// after the window filled and earn a 429; here a request may go only when
// fewer than its priority's share of the limit were sent in the last
// window.
type Limiters struct {
	limit  int
	window time.Duration

	mu      sync.Mutex
	tenants map[string]*tenantWindow
}

// NewLimiters returns limiters allowing limit requests per rolling window to each tenant;
// zero values mean Halo's 300 requests per 5 minutes.
func NewLimiters(limit int, window time.Duration) *Limiters {
	if limit <= 0 {
		limit = defaultLimit
	}
	if window <= 0 {
		window = defaultWindow
	}
	return &Limiters{limit: limit, window: window, tenants: map[string]*tenantWindow{}}
}

// Take spends n requests of tenant's window at priority p, waiting at most maxWait.
func (l *Limiters) Take(ctx context.Context, tenant string, p RequestPriority, n int, maxWait time.Duration) error {
	deadline := time.Now().Add(maxWait)
	for {
		wait, err := l.take(tenant, p, n)
		if err != nil || wait <= 0 {
			return err
		}
		if time.Now().Add(wait).After(deadline) {
			return &RateLimitError{RetryAfter: wait}
		}
		NoticeWait(ctx, time.Now().Add(wait))
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
}

// take records n requests for tenant and returns 0, or returns how long until they may be
// sent.
func (l *Limiters) take(tenant string, p RequestPriority, n int) (time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	w, ok := l.tenants[tenant]
	if !ok {
		l.evict(now)
		w = &tenantWindow{limit: l.limit, sent: window.Rolling{Period: l.window}}
		l.tenants[tenant] = w
	}
	return w.Take(now, p, n)
}

// evict forgets idle tenants once there are many, so that the map does not grow with
// every tenant ever seen.
func (l *Limiters) evict(now time.Time) {
	if len(l.tenants) < evictAbove {
		return
	}
	for key, w := range l.tenants {
		if w.Idle(now) {
			delete(l.tenants, key)
		}
	}
}

// Pause stops every request of tenant until the given time, as Halo asks with a 429.
func (l *Limiters) Pause(_ context.Context, tenant string, until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.tenants[tenant]
	if !ok {
		w = &tenantWindow{limit: l.limit, sent: window.Rolling{Period: l.window}}
		l.tenants[tenant] = w
	}
	if until.After(w.pausedUntil) {
		w.pausedUntil = until
	}
}

// tenantWindow is one tenant's budget: the requests sent over the rolling
// window, shared out by priority, and a pause Halo asked for. It is not
// safe for concurrent use.
type tenantWindow struct {
	limit int
	// sent holds when each counted request was sent; a request taken
	// ahead (a reservation) counts from when it may last be sent.
	sent        window.Rolling
	pausedUntil time.Time
}

// Take counts n requests at priority p sent at now and returns 0, or
// counts nothing and returns how long until they fit.
func (w *tenantWindow) Take(now time.Time, p RequestPriority, n int) (time.Duration, error) {
	capacity := p.Cap(w.limit)
	if n > capacity {
		return 0, fmt.Errorf("%d HaloPSA requests at once exceed the %d a window allows %s requests", n, capacity, p)
	}
	if now.Before(w.pausedUntil) {
		return w.pausedUntil.Sub(now), nil
	}
	if wait := w.sent.Wait(now, capacity, n); wait > 0 {
		return wait, nil
	}
	at := now
	if n > 1 {
		at = now.Add(reservationTTL)
	}
	w.sent.Add(at, n)
	return 0, nil
}

// Idle reports whether the window holds nothing and no pause.
func (w *tenantWindow) Idle(now time.Time) bool {
	return w.sent.Idle(now) && !now.Before(w.pausedUntil)
}
