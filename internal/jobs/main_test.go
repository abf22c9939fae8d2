package jobs

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/riverqueue/river"
)

// childDatabaseEnv, when set, makes the test binary a replica that works
// jobs on that database until it is killed: ResumesAJobAfterAKill runs
// it in a process of its own so that it can die as a real process does.
const childDatabaseEnv = "HALOBRIDGE_JOBS_TEST_CHILD_DATABASE"

// childReplica is the ID of that replica.
const childReplica = "killed-replica"

func TestMain(m *testing.M) {
	if databaseURL := os.Getenv(childDatabaseEnv); databaseURL != "" {
		if err := runChild(databaseURL); err != nil {
			fmt.Fprintln(os.Stderr, "child replica:", err)
		}
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// runChild works interruptedArgs jobs with a worker that never returns,
// and gives up if nobody has killed it after a minute.
func runChild(databaseURL string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := openStore(ctx, databaseURL)
	if err != nil {
		return err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &hangWorker[interruptedArgs]{})
	q, err := Open(ctx, st, Options{Workers: workers, ID: childReplica, JobTimeout: -1, FetchPollInterval: 50 * time.Millisecond})
	if err != nil {
		return err
	}
	if err := q.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	return fmt.Errorf("not killed within a minute: %w", ctx.Err())
}
