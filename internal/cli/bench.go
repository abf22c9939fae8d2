package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"halobridge/internal/outbound"
	ticketbench "halobridge/internal/ticketing/deliver/bench"
)

func benchTicketsCommand() *command {
	var opts ticketbench.Options
	return &command{
		name:    "tickets",
		summary: "measure HaloPSA requests and latency of ticket delivery (JSON report)",
		usage:   "halobridge bench tickets [flags]",
		long: `Runs halobridge in this process on a throw-away SQLite database, between a
GravityZone simulator that pushes to its ingest endpoint and a HaloPSA simulator
that enforces HaloPSA's rate limit (300 requests per rolling 5 minutes), all
over loopback HTTP. Ticket delivery runs as it does in the server: durable
jobs, one ticket per group of alerts (here, per host), notes per flush window.

First a storm: --alerts antimalware alerts over --hosts hosts of --customers
customers, pushed as Event Push messages of --per-push events. Then
--samples single alerts, each on a new host, timed from the push until its
ticket exists in HaloPSA.

With --fail-rate or --fail-after-apply-rate, the simulated HaloPSA fails that
share of write requests during the storm (answered 500 before applying them, or
applied and then answered 500 or cut off), and the same storm first runs
without faults in a world of its own, so that the report compares the two.

Prints a JSON report: HaloPSA requests used (the sign-in included), requests
per new ticket (creates and look-ups), requests per alert, seconds until every
alert of the storm was reflected in HaloPSA (and the same without faults),
tickets expected and in HaloPSA, duplicate tickets, lost and duplicated alerts,
the p50 latency of a single alert, and whether the targets were met. Every
storm must reach HaloPSA whole: one ticket per host, every alert listed once.
Without faults: at most 1.0 request per new ticket, at most 60 requests for a
10,000-alert storm. With faults: all reflected within twice the fault-free time
plus 30 s.

Example:
  halobridge bench tickets
  halobridge bench tickets --alerts 2000 --hosts 20 --customers 4 --samples 5
  halobridge bench tickets --fail-rate 0.05 --fail-after-apply-rate 0.05`,
		flags: func(fs *flag.FlagSet) {
			fs.IntVar(&opts.Alerts, "alerts", 10_000, "alerts in the storm")
			fs.IntVar(&opts.Hosts, "hosts", 50, "hosts the storm's alerts come from")
			fs.IntVar(&opts.Customers, "customers", 10, "customers the hosts belong to, each mapped to its own HaloPSA client")
			fs.IntVar(&opts.PerPush, "per-push", 100, "events per Event Push message")
			fs.IntVar(&opts.Pushers, "pushers", 8, "Event Push messages in flight at once")
			fs.IntVar(&opts.Samples, "samples", 20, "single alerts timed after the storm")
			fs.IntVar(&opts.RateLimit, "halo-rate-limit", 300, "requests the HaloPSA simulator and halobridge allow per rate window")
			fs.DurationVar(&opts.RateWindow, "halo-rate-window", 5*time.Minute, "the rolling HaloPSA rate window")
			fs.DurationVar(&opts.Gather, "gather", 0, "delivery's gathering delay (default: delivery's own)")
			fs.DurationVar(&opts.Timeout, "timeout", 10*time.Minute, "give up after this long")
			fs.Float64Var(&opts.FailRate, "fail-rate", 0, "fraction of HaloPSA write requests answered 500 before they apply, during the storm (0 to 1)")
			fs.Float64Var(&opts.FailAfterApplyRate, "fail-after-apply-rate", 0, "fraction of HaloPSA write requests applied, then answered 500 or cut off, during the storm (0 to 1)")
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("bench tickets takes no arguments, got %q", args)
			}
			// The simulators are on this machine, over plain http; the report
			// owns stdout.
			fmt.Fprintf(env.Stderr, "bench tickets: outbound URL guard opened for its simulators only: %s\n", outbound.Local())
			report, err := ticketbench.Run(ctx, opts)
			if err != nil {
				// What was measured before the failure still tells something.
				_ = writeJSON(env.Stdout, report)
				return err
			}
			return writeJSON(env.Stdout, report)
		},
	}
}
