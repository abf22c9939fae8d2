package run_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/billing"
	"halobridge/internal/billing/run"
	"halobridge/internal/source"
)

// Billing GravityZone through its API: the partner's own company (whose
// figures include its customers') and one customer, Contoso, are mapped to
// two clients; the rest of the customers are billed with the partner's
// company. The quantities expected are read from licensing.getMonthlyUsage,
// which the connector does not use.
func TestBillsWhatGravityZoneReports(t *testing.T) {
	t.Parallel()
	b := setupGravityZone(t)
	feb := source.Month{Year: 2026, Month: time.February}
	companies, err := b.gz.Companies(b.ctx)
	if err != nil {
		t.Fatal(err)
	}
	seats := map[string]float64{} // each company's own endpoints, children included
	for _, c := range companies {
		u, err := b.gz.MonthlyUsage(b.ctx, c.ID, feb)
		if err != nil {
			t.Fatal(err)
		}
		seats[c.Name] = u.Counters["endpointMonthlyUsage"]
	}
	root, contoso := companies[0], companies[1]
	if root.Name != "Northgate IT Services" || contoso.Name != "Contoso Ltd" || seats["Contoso Ltd"] == 0 {
		t.Fatalf("companies %+v, seats %v", companies, seats)
	}
	free := clientsWithoutInvoice(b.halo)
	msp, acme := free[0], free[1]
	b.mapToClient(t, b.src, root.ID, msp.ID)
	b.mapToClient(t, b.src, contoso.ID, acme.ID)
	p := run.Policy{Policy: billing.Policy{Mode: billing.ModeCreate, Products: map[string]billing.ProductRule{}}}
	for _, m := range b.protectionModels(t) {
		p.Products[m] = billing.ProductRule{ItemID: 1401}
	}
	b.savePolicy(t, b.partner.ID, p)

	res := b.run(t, b.partner.ID, feb, false)
	got := map[int][]line{}
	for _, c := range res.Clients {
		if c.Error != "" || len(c.Findings) != 0 {
			t.Errorf("client %d: error %q, findings %+v", c.ClientID, c.Error, c.Findings)
		}
		got[c.ClientID] = held(t, b.halo, c.InvoiceID, nil)
	}
	want := map[int][]line{
		msp.ID:  {{"Endpoint Security", seats["Northgate IT Services"] - seats["Contoso Ltd"]}},
		acme.ID: {{"Endpoint Security", seats["Contoso Ltd"]}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lines HaloPSA holds by client (-want +got):\n%s", diff)
	}

	// The billing page's charts: one per item, with what its quantities
	// count; the protection models all count endpoints.
	billed, err := b.svc.BilledItems(b.ctx, b.partner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(billed) != 1 || billed[0].ItemID != 1401 || billed[0].Months[feb] != seats["Northgate IT Services"] || billed[0].Fractional {
		t.Fatalf("billed items: %+v, want item 1401 with %v endpoints in February", billed, seats["Northgate IT Services"])
	}
	if len(billed[0].Products) == 0 {
		t.Error("item 1401 bills no product")
	}
	for _, prod := range billed[0].Products {
		if prod.Unit != "endpoints" || prod.Source != source.GravityZone {
			t.Errorf("product %s counts %q from %s, want endpoints from GravityZone", prod.Key, prod.Unit, prod.Source)
		}
	}
}
