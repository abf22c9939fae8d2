package halo

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestLimiters(t *testing.T) {
	t.Parallel()

	const key = "https://acme.halopsa.com/api#acme"

	mustWait := func(t *testing.T, l *Limiters, key string, maxWait time.Duration) {
		t.Helper()
		if err := l.Take(context.Background(), key, PriorityTickets, 1, maxWait); err != nil {
			t.Fatalf("Take: %v", err)
		}
	}
	refusedFor := func(t *testing.T, l *Limiters, key string) time.Duration {
		t.Helper()
		err := l.Take(context.Background(), key, PriorityTickets, 1, 0)
		var rl *RateLimitError
		if !errors.As(err, &rl) {
			t.Fatalf("Wait = %v, want *RateLimitError", err)
		}
		return rl.RetryAfter
	}

	t.Run("DefaultsToThreeHundredPerFiveMinutes", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			l := NewLimiters(0, 0)
			for range 300 {
				mustWait(t, l, key, 0)
			}
			if got := refusedFor(t, l, key); got != 5*time.Minute {
				t.Errorf("301st request refused for %s, want 5m", got)
			}
		})
	})

	t.Run("FreesSlotsAsOldRequestsLeaveTheWindow", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			l := NewLimiters(3, 10*time.Second)
			mustWait(t, l, key, 0) // t=0
			mustWait(t, l, key, 0) // t=0
			time.Sleep(6 * time.Second)
			mustWait(t, l, key, 0) // t=6
			// A token bucket would have refilled by now; a rolling window frees the first
			// slot only when the t=0 requests are 10 s old.
			if got := refusedFor(t, l, key); got != 4*time.Second {
				t.Fatalf("at t=6 refused for %s, want 4s", got)
			}
			time.Sleep(4 * time.Second) // t=10: both t=0 requests left the window
			mustWait(t, l, key, 0)
			mustWait(t, l, key, 0)
			if got := refusedFor(t, l, key); got != 6*time.Second {
				t.Fatalf("at t=10 refused for %s, want 6s (until the t=6 request leaves)", got)
			}
		})
	})

	t.Run("WaitsWithinMaxWait", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			l := NewLimiters(1, time.Minute)
			mustWait(t, l, key, 0)
			start := time.Now()
			mustWait(t, l, key, 2*time.Minute)
			if waited := time.Since(start); waited != time.Minute {
				t.Errorf("waited %s, want 1m", waited)
			}
		})
	})

	t.Run("PauseStopsEveryRequestOfTheTenantUntilThen", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			l := NewLimiters(100, time.Minute)
			l.Pause(t.Context(), key, time.Now().Add(30*time.Second))
			if got := refusedFor(t, l, key); got != 30*time.Second {
				t.Errorf("paused tenant refused for %s, want 30s", got)
			}
			// An earlier pause does not shorten a later one.
			l.Pause(t.Context(), key, time.Now().Add(time.Second))
			if got := refusedFor(t, l, key); got != 30*time.Second {
				t.Errorf("after a shorter pause refused for %s, want 30s", got)
			}
			mustWait(t, l, "https://other.halopsa.com/api#other", 0)
			time.Sleep(30 * time.Second)
			mustWait(t, l, key, 0)
		})
	})

	t.Run("StopsWaitingWhenTheContextEnds", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			l := NewLimiters(1, time.Hour)
			mustWait(t, l, key, 0)
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			if err := l.Take(ctx, key, PriorityTickets, 1, 2*time.Hour); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Take = %v, want context.DeadlineExceeded", err)
			}
		})
	})
	t.Run("LowerPrioritiesLeaveRoomForHigherOnes", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			l := NewLimiters(10, time.Minute)
			taken := map[RequestPriority]int{}
			for _, p := range RequestPriorities {
				for l.Take(t.Context(), key, p, 1, 0) == nil {
					taken[p]++
				}
			}
			// Background fills 7 of 10, notes 2 more, tickets the last one.
			if taken[PriorityBackground] != 7 || taken[PriorityNotes] != 2 || taken[PriorityTickets] != 1 {
				t.Errorf("taken %v, want background 7, notes 2, tickets 1", taken)
			}
		})
	})

	t.Run("TakesSeveralAtOnceOrNone", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			l := NewLimiters(10, time.Minute)
			for range 8 {
				mustWait(t, l, key, 0)
			}
			if err := l.Take(t.Context(), key, PriorityTickets, 3, 0); !IsRateLimited(err) {
				t.Fatalf("3 with 2 left: %v, want a rate limit", err)
			}
			mustWait(t, l, key, 0)
			mustWait(t, l, key, 0)
			if err := l.Take(t.Context(), key, PriorityTickets, 11, time.Hour); err == nil {
				t.Error("more at once than a window holds was taken")
			}
		})
	})

	t.Run("TellsTheWaitNoticeUntilWhenItWaits", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			l := NewLimiters(1, time.Minute)
			mustWait(t, l, key, 0)
			var told time.Time
			ctx := WithBudgetWait(t.Context(), time.Hour, func(until time.Time) { told = until })
			want := time.Now().Add(time.Minute)
			if err := l.Take(ctx, key, PriorityTickets, 1, time.Hour); err != nil {
				t.Fatal(err)
			}
			if !told.Equal(want) {
				t.Errorf("told %v, want %v", told, want)
			}
		})
	})

	t.Run("ForgetsIdleTenantsOnceThereAreMany", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			l := NewLimiters(10, time.Minute)
			for i := range 2 * evictAbove {
				mustWait(t, l, key+string(rune('A'+i%26))+string(rune(i)), 0)
			}
			time.Sleep(time.Minute)
			mustWait(t, l, "a new tenant", 0)
			if n := len(l.tenants); n > evictAbove {
				t.Errorf("%d tenants kept after all went idle, want at most %d", n, evictAbove)
			}
		})
	})
	t.Run("ABudgetWaitOutlastsTheClientsMaxRateWait", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			l := NewLimiters(1, time.Minute)
			mustWait(t, l, key, 0)
			if err := spend(t.Context(), l, key, 0); !IsRateLimited(err) {
				t.Fatalf("without a budget wait: %v, want a rate limit at once", err)
			}
			start := time.Now()
			if err := spend(WithBudgetWait(t.Context(), 2*time.Minute, nil), l, key, 0); err != nil {
				t.Fatalf("with a budget wait of 2m: %v", err)
			}
			if waited := time.Since(start); waited != time.Minute {
				t.Errorf("waited %s, want 1m", waited)
			}
		})
	})
}
