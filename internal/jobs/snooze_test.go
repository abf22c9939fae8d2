package jobs

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"halobridge/internal/halo"
)

func TestSnoozeOnRateLimit(t *testing.T) {
	t.Parallel()
	other := errors.New("HaloPSA answered 500")
	tests := []struct {
		name       string
		err        error
		wantSnooze time.Duration // 0: the error comes back unchanged
	}{
		{"no error", nil, 0},
		{"another error", other, 0},
		{"a rate limit", &halo.RateLimitError{RetryAfter: 30 * time.Second}, 30 * time.Second},
		{"a wrapped rate limit", fmt.Errorf("list clients: %w", &halo.RateLimitError{RetryAfter: 90 * time.Second}), 90 * time.Second},
		{"a rate limit that asks for no wait", &halo.RateLimitError{}, time.Second},
	}
	for _, tt := range tests {
		got := SnoozeOnRateLimit(tt.err)
		var snooze *river.JobSnoozeError
		switch {
		case tt.wantSnooze == 0 && got != tt.err:
			t.Errorf("%s: got %v, want the error unchanged", tt.name, got)
		case tt.wantSnooze != 0 && (!errors.As(got, &snooze) || snooze.Duration != tt.wantSnooze):
			t.Errorf("%s: got %v, want a snooze of %s", tt.name, got, tt.wantSnooze)
		}
	}
}
