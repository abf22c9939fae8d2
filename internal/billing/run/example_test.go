package run_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"time"

	"halobridge/internal/billing"
	"halobridge/internal/billing/run"
	"halobridge/internal/connect"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/outbound"
	"halobridge/internal/secret"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// A dry run for a partner whose push source reports 12 seats for its
// customer A in October, A being mapped to a HaloPSA client that has no
// recurring invoice yet: in create mode, halobridge would create one named
// after the client, with one line.
func Example() {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, time.November, 2, 6, 0, 0, 0, time.UTC) }
	dir, err := os.MkdirTemp("", "billing-example")
	check(err)
	defer os.RemoveAll(dir)
	keys, err := secret.NewKeyring([]byte("0123456789abcdef0123456789abcdef"))
	check(err)
	st, err := store.Open(ctx, store.Config{DataDir: dir, Keys: keys})
	check(err)
	defer st.Close()
	check(st.Migrate(ctx))

	// The partner, its HaloPSA (simulated) and its push source.
	sim := halosim.New(halosim.Options{Clients: 3, Seed: 1, Now: now})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	p, err := st.CreatePartner(ctx, store.Partner{Name: "Acme IT"})
	check(err)
	_, err = st.SaveHaloConnection(ctx, store.HaloConnection{PartnerID: p.ID, ResourceURL: srv.URL + "/api", AuthURL: srv.URL + "/auth",
		GrantType: store.GrantClientCredentials, ClientID: halosim.DefaultClientID, ClientSecret: halosim.DefaultClientSecret})
	check(err)
	src, err := st.CreateSource(ctx, store.Source{PartnerID: p.ID, Kind: source.Push, Name: "Acme EDR"})
	check(err)
	client := sim.Clients()[2] // the seed gives it no recurring invoice
	_, err = st.SaveMapping(ctx, store.Mapping{PartnerID: p.ID, SourceID: src.ID, CustomerID: "A", ClientID: client.ID, Billing: true, Confirmed: true})
	check(err)
	oct := source.Month{Year: 2026, Month: time.October}
	check(st.SaveSourceCustomers(ctx, src.ID, []source.Customer{{ID: "A", Name: "Acme"}}, true))
	check(st.SaveUsage(ctx, src.ID, []source.Usage{{CustomerID: "A", Month: oct, Product: "seats", Quantity: 12}}, &oct))

	svc := &run.Service{Store: st, Halo: &connect.Halo{Outbound: outbound.Local(), Store: st}, Sources: &connect.Sources{Outbound: outbound.Local(), Store: st, Now: now}, Now: now}
	_, err = svc.SavePolicy(ctx, p.ID, run.Policy{Policy: billing.Policy{
		Mode: billing.ModeCreate, IncludePeriodInName: true, Products: map[string]billing.ProductRule{"seats": {ItemID: 1401}},
	}})
	check(err)
	res, err := svc.Run(ctx, p.ID, oct, true)
	check(err)
	for _, c := range res.Clients {
		fmt.Printf("%s: create %v, invoice named after the client: %v\n", c.Name, c.CreateInvoice, c.Reference == c.Name)
		for _, r := range c.Rows {
			fmt.Printf("  %s %q %v → %v: %s\n", r.Change, r.Name, r.HaloQuantity, r.Quantity, r.Reason)
		}
	}
	// Output:
	// Brightwater Dental LLC: create true, invoice named after the client: true
	//   add "Endpoint Security (Oct 2026)" 0 → 12: Endpoint Security is billed for Oct 2026
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
