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
several concurrent senders, on a throw-away SQLite database (and PostgreSQL
with --postgres-url, in a throw-away schema). Three runs per engine:

  max_throughput          every sender posts as soon as it is answered
  paced                   a fixed event rate; acknowledgement latency p50/p99
  baseline_decode_insert  the same bodies decoded and stored without HTTP

The events are a realistic stream: made by the GravityZone simulator before
the runs, each later than the one before, all distinct, over every module and
customer. Every acknowledged event is durable before its 200: committed, and
on SQLite synced to disk (synchronous=FULL). Prints a JSON report with the
figures and the targets (30,000 events/s on SQLite; p99 under 100 ms at 5,000
events/s) and whether SQLite met them.

Example:
  halobridge bench ingest --postgres-url postgres://postgres@127.0.0.1:5432/postgres`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&opts.PostgresURL, "postgres-url", "", "also measure PostgreSQL, in a throw-away schema of this database")
			fs.IntVar(&opts.Senders, "senders", 16, "concurrent HTTP senders")
			fs.IntVar(&opts.BatchSize, "batch", 100, "events per addEvents body")
			fs.DurationVar(&opts.Duration, "duration", 10*time.Second, "length of each run")
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
