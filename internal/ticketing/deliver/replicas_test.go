package deliver_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"halobridge/internal/connect"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/jobs"
	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/store/storetest"
	"halobridge/internal/syncrun"
	"halobridge/internal/ticketing/deliver"
	"halobridge/internal/wait"
)

// TestReplicasShareOneBudget runs three replicas (each its own store
// connection pool, HaloPSA clients, budget and job queue) on one
// PostgreSQL database, delivering the tickets of three partners who share
// one HaloPSA tenant, whose simulator allows 12 requests per rolling 3 s:
// together they must never draw a 429 nor put more than 12 requests in
// any 3 s.
func TestReplicasShareOneBudget(t *testing.T) {
	t.Parallel()
	if os.Getenv("TEST_DATABASE_URL") == "" {
		t.Skip("TEST_DATABASE_URL is not set: replicas share a PostgreSQL database")
	}
	const (
		limit   = 12
		window  = 3 * time.Second
		perHost = 2
		hosts   = 10 // per partner
	)
	ctx := t.Context()
	url := storetest.PostgresURL(t, "replicatest", 4)
	sim := halosim.New(halosim.Options{Clients: 20, RateLimit: limit, RateWindow: window, Seed: 3})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)

	open := func() *store.Store {
		st, err := store.Open(ctx, store.Config{DatabaseURL: url, Keys: storetest.NewKeyring(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return st
	}
	first := open()
	client := activeClient(t, sim, true)
	var partners []store.Partner
	var sources []store.Source
	for i := range 3 {
		p, err := first.CreatePartner(ctx, store.Partner{Name: fmt.Sprintf("Partner %d", i+1)})
		if err != nil {
			t.Fatal(err)
		}
		connectHalo(t, first, p.ID, srv.URL)
		src, err := first.CreateSource(ctx, store.Source{PartnerID: p.ID, Kind: source.GravityZone, Name: "GravityZone", Secret: "Bearer x"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := first.SaveMapping(ctx, store.Mapping{PartnerID: p.ID, SourceID: src.ID, CustomerID: "c-1", ClientID: client.ID, Ticketing: true, Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		partners, sources = append(partners, p), append(sources, src)
	}

	type replica struct {
		store *store.Store
		jobs  *deliver.Jobs
	}
	var replicas []replica
	for i := range 3 {
		st := first
		if i > 0 {
			st = open()
		}
		h := &connect.Halo{Store: st, Budget: connect.NewSharedBudget(st, limit, window), Outbound: outbound.Local(), MaxRateWait: time.Minute}
		svc := deliver.New(st, h, deliver.Options{Gather: 100 * time.Millisecond, Now: time.Now, BudgetLimit: limit, BudgetWindow: window})
		if i == 0 {
			// The catalog the policy is checked against, synced once.
			for _, p := range partners {
				if _, err := (&syncrun.Syncer{Store: st, Halo: h}).SyncHaloCatalog(ctx, p.ID); err != nil {
					t.Fatalf("sync the HaloPSA catalog: %v", err)
				}
				if _, err := svc.SavePolicy(ctx, p.ID, deliver.SavedPolicy{Policy: testPolicy()}); err != nil {
					t.Fatal(err)
				}
			}
		}
		dj := &deliver.Jobs{Service: svc, SweepEvery: 500 * time.Millisecond}
		workers := river.NewWorkers()
		sweep := dj.Register(workers)
		q, err := jobs.Open(ctx, st, jobs.Options{Workers: workers, Periodic: []*river.PeriodicJob{sweep}, ID: fmt.Sprintf("replica-%d", i+1),
			FetchPollInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		dj.Use(q)
		runCtx, cancel := context.WithCancel(context.Background())
		if err := q.Start(runCtx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cancel()
			stop, done := context.WithTimeout(context.Background(), 5*time.Second)
			defer done()
			q.StopAndCancel(stop)
		})
		replicas = append(replicas, replica{store: st, jobs: dj})
	}
	sim.ResetRequests()

	at := time.Now().Add(-time.Hour)
	for i, p := range partners {
		var alerts []source.Alert
		for h := range hosts {
			for n := range perHost {
				alerts = append(alerts, avAlert(fmt.Sprintf("p%d-h%d-%d", i, h, n), "c-1", fmt.Sprintf("P%d-WS%02d", i, h), "EICAR", at))
			}
		}
		r := replicas[i]
		if _, err := r.store.StoreInbound(ctx, []store.InboundBatch{{PartnerID: p.ID, SourceID: sources[i].ID, ReceivedAt: time.Now(), Alerts: alerts}}); err != nil {
			t.Fatal(err)
		}
		if err := r.jobs.Enqueue(ctx, []int64{p.ID}); err != nil {
			t.Fatal(err)
		}
	}
	wait.For(t, fmt.Sprintf("%d tickets", 3*hosts), func() bool { return len(ourTickets(sim)) >= 3*hosts })

	// The simulated HaloPSA keeps the budget itself, a rolling window of
	// limit requests: replicas that spend more than the one budget they
	// share draw its 429. (Counting the window again from the times the
	// requests arrived measures the machine's scheduling, not the budget:
	// a request granted in one window may arrive in the next.)
	requests := sim.Requests()
	for _, r := range requests {
		if r.Status == http.StatusTooManyRequests {
			t.Errorf("HaloPSA answered 429 to %s %s at %s", r.Method, r.Path, r.Time.Format("15:04:05.000"))
		}
	}
	keys := map[string]int{}
	for _, tk := range ourTickets(sim) {
		keys[tk.ThirdPartyIDString]++
	}
	for key, n := range keys {
		if n > 1 {
			t.Errorf("%d tickets for %s", n, key)
		}
	}
	t.Logf("%d requests, within %d per %s", len(requests), limit, window)
}
