package jobs

import (
	"errors"
	"time"

	"github.com/riverqueue/river"

	"halobridge/internal/halo"
)

// minSnooze keeps a job that Halo asked to retry at once from spinning:
// the tenant's budget is spent for every job of the partner, not just this
// one.
const minSnooze = time.Second

// SnoozeOnRateLimit is what a worker returns from Work. A HaloPSA rate
// limit (*halo.RateLimitError, wrapped or not) snoozes the job for the time
// Halo asked: the job runs again then without spending one of its
// attempts, since nothing failed. Any other error, or nil, is returned
// unchanged.
func SnoozeOnRateLimit(err error) error {
	var limited *halo.RateLimitError
	if !errors.As(err, &limited) {
		return err
	}
	return river.JobSnooze(max(limited.RetryAfter, minSnooze))
}
