package retention_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"halobridge/internal/ingest"
	"halobridge/internal/jobs"
	"halobridge/internal/retention"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/store/storetest"
	"halobridge/internal/wait"
)

// eachEngine runs test on SQLite, and on PostgreSQL when TEST_DATABASE_URL
// names one.
func eachEngine(t *testing.T, test func(t *testing.T, st *store.Store)) {
	t.Helper()
	engines := map[string]func(t *testing.T) string{
		"SQLite": func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "halobridge.db") },
	}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		engines["PostgreSQL"] = func(t *testing.T) string { return storetest.PostgresURL(t, "retentiontest", 4) }
	}
	for name, databaseURL := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, storetest.Open(t, databaseURL(t)))
		})
	}
}

type bundle struct {
	st  *store.Store
	src store.Source
}

func newBundle(t *testing.T, st *store.Store) *bundle {
	t.Helper()
	p, err := st.CreatePartner(t.Context(), store.Partner{Name: "Acme IT"})
	if err != nil {
		t.Fatal(err)
	}
	src, err := st.CreateSource(t.Context(), store.Source{PartnerID: p.ID, Kind: source.GravityZone, Name: "GZ", Secret: "Bearer push-secret"})
	if err != nil {
		t.Fatal(err)
	}
	return &bundle{st: st, src: src}
}

func alert(eventID string) source.Alert {
	return source.Alert{Source: source.GravityZone, CustomerID: "c1", Type: "av", Severity: source.SeverityHigh, HostName: "PC-01",
		EventID: eventID, Fingerprint: "gravityzone|c1|av|" + eventID, Raw: json.RawMessage(`{"module":"av"}`)}
}

func batch(b *bundle, received time.Time, alerts ...source.Alert) store.InboundBatch {
	return store.InboundBatch{PartnerID: b.src.PartnerID, SourceID: b.src.ID, ReceivedAt: received, DedupHorizon: 24 * time.Hour, Alerts: alerts}
}

// storeDelivered stores n alerts received at received, named prefix-i, and
// records that delivery is done with them.
func storeDelivered(t *testing.T, b *bundle, received time.Time, prefix string, n int) []int64 {
	t.Helper()
	var ids []int64
	for start := 0; start < n; start += 500 {
		var alerts []source.Alert
		for i := start; i < min(start+500, n); i++ {
			alerts = append(alerts, alert(fmt.Sprintf("%s-%d", prefix, i)))
		}
		res, err := b.st.StoreInbound(t.Context(), []store.InboundBatch{batch(b, received, alerts...)})
		if err != nil {
			t.Fatal(err)
		}
		var done []store.AlertDelivery
		for _, id := range res[0].AlertIDs {
			done = append(done, store.AlertDelivery{AlertID: id, PartnerID: b.src.PartnerID, State: store.DeliveryDone, Action: "skip"})
		}
		if err := b.st.RecordDeliveries(t.Context(), done); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res[0].AlertIDs...)
	}
	return ids
}

var now = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)

const ninetyDays = 90 * 24 * time.Hour

func TestPruner(t *testing.T) {
	t.Parallel()

	t.Run("PrunesWhatIsOlderThanTheRetentionBatchByBatch", func(t *testing.T) {
		t.Parallel()
		eachEngine(t, func(t *testing.T, st *store.Store) {
			b := newBundle(t, st)
			storeDelivered(t, b, now.Add(-ninetyDays-time.Minute), "old", 1050)
			storeDelivered(t, b, now.Add(-ninetyDays+time.Minute), "recent", 3)
			var batches []retention.Batch
			p := &retention.Pruner{Store: st, Retention: ninetyDays, BatchSize: 100, Rest: -1, Now: func() time.Time { return now },
				OnBatch: func(b retention.Batch) { batches = append(batches, b) }}
			res, err := p.Prune(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if res.Alerts != 1050 || res.Resolutions != 0 || res.Kept != 0 {
				t.Errorf("result %+v; want 1050 alerts pruned", res)
			}
			// Alerts, in ten full batches and the last 50, which ends at the
			// first alert received since the cutoff; then resolutions.
			var got []string
			for _, b := range batches {
				got = append(got, fmt.Sprintf("%s:%d", b.What, b.Deleted))
			}
			want := strings.Repeat("alerts:100 ", 10) + "alerts:50 resolutions:0"
			if strings.Join(got, " ") != want {
				t.Errorf("batches %v, want %s", got, want)
			}
			if n, _ := st.CountAlerts(t.Context(), b.src.ID); n != 3 {
				t.Errorf("%d alerts left, want the 3 recent ones", n)
			}
		})
	})

	t.Run("RefusesARetentionThatIsNotPositive", func(t *testing.T) {
		t.Parallel()
		eachEngine(t, func(t *testing.T, st *store.Store) {
			b := newBundle(t, st)
			storeDelivered(t, b, now.AddDate(-1, 0, 0), "old", 2)
			p := &retention.Pruner{Store: st, Now: func() time.Time { return now }}
			if _, err := p.Prune(t.Context()); err == nil || !strings.Contains(err.Error(), "retention must be positive") {
				t.Errorf("err = %v, want the retention refused", err)
			}
			if n, _ := st.CountAlerts(t.Context(), b.src.ID); n != 2 {
				t.Errorf("%d alerts left, want both", n)
			}
		})
	})

	t.Run("KeepsWhatItCommittedWhenTheDatabaseFailsAndTheNextRunFinishes", func(t *testing.T) {
		t.Parallel()
		eachEngine(t, func(t *testing.T, st *store.Store) {
			b := newBundle(t, st)
			storeDelivered(t, b, now.AddDate(-1, 0, 0), "old", 500)
			storeDelivered(t, b, now, "young", 1)
			failing := &failAfter{Store: st, batches: 2}
			p := &retention.Pruner{Store: failing, Retention: ninetyDays, BatchSize: 100, Rest: -1, Now: func() time.Time { return now }}
			res, err := p.Prune(t.Context())
			if !errors.Is(err, errLostConnection) || res.Alerts != 200 {
				t.Fatalf("first run: %+v, %v; want 200 alerts pruned, then the failure", res, err)
			}
			if n, _ := st.CountAlerts(t.Context(), b.src.ID); n != 301 {
				t.Errorf("%d alerts left after the failed run, want the 300 it did not reach and the young one", n)
			}
			p.Store = st
			if res, err := p.Prune(t.Context()); err != nil || res.Alerts != 300 {
				t.Errorf("second run: %+v, %v; want the other 300", res, err)
			}
		})
	})
}

var errLostConnection = errors.New("connection to the database lost")

// failAfter lets batches alert batches through to the real store, then
// fails the way a dropped connection does.
type failAfter struct {
	*store.Store
	mu      sync.Mutex
	batches int
}

func (f *failAfter) PruneAlerts(ctx context.Context, q store.PruneQuery) (store.Pruned, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.batches == 0 {
		return store.Pruned{}, errLostConnection
	}
	f.batches--
	return f.Store.PruneAlerts(ctx, q)
}

// TestPruningLetsIngestCommitBetweenBatches holds pruning after each batch
// until ingest has committed a push, and ingest until the next batch is
// committed: if a batch kept the database's writer (SQLite has one) beyond
// its own transaction, ingest could not commit and the test would stop at
// its deadline instead of alternating to the end.
func TestPruningLetsIngestCommitBetweenBatches(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, st *store.Store) {
		b := newBundle(t, st)
		storeDelivered(t, b, now.AddDate(0, 0, -100), "backlog", 1000)

		committer := ingest.NewCommitter(st, 0, slog.New(slog.DiscardHandler))
		cctx, stopCommitter := context.WithCancel(context.Background())
		committerDone := make(chan struct{})
		go func() { committer.Run(cctx); close(committerDone) }()
		t.Cleanup(func() { stopCommitter(); <-committerDone })

		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		defer cancel()
		var mu sync.Mutex
		var order []string
		note := func(s string) {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, s)
		}
		pruned, committed := make(chan struct{}), make(chan struct{})
		ingestErr := make(chan error, 1)
		go func() {
			for i := 0; ; i++ {
				select {
				case <-pruned:
				case <-ctx.Done():
					ingestErr <- nil
					return
				}
				alerts := []source.Alert{alert(fmt.Sprintf("push-%d-a", i)), alert(fmt.Sprintf("push-%d-b", i))}
				res, err := committer.Store(ctx, batch(b, now, alerts...))
				if err != nil || len(res.AlertIDs) != 2 {
					ingestErr <- fmt.Errorf("push %d while pruning: %+v, %v", i, res, err)
					return
				}
				note("commit")
				committed <- struct{}{}
			}
		}()
		p := &retention.Pruner{Store: st, Retention: ninetyDays, BatchSize: 100, Rest: -1, Now: func() time.Time { return now },
			OnBatch: func(b retention.Batch) {
				if b.What != "alerts" {
					return
				}
				note("prune")
				select {
				case pruned <- struct{}{}:
				case <-ctx.Done():
					return
				}
				select {
				case <-committed:
				case <-ctx.Done():
				}
			}}
		res, err := p.Prune(ctx)
		if ctx.Err() != nil {
			t.Fatalf("ingest and pruning stopped alternating after %v", order)
		}
		cancel()
		if err != nil || res.Alerts != 1000 {
			t.Fatalf("pruning: %+v, %v; want the 1000 alerts of the backlog", res, err)
		}
		if err := <-ingestErr; err != nil {
			t.Fatal(err)
		}
		// Ten batches of the backlog, and the one that finds the first push.
		want := strings.TrimSuffix(strings.Repeat("prune commit ", 11), " ")
		if got := strings.Join(order, " "); got != want {
			t.Errorf("order %s, want %s", got, want)
		}
		if n, _ := st.CountAlerts(t.Context(), b.src.ID); n != 22 {
			t.Errorf("%d alerts stored, want the 22 pushed while pruning ran", n)
		}
	})
}

func TestRegister(t *testing.T) {
	t.Parallel()

	t.Run("RunsThePrunerAsADurableJob", func(t *testing.T) {
		t.Parallel()
		eachEngine(t, func(t *testing.T, st *store.Store) {
			b := newBundle(t, st)
			old := storeDelivered(t, b, time.Now().AddDate(0, 0, -2), "old", 1)
			young := storeDelivered(t, b, time.Now(), "young", 1)
			workers := river.NewWorkers()
			if job := retention.Register(workers, &retention.Pruner{Store: st, Retention: 24 * time.Hour}, time.Hour); job == nil {
				t.Fatal("Register gave no periodic job")
			}
			q, err := jobs.Open(t.Context(), st, jobs.Options{Workers: workers, FetchPollInterval: 20 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if err := q.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				q.Stop(ctx)
			})
			info, err := q.Insert(t.Context(), retention.Args{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			var job *rivertype.JobRow
			wait.For(t, "the retention job to end", func() bool {
				if job, err = q.Job(t.Context(), info.ID); err != nil {
					t.Fatal(err)
				}
				return job.FinalizedAt != nil
			})
			if job.State != rivertype.JobStateCompleted {
				t.Fatalf("the job is %s, errors %v", job.State, job.Errors)
			}
			if _, err := st.Alert(t.Context(), old[0]); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the delivered alert of two days ago: err = %v, want it pruned", err)
			}
			if _, err := st.Alert(t.Context(), young[0]); err != nil {
				t.Errorf("the alert of today: %v, want it kept", err)
			}
		})
	})
}

func TestPrunerForgetsHaloPSADeliveriesActedOnAfterThirtyDays(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, st *store.Store) {
		b := newBundle(t, st)
		partnerID := b.src.PartnerID
		if _, err := st.RecordHaloDeliveries(t.Context(), partnerID, []store.HaloDelivery{
			{DeliveryID: "acted-on", TicketID: 1, Event: "Ticket status changed"},
			{DeliveryID: "pending", TicketID: 2, Event: "Ticket status changed"},
		}); err != nil {
			t.Fatal(err)
		}
		if err := st.FinishHaloDelivery(t.Context(), partnerID, "acted-on"); err != nil {
			t.Fatal(err)
		}
		prune := func(at time.Time) retention.Result {
			t.Helper()
			res, err := (&retention.Pruner{Store: st, Retention: ninetyDays, Rest: -1, Now: func() time.Time { return at }}).Prune(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		if res := prune(time.Now().Add(29 * 24 * time.Hour)); res.HaloDeliveries != 0 {
			t.Fatalf("29 days on: %d deliveries pruned, want none", res.HaloDeliveries)
		}
		if res := prune(time.Now().Add(31 * 24 * time.Hour)); res.HaloDeliveries != 1 {
			t.Fatalf("31 days on: %d deliveries pruned, want the one acted on", res.HaloDeliveries)
		}
		// The one acted on is gone, so a replay of it would be stored again; the pending one stays.
		if n, err := st.RecordHaloDeliveries(t.Context(), partnerID, []store.HaloDelivery{{DeliveryID: "acted-on", TicketID: 1}, {DeliveryID: "pending", TicketID: 2}}); err != nil || n != 1 {
			t.Fatalf("re-recording both = %d, %v; want only the pruned one new", n, err)
		}
	})
}
