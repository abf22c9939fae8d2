package auth

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// Sign-in limits: at most this many failed password sign-ins per email and
// per client IP within attemptWindow.
const (
	attemptWindow       = 15 * time.Minute
	maxFailuresPerEmail = 5
	maxFailuresPerIP    = 20
	// sweepAt is the number of tracked keys above which old entries are
	// swept out, so that a stream of made-up emails cannot grow the map
	// without bound.
	sweepAt = 10000
)

// TooManyAttemptsError refuses a sign-in after too many failures.
type TooManyAttemptsError struct {
	RetryAfter time.Duration
}

func (e *TooManyAttemptsError) Error() string {
	minutes := int(math.Ceil(e.RetryAfter.Minutes()))
	return fmt.Sprintf("too many failed sign-ins: wait %d minute%s, then try again", minutes, plural(minutes))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// attempts counts failed password sign-ins per email and per client IP. It
// lives in memory, so each replica counts on its own: behind a load
// balancer with n replicas a guesser gets at most n times the limits, still
// a handful of guesses against argon2id hashes. The zero value is ready.
type attempts struct {
	mu       sync.Mutex
	failures map[string][]time.Time
}

func emailKey(email string) string { return "email:" + email }
func ipKey(ip string) string       { return "ip:" + ip }

// blocked reports whether a sign-in for email from ip must be refused now,
// and for how long.
func (a *attempts) blocked(now time.Time, email, ip string) (time.Duration, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var wait time.Duration
	for _, k := range []struct {
		key   string
		limit int
	}{{emailKey(email), maxFailuresPerEmail}, {ipKey(ip), maxFailuresPerIP}} {
		recent := a.recent(now, k.key)
		if len(recent) >= k.limit {
			// The sign-in opens again when enough failures leave the window.
			wait = max(wait, recent[len(recent)-k.limit].Add(attemptWindow).Sub(now))
		}
	}
	return wait, wait > 0
}

// fail records a failed sign-in.
func (a *attempts) fail(now time.Time, email, ip string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.failures == nil {
		a.failures = map[string][]time.Time{}
	}
	if len(a.failures) > sweepAt {
		for key := range a.failures {
			a.recent(now, key)
		}
	}
	for _, key := range []string{emailKey(email), ipKey(ip)} {
		a.failures[key] = append(a.recent(now, key), now)
	}
}

// succeed forgets the email's failures: its owner has proven who they are.
// The IP's failures stay, since one address may be guessing many emails.
func (a *attempts) succeed(email string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.failures, emailKey(email))
}

// recent drops the failures of key older than the window and returns the
// rest, oldest first. The caller holds a.mu.
func (a *attempts) recent(now time.Time, key string) []time.Time {
	list := a.failures[key]
	i := 0
	for i < len(list) && !list[i].After(now.Add(-attemptWindow)) {
		i++
	}
	if i == len(list) {
		delete(a.failures, key)
		return nil
	}
	list = list[i:]
	a.failures[key] = list
	return list
}
