package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"halobridge/internal/outbound"
	ticketbench "halobridge/internal/ticketing/deliver/bench"
)

func benchTicketsCommand() *command {
	var opts ticketbench.Options
	var sustained time.Duration
	var rate float64
	return &command{
		name:    "tickets",
		summary: "measure HaloPSA requests and latency of ticket delivery, or its budget under a sustained storm (JSON report)",
		usage:   "halobridge bench tickets [--sustained DURATION] [flags]",
		long: `Runs halobridge in this process on a throw-away SQLite database (PostgreSQL with
--postgres-url, in a throw-away schema), between a GravityZone simulator that
pushes to its ingest endpoint and a HaloPSA simulator that enforces HaloPSA's
rate limit (--halo-rate-limit requests per rolling --halo-rate-window), all over
loopback HTTP. Ticket delivery runs as it does in the server: durable jobs, the
HaloPSA budget kept in the database, one ticket per group of alerts (here, per
host), notes per flush window.

Without --sustained, a one-off storm: --alerts antimalware alerts over --hosts
hosts (default 50) of --customers customers, pushed as Event Push messages of
--per-push events, --pushers at once, with a 5-minute window. Then --samples
single alerts, each on a new host, timed from the push until its ticket exists
in HaloPSA.

With --fail-rate or --fail-after-apply-rate, the simulated HaloPSA fails that
share of write requests during the storm (answered 500 before applying them, or
applied and then answered 500 or cut off), and the same storm first runs
without faults in a world of its own, so that the report compares the two.

The storm's report: HaloPSA requests used (the sign-in included), requests per
new ticket (creates and look-ups), requests per alert, seconds until every
alert of the storm was reflected in HaloPSA (and the same without faults),
tickets expected and in HaloPSA, duplicate tickets, lost and duplicated alerts,
the p50 latency of a single alert, and whether the targets were met. Every
storm must reach HaloPSA whole: one ticket per host, every alert listed once.
Without faults: at most 1.0 request per new ticket, at most 60 requests for a
10,000-alert storm. With faults: all reflected within twice the fault-free time
plus 30 s.

With --sustained DURATION, a storm kept going that long: --rate alerts a
second over --hosts hosts (default 1000), pushed every second. Hosts join
evenly over the duration, and the other alerts fall on hosts that already have
a ticket, so that new tickets and notes keep arriving together. The window
defaults to 30 s, so that 10 minutes see 20 of HaloPSA's windows, each as full
as 5 minutes at the real rate would make it; halobridge's budget is set the
same as the simulator's. After the storm the benchmark waits until HaloPSA
holds every alert: the last notes wait for their flush window.

The sustained report: alerts, hosts, tickets, notes, the HaloPSA requests of
every window one after the other (requests_per_window), the most in any
rolling window (max_window_requests) against the limit (window_limit),
requests over what the budget allowed meanwhile (ratio_to_budget), 429
answers (halo_429s), lost and duplicated alerts and tickets. Targets: no 429,
no window above the limit, nothing lost or duplicated, a ticket for every
host (targets.met).

Examples:
  halobridge bench tickets
  halobridge bench tickets --alerts 2000 --hosts 20 --customers 4 --samples 5
  halobridge bench tickets --fail-rate 0.05 --fail-after-apply-rate 0.05
  halobridge bench tickets --sustained 10m
  halobridge bench tickets --sustained 3m --halo-rate-limit 300 --halo-rate-window 30s \
      --postgres-url postgres://postgres@127.0.0.1:5432/postgres`,
		flags: func(fs *flag.FlagSet) {
			fs.DurationVar(&sustained, "sustained", 0, "keep a storm going this long instead of the one-off storm")
			fs.Float64Var(&rate, "rate", 20, "alerts per second of the --sustained storm")
			fs.IntVar(&opts.Alerts, "alerts", 10_000, "alerts in the one-off storm")
			fs.IntVar(&opts.Hosts, "hosts", 0, "hosts the alerts come from (default 50; 1000 with --sustained)")
			fs.IntVar(&opts.Customers, "customers", 10, "customers the hosts belong to, each mapped to its own HaloPSA client")
			fs.IntVar(&opts.PerPush, "per-push", 100, "events per Event Push message (at most, with --sustained)")
			fs.IntVar(&opts.Pushers, "pushers", 8, "Event Push messages in flight at once in the one-off storm")
			fs.IntVar(&opts.Samples, "samples", 20, "single alerts timed after the one-off storm")
			fs.IntVar(&opts.RateLimit, "halo-rate-limit", 300, "requests the HaloPSA simulator and halobridge allow per rate window")
			fs.DurationVar(&opts.RateWindow, "halo-rate-window", 0, "the rolling HaloPSA rate window (default 5m; 30s with --sustained)")
			fs.DurationVar(&opts.Gather, "gather", 0, "delivery's gathering delay (default: delivery's own)")
			fs.DurationVar(&opts.Timeout, "timeout", 0, "give up after this long (default 10m; with --sustained, its duration and 15m)")
			fs.Float64Var(&opts.FailRate, "fail-rate", 0, "fraction of HaloPSA write requests answered 500 before they apply, during the one-off storm (0 to 1)")
			fs.Float64Var(&opts.FailAfterApplyRate, "fail-after-apply-rate", 0, "fraction of HaloPSA write requests applied, then answered 500 or cut off, during the one-off storm (0 to 1)")
			fs.StringVar(&opts.PostgresURL, "postgres-url", "", "run on PostgreSQL, in a throw-away schema of this database, instead of SQLite")
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("bench tickets takes no arguments, got %q", args)
			}
			// The simulators are on this machine, over plain http; the report
			// owns stdout.
			fmt.Fprintf(env.Stderr, "bench tickets: outbound URL guard opened for its simulators only: %s\n", outbound.Local())
			if sustained > 0 {
				if opts.FailRate != 0 || opts.FailAfterApplyRate != 0 {
					return errors.New("--fail-rate and --fail-after-apply-rate apply to the one-off storm, not to --sustained")
				}
				so := ticketbench.SustainedOptions{Storm: ticketbench.Storm{Duration: sustained, Rate: rate, Hosts: opts.Hosts,
					Customers: opts.Customers, PerPush: opts.PerPush, RateLimit: opts.RateLimit, RateWindow: opts.RateWindow,
					Timeout: opts.Timeout}, PostgresURL: opts.PostgresURL, Gather: opts.Gather}
				if err := so.Validate(); err != nil {
					return err
				}
				report, err := ticketbench.Sustain(ctx, so)
				return writeReport(env, report, err)
			}
			report, err := ticketbench.Run(ctx, opts)
			return writeReport(env, report, err)
		},
	}
}

// writeReport prints a benchmark's report, also when it failed: what was
// measured before the failure still tells something.
func writeReport(env Env, report any, err error) error {
	if werr := writeJSON(env.Stdout, report); err == nil {
		return werr
	}
	return err
}
