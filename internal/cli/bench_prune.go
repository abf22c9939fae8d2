package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"halobridge/internal/bench"
)

func benchPruneCommand() *command {
	var opts bench.PruneOptions
	return &command{
		name:    "prune",
		summary: "measure ingest's rate while retention prunes a backlog (JSON report)",
		usage:   "halobridge bench prune [--postgres-url URL] [flags]",
		long: `Stores a backlog of --backlog alerts received longer ago than the retention,
which delivery is done with, then posts GravityZone addEvents batches over
loopback HTTP, as 'bench ingest' does, in runs of --duration each that
alternate, --rounds times, without and with pruning, and end without:

  ingest_without_pruning  nothing else runs
  ingest_while_pruning    the hourly retention job's pruner works through
                          the backlog beside the senders

on a throw-away SQLite database (and PostgreSQL with --postgres-url, in a
throw-away schema). Prints a JSON report with each run, the mean rates and
their ratio, what the pruner deleted, and whether ingest kept at least 90% of
its rate while pruning lasted every run with pruning (targets.met).

Example:
  halobridge bench prune --postgres-url postgres://postgres@127.0.0.1:5432/postgres`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&opts.PostgresURL, "postgres-url", "", "also measure PostgreSQL, in a throw-away schema of this database")
			fs.IntVar(&opts.Senders, "senders", 16, "concurrent HTTP senders")
			fs.IntVar(&opts.BatchSize, "batch", 100, "events per addEvents body")
			fs.DurationVar(&opts.Duration, "duration", 5*time.Second, "length of each ingest run")
			fs.IntVar(&opts.Rounds, "rounds", 2, "rounds of a run without pruning and one with it, before a last run without")
			fs.IntVar(&opts.Backlog, "backlog", 200_000, "old delivered alerts waiting to be pruned")
			fs.IntVar(&opts.PruneBatch, "prune-batch", 0, "rows per prune batch (0: the retention job's)")
			fs.IntVar(&opts.Rest, "rest", 0, "how many times a batch's time the pruner rests after it (0: the retention job's; negative: none)")
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("bench prune takes no arguments, got %q", args)
			}
			report, err := bench.Prune(ctx, opts)
			if err != nil {
				return err
			}
			return writeJSON(env.Stdout, report)
		},
	}
}
