package run_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/billing"
	"halobridge/internal/billing/run"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// A run that stops half way (HaloPSA lost the answer to the write, or
// refused it) is resumed by the next run without billing anything twice.
func TestResumesAfterAWriteFailsWithoutCountingTwice(t *testing.T) {
	t.Parallel()

	mar := source.Month{Year: 2026, Month: time.March}
	type crashBundle struct {
		*testBundle
		sim    *halosim.Sim
		p      store.Partner
		client halosim.Client
	}
	setupMode := func(t *testing.T, mode billing.Mode) crashBundle {
		t.Helper()
		b := setup(t)
		p, sim := b.partner(t, "North IT")
		client := clientsWithoutInvoice(sim)[0]
		if mode == billing.ModeAppend {
			client = sim.Clients()[0] // seeded with a Monthly invoice
		}
		src := b.source(t, store.Source{PartnerID: p.ID, Kind: source.Push, Name: "EDR"})
		b.mapToClient(t, src, "A", client.ID)
		b.push(t, src, []source.Customer{{ID: "A", Name: "Acme"}}, []source.Usage{{CustomerID: "A", Month: mar, Product: "seats", Quantity: 10}})
		b.savePolicy(t, p.ID, run.Policy{Policy: billing.Policy{Mode: mode, IncludePeriodInName: true, Products: map[string]billing.ProductRule{"seats": {ItemID: 1401}}}})
		b.clock.Set(time.Date(2026, time.April, 2, 6, 0, 0, 0, time.UTC))
		return crashBundle{testBundle: b, sim: sim, p: p, client: client}
	}
	// fail runs a month with the fault and checks that the client failed.
	fail := func(t *testing.T, b crashBundle, f halosim.Fault) {
		t.Helper()
		b.sim.InjectFault(f)
		res := b.run(t, b.p.ID, mar, false)
		b.sim.ClearFaults()
		if len(res.Clients) != 1 || res.Clients[0].Error == "" {
			t.Fatalf("with HaloPSA failing the write, the run reports %+v", res.Clients)
		}
		if got := b.openEvents(t, b.p.ID); !cmp.Equal(got, map[int][]billing.FindingKind{b.client.ID: {"billing_failed"}}) {
			t.Errorf("open events after the failure: %v", got)
		}
	}
	// resume runs the month again and checks the client's invoices hold
	// the month once.
	resume := func(t *testing.T, b crashBundle) {
		t.Helper()
		res := b.run(t, b.p.ID, mar, false)
		if res.Clients[0].Error != "" {
			t.Fatalf("resuming: %s", res.Clients[0].Error)
		}
		var ours []line
		for _, inv := range b.sim.RecurringInvoices() {
			if inv.ClientID != b.client.ID {
				continue
			}
			for _, l := range held(t, b.sim, inv.ID, nil) {
				if l.Name == "Endpoint Security (Mar 2026)" {
					ours = append(ours, l)
				}
			}
		}
		if want := []line{{"Endpoint Security (Mar 2026)", 10}}; !cmp.Equal(want, ours) {
			t.Errorf("after resuming, the client's invoices hold %v, want %v", ours, want)
		}
		if again := b.run(t, b.p.ID, mar, false); again.Clients[0].Changed {
			t.Errorf("a third run still changes lines: %+v", again.Clients[0].Rows)
		}
		if got := b.openEvents(t, b.p.ID); len(got) != 0 {
			t.Errorf("open events after resuming: %v", got)
		}
	}
	answerLost := halosim.Fault{Method: "POST", PathPrefix: "/api/RecurringInvoice", Status: 500, AfterApply: true, Times: 1}
	refused := halosim.Fault{Method: "POST", PathPrefix: "/api/RecurringInvoice", Status: 500, Times: 1}

	t.Run("CreateModeTakesBackTheInvoiceWhoseCreationLostItsAnswer", func(t *testing.T) {
		t.Parallel()
		b := setupMode(t, billing.ModeCreate)
		fail(t, b, answerLost)
		before := len(b.sim.RecurringInvoices())
		resume(t, b)
		if after := len(b.sim.RecurringInvoices()); after != before {
			t.Errorf("resuming created another invoice: %d invoices, was %d", after, before)
		}
	})
	t.Run("CreateModeCreatesTheInvoiceOnceAfterARefusal", func(t *testing.T) {
		t.Parallel()
		b := setupMode(t, billing.ModeCreate)
		before := len(b.sim.RecurringInvoices())
		fail(t, b, refused)
		resume(t, b)
		if after := len(b.sim.RecurringInvoices()); after != before+1 {
			t.Errorf("%d invoices after resuming, want %d", after, before+1)
		}
	})
	t.Run("AppendModeClaimsTheLineWhoseWriteLostItsAnswer", func(t *testing.T) {
		t.Parallel()
		b := setupMode(t, billing.ModeAppend)
		fail(t, b, answerLost)
		resume(t, b)
	})
	t.Run("AppendModeWritesOnceAfterARefusal", func(t *testing.T) {
		t.Parallel()
		b := setupMode(t, billing.ModeAppend)
		fail(t, b, refused)
		resume(t, b)
	})
}
