package storetest

import (
	"sync"
	"testing"
	"time"

	"halobridge/internal/store"
)

func testHaloBudgets(t *testing.T, setup func(t *testing.T) *testBundle) {
	const tenant = "https://acme.halopsa.com/api#acme"
	start := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	grant := func(t *testing.T, b *testBundle, r store.HaloGrantRequest) store.HaloGrant {
		t.Helper()
		if r.Tenant == "" {
			r.Tenant = tenant
		}
		if r.CountFor == 0 {
			r.CountFor = 5 * time.Minute
		}
		g, err := b.store.GrantHaloRequests(b.ctx, r)
		if err != nil {
			t.Fatalf("GrantHaloRequests(%+v): %v", r, err)
		}
		return g
	}

	t.Run("GrantsUpToTheCapThenSaysWhenMoreFits", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		if g := grant(t, b, store.HaloGrantRequest{Want: 4, Min: 1, Cap: 10, Now: start}); g.Granted != 4 || g.Spent != 4 {
			t.Errorf("first grant %+v, want 4 of 4", g)
		}
		if g := grant(t, b, store.HaloGrantRequest{Priority: 1, Want: 5, Min: 1, Cap: 10, Now: start.Add(time.Minute)}); g.Granted != 5 || g.Spent != 9 {
			t.Errorf("second grant %+v, want 5, 9 spent", g)
		}
		// One left: a grant wanting 4 gets the 1 it may have.
		if g := grant(t, b, store.HaloGrantRequest{Want: 4, Min: 1, Cap: 10, Now: start.Add(2 * time.Minute)}); g.Granted != 1 || g.Spent != 10 {
			t.Errorf("third grant %+v, want the 1 left", g)
		}
		// Full: 3 fit once the first grant (4, counted until 12:05) stops
		// counting.
		g := grant(t, b, store.HaloGrantRequest{Want: 3, Min: 3, Cap: 10, Now: start.Add(3 * time.Minute)})
		if g.Granted != 0 || !g.RetryAt.Equal(start.Add(5*time.Minute)) {
			t.Errorf("grant on a full window %+v, want none until 12:05", g)
		}
		// A lower priority's smaller cap is full already.
		if g := grant(t, b, store.HaloGrantRequest{Want: 1, Min: 1, Cap: 7, Now: start.Add(3 * time.Minute)}); g.Granted != 0 {
			t.Errorf("grant under a cap of 7 with 10 spent: %+v, want none", g)
		}
		got, err := b.store.HaloBudget(b.ctx, tenant, start.Add(3*time.Minute))
		if err != nil || got.Spent != 10 || got.ByPriority[0] != 5 || got.ByPriority[1] != 5 {
			t.Errorf("HaloBudget = %+v, %v; want 10 spent, 5 at each priority", got, err)
		}
		// At 12:06 the grants of 12:00 and 12:01 stopped counting; the 1 of
		// 12:02 still counts.
		if g := grant(t, b, store.HaloGrantRequest{Want: 3, Min: 3, Cap: 10, Now: start.Add(6 * time.Minute)}); g.Granted != 3 || g.Spent != 4 {
			t.Errorf("grant once the first two stopped counting %+v, want 3 with 4 spent", g)
		}
		if _, err := b.store.GrantHaloRequests(b.ctx, store.HaloGrantRequest{Tenant: tenant, Want: 1, Min: 2, Cap: 10, Now: start, CountFor: time.Minute}); err == nil {
			t.Error("a grant wanting fewer than its minimum was accepted")
		}
	})

	t.Run("APauseStopsGrantsForEveryProcessUntilItEnds", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		until := start.Add(90 * time.Second)
		if err := b.store.PauseHaloTenant(b.ctx, tenant, until); err != nil {
			t.Fatal(err)
		}
		if err := b.store.PauseHaloTenant(b.ctx, tenant, start.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if g := grant(t, b, store.HaloGrantRequest{Want: 1, Min: 1, Cap: 10, Now: start}); g.Granted != 0 || !g.RetryAt.Equal(until) {
			t.Errorf("grant while paused %+v, want none until the longer pause ends", g)
		}
		if g := grant(t, b, store.HaloGrantRequest{Want: 1, Min: 1, Cap: 10, Now: until}); g.Granted != 1 {
			t.Errorf("grant after the pause %+v", g)
		}
		if got, _ := b.store.HaloBudget(b.ctx, tenant, until); !got.PausedUntil.Equal(until) {
			t.Errorf("HaloBudget %+v, want the pause", got)
		}
		if got, err := b.store.HaloBudget(b.ctx, "https://other.halopsa.com/api#", start); err != nil || got.Spent != 0 {
			t.Errorf("budget of a tenant never seen: %+v, %v", got, err)
		}
	})

	t.Run("RacingGrantsNeverOverfillTheWindow", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			granted int
		)
		for range 16 {
			wg.Go(func() {
				for range 10 {
					g, err := b.store.GrantHaloRequests(b.ctx, store.HaloGrantRequest{Tenant: tenant, Want: 3, Min: 1, Cap: 100, Now: start, CountFor: time.Minute})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					granted += g.Granted
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if granted != 100 {
			t.Errorf("%d requests granted by racing processes, want exactly the 100 of the window", granted)
		}
	})
}
