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
	t.Run("DeliversAStormWholeThroughHaloFaultsAndComparesWithoutThem", func(t *testing.T) {
		t.Parallel()
		r, err := bench.Run(t.Context(), bench.Options{Alerts: 300, Hosts: 20, Customers: 4, PerPush: 50, Samples: 1,
			Gather: 300 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond, Timeout: 2 * time.Minute,
			FailRate: 0.15, FailAfterApplyRate: 0.15})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if r.HaloWriteFailures == 0 {
			t.Fatalf("the simulator failed no write at 15 %% + 15 %%: %+v", r)
		}
		if r.TicketsExpected != 20 || r.TicketsInHalo != 20 || r.DuplicateTickets != 0 {
			t.Errorf("%d tickets of %d expected, %d duplicated", r.TicketsInHalo, r.TicketsExpected, r.DuplicateTickets)
		}
		if r.AlertsInHalo != 300 || r.LostAlerts != 0 || r.DuplicateAlerts != 0 {
			t.Errorf("HaloPSA lists %d alerts (%d lost, %d twice), want all 300 once", r.AlertsInHalo, r.LostAlerts, r.DuplicateAlerts)
		}
		if r.FaultFreeSeconds <= 0 || r.Targets.MaxReflectedSeconds != 2*r.FaultFreeSeconds+30 {
			t.Errorf("fault-free %.1f s, target %.1f s: the baseline was not measured", r.FaultFreeSeconds, r.Targets.MaxReflectedSeconds)
		}
	})
}
