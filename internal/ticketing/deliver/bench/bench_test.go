package bench_test

import (
	"testing"
	"time"

	"halobridge/internal/ticketing/deliver/bench"
)

func TestRun(t *testing.T) {
	t.Parallel()

	t.Run("DeliversASmallStormWithoutDuplicatesAndTimesSingleAlerts", func(t *testing.T) {
		t.Parallel()
		r, err := bench.Run(t.Context(), bench.Options{Alerts: 300, Hosts: 12, Customers: 3, PerPush: 50, Samples: 2,
			Gather: 300 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond, Timeout: time.Minute})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if r.NewTickets != 12 || r.DuplicateTickets != 0 {
			t.Errorf("%d tickets with %d duplicates, want one ticket per host (12) and none doubled", r.NewTickets, r.DuplicateTickets)
		}
		if r.RequestsPerNewTicket != 1 || r.HaloRequests != 12+r.TokenRequests+2*r.Notes {
			t.Errorf("%d requests (%d sign-ins, %d notes) for %d tickets: %.2f per ticket, want 1",
				r.HaloRequests, r.TokenRequests, r.Notes, r.NewTickets, r.RequestsPerNewTicket)
		}
		if r.Samples != 2 || r.SingleAlertP50Ms <= 0 || r.SingleAlertP50Ms > r.SingleAlertMaxMs {
			t.Errorf("samples %d, p50 %.1f ms, max %.1f ms", r.Samples, r.SingleAlertP50Ms, r.SingleAlertMaxMs)
		}
		if !r.Targets.Met {
			t.Errorf("targets not met: %+v", r)
		}
	})
}
