package bench

import "testing"

func TestHostPicker(t *testing.T) {
	t.Parallel()
	t.Run("HostsJoinEvenlyAndTheOtherAlertsFallOnJoinedHosts", func(t *testing.T) {
		t.Parallel()
		// 4 hosts over 8 alerts: one joins with every other alert.
		h := newHostPicker(4, 8, 1)
		joins := map[int]int{1: 0, 3: 1, 5: 2, 7: 3}
		for n := 1; n <= 8; n++ {
			got := h.next()
			if host, ok := joins[n]; ok {
				if got != host {
					t.Errorf("alert %d fell on host %d, want host %d joining", n, got, host)
				}
				continue
			}
			if joined := joins[n-1] + 1; got < 0 || got >= joined {
				t.Errorf("alert %d fell on host %d, want one of the %d joined", n, got, joined)
			}
		}
		if h.joined != 4 {
			t.Errorf("%d hosts joined, want 4", h.joined)
		}
	})
	t.Run("FewerAlertsThanHostsEachBringAHost", func(t *testing.T) {
		t.Parallel()
		h := newHostPicker(10, 4, 1)
		for n := range 4 {
			if got := h.next(); got != n {
				t.Errorf("alert %d fell on host %d, want host %d", n+1, got, n)
			}
		}
		if h.joined != 4 {
			t.Errorf("%d hosts joined, want 4", h.joined)
		}
	})
}
