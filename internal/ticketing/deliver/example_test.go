package deliver_test

import (
	"context"
	"log/slog"

	"github.com/riverqueue/river"

	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/ingest"
	"halobridge/internal/jobs"
	"halobridge/internal/outbound"
	"halobridge/internal/store"
	"halobridge/internal/ticketing/deliver"
)

// ExampleJobs wires delivery into a process: ingest tells the jobs which
// partners got alerts, the queue works them, and a periodic sweep catches
// whatever a crash left behind and polls GravityZone for closed incidents.
func ExampleJobs() {
	ctx := context.Background()
	var st *store.Store // opened and migrated
	logger := slog.Default()

	h := &connect.Halo{Outbound: outbound.Local(), Store: st, Budget: halo.NewLimiters(0, 0), Logger: logger}
	dj := &deliver.Jobs{Service: deliver.New(st, h, deliver.Options{Logger: logger}), Connectors: &connect.Sources{Outbound: outbound.Local(), Store: st}, Logger: logger}
	workers := river.NewWorkers()
	sweep := dj.Register(workers)
	q, err := jobs.Open(ctx, st, jobs.Options{Workers: workers, Periodic: []*river.PeriodicJob{sweep}})
	if err != nil {
		logger.Error("open the job queue", "error", err)
		return
	}
	dj.Use(q)
	committer := ingest.NewCommitter(st, 0, logger)
	committer.OnStored(dj.OnStored)
	if err := q.Start(ctx); err != nil {
		logger.Error("start the job queue", "error", err)
	}
}
