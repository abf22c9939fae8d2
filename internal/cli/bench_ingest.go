package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"halobridge/internal/bench"
)

func benchIngestCommand() *command {
	var opts bench.IngestOptions
	var cpuProfile string
	return &command{
		name:    "ingest",
		summary: "measure how fast pushed alerts are stored (JSON report)",
		usage:   "halobridge bench ingest [--postgres-url URL] [flags]",
		long: `Posts GravityZone addEvents batches, built from events the GravityZone
simulator generates, over loopback HTTP to a halobridge ingest endpoint with
enough concurrent senders to fill the committer's largest transactions (see
--senders), on a throw-away SQLite database (and PostgreSQL
with --postgres-url, in a throw-away schema). Four runs per engine:

  max_throughput          every sender posts as soon as it is answered
  ceiling                 the bare engine: the rows max_throughput stores,
                          inserted without HTTP, parsing or redelivery check,
                          2,000 a transaction as the committer batches them,
                          with the store's durability (SQLite WAL,
                          synchronous=FULL); by COPY on PostgreSQL
  paced                   a fixed event rate; acknowledgement latency p50/p99,
                          once the engine has checkpointed max_throughput's
                          writes (CHECKPOINT on PostgreSQL, which needs a
                          superuser or the pg_checkpoint role)
  baseline_decode_insert  the same bodies decoded and stored without HTTP

The ceiling and max_throughput take five turns each, so that load from
elsewhere on the machine weighs on both alike. Each engine reports
events_per_second (max_throughput's), ceiling_events_per_second and
ratio_to_ceiling.

The events are a realistic stream: made by the GravityZone simulator before
the runs, each later than the one before, all distinct, over every module and
customer. Every acknowledged event is durable before its 200: committed, and
on SQLite synced to disk (synchronous=FULL). Prints a JSON report with the
figures and the targets (on every engine: at least 0.7 of the ceiling on
SQLite and 0.5 on PostgreSQL, no failed post, every acknowledged event in the
database, ack p99 under 50 ms at 5,000 events/s), whether they were met, and
which were missed.

Example:
  halobridge bench ingest --postgres-url postgres://postgres@127.0.0.1:5432/postgres`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&opts.PostgresURL, "postgres-url", "", "also measure PostgreSQL, in a throw-away schema of this database")
			fs.IntVar(&opts.Senders, "senders", 0, "concurrent HTTP senders (default: enough to keep three of the committer's 2,000-alert transactions in flight, at least 16; 60 at --batch 100)")
			fs.IntVar(&opts.BatchSize, "batch", 100, "events per addEvents body")
			fs.DurationVar(&opts.Duration, "duration", 10*time.Second, "length of each run (the ceiling's counts its inserts only)")
			fs.IntVar(&opts.PacedRate, "paced-rate", 5000, "events per second of the latency run")
			fs.IntVar(&opts.BaselineEvents, "baseline-events", 100000, "events decoded and stored without HTTP")
			fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the whole benchmark to this file (for go tool pprof)")
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return fmt.Errorf("CPU profile: %w", err)
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return fmt.Errorf("CPU profile: %w", err)
				}
				defer pprof.StopCPUProfile()
			}
			report, err := bench.Ingest(ctx, opts)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(env.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(report)
		},
	}
}
