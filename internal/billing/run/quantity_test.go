package run_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"halobridge/internal/billing"
	"halobridge/internal/billing/run"
	"halobridge/internal/connect"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/store/storetest"
)

// TestAQuantityOutOfBoundsWaitsInsteadOfFailingEveryRun stores, as a
// database from before quantities were bounded may hold it, a usage
// quantity of 1e308 beside a good one for one client and item (whose sum
// is no number): the run does not fail, nor bill, but carries the month,
// naming the figure to correct.
func TestAQuantityOutOfBoundsWaitsInsteadOfFailingEveryRun(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines("billrun") {
		t.Run(engine.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			now := func() time.Time { return time.Date(2026, time.November, 2, 6, 0, 0, 0, time.UTC) }
			st := engine.Open(t)
			sim := halosim.New(halosim.Options{Clients: 3, Seed: 1, Now: now})
			srv := httptest.NewServer(sim)
			t.Cleanup(srv.Close)
			p, err := st.CreatePartner(ctx, store.Partner{Name: "Acme IT"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.SaveHaloConnection(ctx, store.HaloConnection{PartnerID: p.ID, ResourceURL: srv.URL + "/api", AuthURL: srv.URL + "/auth",
				GrantType: store.GrantClientCredentials, ClientID: halosim.DefaultClientID, ClientSecret: halosim.DefaultClientSecret}); err != nil {
				t.Fatal(err)
			}
			src, err := st.CreateSource(ctx, store.Source{PartnerID: p.ID, Kind: source.Push, Name: "Acme EDR"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.SaveMapping(ctx, store.Mapping{PartnerID: p.ID, SourceID: src.ID, CustomerID: "A", ClientID: sim.Clients()[2].ID, Billing: true, Confirmed: true}); err != nil {
				t.Fatal(err)
			}
			oct := source.Month{Year: 2026, Month: time.October}
			if err := st.SaveSourceCustomers(ctx, src.ID, []source.Customer{{ID: "A", Name: "Acme"}}, true); err != nil {
				t.Fatal(err)
			}
			if err := st.SaveUsage(ctx, src.ID, []source.Usage{{CustomerID: "A", Month: oct, Product: "seats", Quantity: 12},
				{CustomerID: "A", Month: oct, Product: "seats-plus", Quantity: 1}}, &oct); err != nil {
				t.Fatal(err)
			}
			db := st.DB()
			if _, err := db.ExecContext(ctx, "UPDATE source_usage SET quantity = 1e308 WHERE product = 'seats-plus'"); err != nil {
				t.Fatal(err)
			}
			svc := &run.Service{Store: st, Halo: &connect.Halo{Outbound: outbound.Local(), Store: st}, Sources: &connect.Sources{Outbound: outbound.Local(), Store: st, Now: now}, Now: now}
			if _, err := svc.SavePolicy(ctx, p.ID, run.Policy{Policy: billing.Policy{Mode: billing.ModeCreate,
				Products: map[string]billing.ProductRule{"seats": {ItemID: 1401}, "seats-plus": {ItemID: 1401}}}}); err != nil {
				t.Fatal(err)
			}
			res, err := svc.Run(ctx, p.ID, oct, false)
			if err != nil {
				t.Fatalf("the run failed: %v", err)
			}
			out, _ := json.Marshal(res)
			if !strings.Contains(string(out), "the quantity 1e+308 of seats-plus for customer A in 2026-10 is not a number from 0 to 1000000000") {
				t.Errorf("the run does not name the figure to correct:\n%s", out)
			}
			for _, c := range res.Clients {
				if c.Changed || c.InvoiceID != 0 {
					t.Errorf("client %s was billed: %+v", c.Name, c)
				}
			}
		})
	}
}
