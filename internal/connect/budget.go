package connect

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"halobridge/internal/halo"
	"halobridge/internal/store"
)

const (
	// grantTTL is how long the requests of one grant may be sent (or a
	// thirtieth of the window, when that is shorter). The grant counts
	// until a window after that, so that whenever they go, HaloPSA's window
	// never holds more than the database does.
	grantTTL = 10 * time.Second
	// maxGrant bounds one grant (to a twentieth of the limit, when that is
	// smaller): a busy process asks for more at once, an idle one for one
	// at a time, and what a process holds unsent is never much of the
	// window.
	maxGrant = 16
)

// SharedBudget is a halo.Budget kept in the database and shared by every
// replica and command: each takes its tenants' requests in small grants
// (halo_grants), so that together they never go over HaloPSA's window, and
// a 429 met by one pauses every one. Priorities keep their shares of the
// window (halo.RequestPriority.Cap) across processes too.
type SharedBudget struct {
	store  budgetStore
	limit  int
	window time.Duration
	now    func() time.Time
	// ttl is how long a grant's requests may be sent, and most how many
	// one grant asks for.
	ttl  time.Duration
	most int

	mu     sync.Mutex
	pools  map[poolKey]*pool
	paused map[string]time.Time
}

// budgetStore keeps each tenant's window: the store.
type budgetStore interface {
	GrantHaloRequests(ctx context.Context, r store.HaloGrantRequest) (store.HaloGrant, error)
	PauseHaloTenant(ctx context.Context, tenant string, until time.Time) error
	HaloBudget(ctx context.Context, tenant string, at time.Time) (store.HaloBudget, error)
}

type poolKey struct {
	tenant   string
	priority halo.RequestPriority
}

// pool is what this process was granted of one tenant at one priority and
// has not sent yet.
type pool struct {
	left    int
	expires time.Time
	// size is how many the next grant asks for: it doubles while grants
	// are used up and halves when they expire unused.
	size int
	used time.Time
}

// NewSharedBudget returns a budget of limit requests per window for each
// tenant (zero values: HaloPSA's 300 per 5 minutes), kept in st.
func NewSharedBudget(st budgetStore, limit int, window time.Duration) *SharedBudget {
	if limit <= 0 {
		limit = 300
	}
	if window <= 0 {
		window = 5 * time.Minute
	}
	return &SharedBudget{store: st, limit: limit, window: window, now: time.Now, ttl: min(grantTTL, window/30),
		most: min(maxGrant, max(limit/20, 1)), pools: map[poolKey]*pool{}, paused: map[string]time.Time{}}
}

// Limit and Window are the budget of each tenant.
func (b *SharedBudget) Limit() int            { return b.limit }
func (b *SharedBudget) Window() time.Duration { return b.window }

// Take spends n requests of tenant's window at priority p, waiting at most maxWait.
func (b *SharedBudget) Take(ctx context.Context, tenant string, p halo.RequestPriority, n int, maxWait time.Duration) error {
	if n > p.Cap(b.limit) {
		return fmt.Errorf("%d HaloPSA requests at once exceed the %d a window allows %s requests", n, p.Cap(b.limit), p)
	}
	deadline := b.now().Add(maxWait)
	for {
		if until, paused := b.pausedUntil(tenant); paused {
			if err := b.sleep(ctx, until, deadline); err != nil {
				return err
			}
			continue
		}
		if b.takeLocal(tenant, p, n) {
			return nil
		}
		now := b.now()
		want := max(n, b.nextSize(tenant, p))
		g, err := b.store.GrantHaloRequests(ctx, store.HaloGrantRequest{Tenant: tenant, Priority: int(p), Want: want, Min: n,
			Cap: p.Cap(b.limit), Now: now, CountFor: b.ttl + b.window})
		if err != nil {
			return err
		}
		if g.Granted >= n {
			b.keep(tenant, p, g.Granted-n, now)
			return nil
		}
		if err := b.sleep(ctx, g.RetryAt, deadline); err != nil {
			return err
		}
	}
}

// sleep waits until until, or fails with *halo.RateLimitError when that is
// past deadline.
func (b *SharedBudget) sleep(ctx context.Context, until, deadline time.Time) error {
	wait := until.Sub(b.now())
	if wait <= 0 {
		return nil
	}
	if until.After(deadline) {
		return &halo.RateLimitError{RetryAfter: wait}
	}
	halo.NoticeWait(ctx, until)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// takeLocal spends n of what this process holds of tenant at p.
func (b *SharedBudget) takeLocal(tenant string, p halo.RequestPriority, n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	pl, ok := b.pools[poolKey{tenant, p}]
	now := b.now()
	if !ok || !now.Before(pl.expires) || pl.left < n {
		return false
	}
	pl.left -= n
	pl.used = now
	return true
}

// nextSize is how many requests the next grant of tenant at p asks for.
func (b *SharedBudget) nextSize(tenant string, p halo.RequestPriority) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	pl, ok := b.pools[poolKey{tenant, p}]
	if !ok {
		return 1
	}
	switch {
	case pl.left > 0: // the last grant expired unused in part
		pl.size = max(pl.size/2, 1)
	default:
		pl.size = min(pl.size*2, b.most)
	}
	return pl.size
}

// keep holds what a grant gave beyond the request it was made for.
func (b *SharedBudget) keep(tenant string, p halo.RequestPriority, left int, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	key := poolKey{tenant, p}
	pl, ok := b.pools[key]
	if !ok {
		b.evict(at)
		pl = &pool{size: 1}
		b.pools[key] = pl
	}
	pl.left, pl.expires, pl.used = left, at.Add(b.ttl), at
}

// evict forgets pools idle for a window once there are many.
func (b *SharedBudget) evict(now time.Time) {
	if len(b.pools) < 256 {
		return
	}
	for key, pl := range b.pools {
		if now.Sub(pl.used) > b.window {
			delete(b.pools, key)
		}
	}
	for tenant, until := range b.paused {
		if !now.Before(until) {
			delete(b.paused, tenant)
		}
	}
}

// pausedUntil reports a pause this process knows of.
func (b *SharedBudget) pausedUntil(tenant string) (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	until, ok := b.paused[tenant]
	if ok && !b.now().Before(until) {
		delete(b.paused, tenant)
		return time.Time{}, false
	}
	return until, ok
}

// Pause stops every request of tenant until until, in every process: what
// this one holds unsent is dropped, and the database refuses grants.
func (b *SharedBudget) Pause(ctx context.Context, tenant string, until time.Time) {
	b.mu.Lock()
	for key := range b.pools {
		if key.tenant == tenant {
			delete(b.pools, key)
		}
	}
	if until.After(b.paused[tenant]) {
		b.paused[tenant] = until
	}
	b.mu.Unlock()
	// A failure here leaves the pause to this process; the others learn of
	// HaloPSA's limit from their own 429s.
	_ = b.store.PauseHaloTenant(context.WithoutCancel(ctx), tenant, until)
}

// BudgetReport is what a tenant's window holds, in words for the portal.
type BudgetReport struct {
	Limit  int
	Window time.Duration
	Spent  int
	Left   int
	// ByPriority splits Spent.
	ByPriority  map[halo.RequestPriority]int
	PausedUntil time.Time
}

// Report is what tenant's window holds now.
func (b *SharedBudget) Report(ctx context.Context, tenant string) (BudgetReport, error) {
	now := b.now()
	got, err := b.store.HaloBudget(ctx, tenant, now)
	if err != nil {
		return BudgetReport{}, err
	}
	r := BudgetReport{Limit: b.limit, Window: b.window, Spent: got.Spent, Left: max(b.limit-got.Spent, 0), ByPriority: map[halo.RequestPriority]int{}}
	for p, n := range got.ByPriority {
		r.ByPriority[halo.RequestPriority(p)] = n
	}
	if got.PausedUntil.After(now) {
		r.PausedUntil = got.PausedUntil
	}
	return r, nil
}

// tenants lists the tenants this process has taken requests of lately.
func (b *SharedBudget) tenants() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for key := range b.pools {
		if !seen[key.tenant] {
			seen[key.tenant] = true
			out = append(out, key.tenant)
		}
	}
	return out
}

var (
	budgetSpent = prometheus.NewDesc("halobridge_halo_budget_spent_requests",
		"HaloPSA requests counted in the tenant's rolling window, by priority (every replica's).", []string{"tenant", "priority"}, nil)
	budgetLeft = prometheus.NewDesc("halobridge_halo_budget_left_requests",
		"HaloPSA requests the tenant's rolling window has left.", []string{"tenant"}, nil)
	budgetLimit = prometheus.NewDesc("halobridge_halo_budget_limit_requests",
		"HaloPSA requests a tenant may send per rolling window.", []string{"tenant"}, nil)
	budgetPaused = prometheus.NewDesc("halobridge_halo_budget_paused",
		"1 while HaloPSA's 429 pauses the tenant.", []string{"tenant"}, nil)
)

// Describe and Collect make the budget of the tenants this process used
// lately a Prometheus collector: /metrics shows what is spent and left.
func (b *SharedBudget) Describe(ch chan<- *prometheus.Desc) {
	ch <- budgetSpent
	ch <- budgetLeft
	ch <- budgetLimit
	ch <- budgetPaused
}

func (b *SharedBudget) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, tenant := range b.tenants() {
		r, err := b.Report(ctx, tenant)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(budgetSpent, errors.Join(errors.New("read the HaloPSA budget"), err))
			continue
		}
		for _, p := range halo.RequestPriorities {
			ch <- prometheus.MustNewConstMetric(budgetSpent, prometheus.GaugeValue, float64(r.ByPriority[p]), tenant, p.String())
		}
		ch <- prometheus.MustNewConstMetric(budgetLeft, prometheus.GaugeValue, float64(r.Left), tenant)
		ch <- prometheus.MustNewConstMetric(budgetLimit, prometheus.GaugeValue, float64(r.Limit), tenant)
		paused := 0.0
		if !r.PausedUntil.IsZero() {
			paused = 1
		}
		ch <- prometheus.MustNewConstMetric(budgetPaused, prometheus.GaugeValue, paused, tenant)
	}
}
