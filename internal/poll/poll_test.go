package poll

import (
	"net/http/httptest"
	"testing"
	"time"

	"halobridge/internal/connect"
	"halobridge/internal/outbound"
	"halobridge/internal/secret"
	"halobridge/internal/source"
	"halobridge/internal/source/defensx/dxsim"
	"halobridge/internal/store"
)

func TestURLBlocks(t *testing.T) {
	t.Parallel()
	keys, _ := secret.NewKeyring([]byte("0123456789abcdef0123456789abcdef"))
	st, err := store.Open(t.Context(), store.Config{DataDir: t.TempDir(), Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	sim := dxsim.New(dxsim.Options{Seed: 5, NumCustomers: 2, Now: clock})
	dx := httptest.NewServer(sim)
	t.Cleanup(dx.Close)
	p, _ := st.CreatePartner(t.Context(), store.Partner{Name: "Acme IT"})
	src, err := st.CreateSource(t.Context(), store.Source{PartnerID: p.ID, Kind: source.DefensX, Name: "DX",
		APIURL: dx.URL + dxsim.BasePath, APIKey: dxsim.DefaultAPIKey, Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	poller := &Poller{Store: st, Sources: &connect.Sources{Outbound: outbound.Local(), Store: st, Now: clock}, Now: clock}
	customer := sim.Customers()[0].ID

	first, err := poller.URLBlocks(t.Context(), src)
	if err != nil {
		t.Fatalf("first poll: %v", err)
	}
	before, _ := st.CountAlerts(t.Context(), src.ID)
	if before != first.Alerts {
		t.Fatalf("first poll reported %d alerts, the store holds %d", first.Alerts, before)
	}

	t.Run("StoresNewBlocksOnce", func(t *testing.T) {
		for _, u := range []string{"https://gambling.example/", "https://malware.example/payload"} {
			if _, err := sim.AddBlock(customer, u, now.Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		res, err := poller.URLBlocks(t.Context(), src)
		if err != nil || res.Alerts != 2 {
			t.Fatalf("second poll: %+v, %v; want the 2 new blocks", res, err)
		}
		again, err := poller.URLBlocks(t.Context(), src)
		if err != nil || again.Alerts != 0 {
			t.Fatalf("third poll: %+v, %v; want nothing new", again, err)
		}
		alerts, _ := st.Alerts(t.Context(), store.AlertQuery{SourceID: src.ID, Limit: 1000})
		if len(alerts) != before+2 {
			t.Fatalf("store holds %d alerts, want %d", len(alerts), before+2)
		}
		last := alerts[len(alerts)-1]
		if last.Type != "url_block" || last.CustomerID != customer {
			t.Errorf("last alert %+v", last)
		}
	})
}

func TestEnabled(t *testing.T) {
	t.Parallel()
	cases := []struct {
		kind     source.Kind
		settings string
		want     bool
	}{
		{source.DefensX, `{"poll_url_blocks":true}`, true},
		{source.DefensX, `{}`, false},
		{source.GravityZone, `{"poll_url_blocks":true}`, false},
	}
	for _, c := range cases {
		if got := Enabled(store.Source{Kind: c.kind, Settings: []byte(c.settings)}); got != c.want {
			t.Errorf("Enabled(%s, %s) = %v", c.kind, c.settings, got)
		}
	}
}
