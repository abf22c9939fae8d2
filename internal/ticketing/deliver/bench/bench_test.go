package bench_test

import (
	"os"
	"path/filepath"
	"strings"
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

func TestSustain(t *testing.T) {
	t.Parallel()
	engines := map[string]string{"sqlite": ""}
	if url := os.Getenv("TEST_DATABASE_URL"); url != "" {
		engines["postgres"] = url
	}
	for engine, url := range engines {
		t.Run("CountsTicketsNotesAndEveryWindowOfAShortStormOn_"+engine, func(t *testing.T) {
			t.Parallel()
			// 20 alerts a second for 3 s over 15 hosts; 40 requests per 2 s.
			r, err := bench.Sustain(t.Context(), bench.SustainedOptions{Storm: bench.Storm{Duration: 3 * time.Second, Rate: 20, Hosts: 15, Customers: 3,
				PushEvery: 250 * time.Millisecond, RateLimit: 40, RateWindow: 2 * time.Second, Timeout: 2 * time.Minute}, PostgresURL: url,
				Gather: 200 * time.Millisecond, MaxGather: 500 * time.Millisecond, FlushWindow: 300 * time.Millisecond,
				FetchPollInterval: 50 * time.Millisecond})
			if err != nil {
				t.Fatalf("Sustain: %v", err)
			}
			t.Logf("%+v", r)
			if r.Engine != engine {
				t.Errorf("ran on %q, want %q", r.Engine, engine)
			}
			if r.Alerts != 60 || r.Hosts != 15 || r.TicketsExpected != 15 {
				t.Errorf("%d alerts on %d hosts, %d tickets expected; want 60 alerts on all 15 hosts", r.Alerts, r.Hosts, r.TicketsExpected)
			}
			if r.TicketsInHalo != 15 || r.DuplicateTickets != 0 {
				t.Errorf("HaloPSA has tickets for %d hosts and %d duplicates, want 15 and none", r.TicketsInHalo, r.DuplicateTickets)
			}
			if r.AlertsInHalo != 60 || r.LostAlerts != 0 || r.DuplicateAlerts != 0 {
				t.Errorf("HaloPSA lists %d alerts (%d lost, %d twice), want all 60 once", r.AlertsInHalo, r.LostAlerts, r.DuplicateAlerts)
			}
			if r.Notes == 0 {
				t.Errorf("no notes: hosts that joined early had more alerts after their tickets were raised")
			}
			if r.HaloRequests < r.TicketsInHalo+r.Notes {
				t.Errorf("%d requests for %d tickets and %d notes, each one request", r.HaloRequests, r.TicketsInHalo, r.Notes)
			}
			if r.Halo429s != 0 || r.WindowLimit != 40 || r.WindowSeconds != 2 || r.MaxWindowRequests > 40 {
				t.Errorf("%d answers 429, at most %d requests in a window of %v s with a limit of %d; want none and at most 40 per 2 s",
					r.Halo429s, r.MaxWindowRequests, r.WindowSeconds, r.WindowLimit)
			}
			sum := 0
			for _, n := range r.RequestsPerWindow {
				sum += n
			}
			// The storm lasts 3 s: at least two windows of 2 s.
			if len(r.RequestsPerWindow) < 2 || sum != r.HaloRequests {
				t.Errorf("requests per window %v add up to %d, want at least 2 windows adding up to the %d requests", r.RequestsPerWindow, sum, r.HaloRequests)
			}
			if want := float64(sum) / (40 * r.ReflectedSeconds / 2); r.RatioToBudget <= 0 || r.RatioToBudget > want*1.01+0.001 || r.RatioToBudget < want*0.99-0.001 {
				t.Errorf("ratio to budget %.3f, want %d requests over 40 per 2 s for %.1f s: %.3f", r.RatioToBudget, sum, r.ReflectedSeconds, want)
			}
			if !r.Targets.Met {
				t.Errorf("targets not met: %+v", r)
			}
		})
	}
}

func TestReplicas(t *testing.T) {
	t.Parallel()

	t.Run("RefusesWithoutPostgreSQL", func(t *testing.T) {
		t.Parallel()
		_, err := bench.Replicas(t.Context(), bench.ReplicasOptions{Program: "halobridge"})
		if err == nil || !strings.Contains(err.Error(), "needs PostgreSQL") || !strings.Contains(err.Error(), "--postgres-url") {
			t.Errorf("Replicas without a PostgreSQL URL: %v; want it refused, saying to give --postgres-url", err)
		}
	})
	t.Run("KeepsTheLogsOfAReplicaThatDidNotStartAndSaysWhatItSaid", func(t *testing.T) {
		t.Parallel()
		url, program := replicaProgram(t)
		r, err := bench.Replicas(t.Context(), bench.ReplicasOptions{Replicas: 2, PostgresURL: url, Program: program, Env: []string{childEnv + "=fail"},
			Partners: 1, Storm: bench.Storm{Customers: 1, Duration: time.Second, Rate: 1, Hosts: 1, Timeout: time.Minute}})
		removeLogs(t, r)
		if err == nil || !strings.Contains(err.Error(), "replica-1 ended before serving") ||
			!strings.Contains(err.Error(), "the database refused the connection") || !strings.Contains(err.Error(), r.Logs) {
			t.Fatalf("Replicas: %v; want it to say that replica-1 ended, what it said and where its log is", err)
		}
		if r.Logs == "" || len(r.Replicas) != 2 || r.Replicas[0].Log != filepath.Join(r.Logs, "replica-1.log") || r.Targets.Met {
			t.Fatalf("report %+v; want both replicas' logs named, and the targets not met", r)
		}
		if raw, err := os.ReadFile(r.Replicas[0].Log); err != nil || !strings.Contains(string(raw), "refused") {
			t.Errorf("the log of replica-1: %q, %v; want it kept with what the replica said", raw, err)
		}
		// replica-2 was stopped when replica-1 failed, maybe before it said anything.
		if _, err := os.Stat(r.Replicas[1].Log); err != nil {
			t.Errorf("the log of replica-2: %v", err)
		}
	})
	t.Run("EndsTheRunWhenAReplicaEndsAndNamesIt", func(t *testing.T) {
		t.Parallel()
		url, program := replicaProgram(t)
		// The replicas stop 3 s after they start, long before the storm ends.
		r, err := bench.Replicas(t.Context(), bench.ReplicasOptions{Replicas: 2, PostgresURL: url, Program: program,
			Env: []string{replicaEnv + "=1", replicaLifeEnv + "=3s"}, Partners: 1,
			Storm: bench.Storm{Customers: 1, Duration: time.Minute, Rate: 5, Hosts: 300, RateLimit: 40, RateWindow: 2 * time.Second, Timeout: 2 * time.Minute}})
		removeLogs(t, r)
		t.Log(err)
		if err == nil || !strings.Contains(err.Error(), "ended during the run") || r.Logs == "" || !strings.Contains(err.Error(), r.Logs) {
			t.Fatalf("Replicas: %v; want it to say which replica ended and where the logs are", err)
		}
		if r.Targets.Met || r.SustainedSeconds >= 60 {
			t.Errorf("the run went on for %.0f s with targets met %v; want it ended early, targets not met", r.SustainedSeconds, r.Targets.Met)
		}
	})
	t.Run("CountsWhatEachOfTwoReplicasIngestedAndDelivered", func(t *testing.T) {
		t.Parallel()
		url, program := replicaProgram(t)
		// 20 alerts a second for 3 s, each on a host of its own (no note
		// then waits for serve's one-minute flush window), of 2 partners
		// sharing one HaloPSA tenant that allows 40 requests per 2 s.
		r, err := bench.Replicas(t.Context(), bench.ReplicasOptions{Replicas: 2, PostgresURL: url, Program: program, Env: []string{replicaEnv + "=1"},
			Partners: 2, Storm: bench.Storm{Customers: 2, Duration: 3 * time.Second, Rate: 20, Hosts: 60, PushEvery: 250 * time.Millisecond,
				RateLimit: 40, RateWindow: 2 * time.Second, Timeout: 2 * time.Minute}})
		t.Logf("%+v", r)
		if err != nil {
			t.Fatalf("Replicas: %v", err)
		}
		if len(r.Replicas) != 2 {
			t.Fatalf("%d replicas reported, want 2", len(r.Replicas))
		}
		ingested, created, requests := 0, 0, 0
		for _, f := range r.Replicas {
			if f.IngestEvents == 0 || f.IngestRequests == 0 {
				t.Errorf("%s acknowledged %d events in %d pushes; the pushes go to each replica in turn", f.Name, f.IngestEvents, f.IngestRequests)
			}
			if f.Halo429s != 0 || f.ExitCode != 0 {
				t.Errorf("%s met %d answers 429 and exited with %d; want none and a clean stop", f.Name, f.Halo429s, f.ExitCode)
			}
			ingested += f.IngestEvents
			created += f.Tickets
			requests += f.HaloRequests
		}
		if r.Alerts != 60 || ingested != 60 || r.IngestEvents != 60 {
			t.Errorf("%d alerts pushed, the replicas acknowledged %d (reported %d); want 60", r.Alerts, ingested, r.IngestEvents)
		}
		if r.Hosts != 60 || r.TicketsInHalo != 60 || r.DuplicateTickets != 0 || created != 60 || r.TicketsByReplicas != 60 {
			t.Errorf("HaloPSA has tickets for %d of %d hosts, %d duplicated; the replicas created %d (reported %d); want 60, each once",
				r.TicketsInHalo, r.Hosts, r.DuplicateTickets, created, r.TicketsByReplicas)
		}
		if r.AlertsInHalo != 60 || r.LostAlerts != 0 || r.DuplicateAlerts != 0 || r.Notes != 0 {
			t.Errorf("HaloPSA lists %d alerts (%d lost, %d twice) and %d notes; want all 60 once, in the tickets", r.AlertsInHalo, r.LostAlerts, r.DuplicateAlerts, r.Notes)
		}
		if requests != r.HaloRequestsFromReplicas {
			t.Errorf("the replicas counted %d HaloPSA requests, HaloPSA received %d from them", requests, r.HaloRequestsFromReplicas)
		}
		if r.Halo429s != 0 || r.WindowLimit != 40 || r.MaxWindowRequests > 40 {
			t.Errorf("%d answers 429, at most %d requests in a window (limit %d); want none and at most 40", r.Halo429s, r.MaxWindowRequests, r.WindowLimit)
		}
		sum := 0
		for _, n := range r.RequestsPerWindow {
			sum += n
		}
		if len(r.RequestsPerWindow) < 2 || sum != r.HaloRequests || r.HaloRequests < 60 {
			t.Errorf("requests per window %v add up to %d, want at least 2 windows adding up to the %d requests, 60 tickets among them",
				r.RequestsPerWindow, sum, r.HaloRequests)
		}
		if !r.Targets.Met || r.Logs != "" {
			t.Errorf("targets not met, or the logs of a run that met them kept (%q): %+v", r.Logs, r.Targets)
		}
	})
}

// replicaProgram is the PostgreSQL database the replicas tests share and
// the program that runs a replica: this test binary (main_test.go).
func replicaProgram(t *testing.T) (url, program string) {
	t.Helper()
	url = os.Getenv("TEST_DATABASE_URL")
	if url == "" {
		t.Skip("TEST_DATABASE_URL is not set: replicas share a PostgreSQL database")
	}
	program, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return url, program
}

// removeLogs removes the replicas' logs a failed run kept, after the test.
func removeLogs(t *testing.T, r bench.ReplicasReport) {
	if r.Logs != "" {
		t.Cleanup(func() { os.RemoveAll(r.Logs) })
	}
}
