package run_test

import (
	"context"
	"testing"
	"time"

	"halobridge/internal/billing"
	"halobridge/internal/billing/run"
	"halobridge/internal/halo"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// noRoomForWrites is a budget with room for every read and none for a
// client's writes taken together: what a tenant whose budget ran short
// looks like to billing.
type noRoomForWrites struct {
	halo.Budget
	roomy bool
}

func (b *noRoomForWrites) Take(ctx context.Context, tenant string, p halo.RequestPriority, n int, maxWait time.Duration) error {
	if n > 1 && !b.roomy {
		return &halo.RateLimitError{RetryAfter: time.Minute}
	}
	return b.Budget.Take(ctx, tenant, p, n, maxWait)
}

func TestTakesAClientsWritesFromTheBudgetBeforeWritingAny(t *testing.T) {
	t.Parallel()
	b := setup(t)
	roomy := b.svc.Halo.Budget
	tight := &noRoomForWrites{Budget: roomy}
	b.svc.Halo.Budget = tight
	mar := source.Month{Year: 2026, Month: time.March}
	p, sim := b.partner(t, "North IT")
	client := clientsWithoutInvoice(sim)[0]
	src := b.source(t, store.Source{PartnerID: p.ID, Kind: source.Push, Name: "EDR"})
	b.mapToClient(t, src, "A", client.ID)
	b.push(t, src, []source.Customer{{ID: "A", Name: "Acme"}}, []source.Usage{{CustomerID: "A", Month: mar, Product: "seats", Quantity: 10}})
	b.savePolicy(t, p.ID, run.Policy{Policy: billing.Policy{Mode: billing.ModeCreate, IncludePeriodInName: true, Products: map[string]billing.ProductRule{"seats": {ItemID: 1401}}}})
	b.clock.Set(time.Date(2026, time.April, 2, 6, 0, 0, 0, time.UTC))

	if res, err := b.svc.Run(b.ctx, p.ID, mar, false); !halo.IsRateLimited(err) {
		t.Fatalf("run without room for the writes: %+v, %v, want it stopped on the budget", res, err)
	}
	for _, inv := range sim.RecurringInvoices() {
		if inv.ClientID == client.ID {
			t.Fatalf("recurring invoice %d written for client %d without the budget to finish it", inv.ID, client.ID)
		}
	}
	if ledgers, err := b.store.BillingLedgers(b.ctx, p.ID); err != nil || len(ledgers) != 0 {
		t.Errorf("ledgers %+v, %v: saved before the writes had budget", ledgers, err)
	}

	// The client built with the tight budget is kept by connect.Halo: the
	// budget frees up behind it instead.
	tight.roomy = true
	res, err := b.svc.Run(b.ctx, p.ID, mar, false)
	if err != nil || len(res.Clients) != 1 || !res.Clients[0].Changed || res.Clients[0].Error != "" {
		t.Fatalf("run with room: %+v, %v; want the client billed", res.Clients, err)
	}
}
