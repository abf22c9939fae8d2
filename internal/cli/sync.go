package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"halobridge/internal/jobs"
	"halobridge/internal/store"
	"halobridge/internal/syncrun"
)

// progressEvery is how often the progress bar is redrawn.
const progressEvery = 200 * time.Millisecond

func syncCommand() *command {
	f := newPartnerFlags()
	var wait bool
	return &command{
		name:    "sync",
		summary: "sync a partner's HaloPSA catalog, customers, suggestions and events",
		usage:   "halobridge sync --partner SLUG [--wait]",
		long: `Syncs one partner: reads its HaloPSA catalog (clients, sites, General Users,
agents, teams, statuses, ticket types, SLAs and priorities, categories,
outcomes, request sources, items, recurring invoices) and each source's
customers and usage of this month and the last, checks each GravityZone
source's Event Push Service (on, pointing at --base-url, not failing), stores
auto-match suggestions for a person to confirm, and raises or clears
integration events. The server does the same every hour for every partner.

Without --wait the sync is queued for the server ('halobridge serve') to run,
as "Sync now" in the portal does; with --wait it runs here and now, drawing a
progress bar, and the exit code says whether it succeeded. Either way it is
recorded in the partner's sync history.

Examples:
  halobridge sync --partner northpoint --wait
  halobridge sync --partner northpoint`,
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&wait, "wait", false, "run the sync in this process and wait for it, showing its progress")
			f.registerPublic(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			rt, service, p, err := f.open(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			if !wait {
				return enqueueSync(ctx, env.Stdout, rt.store, p)
			}
			return runSync(ctx, env.Stdout, rt.store, service.syncer, p)
		},
	}
}

// enqueueSync queues the sync for the server's job queue.
func enqueueSync(ctx context.Context, w io.Writer, st *store.Store, p store.Partner) error {
	q, err := jobs.Open(ctx, st, jobs.Options{})
	if err != nil {
		return err
	}
	info, err := q.Insert(ctx, syncrun.SyncArgs{PartnerID: p.ID}, nil)
	if err != nil {
		return err
	}
	if info.Duplicate {
		fmt.Fprintf(w, "A sync of %s is already waiting or running (job %d).\n", p.Name, info.ID)
		return nil
	}
	fmt.Fprintf(w, "Queued the sync of %s as job %d: the server runs it. Use --wait to run it here instead.\n", p.Name, info.ID)
	return nil
}

// runSync runs the sync in this process, redrawing its progress bar until
// it ends, then says what it did.
func runSync(ctx context.Context, w io.Writer, st *store.Store, syncer *syncrun.Syncer, p store.Partner) error {
	run, err := st.StartSyncRun(ctx, store.SyncRun{PartnerID: p.ID, Kind: store.SyncCatalog})
	if err != nil {
		return err
	}
	progress := jobs.NewProgress(st, run)
	done := make(chan struct{})
	var drawing sync.WaitGroup
	drawing.Go(func() {
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				jobs.RenderProgress(w, progress.Run(), 0)
			}
		}
	})
	res, syncErr := syncer.Sync(ctx, p.ID, progress)
	close(done)
	drawing.Wait()
	if err := progress.Finish(syncErr); err != nil {
		return errors.Join(syncErr, err)
	}
	jobs.RenderProgress(w, progress.Run(), 0)
	writeResult(w, res)
	if syncErr != nil {
		return fmt.Errorf("the sync did not do everything: %w", syncErr)
	}
	return nil
}

// writeResult says what a sync changed.
func writeResult(w io.Writer, res syncrun.Result) {
	var kinds []string
	for _, kind := range slices.Sorted(maps.Keys(res.Catalog)) {
		d := res.Catalog[kind]
		kinds = append(kinds, fmt.Sprintf("%s %d", kind, d.Added+d.Updated+d.Unchanged))
	}
	if len(kinds) > 0 {
		fmt.Fprintf(w, "HaloPSA records: %s.\n", strings.Join(kinds, ", "))
	}
	line := fmt.Sprintf("Customers: %d; usage rows: %d", res.Customers, res.Usage)
	if res.Users > 0 {
		line += fmt.Sprintf("; users: %d", res.Users)
	}
	if res.Endpoints > 0 {
		line += fmt.Sprintf("; endpoints: %d", res.Endpoints)
	}
	fmt.Fprintln(w, line+".")
	fmt.Fprintf(w, "Suggestions: %d new or changed, %d withdrawn, %d ambiguous (see 'halobridge mapping suggestions').\n",
		res.Suggested, res.Withdrawn, len(res.Ambiguous))
	fmt.Fprintf(w, "Events: %d problems found, %d cleared (see 'halobridge events list').\n", res.Raised, res.Cleared)
}
