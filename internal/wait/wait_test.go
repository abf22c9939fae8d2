package wait_test

import (
	"sync/atomic"
	"testing"

	"halobridge/internal/wait"
)

func TestFor(t *testing.T) {
	t.Parallel()
	var done atomic.Bool
	go done.Store(true)
	checks := 0
	wait.For(t, "the goroutine to finish", func() bool {
		checks++
		return done.Load()
	})
	if !done.Load() || checks == 0 {
		t.Errorf("returned after %d checks with done %v, want done", checks, done.Load())
	}
}
