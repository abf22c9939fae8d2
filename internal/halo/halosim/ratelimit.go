package halosim

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"halobridge/internal/window"
)

// rateLimit is hosted Halo's limiter: a log of accepted request times, so a burst blocks for a
// whole window after it, unlike a token bucket that refills steadily. A negative limit lets
// every request through.
type rateLimit struct {
	limit    int
	accepted window.Rolling
}

// allow records a request at now, or reports how long until the oldest logged request leaves
// the window. Rejected requests are not logged.
func (rl *rateLimit) allow(now time.Time) (time.Duration, bool) {
	if rl.limit < 0 {
		return 0, true
	}
	wait := rl.accepted.Take(now, rl.limit, 1)
	return wait, wait == 0
}

// rateLimited is the 429 hosted Halo sends; its text names the configured budget.
func (s *Sim) rateLimited(wait time.Duration) reply {
	rep := textReply(http.StatusTooManyRequests, fmt.Sprintf("Rate Limit Reached - %d Requests per rolling %s window",
		s.opts.RateLimit, windowWords(s.opts.RateWindow)))
	if !s.opts.NoRetryAfter {
		rep.header = http.Header{}
		rep.header.Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	}
	return rep
}

// windowWords spells a window as Halo does ("5 minute"); short test windows fall back to seconds.
func windowWords(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.Itoa(int(d/time.Minute)) + " minute"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " second"
}
