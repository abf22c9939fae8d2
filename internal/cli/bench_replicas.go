package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	ticketbench "halobridge/internal/ticketing/deliver/bench"
)

func benchReplicasCommand() *command {
	var opts ticketbench.ReplicasOptions
	return &command{
		name:    "replicas",
		summary: "run several serve processes on one PostgreSQL database and measure their shared HaloPSA budget (JSON report)",
		usage:   "halobridge bench replicas --postgres-url URL [flags]",
		long: `Starts --replicas 'halobridge serve' processes (this same program) on one
PostgreSQL database, in a throw-away schema of the database --postgres-url
names (dropped afterwards), and one HaloPSA simulator that enforces the rate
limit: --halo-rate-limit requests per rolling --halo-rate-window, the replicas'
budget set the same. It needs PostgreSQL: SQLite serves one process.

The benchmark sets up --partners partners (each with --customers customers
mapped to HaloPSA clients, a ticket policy and a GravityZone simulator), who
share the one simulated HaloPSA tenant, so that several replicas deliver at
once from the same budget. The GravityZone simulators push to one address in
front of the replicas, which hands each push to the next replica in turn, as a
load balancer does: a storm kept going for --duration at --rate alerts a
second over --hosts hosts (all partners together; hosts join evenly over the
duration and the other alerts fall on hosts that already have a ticket). Then
it waits until HaloPSA holds every alert, reads each replica's /metrics, and
stops the replicas with SIGTERM (killing any that has not stopped 15 s later).

The report, per replica: events acknowledged (ingest_events), tickets and
notes it created, HaloPSA requests it sent and the 429 answers among them,
and its exit code. In total: ingest_events, tickets in HaloPSA, notes,
duplicate_tickets and lost_alerts (both to be 0), halo_429s (to be 0), the
HaloPSA requests of every window one after the other (requests_per_window),
the most in any rolling window (max_window_requests, never above
window_limit), and ratio_to_budget. targets.met says whether every target was
met. The replicas' logs are kept, and named in the report, when the run
failed or missed a target, or always with --logs.

Example:
  halobridge bench replicas --replicas 3 --postgres-url postgres://postgres@127.0.0.1:5432/postgres`,
		flags: func(fs *flag.FlagSet) {
			fs.IntVar(&opts.Replicas, "replicas", 3, "serve processes sharing the database")
			fs.StringVar(&opts.PostgresURL, "postgres-url", "", "the PostgreSQL database the replicas share, in a throw-away schema of it (required)")
			fs.IntVar(&opts.Partners, "partners", 3, "partners sharing the simulated HaloPSA tenant")
			fs.IntVar(&opts.Customers, "customers", 4, "customers of each partner, each mapped to its own HaloPSA client")
			fs.DurationVar(&opts.Duration, "duration", 2*time.Minute, "how long the storm goes on")
			fs.Float64Var(&opts.Rate, "rate", 30, "alerts per second, all partners together")
			fs.IntVar(&opts.Hosts, "hosts", 600, "hosts the alerts come from, all partners together")
			fs.IntVar(&opts.PerPush, "per-push", 100, "events per Event Push message, at most")
			fs.IntVar(&opts.RateLimit, "halo-rate-limit", 300, "requests the HaloPSA simulator and the replicas allow per rate window")
			fs.DurationVar(&opts.RateWindow, "halo-rate-window", 30*time.Second, "the rolling HaloPSA rate window")
			fs.StringVar(&opts.LogDir, "logs", "", "keep the replicas' logs in this directory (default: a temporary one, kept only when the run failed or missed a target)")
			fs.DurationVar(&opts.Timeout, "timeout", 0, "give up after this long (default: the duration and 15m)")
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("bench replicas takes no arguments, got %q", args)
			}
			program, err := os.Executable()
			if err != nil {
				return fmt.Errorf("find this program to run the replicas with: %w", err)
			}
			opts.Program = program
			if err := opts.Validate(); err != nil {
				return err
			}
			report, err := ticketbench.Replicas(ctx, opts)
			return writeReport(env, report, err)
		},
	}
}
