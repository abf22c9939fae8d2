package auth

import (
	"fmt"
	"testing"
	"time"
)

func TestAttempts(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	const owner, attacker = "198.51.100.7", "192.0.2.1"

	t.Run("RefusesAnEmailFromTheGuessersAddressUntilTheOldestFailureLeavesTheWindow", func(t *testing.T) {
		t.Parallel()
		var a attempts
		for i := range 5 {
			a.fail(t0.Add(time.Duration(i)*time.Minute), "ops@acme.example", attacker)
		}
		if wait := a.blocked(t0.Add(5*time.Minute), "ops@acme.example", attacker); wait != 10*time.Minute {
			t.Errorf("after five failures from one address: wait %s, want 10m (until the first leaves the window)", wait)
		}
		if wait := a.blocked(t0.Add(5*time.Minute), "ops@acme.example", owner); wait != 0 {
			t.Errorf("the owner's own address waits %s, want 0: the guesser must not lock the owner out", wait)
		}
		if wait := a.blocked(t0.Add(5*time.Minute), "other@acme.example", attacker); wait != 0 {
			t.Errorf("another email from the guesser's address waits %s, want 0", wait)
		}
		if wait := a.blocked(t0.Add(15*time.Minute), "ops@acme.example", attacker); wait != 0 {
			t.Errorf("still waits %s once the first failure is 15 minutes old", wait)
		}
	})

	t.Run("ForgetsAnEmailsFailuresFromAnAddressAfterASuccessThere", func(t *testing.T) {
		t.Parallel()
		var a attempts
		for range 4 {
			a.fail(t0, "ops@acme.example", owner)
		}
		a.succeed("ops@acme.example", owner)
		a.fail(t0, "ops@acme.example", owner)
		if wait := a.blocked(t0, "ops@acme.example", owner); wait != 0 {
			t.Errorf("waits %s after one failure since the last success", wait)
		}
	})

	t.Run("SlowsAnAddressPastTwentyFailuresWithDelaysDoublingToAMinute", func(t *testing.T) {
		t.Parallel()
		var a attempts
		now := t0
		for i := range 19 {
			a.fail(now, fmt.Sprintf("guess%d@acme.example", i), attacker)
		}
		if wait := a.blocked(now, "ops@acme.example", attacker); wait != 0 {
			t.Fatalf("after 19 failures: wait %s, want 0", wait)
		}
		// Each failure from the 20th on makes the next attempt wait twice
		// as long after it, up to a minute.
		for i, want := range []time.Duration{1, 2, 4, 8, 16, 32, 60, 60, 60} {
			a.fail(now, fmt.Sprintf("more%d@acme.example", i), attacker)
			want *= time.Second
			if wait := a.blocked(now, "ops@acme.example", attacker); wait != want {
				t.Fatalf("after %d failures: wait %s, want %s", 20+i, wait, want)
			}
			if wait := a.blocked(now, "ops@acme.example", owner); wait != 0 {
				t.Fatalf("another address waits %s, want 0", wait)
			}
			now = now.Add(want)
			if wait := a.blocked(now, "ops@acme.example", attacker); wait != 0 {
				t.Fatalf("after %d failures and the wait: still %s", 20+i, wait)
			}
		}
		if wait := a.blocked(now.Add(attemptWindow), "ops@acme.example", attacker); wait != 0 {
			t.Errorf("a quarter hour after the last failure: wait %s, want 0", wait)
		}
	})

	t.Run("LimitsHaloPSASignInStartsPerAddress", func(t *testing.T) {
		t.Parallel()
		var a attempts
		for i := range 10 {
			if wait := a.startHaloLogin(t0.Add(time.Duration(i)*time.Second), attacker); wait != 0 {
				t.Fatalf("start %d refused for %s", i+1, wait)
			}
		}
		if wait := a.startHaloLogin(t0.Add(10*time.Second), attacker); wait != 10*time.Minute-10*time.Second {
			t.Errorf("the eleventh start: wait %s, want 9m50s (until the first leaves the window)", wait)
		}
		if wait := a.startHaloLogin(t0.Add(10*time.Second), owner); wait != 0 {
			t.Errorf("another address waits %s, want 0", wait)
		}
		if wait := a.startHaloLogin(t0.Add(10*time.Minute), attacker); wait != 0 {
			t.Errorf("ten minutes later: wait %s, want 0", wait)
		}
	})

	t.Run("KeepsMadeUpEmailsToAFixedSize", func(t *testing.T) {
		t.Parallel()
		var a attempts
		email := string(make([]byte, 1<<20))
		a.fail(t0, email, attacker)
		key := pairKey(email, attacker)
		if len(key) != 32 {
			t.Errorf("a key of %d bytes, want 32", len(key))
		}
		if n := len(a.pairs.Recent(t0, key)); n != 1 {
			t.Errorf("%d failures counted under the fixed-size key, want 1", n)
		}
	})

	t.Run("SaysHowLongToWait", func(t *testing.T) {
		t.Parallel()
		cases := []struct {
			err  *TooManyAttemptsError
			want string
		}{
			{&TooManyAttemptsError{RetryAfter: 15 * time.Minute}, "too many failed sign-ins: wait 15 minutes, then try again"},
			{&TooManyAttemptsError{RetryAfter: 4*time.Minute + 10*time.Second}, "too many failed sign-ins: wait 5 minutes, then try again"},
			{&TooManyAttemptsError{RetryAfter: time.Minute}, "too many failed sign-ins: wait 1 minute, then try again"},
			{&TooManyAttemptsError{RetryAfter: 30 * time.Second}, "too many failed sign-ins: wait 30 seconds, then try again"},
			{&TooManyAttemptsError{RetryAfter: 300 * time.Millisecond}, "too many failed sign-ins: wait 1 second, then try again"},
			{&TooManyAttemptsError{What: "too many HaloPSA sign-ins started from your address", RetryAfter: 2 * time.Minute},
				"too many HaloPSA sign-ins started from your address: wait 2 minutes, then try again"},
		}
		for _, c := range cases {
			if got := c.err.Error(); got != c.want {
				t.Errorf("%+v: %q, want %q", c.err, got, c.want)
			}
		}
	})
}
