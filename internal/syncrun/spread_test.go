package syncrun_test

import (
	"testing"
	"time"

	"halobridge/internal/syncrun"
)

func TestSpreadOffset(t *testing.T) {
	t.Parallel()
	const spread = time.Hour
	buckets := map[time.Duration]int{}
	for id := int64(1); id <= 120; id++ {
		off := syncrun.SpreadOffset(id, spread)
		if off < 0 || off >= spread {
			t.Fatalf("partner %d at %s, want within [0, %s)", id, off, spread)
		}
		if again := syncrun.SpreadOffset(id, spread); again != off {
			t.Fatalf("partner %d at %s, then at %s: the offset must not move between sweeps", id, off, again)
		}
		buckets[off/(10*time.Minute)]++
	}
	// 120 partners over six 10-minute slices: none holds more than half.
	for b, n := range buckets {
		if n > 60 {
			t.Errorf("%d of 120 partners sync in the slice starting %s", n, b*10*time.Minute)
		}
	}
	if len(buckets) != 6 {
		t.Errorf("the partners fall in %d of the hour's six 10-minute slices", len(buckets))
	}
	if off := syncrun.SpreadOffset(7, 0); off != 0 {
		t.Errorf("no spread: %s", off)
	}
}
