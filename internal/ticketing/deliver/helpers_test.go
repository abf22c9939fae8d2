package deliver_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/outbound"
	"halobridge/internal/secret"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/store/storetest"
	"halobridge/internal/syncrun"
	"halobridge/internal/ticketing"
	"halobridge/internal/ticketing/deliver"
)

// clock is a settable clock for the service, starting now: the store and
// the simulators keep real time, and failed alerts are due again by the
// store's timestamps.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// testKey seals the test databases' credentials; the fault test's child
// process opens the same database with it.
const testKey = "0123456789abcdef0123456789abcdef"

type testBundle struct {
	dataDir string
	ctx     context.Context
	store   *store.Store
	sim     *halosim.Sim
	// haloServer serves sim; closing it makes HaloPSA unreachable.
	haloServer *httptest.Server
	haloURL    string
	halo       *connect.Halo
	partner    store.Partner
	src        store.Source
	clock      *clock
	svc        *deliver.Service
	// client is the mapped HaloPSA client of customer "c-1": active, with a
	// General User on its main site.
	client halosim.Client
}

type setupOptions struct {
	sim     halosim.Options
	deliver deliver.Options
	// noPolicy leaves the partner without a ticket policy.
	noPolicy bool
	// noRetries sends each HaloPSA request once: what a failure does to
	// delivery shows without the client's own retries and their pauses.
	noRetries bool
	// postgres keeps the store in a PostgreSQL schema of the test's own
	// (TEST_DATABASE_URL) instead of SQLite in the data directory.
	postgres bool
}

// engine is a database engine the delivery tests run on.
type engine struct {
	name     string
	postgres bool
}

// engines are SQLite always and PostgreSQL when TEST_DATABASE_URL is set.
func engines() []engine {
	out := []engine{{"SQLite", false}}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		out = append(out, engine{"PostgreSQL", true})
	}
	return out
}

// setup gives a partner with a GravityZone source whose customer "c-1" is
// mapped to an active HaloPSA client, a ticket policy saved through the
// service, and a HaloPSA simulator behind real HTTP.
func setup(t *testing.T, o setupOptions) *testBundle {
	t.Helper()
	keys, err := secret.NewKeyring([]byte(testKey))
	if err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	cfg := store.Config{DataDir: dataDir, Keys: keys}
	if o.postgres {
		cfg.DatabaseURL = storetest.PostgresURL(t, "delivertest", 4)
	}
	st, err := store.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if o.sim.Clients == 0 {
		o.sim.Clients = 20
	}
	if o.sim.RateLimit == 0 {
		o.sim.RateLimit = -1
	}
	b := &testBundle{dataDir: dataDir, ctx: t.Context(), store: st, sim: halosim.New(o.sim), clock: &clock{now: time.Now().UTC().Truncate(time.Second)}}
	srv := httptest.NewServer(b.sim)
	t.Cleanup(srv.Close)
	b.haloURL, b.haloServer = srv.URL, srv
	b.partner, err = st.CreatePartner(b.ctx, store.Partner{Name: "Northpoint IT"})
	if err != nil {
		t.Fatal(err)
	}
	connectHalo(t, st, b.partner.ID, srv.URL)
	b.halo = &connect.Halo{Outbound: outbound.Local(), Store: st, Budget: halo.NewLimiters(0, 0), Metrics: halo.NewMetrics(nil)}
	if o.noRetries {
		b.halo.MaxRetries = -1
	}
	if _, err := (&syncrun.Syncer{Store: st, Halo: b.halo}).SyncHaloCatalog(b.ctx, b.partner.ID); err != nil {
		t.Fatalf("sync the HaloPSA catalog: %v", err)
	}
	b.src, err = st.CreateSource(b.ctx, store.Source{PartnerID: b.partner.ID, Kind: source.GravityZone, Name: "GravityZone", Secret: "Bearer push"})
	if err != nil {
		t.Fatal(err)
	}
	b.client = activeClient(t, b.sim, true)
	mapCustomer(t, b, "c-1", b.client.ID)
	if o.deliver.Now == nil {
		o.deliver.Now = b.clock.Now
	}
	b.svc = deliver.New(st, b.halo, o.deliver)
	if !o.noPolicy {
		if _, err := b.svc.SavePolicy(b.ctx, b.partner.ID, deliver.SavedPolicy{Policy: testPolicy()}); err != nil {
			t.Fatalf("SavePolicy: %v", err)
		}
	}
	b.sim.ResetRequests()
	return b
}

// connectHalo stores the partner's connection to the simulator, as its
// API-only agent (7).
func connectHalo(t *testing.T, st *store.Store, partnerID int64, url string) {
	t.Helper()
	_, err := st.SaveHaloConnection(t.Context(), store.HaloConnection{
		PartnerID: partnerID, ResourceURL: url + "/api", AuthURL: url + "/auth", ClientID: halosim.DefaultClientID,
		ClientSecret: halosim.DefaultClientSecret, GrantType: store.GrantClientCredentials, Scope: "all", AgentID: 7,
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mapCustomer(t *testing.T, b *testBundle, customerID string, clientID int) {
	t.Helper()
	_, err := b.store.SaveMapping(b.ctx, store.Mapping{PartnerID: b.partner.ID, SourceID: b.src.ID, CustomerID: customerID,
		ClientID: clientID, Ticketing: true, Confirmed: true})
	if err != nil {
		t.Fatal(err)
	}
}

// activeClient finds an active client whose main site has (or lacks) a
// General User.
func activeClient(t *testing.T, sim *halosim.Sim, withGeneralUser bool) halosim.Client {
	t.Helper()
	hasGU := map[int]bool{}
	for _, u := range sim.Users() {
		if !u.Inactive && strings.EqualFold(u.Name, halo.GeneralUserName) {
			hasGU[int(u.SiteID)] = true
		}
	}
	for _, c := range sim.Clients() {
		if !c.Inactive && c.MainSiteID > 0 && hasGU[c.MainSiteID] == withGeneralUser {
			return c
		}
	}
	t.Fatalf("the simulator has no active client with General User %v", withGeneralUser)
	return halosim.Client{}
}

// testPolicy is valid against the simulator's stock catalog: Security
// Alert tickets (type 21) for the Security Operations team, Internal Note
// (7) outcomes, request source API Integration (5), Closed (9) closing.
func testPolicy() ticketing.Policy {
	hide := false
	src := 5
	return ticketing.Policy{
		TicketTypeID: 21, ShowUpdatesToUser: &hide, AgentID: ticketing.UnassignedAgentID, Team: "Security Operations",
		InitialStatusID: 1, ClosingStatusID: 9, SourceID: &src, NoteOutcomeID: 7,
		Types: map[string]ticketing.TypePolicy{
			"av": {Enabled: true, SLAID: 3, PriorityID: 2, Category: "Security>Malware", Urgency: 2, Impact: 2,
				Grouping: ticketing.GroupByHost, ReopenWindow: 24 * time.Hour},
			"new-incident": {Enabled: true, SLAID: 3, PriorityID: 1, Category: "Security", Urgency: 1, Impact: 1, AutoClose: true},
			"user_request": {Enabled: true, SLAID: 1, PriorityID: 3, Category: "Security>Web Filtering", Urgency: 3},
		},
	}
}

// avAlert is a GravityZone antimalware alert of customer on host.
func avAlert(eventID, customer, host, malware string, at time.Time) source.Alert {
	return source.Alert{
		Source: source.GravityZone, CustomerID: customer, Type: "av", Severity: source.SeverityHigh,
		HostName: host, HostIP: "10.0.0.5", User: "bob",
		Facts:       map[string]string{"malware_name": malware, "final_status": "quarantined"},
		OccurredAt:  at,
		Fingerprint: "gravityzone|" + customer + "|av|" + strings.ToLower(host) + "|" + malware,
		EventID:     eventID,
		Raw:         json.RawMessage(`{}`),
	}
}

// ingestAlerts stores alerts as ingest would, received a minute before the
// service's clock so that they are not gathering any more.
func ingestAlerts(t *testing.T, b *testBundle, alerts ...source.Alert) []int64 {
	t.Helper()
	res, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: b.partner.ID, SourceID: b.src.ID,
		ReceivedAt: b.clock.Now().Add(-time.Minute), Alerts: alerts}})
	if err != nil {
		t.Fatal(err)
	}
	return res[0].AlertIDs
}

func ingestResolution(t *testing.T, b *testBundle, r source.Resolution) {
	t.Helper()
	_, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: b.partner.ID, SourceID: b.src.ID,
		ReceivedAt: b.clock.Now().Add(-time.Minute), Resolutions: []source.Resolution{r}}})
	if err != nil {
		t.Fatal(err)
	}
}

func deliverOnce(t *testing.T, b *testBundle) deliver.Result {
	t.Helper()
	res, err := b.svc.Deliver(b.ctx, b.partner.ID)
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	return res
}

// ourTickets are the simulator's tickets halobridge made (seeded ones
// carry no third_party_id_string).
func ourTickets(sim *halosim.Sim) []halosim.Ticket {
	var out []halosim.Ticket
	for _, tk := range sim.Tickets() {
		if tk.ThirdPartyIDString != "" {
			out = append(out, tk)
		}
	}
	return out
}

// apiRequests counts the simulator's requests by method and path prefix.
func apiRequests(sim *halosim.Sim, method, prefix string) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.Method == method && strings.HasPrefix(strings.ToLower(r.Path), strings.ToLower(prefix)) {
			n++
		}
	}
	return n
}

// notes are a ticket's actions other than the one it opened with.
func notes(sim *halosim.Sim, ticketID int) []halosim.Action {
	var out []halosim.Action
	for _, a := range sim.Actions(ticketID) {
		if a.ID > 1 {
			out = append(out, a)
		}
	}
	return out
}
