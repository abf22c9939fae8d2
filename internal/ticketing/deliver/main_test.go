package deliver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/jobs"
	"halobridge/internal/outbound"
	"halobridge/internal/secret"
	"halobridge/internal/store"
	"halobridge/internal/ticketing/deliver"
)

// childEnv, when set, makes the test binary a halobridge process that
// works delivery jobs on the database it names until it is killed: the
// fault test runs it in a process of its own so that it can die as a real
// process does.
const childEnv = "HALOBRIDGE_DELIVER_TEST_CHILD"

// childConfig is what the fault test tells its child process.
type childConfig struct {
	DataDir string `json:"data_dir"`
	Replica string `json:"replica"`
}

func TestMain(m *testing.M) {
	if raw := os.Getenv(childEnv); raw != "" {
		err := runChild(raw)
		fmt.Fprintln(os.Stderr, "delivery child:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// runChild works delivery jobs with a short HTTP timeout, so that a hung
// HaloPSA answer turns into a "may have been applied" failure quickly, and
// gives up if nobody has killed it after two minutes.
func runChild(raw string) error {
	var cfg childConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	keys, err := secret.NewKeyring([]byte(testKey))
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, store.Config{DataDir: cfg.DataDir, Keys: keys})
	if err != nil {
		return err
	}
	defer st.Close()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h := &connect.Halo{Outbound: outbound.Local(), Store: st, Budget: halo.NewLimiters(0, 0), HTTPClient: &http.Client{Timeout: 2 * time.Second}, Logger: logger}
	// The simulator has no rate limit: neither has the budget notes are
	// spaced by.
	svc := deliver.New(st, h, deliver.Options{Gather: 100 * time.Millisecond, FlushWindow: 300 * time.Millisecond, LeaseTTL: 3 * time.Second, Logger: logger,
		BudgetLimit: 1_000_000})
	dj := &deliver.Jobs{Service: svc, SweepEvery: 300 * time.Millisecond, Timeout: 10 * time.Second, Logger: logger}
	workers := river.NewWorkers()
	sweep := dj.Register(workers)
	q, err := jobs.Open(ctx, st, jobs.Options{Workers: workers, Periodic: []*river.PeriodicJob{sweep}, ID: cfg.Replica,
		FetchPollInterval: 50 * time.Millisecond, JobTimeout: 10 * time.Second, RescueStuckJobsAfter: 10 * time.Second, Logger: logger})
	if err != nil {
		return err
	}
	dj.Use(q)
	if err := q.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	return fmt.Errorf("not killed within two minutes: %w", ctx.Err())
}
