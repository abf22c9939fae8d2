package jobs_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"

	"github.com/riverqueue/river"

	"halobridge/internal/jobs"
	"halobridge/internal/secret"
	"halobridge/internal/store"
)

// SyncArgs asks for one kind of sync of one partner. The field is not
// called Kind: that is the method River reads the job kind from.
type SyncArgs struct {
	PartnerID int64  `json:"partner_id"`
	SyncKind  string `json:"sync_kind"`
}

func (SyncArgs) Kind() string { return "sync" }

type SyncWorker struct {
	river.WorkerDefaults[SyncArgs]
	done chan string
}

func (w *SyncWorker) Work(ctx context.Context, job *river.Job[SyncArgs]) error {
	w.done <- fmt.Sprintf("%s sync of partner %d", job.Args.SyncKind, job.Args.PartnerID)
	return nil
}

// A Queue works jobs in the store's own database, here an embedded SQLite
// file. "Sync now" pressed twice gives one job.
func ExampleQueue() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "halobridge-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	key := make([]byte, secret.KeySize)
	rand.Read(key)
	keys, err := secret.NewKeyring(key)
	if err != nil {
		fmt.Println(err)
		return
	}
	st, err := store.Open(ctx, store.Config{DataDir: dir, Keys: keys})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		fmt.Println(err)
		return
	}

	worker := &SyncWorker{done: make(chan string)}
	workers := river.NewWorkers()
	river.AddWorker(workers, worker)
	q, err := jobs.Open(ctx, st, jobs.Options{Workers: workers})
	if err != nil {
		fmt.Println(err)
		return
	}
	unique := &river.InsertOpts{UniqueOpts: *jobs.UniquePerPartner()}
	for range 2 {
		job, err := q.Insert(ctx, SyncArgs{PartnerID: 7, SyncKind: store.SyncCatalog}, unique)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("job %d, duplicate: %v\n", job.ID, job.Duplicate)
	}
	if err := q.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	defer q.Stop(ctx)
	fmt.Println(<-worker.done)
	// Output:
	// job 1, duplicate: false
	// job 1, duplicate: true
	// catalog sync of partner 7
}

// The CLI draws a run it polls from the store as one line.
func ExampleRenderProgress() {
	run := store.SyncRun{Kind: store.SyncCatalog, State: store.SyncRunning, Steps: []store.SyncStep{
		{Name: "clients", Total: 500, Done: 500},
		{Name: "sites", Total: 40, Done: 10},
	}}
	fmt.Println(jobs.RenderProgress(nil, run, 20))
	// Output: catalog  [#####...............]  25%  sites 10/40
}
