package auth

import (
	"crypto/sha256"
	"fmt"
	"math"
	"sync"
	"time"

	"halobridge/internal/window"
)

// Sign-in limits. Failed password sign-ins are counted per email and
// client address together, and per client address alone; never per email
// alone, since whoever knows an email could then lock its owner out.
//
//   - An email that failed maxFailuresPerPair times from one address within
//     attemptWindow is refused from that address until the oldest of those
//     failures leaves the window. A guesser gets five guesses per address
//     per quarter hour; the owner, signing in from their own address, is not
//     held up by them.
//   - An address that failed freeFailuresPerAddress times within the window
//     (one guesser trying many emails, or many people behind one NAT) is
//     slowed, never locked: each further attempt from it waits a delay after
//     its last failure that doubles from firstAddressDelay up to
//     maxAddressDelay. A guesser trying many emails gets about one guess a
//     minute; a person behind the same address waits a minute at most.
//
// "Log in with HaloPSA" starts, which cost a database write and requests
// to the address given, are limited per client address: maxHaloStarts per
// haloStartWindow.
//
// The counts live in memory, so each replica counts on its own (behind a
// load balancer with n replicas a guesser gets at most n times the
// limits, still a handful of guesses against argon2id hashes), and each
// count keeps at most maxTrackedKeys keys, evicting the stalest.
const (
	attemptWindow          = 15 * time.Minute
	maxFailuresPerPair     = 5
	freeFailuresPerAddress = 20
	firstAddressDelay      = time.Second
	maxAddressDelay        = time.Minute
	maxHaloStarts          = 10
	haloStartWindow        = 10 * time.Minute
	maxTrackedKeys         = 10000
)

// addressDelaySteps is how many failures past the free ones double the
// delay before it reaches maxAddressDelay; failures beyond need no record.
var addressDelaySteps = int(math.Ceil(math.Log2(float64(maxAddressDelay / firstAddressDelay))))

// TooManyAttemptsError refuses a sign-in attempt for now.
type TooManyAttemptsError struct {
	// What was refused; empty means failed password sign-ins.
	What       string
	RetryAfter time.Duration
}

func (e *TooManyAttemptsError) Error() string {
	what := e.What
	if what == "" {
		what = "too many failed sign-ins"
	}
	return fmt.Sprintf("%s: wait %s, then try again", what, waitWords(e.RetryAfter))
}

// waitWords says a wait in whole seconds below a minute, whole minutes
// from there, rounding up.
func waitWords(d time.Duration) string {
	if d < time.Minute {
		s := max(int(math.Ceil(d.Seconds())), 1)
		return fmt.Sprintf("%d second%s", s, plural(s))
	}
	m := int(math.Ceil(d.Minutes()))
	return fmt.Sprintf("%d minute%s", m, plural(m))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// attempts holds the sign-in counts of a Service. The zero value is ready.
type attempts struct {
	once       sync.Once
	pairs      *window.Keyed
	addresses  *window.Keyed
	haloStarts *window.Keyed
}

func (a *attempts) init() {
	a.once.Do(func() {
		a.pairs = &window.Keyed{Period: attemptWindow, MaxKeys: maxTrackedKeys}
		a.addresses = &window.Keyed{Period: attemptWindow, MaxKeys: maxTrackedKeys}
		a.haloStarts = &window.Keyed{Period: haloStartWindow, MaxKeys: maxTrackedKeys}
	})
}

// pairKey is an email and an address as one fixed-size key, so that long
// made-up emails cost no more memory than short ones.
func pairKey(email, addr string) string {
	sum := sha256.Sum256([]byte(email + "\x00" + addr))
	return string(sum[:])
}

// blocked says how long a password sign-in for email from addr must wait;
// zero means it may be checked now.
func (a *attempts) blocked(now time.Time, email, addr string) time.Duration {
	a.init()
	var wait time.Duration
	if recent := a.pairs.Recent(now, pairKey(email, addr)); len(recent) >= maxFailuresPerPair {
		// The pair opens again when enough failures leave the window.
		wait = recent[len(recent)-maxFailuresPerPair].Add(attemptWindow).Sub(now)
	}
	if recent := a.addresses.Recent(now, addr); len(recent) >= freeFailuresPerAddress {
		delay := min(firstAddressDelay<<(len(recent)-freeFailuresPerAddress), maxAddressDelay)
		wait = max(wait, recent[len(recent)-1].Add(delay).Sub(now))
	}
	return max(wait, 0)
}

// fail records a failed password sign-in.
func (a *attempts) fail(now time.Time, email, addr string) {
	a.init()
	a.pairs.Add(now, pairKey(email, addr), maxFailuresPerPair)
	a.addresses.Add(now, addr, freeFailuresPerAddress+addressDelaySteps)
}

// succeed forgets the failures of email from addr: its owner has proven who
// they are. The address's failures stay, since one address may be guessing
// many emails.
func (a *attempts) succeed(email, addr string) {
	a.init()
	a.pairs.Forget(pairKey(email, addr))
}

// startHaloLogin takes one "Log in with HaloPSA" start of addr, or says
// how long until one may start.
func (a *attempts) startHaloLogin(now time.Time, addr string) time.Duration {
	a.init()
	return a.haloStarts.Take(now, addr, maxHaloStarts)
}
