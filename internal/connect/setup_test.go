package connect

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"halobridge/internal/ingest"
	"halobridge/internal/outbound"
	"halobridge/internal/secret"
	"halobridge/internal/source"
	"halobridge/internal/source/defensx/dxsim"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
	"halobridge/internal/wait"
	"halobridge/internal/web"
)

type testBundle struct {
	store   *store.Store
	sources *Sources
	partner store.Partner
	server  *httptest.Server // halobridge itself: ingest and the push API
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	keys, err := secret.NewKeyring([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), store.Config{DataDir: t.TempDir(), Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	p, err := st.CreatePartner(t.Context(), store.Partner{Name: "Acme IT"})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	committer := ingest.NewCommitter(st, 0, logger)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { committer.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	receiver := ingest.NewReceiver(st, committer, ingest.Parsers(), ingest.Options{Logger: logger, SourceTTL: time.Nanosecond})
	srv := httptest.NewServer(web.New(web.Deps{Store: st, Gatherer: prometheus.NewRegistry(), Logger: logger,
		Ingest: receiver, PushAPI: ingest.NewPushAPI(receiver, st)}))
	t.Cleanup(srv.Close)
	return &testBundle{store: st, sources: &Sources{Outbound: outbound.Local(), Store: st, PublicURL: srv.URL}, partner: p, server: srv}
}

// waitForAlerts waits until the source holds want alerts, and fails when it
// holds more.
func waitForAlerts(t *testing.T, b *testBundle, sourceID int64, want int) []store.StoredAlert {
	t.Helper()
	var got []store.StoredAlert
	wait.For(t, fmt.Sprintf("source %d to hold %d alerts", sourceID, want), func() bool {
		var err error
		if got, err = b.store.Alerts(t.Context(), store.AlertQuery{SourceID: sourceID}); err != nil {
			t.Fatal(err)
		}
		return len(got) >= want
	})
	if len(got) != want {
		t.Fatalf("source %d holds %d alerts, want %d", sourceID, len(got), want)
	}
	return got
}

func TestGravityZoneEndToEnd(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sim := gzsim.New(gzsim.Options{Seed: 7, RateLimit: -1})
	gz := httptest.NewServer(sim)
	t.Cleanup(gz.Close)

	conn, err := b.sources.AddSource(t.Context(), NewSource{PartnerID: b.partner.ID, Kind: source.GravityZone,
		Name: "GravityZone", APIURL: gz.URL + "/api", APIKey: gzsim.DefaultAPIKey})
	if err != nil {
		t.Fatalf("AddSource: %v", err)
	}
	if !conn.Registered {
		t.Fatalf("not registered: %+v", conn)
	}

	t.Run("RegistersHalobridgeWithTheEventPushService", func(t *testing.T) {
		settings, ok := sim.PushSettings()
		if !ok || settings.Status != 1 || settings.ServiceType != "jsonRPC" {
			t.Fatalf("push settings on the simulator: %+v (set %v)", settings, ok)
		}
		if settings.ServiceSettings.URL != b.server.URL+"/ingest/"+conn.Source.Token || settings.ServiceSettings.Authorization != conn.Source.Secret {
			t.Errorf("push goes to %q with authorization %q; want our ingest URL and the source secret", settings.ServiceSettings.URL, settings.ServiceSettings.Authorization)
		}
		if !settings.SubscribeToEventTypes["av"] || !settings.SubscribeToEventTypes["new-incident"] {
			t.Errorf("subscribed types: %v", settings.SubscribeToEventTypes)
		}
	})

	t.Run("StoresWhatTheSimulatorPushes", func(t *testing.T) {
		company := sim.Companies()[1]
		var events []gzsim.Event
		for _, module := range []string{"av", "new-incident", "uc", "fw"} {
			ev, err := sim.NewEvent(module, company.ID)
			if err != nil {
				t.Fatal(err)
			}
			events = append(events, ev)
		}
		if err := sim.Push(t.Context(), events...); err != nil {
			t.Fatalf("Push: %v", err)
		}
		got := waitForAlerts(t, b, conn.Source.ID, 4)
		var types []string
		for _, a := range got {
			types = append(types, a.Type)
			if a.CustomerID != company.ID || a.Fingerprint == "" || a.PartnerID != b.partner.ID {
				t.Errorf("alert %s: customer %q, fingerprint %q, partner %d", a.Type, a.CustomerID, a.Fingerprint, a.PartnerID)
			}
		}
		slices.Sort(types)
		if want := []string{"av", "fw", "new-incident", "uc"}; !slices.Equal(types, want) {
			t.Errorf("types %v, want %v", types, want)
		}
		// The simulator counts our 200 answers as delivered.
		if stats := sim.Stats(); stats.Count.SentMessages < 1 || stats.Count.ErrorMessages != 0 {
			t.Errorf("simulator stats: %+v", stats)
		}
	})

	t.Run("RefusesABadAPIKeyAndKeepsNothing", func(t *testing.T) {
		_, err := b.sources.AddSource(t.Context(), NewSource{PartnerID: b.partner.ID, Kind: source.GravityZone,
			Name: "Wrong key", APIURL: gz.URL + "/api", APIKey: "not-the-key"})
		if err == nil {
			t.Fatal("a wrong API key was accepted")
		}
		list, _ := b.store.Sources(t.Context(), b.partner.ID)
		if len(list) != 1 {
			t.Errorf("%d sources stored after a failed add, want 1", len(list))
		}
	})
}

func TestDefensXEndToEnd(t *testing.T) {
	t.Parallel()
	b := setup(t)
	conn, sim := b.addDefensX(t)
	if conn.Registered || !strings.Contains(conn.PushURL, "secret=") || !strings.Contains(conn.Instructions, "DefensX portal") {
		t.Fatalf("want manual instructions with a secret URL, got %+v", conn)
	}
	// The partner pastes the URL into the DefensX portal.
	sim.SetWebhook(conn.PushURL, nil)
	customer := sim.Customers()[0]
	if _, err := sim.SendUserRequest(t.Context(), customer.ID, dxsim.UserRequest{ReportType: "url_block", Hostname: "monster.com", URL: "https://monster.com/", Reason: "Incorrect Risk Rating"}); err != nil {
		t.Fatalf("SendUserRequest: %v", err)
	}
	got := waitForAlerts(t, b, conn.Source.ID, 1)
	a := got[0]
	if a.Type != "user_request" || a.CustomerID != customer.ID || a.HostName != "monster.com" || a.Facts["reason"] != "Incorrect Risk Rating" {
		t.Errorf("stored %+v", a)
	}

	t.Run("RefusesAWebhookWithoutTheSecret", func(t *testing.T) {
		resp, err := http.Post(b.server.URL+"/ingest/"+conn.Source.Token, "application/json", strings.NewReader(`{"event":"UserRequest.Create","time":1677241081,"payload":{}}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", resp.StatusCode)
		}
	})
}

func TestPushAPIEndToEnd(t *testing.T) {
	t.Parallel()
	b := setup(t)
	conn, err := b.sources.AddSource(t.Context(), NewSource{PartnerID: b.partner.ID, Kind: source.Push, Name: "Acme EDR"})
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, token, body string) (int, string) {
		req, _ := http.NewRequest(method, conn.PushURL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	alert := `{"id":"evt-1","customer_id":"cust-9","type":"ransomware","severity":"critical","host_name":"FS01","occurred_at":"2026-11-20T10:00:00Z","facts":{"family":"LockBit"}}`
	cases := []struct {
		name, method, path, token, body string
		wantStatus                      int
		wantBody                        string
	}{
		{"UpsertsCustomers", "PUT", "/customers", conn.Token, `[{"id":"cust-9","name":"Contoso Ltd","domain":"contoso.example"}]`, 200, `"accepted":1`},
		{"ReportsUsage", "PUT", "/usage", conn.Token, `[{"customer_id":"cust-9","month":"2026-10","product":"edr","quantity":42}]`, 200, `"accepted":1`},
		{"StoresAnAlert", "POST", "/alerts", conn.Token, alert, 200, `"accepted":1`},
		{"RecognisesTheSameAlertAgain", "POST", "/alerts", conn.Token, alert, 200, `"duplicates":1`},
		{"ResolvesIt", "POST", "/alerts/evt-1/resolve", conn.Token, `{"customer_id":"cust-9","reason":"restored from backup"}`, 200, `"accepted":1`},
		{"RefusesAWrongToken", "POST", "/alerts", conn.Source.Token + ".guess", alert, 401, `"unauthorized"`},
		{"RefusesNoToken", "POST", "/alerts", "", alert, 401, `"unauthorized"`},
		{"NamesTheMissingField", "POST", "/alerts", conn.Token, `{"id":"evt-2","type":"x","severity":"low","occurred_at":"2026-11-20T10:00:00Z"}`, 400, `customer_id`},
	}
	for _, tc := range cases {
		status, body := call(tc.method, tc.path, tc.token, tc.body)
		if status != tc.wantStatus || !strings.Contains(body, tc.wantBody) {
			t.Errorf("%s: %d %s; want %d containing %s", tc.name, status, body, tc.wantStatus, tc.wantBody)
		}
	}
	if n, _ := b.store.CountAlerts(t.Context(), conn.Source.ID); n != 1 {
		t.Errorf("%d alerts stored, want 1", n)
	}
	if rs, _ := b.store.Resolutions(t.Context(), conn.Source.ID); len(rs) != 1 || rs[0].Reason != "restored from backup" {
		t.Errorf("resolutions: %+v", rs)
	}
	customers, _ := b.store.SourceCustomers(t.Context(), conn.Source.ID)
	if len(customers) != 1 || customers[0].Domain != "contoso.example" {
		t.Errorf("customers: %+v", customers)
	}
}
