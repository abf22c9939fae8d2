package syncrun_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"net/http/httptest"
	"os"

	"halobridge/internal/connect"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/jobs"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/outbound"
	"halobridge/internal/secret"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/syncrun"
)

// Example syncs a partner connected to a simulated HaloPSA, whose push
// source has a company named like one of its clients, then confirms the
// suggestion the sync made.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "syncrun-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	key := make([]byte, secret.KeySize)
	rand.Read(key)
	keys, err := secret.NewKeyring(key)
	if err != nil {
		log.Fatal(err)
	}
	st, err := store.Open(ctx, store.Config{DataDir: dir, Keys: keys})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		log.Fatal(err)
	}

	sim := halosim.New(halosim.Options{Clients: 5})
	halo := httptest.NewServer(sim)
	defer halo.Close()
	partner, err := st.CreatePartner(ctx, store.Partner{Name: "Northpoint IT"})
	if err != nil {
		log.Fatal(err)
	}
	_, err = st.SaveHaloConnection(ctx, store.HaloConnection{PartnerID: partner.ID, ResourceURL: halo.URL + "/api", AuthURL: halo.URL + "/auth",
		ClientID: halosim.DefaultClientID, ClientSecret: halosim.DefaultClientSecret, GrantType: store.GrantClientCredentials, Scope: "all"})
	if err != nil {
		log.Fatal(err)
	}
	src, err := st.CreateSource(ctx, store.Source{PartnerID: partner.ID, Kind: source.Push, Name: "Vendor"})
	if err != nil {
		log.Fatal(err)
	}
	client := sim.Clients()[0]
	if err := st.SaveSourceCustomers(ctx, src.ID, []source.Customer{{ID: "c-1", Name: client.Name + " Ltd"}}, false); err != nil {
		log.Fatal(err)
	}

	syncer := &syncrun.Syncer{Store: st, Halo: &connect.Halo{Outbound: outbound.Local(), Store: st}, Sources: &connect.Sources{Outbound: outbound.Local(), Store: st}}
	mappings := &mapper.Service{Store: st, Halo: syncer.Halo, Sources: syncer.Sources}
	run, err := st.StartSyncRun(ctx, store.SyncRun{PartnerID: partner.ID, Kind: store.SyncCatalog})
	if err != nil {
		log.Fatal(err)
	}
	progress := jobs.NewProgress(st, run)
	res, err := syncer.Sync(ctx, partner.ID, progress)
	if err := progress.Finish(err); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("HaloPSA clients: %d, suggestions: %d\n", res.Catalog[store.KindClient].Added, res.Suggested)

	confirmed, err := mappings.ConfirmAll(ctx, partner.ID)
	if err != nil {
		log.Fatal(err)
	}
	m := confirmed.Confirmed[0]
	fmt.Printf("%s mapped to client %d by %s: %s\n", m.CustomerID, m.ClientID, m.Rule, m.Status)
	// Output:
	// HaloPSA clients: 5, suggestions: 1
	// c-1 mapped to client 101 by normalised_name: ok
}
