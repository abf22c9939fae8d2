package deliver

import (
	"testing"
	"time"
)

func TestNoteSpacing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		open        int
		limit       int
		window      time.Duration
		least, want time.Duration
	}{
		// 300 per 5 minutes leaves notes 150 a window: 2 s per open ticket.
		{open: 0, limit: 300, window: 5 * time.Minute, least: time.Minute, want: time.Minute},
		{open: 30, limit: 300, window: 5 * time.Minute, least: time.Minute, want: time.Minute},
		{open: 33, limit: 300, window: 5 * time.Minute, least: time.Minute, want: 66 * time.Second},
		{open: 500, limit: 300, window: 5 * time.Minute, least: time.Minute, want: 1000 * time.Second},
		// A tiny budget still spaces notes out rather than dividing by zero.
		{open: 3, limit: 1, window: time.Minute, least: time.Second, want: 3 * time.Minute},
	}
	for _, tc := range tests {
		if got := noteSpacing(tc.open, tc.limit, tc.window, tc.least); got != tc.want {
			t.Errorf("noteSpacing(%d open, %d per %s, at least %s) = %s, want %s", tc.open, tc.limit, tc.window, tc.least, got, tc.want)
		}
	}
}
