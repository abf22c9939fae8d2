package bench

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMeasureWindows(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	at := func(seconds ...float64) []time.Time {
		var out []time.Time
		for _, s := range seconds {
			out = append(out, base.Add(time.Duration(s*float64(time.Second))))
		}
		return out
	}
	tests := []struct {
		name     string
		times    []time.Time
		from, to time.Time
		want     Windows
	}{
		{
			// At 11 s the window is (1 s, 11 s]: the request at 1 s has
			// left it, as HaloPSA's limiter lets it go.
			name: "CountsConsecutiveWindowsAndTheFullestRollingOne",
			// Out of order, as concurrent requests are logged.
			times: at(0, 2, 1, 9.5, 11, 10.5, 25),
			from:  base, to: base.Add(25 * time.Second),
			want: Windows{WindowLimit: 3, WindowSeconds: 10, RequestsPerWindow: []int{4, 2, 1}, MaxWindowRequests: 4,
				RatioToBudget: 0.933}, // 7 requests of 3 × 2.5 windows
		},
		{
			name:  "SettingUpCountsForTheFullestWindowButNotForTheStorm",
			times: at(-3, -2, -1, 0.5, 4, 12),
			from:  base, to: base.Add(20 * time.Second),
			want: Windows{WindowLimit: 3, WindowSeconds: 10, RequestsPerWindow: []int{2, 1}, MaxWindowRequests: 5,
				RatioToBudget: 0.5}, // 3 requests of 3 × 2 windows
		},
		{
			name:  "ARequestAfterTheStormIsNotItsOwn",
			times: at(1, 30),
			from:  base, to: base.Add(5 * time.Second),
			want: Windows{WindowLimit: 3, WindowSeconds: 10, RequestsPerWindow: []int{1}, MaxWindowRequests: 1, RatioToBudget: 0.667},
		},
		{
			name: "NoRequestsAtAll",
			from: base, to: base,
			want: Windows{WindowLimit: 3, WindowSeconds: 10, RequestsPerWindow: []int{0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := measureWindows(tt.times, tt.from, tt.to, 10*time.Second, 3)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("measureWindows (-want +got):\n%s", diff)
			}
		})
	}
}
