// Package wait lets a test wait for something another goroutine or process
// does, without a time limit of its own: how soon it happens depends on how
// loaded the machine is, so a wait that would never end is ended by the test
// binary's -timeout, just before which the test fails saying what it waited
// for.
package wait

import (
	"testing"
	"time"
)

// margin is how long before the test binary's -timeout a wait gives up, so
// that the test fails in its own words rather than the binary panicking.
const margin = 10 * time.Second

// poll is how often a condition is checked.
const poll = 20 * time.Millisecond

// For checks cond until it holds; what says what is awaited ("job 3 to
// complete").
func For(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline, bounded := t.Deadline()
	for !cond() {
		if bounded && time.Until(deadline) < margin {
			t.Fatalf("still waiting for %s when the test binary's -timeout came near", what)
		}
		time.Sleep(poll)
	}
}
