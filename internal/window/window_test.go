package window

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestRolling(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

	t.Run("TakesUntilTheLimitThenSaysWhenTheOldestLeaves", func(t *testing.T) {
		t.Parallel()
		r := Rolling{Period: time.Minute}
		for i := range 3 {
			if wait := r.Take(t0.Add(time.Duration(i)*10*time.Second), 3, 1); wait != 0 {
				t.Fatalf("event %d: wait %s, want 0", i+1, wait)
			}
		}
		if wait := r.Take(t0.Add(30*time.Second), 3, 1); wait != 30*time.Second {
			t.Errorf("the fourth at +30s: wait %s, want 30s (the first leaves at +60s)", wait)
		}
		if wait := r.Take(t0.Add(30*time.Second), 3, 2); wait != 40*time.Second {
			t.Errorf("two more at +30s: wait %s, want 40s (the second leaves at +70s)", wait)
		}
		if wait := r.Take(t0.Add(time.Minute), 3, 1); wait != 0 {
			t.Errorf("at +60s, when the first left: wait %s, want 0", wait)
		}
		if got := len(r.Recent(t0.Add(time.Minute))); got != 3 {
			t.Errorf("%d events at +60s, want 3 (+10s, +20s, +60s; refused takes count nothing)", got)
		}
	})

	t.Run("CountsAReservationFromWhenItMayLastHappen", func(t *testing.T) {
		t.Parallel()
		r := Rolling{Period: time.Minute}
		r.Add(t0.Add(30*time.Second), 2)
		r.Add(t0, 1)
		want := []time.Time{t0, t0.Add(30 * time.Second), t0.Add(30 * time.Second)}
		if got := r.Recent(t0); !slices.Equal(got, want) {
			t.Errorf("events %v, want %v (oldest first)", got, want)
		}
		if wait := r.Wait(t0.Add(time.Minute), 2, 1); wait != 30*time.Second {
			t.Errorf("at +60s: wait %s, want 30s (the reservation leaves at +90s)", wait)
		}
	})

	t.Run("KeepsTheNewest", func(t *testing.T) {
		t.Parallel()
		r := Rolling{Period: time.Hour}
		for i := range 5 {
			r.Add(t0.Add(time.Duration(i)*time.Minute), 1)
		}
		r.Keep(2)
		want := []time.Time{t0.Add(3 * time.Minute), t0.Add(4 * time.Minute)}
		if got := r.Recent(t0.Add(5 * time.Minute)); !slices.Equal(got, want) {
			t.Errorf("events %v, want %v", got, want)
		}
	})

	t.Run("IsIdleOnceEveryEventLeftThePeriod", func(t *testing.T) {
		t.Parallel()
		r := Rolling{Period: time.Minute}
		if !r.Idle(t0) {
			t.Error("a new window is not idle")
		}
		r.Add(t0, 1)
		if r.Idle(t0.Add(59 * time.Second)) {
			t.Error("idle while its event is within the period")
		}
		if !r.Idle(t0.Add(time.Minute)) {
			t.Error("not idle a period after its event")
		}
	})
}

func TestKeyed(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

	t.Run("CountsEachKeyApart", func(t *testing.T) {
		t.Parallel()
		k := Keyed{Period: 10 * time.Minute, MaxKeys: 10}
		for i := range 2 {
			if wait := k.Take(t0.Add(time.Duration(i)*time.Minute), "a", 2); wait != 0 {
				t.Fatalf("a's take %d: wait %s, want 0", i+1, wait)
			}
		}
		if wait := k.Take(t0.Add(2*time.Minute), "a", 2); wait != 8*time.Minute {
			t.Errorf("a's third take: wait %s, want 8m", wait)
		}
		if wait := k.Take(t0.Add(2*time.Minute), "b", 2); wait != 0 {
			t.Errorf("b's first take: wait %s, want 0", wait)
		}
		k.Forget("a")
		if recent := k.Recent(t0.Add(2*time.Minute), "a"); len(recent) != 0 {
			t.Errorf("a's events after Forget: %v", recent)
		}
	})

	t.Run("KeepsAtMostItsBoundOfKeysEvictingTheStalest", func(t *testing.T) {
		t.Parallel()
		const maxKeys = 10000
		w := Keyed{Period: time.Hour, MaxKeys: maxKeys}
		for i := range maxKeys {
			w.Add(t0.Add(time.Duration(i)*time.Millisecond), fmt.Sprint(i), 5)
		}
		w.Add(t0.Add(time.Minute), "newcomer", 5)
		if len(w.keys) != maxKeys {
			t.Errorf("%d keys, want the bound %d", len(w.keys), maxKeys)
		}
		if _, ok := w.keys["0"]; ok {
			t.Error("the stalest key is still there")
		}
		if _, ok := w.keys["1"]; !ok {
			t.Error("the second stalest key was evicted too")
		}
		// Keys whose events all left the period go first, all at once.
		w.Add(t0.Add(time.Hour+30*time.Second), "late", 5)
		if len(w.keys) != 2 {
			t.Errorf("%d keys after the period, want 2 (the newcomer and the late one)", len(w.keys))
		}
	})
}
