package auth

import (
	"fmt"
	"testing"
	"time"
)

func TestAttempts(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

	t.Run("OpensAgainWhenTheOldestCountedFailureLeavesTheWindow", func(t *testing.T) {
		t.Parallel()
		var a attempts
		for i := range 5 {
			a.fail(t0.Add(time.Duration(i)*time.Minute), "ops@acme.example", "192.0.2.1")
		}
		if wait, blocked := a.blocked(t0.Add(5*time.Minute), "ops@acme.example", "198.51.100.7"); !blocked || wait != 10*time.Minute {
			t.Errorf("after five failures: blocked %v for %s; want 10m (until the first leaves the window)", blocked, wait)
		}
		if _, blocked := a.blocked(t0.Add(5*time.Minute), "other@acme.example", "192.0.2.1"); blocked {
			t.Error("another email from the same address is blocked after five failures")
		}
		if _, blocked := a.blocked(t0.Add(15*time.Minute), "ops@acme.example", "192.0.2.1"); blocked {
			t.Error("still blocked once the first failure is 15 minutes old")
		}
	})

	t.Run("ForgetsAnEmailsFailuresAfterASuccess", func(t *testing.T) {
		t.Parallel()
		var a attempts
		for range 4 {
			a.fail(t0, "ops@acme.example", "192.0.2.1")
		}
		a.succeed("ops@acme.example")
		a.fail(t0, "ops@acme.example", "192.0.2.1")
		if _, blocked := a.blocked(t0, "ops@acme.example", "192.0.2.2"); blocked {
			t.Error("blocked after one failure since the last success")
		}
	})

	t.Run("SweepsOldKeysWhenManyAreTracked", func(t *testing.T) {
		t.Parallel()
		var a attempts
		for i := range sweepAt + 1 {
			a.fail(t0, fmt.Sprintf("guess%d@x", i), "192.0.2.1")
		}
		a.fail(t0.Add(attemptWindow+time.Second), "late@x", "203.0.113.9")
		a.mu.Lock()
		defer a.mu.Unlock()
		if len(a.failures) != 2 {
			t.Errorf("%d keys tracked after the sweep, want 2 (the late email and its address)", len(a.failures))
		}
	})

	t.Run("SaysHowLongToWait", func(t *testing.T) {
		t.Parallel()
		cases := map[time.Duration]string{
			15 * time.Minute:               "too many failed sign-ins: wait 15 minutes, then try again",
			30 * time.Second:               "too many failed sign-ins: wait 1 minute, then try again",
			4*time.Minute + 10*time.Second: "too many failed sign-ins: wait 5 minutes, then try again",
		}
		for wait, want := range cases {
			if got := (&TooManyAttemptsError{RetryAfter: wait}).Error(); got != want {
				t.Errorf("RetryAfter %s: %q, want %q", wait, got, want)
			}
		}
	})
}
