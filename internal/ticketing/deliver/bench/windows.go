package bench

import (
	"math"
	"slices"
	"time"
)

// Windows is how halobridge's HaloPSA requests filled the rolling rate
// window, read from the simulator's request log as HaloPSA's limiter
// counts them: a request is let through when fewer than the limit arrived
// in the window before it, itself included.
type Windows struct {
	// WindowLimit requests per WindowSeconds are what HaloPSA allows.
	WindowLimit   int     `json:"window_limit"`
	WindowSeconds float64 `json:"window_seconds"`
	// RequestsPerWindow counts the requests of consecutive windows from the
	// first push of the storm until HaloPSA held all of it (the last window
	// ends there, usually short).
	RequestsPerWindow []int `json:"requests_per_window"`
	// MaxWindowRequests is the most requests in any span one window long,
	// wherever it starts, setting up included: the fullest HaloPSA's
	// rolling window ever was.
	MaxWindowRequests int `json:"max_window_requests"`
	// RatioToBudget is the requests of RequestsPerWindow over what the
	// budget allowed in the same time: the limit for each window, the last
	// counted for the part of it that passed.
	RatioToBudget float64 `json:"ratio_to_budget"`
}

// measureWindows reads times, when HaloPSA received each request, for the
// storm that ran from from to to.
func measureWindows(times []time.Time, from, to time.Time, window time.Duration, limit int) Windows {
	w := Windows{WindowLimit: limit, WindowSeconds: window.Seconds()}
	sorted := slices.SortedFunc(slices.Values(times), time.Time.Compare)
	oldest := 0
	for i, t := range sorted {
		for !sorted[oldest].After(t.Add(-window)) {
			oldest++
		}
		w.MaxWindowRequests = max(w.MaxWindowRequests, i-oldest+1)
	}
	span := max(to.Sub(from), 0)
	w.RequestsPerWindow = make([]int, max(int((span+window-1)/window), 1))
	counted := 0
	for _, t := range sorted {
		if t.Before(from) || t.After(to) {
			continue
		}
		w.RequestsPerWindow[min(int(t.Sub(from)/window), len(w.RequestsPerWindow)-1)]++
		counted++
	}
	if span > 0 && limit > 0 {
		allowed := float64(limit) * span.Seconds() / window.Seconds()
		w.RatioToBudget = math.Round(float64(counted)/allowed*1000) / 1000
	}
	return w
}
