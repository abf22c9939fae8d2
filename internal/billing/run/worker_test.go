package run_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"halobridge/internal/billing"
	"halobridge/internal/billing/run"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/jobs"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/wait"
)

// workerBundle is a partner billing one client of a push source in create
// mode, with February's usage pushed.
type workerBundle struct {
	*testBundle
	partner store.Partner
	halo    *halosim.Sim
	client  halosim.Client
}

func setupWorker(t *testing.T, e engine) *workerBundle {
	t.Helper()
	b := setupOn(t, e)
	p, sim := b.partner(t, "North IT")
	client := clientsWithoutInvoice(sim)[0]
	src := b.source(t, store.Source{PartnerID: p.ID, Kind: source.Push, Name: "EDR"})
	b.mapToClient(t, src, "A", client.ID)
	feb := source.Month{Year: 2026, Month: time.February}
	b.push(t, src, []source.Customer{{ID: "A", Name: "Acme"}}, []source.Usage{{CustomerID: "A", Month: feb, Product: "seats", Quantity: 7}})
	b.savePolicy(t, p.ID, run.Policy{Policy: billing.Policy{Mode: billing.ModeCreate, IncludePeriodInName: true, BillDay: 3,
		Products: map[string]billing.ProductRule{"seats": {ItemID: 1401}}}})
	return &workerBundle{testBundle: b, partner: p, halo: sim, client: client}
}

// startQueue runs the billing workers on a queue over the bundle's store
// until the test ends.
func (b *workerBundle) startQueue(t *testing.T) *jobs.Queue {
	t.Helper()
	workers := river.NewWorkers()
	due := run.Register(workers, b.svc)
	q, err := jobs.Open(b.ctx, b.store, jobs.Options{Workers: workers, FetchPollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	due.Queue = q
	if err := q.Start(b.ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
	return q
}

func (b *workerBundle) waitForJob(t *testing.T, q *jobs.Queue, id int64) *rivertype.JobRow {
	t.Helper()
	var job *rivertype.JobRow
	wait.For(t, fmt.Sprintf("job %d to end", id), func() bool {
		var err error
		if job, err = q.Job(b.ctx, id); err != nil {
			t.Fatal(err)
		}
		return job.FinalizedAt != nil
	})
	if job.State != rivertype.JobStateCompleted {
		t.Fatalf("job %d is %s, errors %+v", id, job.State, job.Errors)
	}
	return job
}

// billedLines lists the lines of the client's invoices.
func (b *workerBundle) billedLines(t *testing.T) []line {
	t.Helper()
	var out []line
	for _, inv := range b.halo.RecurringInvoices() {
		if inv.ClientID == b.client.ID {
			out = append(out, held(t, b.halo, inv.ID, nil)...)
		}
	}
	return out
}

func TestWorker(t *testing.T) {
	t.Parallel()
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			testWorker(t, e)
		})
	}
}

func testWorker(t *testing.T, e engine) {
	feb := source.Month{Year: 2026, Month: time.February}

	t.Run("BillsTheMonthAsADurableJobRecordedAsABillingSyncRun", func(t *testing.T) {
		t.Parallel()
		b := setupWorker(t, e)
		q := b.startQueue(t)
		job, err := q.Insert(b.ctx, run.Args{PartnerID: b.partner.ID, Month: feb}, nil)
		if err != nil {
			t.Fatal(err)
		}
		b.waitForJob(t, q, job.ID)
		if want := []line{{"Endpoint Security (Feb 2026)", 7}}; !cmp.Equal(want, b.billedLines(t)) {
			t.Errorf("lines %v, want %v", b.billedLines(t), want)
		}
		runs, err := b.store.SyncRuns(b.ctx, b.partner.ID, store.SyncBilling, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 1 || runs[0].State != store.SyncSucceeded || runs[0].JobID != job.ID || len(runs[0].Steps) != 2 ||
			runs[0].Steps[1].Name != "clients" || runs[0].Steps[1].Counts["changed"] != 1 {
			t.Errorf("sync runs %+v", runs)
		}
	})

	t.Run("ABillingJobOfAPartnerAndMonthIsInsertedOnceWhileItWaits", func(t *testing.T) {
		t.Parallel()
		b := setupWorker(t, e)
		q, err := jobs.Open(b.ctx, b.store, jobs.Options{})
		if err != nil {
			t.Fatal(err)
		}
		first, err := q.Insert(b.ctx, run.Args{PartnerID: b.partner.ID, Month: feb}, nil)
		if err != nil {
			t.Fatal(err)
		}
		second, err := q.Insert(b.ctx, run.Args{PartnerID: b.partner.ID, Month: feb}, nil)
		if err != nil || !second.Duplicate || second.ID != first.ID {
			t.Errorf("second insert: %+v, %v; want a duplicate of job %d", second, err, first.ID)
		}
		other, err := q.Insert(b.ctx, run.Args{PartnerID: b.partner.ID, Month: feb.Prev()}, nil)
		if err != nil || other.Duplicate {
			t.Errorf("another month: %+v, %v", other, err)
		}
	})

	t.Run("TheDueCheckBillsTheMonthFromItsBillDayOn", func(t *testing.T) {
		t.Parallel()
		b := setupWorker(t, e)
		b.clock.Set(time.Date(2026, time.March, 2, 12, 0, 0, 0, time.UTC))
		due, err := b.svc.Due(b.ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The bill day is the 3rd: on 2 March January is the latest month due.
		if want := []run.Args{{PartnerID: b.partner.ID, Month: feb.Prev()}}; !cmp.Equal(want, due) {
			t.Errorf("due on 2 March: %+v, want %+v", due, want)
		}

		b.clock.Set(time.Date(2026, time.March, 3, 0, 30, 0, 0, time.UTC))
		q := b.startQueue(t)
		check, err := q.Insert(b.ctx, run.DueArgs{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		b.waitForJob(t, q, check.ID)
		wait.For(t, "a billed line", func() bool { return len(b.billedLines(t)) > 0 })
		if want := []line{{"Endpoint Security (Feb 2026)", 7}}; !cmp.Equal(want, b.billedLines(t)) {
			t.Errorf("lines after the due check %v, want %v", b.billedLines(t), want)
		}
		wait.For(t, "nothing due after February was billed", func() bool {
			if due, err = b.svc.Due(b.ctx); err != nil {
				t.Fatal(err)
			}
			return len(due) == 0
		})
	})

	t.Run("TheDueCheckLeavesOutPartnersWithoutPolicyOrHaloPSA", func(t *testing.T) {
		t.Parallel()
		b := setupWorker(t, e)
		b.partner2(t)
		due, err := b.svc.Due(b.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(due) != 1 || due[0].PartnerID != b.partner.ID {
			t.Errorf("due: %+v, want only partner %d", due, b.partner.ID)
		}
	})
}

// partner2 adds a partner with a HaloPSA but no policy, and one with a
// policy but no HaloPSA.
func (b *workerBundle) partner2(t *testing.T) {
	t.Helper()
	b.testBundle.partner(t, "No Policy IT")
	p, err := b.store.CreatePartner(b.ctx, store.Partner{Name: "No Halo IT"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.SaveBillingPolicy(b.ctx, p.ID, []byte(`{"mode":"create"}`)); err != nil {
		t.Fatal(err)
	}
}
