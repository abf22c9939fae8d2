package halo

import (
	"context"
	"sync"
	"time"
)

const (
	// defaultLimit and defaultWindow are hosted Halo's observed budget: "Rate Limit Reached -
	// 300 Requests per rolling 5 minute window".
	defaultLimit  = 300
	defaultWindow = 5 * time.Minute
	// defaultPause is how long a 429 without Retry-After pauses a tenant.
	defaultPause = 60 * time.Second
)

// Limiters holds one rolling-window limiter per tenant. Halo counts requests over a rolling
// window rather than refilling a bucket, so a token bucket would let a burst through right
// after the window filled and earn a 429; here a request may go only when fewer than limit
// requests were sent in the last window.
type Limiters struct {
	limit  int
	window time.Duration

	mu      sync.Mutex
	tenants map[string]*rollingWindow
}

type rollingWindow struct {
	sent        []time.Time // at most limit send times, oldest first
	pausedUntil time.Time
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
	return &Limiters{limit: limit, window: window, tenants: map[string]*rollingWindow{}}
}

// Wait takes one request from key's budget, waiting at most maxWait for it. When the budget
// frees up later than that, it takes nothing and returns *RateLimitError with the wait.
func (l *Limiters) Wait(ctx context.Context, key string, maxWait time.Duration) error {
	deadline := time.Now().Add(maxWait)
	for {
		wait := l.take(key)
		if wait <= 0 {
			return nil
		}
		if time.Now().Add(wait).After(deadline) {
			return &RateLimitError{RetryAfter: wait, local: true}
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
}

// take records a request for key and returns 0, or returns how long until one may be sent.
func (l *Limiters) take(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	w := l.tenant(key)
	if now.Before(w.pausedUntil) {
		return w.pausedUntil.Sub(now)
	}
	if len(w.sent) >= l.limit {
		if free := w.sent[len(w.sent)-l.limit].Add(l.window); now.Before(free) {
			return free.Sub(now)
		}
	}
	w.sent = append(w.sent, now)
	if len(w.sent) > l.limit {
		w.sent = append(w.sent[:0], w.sent[len(w.sent)-l.limit:]...)
	}
	return 0
}

// Pause stops every request of key until the given time, as Halo asks with a 429.
func (l *Limiters) Pause(key string, until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.tenant(key)
	if until.After(w.pausedUntil) {
		w.pausedUntil = until
	}
}

func (l *Limiters) tenant(key string) *rollingWindow {
	w, ok := l.tenants[key]
	if !ok {
		w = &rollingWindow{}
		l.tenants[key] = w
	}
	return w
}
