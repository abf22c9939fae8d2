package connect

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"halobridge/internal/halo"
	"halobridge/internal/store/storetest"
)

// held is what a budget holds granted and unsent of tenant.
func (b *SharedBudget) held(tenant string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for key, pl := range b.pools {
		if key.tenant == tenant && b.now().Before(pl.expires) {
			n += pl.left
		}
	}
	return n
}

func TestSharedBudget(t *testing.T) {
	t.Parallel()
	const tenant = "https://acme.halopsa.com/api#acme"
	for _, e := range storetest.Engines("budgettest") {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()

			t.Run("ProcessesTogetherNeverGoOverTheWindow", func(t *testing.T) {
				t.Parallel()
				st := e.Open(t)
				processes := []*SharedBudget{NewSharedBudget(st, 30, time.Minute), NewSharedBudget(st, 30, time.Minute), NewSharedBudget(st, 30, time.Minute)}
				var (
					wg   sync.WaitGroup
					mu   sync.Mutex
					sent int
				)
				for _, b := range processes {
					for range 4 {
						wg.Go(func() {
							for b.Take(t.Context(), tenant, halo.PriorityTickets, 1, 0) == nil {
								mu.Lock()
								sent++
								mu.Unlock()
							}
						})
					}
				}
				wg.Wait()
				held := 0
				for _, b := range processes {
					held += b.held(tenant)
				}
				// What was sent and what is still held unsent is exactly the window.
				if sent+held != 30 || sent > 30 {
					t.Errorf("%d requests sent and %d held by 3 processes, want 30 in all", sent, held)
				}
			})

			t.Run("LowerPrioritiesKeepToTheirShareAcrossProcesses", func(t *testing.T) {
				t.Parallel()
				st := e.Open(t)
				a, b := NewSharedBudget(st, 30, time.Minute), NewSharedBudget(st, 30, time.Minute)
				background := 0
				for _, p := range []*SharedBudget{a, b, a, b} {
					for p.Take(t.Context(), tenant, halo.PriorityBackground, 1, 0) == nil {
						background++
					}
				}
				if got := background + a.held(tenant) + b.held(tenant); got != 21 {
					t.Errorf("background took %d (with what is held), want its 70 %% of 30", got)
				}
				if err := b.Take(t.Context(), tenant, halo.PriorityTickets, 9, 0); err != nil {
					t.Errorf("tickets after background filled its share: %v, want the 9 left", err)
				}
			})

			t.Run("A429MetByOneProcessPausesTheOthers", func(t *testing.T) {
				t.Parallel()
				st := e.Open(t)
				a, b := NewSharedBudget(st, 30, time.Minute), NewSharedBudget(st, 30, time.Minute)
				if err := b.Take(t.Context(), tenant, halo.PriorityTickets, 1, 0); err != nil {
					t.Fatal(err)
				}
				a.Pause(t.Context(), tenant, time.Now().Add(time.Hour))
				err := b.Take(t.Context(), tenant, halo.PriorityTickets, 1, 0)
				var limited *halo.RateLimitError
				if !halo.IsRateLimited(err) || !errors.As(err, &limited) || limited.RetryAfter < 59*time.Minute {
					t.Errorf("another process's take during the pause: %v, want a rate limit of about an hour", err)
				}
				report, err := b.Report(t.Context(), tenant)
				if err != nil || report.PausedUntil.IsZero() || report.Limit != 30 {
					t.Errorf("report %+v, %v: want the pause", report, err)
				}
			})

			t.Run("WaitsForTheWindowWithinMaxWait", func(t *testing.T) {
				t.Parallel()
				st := e.Open(t)
				b := NewSharedBudget(st, 2, 3*time.Second)
				b.ttl = time.Second
				// The budget's clock stands still until the take that may
				// wait, then runs from where it stood, so that however slow
				// the machine the first three takes share one window.
				start := time.Now()
				var running atomic.Pointer[time.Time]
				b.now = func() time.Time {
					if since := running.Load(); since != nil {
						return start.Add(time.Since(*since))
					}
					return start
				}
				for range 2 {
					if err := b.Take(t.Context(), tenant, halo.PriorityTickets, 1, 0); err != nil {
						t.Fatal(err)
					}
				}
				var told time.Time
				ctx := halo.WithBudgetWait(t.Context(), time.Minute, func(until time.Time) { told = until })
				if err := b.Take(ctx, tenant, halo.PriorityTickets, 1, 0); !halo.IsRateLimited(err) {
					t.Fatalf("a take that may not wait: %v, want a rate limit", err)
				}
				now := time.Now()
				running.Store(&now)
				if err := b.Take(ctx, tenant, halo.PriorityTickets, 1, time.Minute); err != nil {
					t.Fatalf("a take that may wait: %v", err)
				}
				if told.IsZero() {
					t.Error("the wait was not told")
				}
			})

			t.Run("MetricsShowWhatIsSpentAndLeft", func(t *testing.T) {
				t.Parallel()
				st := e.Open(t)
				b := NewSharedBudget(st, 30, time.Minute)
				for range 3 {
					if err := b.Take(t.Context(), tenant, halo.PriorityNotes, 1, 0); err != nil {
						t.Fatal(err)
					}
				}
				reg := prometheus.NewPedanticRegistry()
				reg.MustRegister(b)
				report, err := b.Report(t.Context(), tenant)
				if err != nil {
					t.Fatal(err)
				}
				// Grants of 1 then 2: what the window holds is what was granted.
				want := report.Spent
				if want < 3 {
					t.Fatalf("report %+v: spent %d after 3 notes", report, want)
				}
				expected := `
# HELP halobridge_halo_budget_left_requests HaloPSA requests the tenant's rolling window has left.
# TYPE halobridge_halo_budget_left_requests gauge
halobridge_halo_budget_left_requests{tenant="` + tenant + `"} ` + strconv.Itoa(30-want) + `
`
				if err := testutil.GatherAndCompare(reg, strings.NewReader(expected), "halobridge_halo_budget_left_requests"); err != nil {
					t.Error(err)
				}
				if n := testutil.CollectAndCount(b, "halobridge_halo_budget_spent_requests"); n != len(halo.RequestPriorities) {
					t.Errorf("%d spent series, want one per priority", n)
				}
			})
		})
	}
}
