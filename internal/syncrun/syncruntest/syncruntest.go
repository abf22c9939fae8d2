// Package syncruntest is the world the tests of the catalog sync, the
// mapping service and integration events share: a simulated HaloPSA over
// real HTTP and a partner of a store connected to it, served by the three
// services wired as the server wires them.
package syncruntest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"halobridge/internal/billing/run"
	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/jobs"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone"
	"halobridge/internal/store"
	"halobridge/internal/store/storetest"
	"halobridge/internal/syncrun"
	"halobridge/internal/ticketing/deliver"
)

// Fixture is a simulated HaloPSA over real HTTP and a partner of a store
// connected to it.
type Fixture struct {
	St      *store.Store
	Sim     *halosim.Sim
	URL     string
	Partner store.Partner
	Services
}

// Services are the catalog sync and the services of what a person does with
// its results.
type Services struct {
	Syncer   *syncrun.Syncer
	Mappings *mapper.Service
	Events   *events.Service
	// Billing rechecks the events of billing.
	Billing *run.Service
}

// NewServices builds the mapping and events services on syncer's store and
// connections, as the server does; billing reads the sources through
// sources. A syncer that checks no ticket types is given ticket delivery's
// check, as the server's is.
func NewServices(syncer *syncrun.Syncer, sources *connect.Sources) Services {
	if syncer.TicketTypes == nil {
		syncer.TicketTypes = deliver.New(syncer.Store, syncer.Halo, deliver.Options{})
	}
	mappings := &mapper.Service{Store: syncer.Store, Halo: syncer.Halo, Sources: syncer.Sources}
	billing := &run.Service{Store: syncer.Store, Halo: syncer.Halo, Sources: sources}
	return Services{Syncer: syncer, Mappings: mappings, Billing: billing,
		Events: &events.Service{Store: syncer.Store, Halo: syncer.Halo, Mappings: mappings, Checks: syncer, Billing: billing, Assets: syncer.Assets()}}
}

// NewFixture serves a simulator made with opts, without its rate limit, to
// a new partner of st.
func NewFixture(t *testing.T, st *store.Store, opts halosim.Options) *Fixture {
	t.Helper()
	opts.RateLimit = -1
	sim := halosim.New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return Connect(t, st, sim, srv.URL, "Northpoint IT")
}

// Connect adds a partner to st connected to a simulator served at
// baseURL.
func Connect(t *testing.T, st *store.Store, sim *halosim.Sim, baseURL, partnerName string) *Fixture {
	t.Helper()
	ctx := t.Context()
	partner, err := st.CreatePartner(ctx, store.Partner{Name: partnerName})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.SaveHaloConnection(ctx, store.HaloConnection{
		PartnerID: partner.ID, ResourceURL: baseURL + "/api", AuthURL: baseURL + "/auth",
		ClientID: halosim.DefaultClientID, ClientSecret: halosim.DefaultClientSecret,
		GrantType: store.GrantClientCredentials, Scope: "all", AgentID: 7,
	})
	if err != nil {
		t.Fatal(err)
	}
	sources := &connect.Sources{Outbound: outbound.Local(), Store: st, PublicURL: PublicURL}
	syncer := &syncrun.Syncer{
		Store:   st,
		Halo:    &connect.Halo{Outbound: outbound.Local(), Store: st},
		Sources: FastConnectors{sources},
	}
	return &Fixture{St: st, Sim: sim, URL: baseURL, Partner: partner, Services: NewServices(syncer, sources)}
}

// PublicURL is where the fixtures' halobridge says platforms reach it.
const PublicURL = "https://halobridge.example"

// FastConnectors builds connectors as connect.Sources does, except that
// the GravityZone client may use the simulator's unlimited rate: the real
// one paces itself at GravityZone's ten requests a second, which would
// make each sync of 300 companies' usage last a minute.
type FastConnectors struct{ *connect.Sources }

// Connector builds the connector of src.
func (c FastConnectors) Connector(src store.Source) (source.Source, error) {
	if src.Kind != source.GravityZone {
		return c.Sources.Connector(src)
	}
	client, err := gravityzone.New(gravityzone.Config{Outbound: outbound.Local(), AccessURL: src.APIURL, APIKey: src.APIKey, RatePerSecond: 100_000})
	if err != nil {
		return nil, err
	}
	return gravityzone.NewConnector(client, nil), nil
}

// Sync runs a recorded sync and returns its result and run.
func (f *Fixture) Sync(t *testing.T) (syncrun.Result, store.SyncRun, error) {
	t.Helper()
	run, err := f.St.StartSyncRun(t.Context(), store.SyncRun{PartnerID: f.Partner.ID, Kind: store.SyncCatalog})
	if err != nil {
		t.Fatal(err)
	}
	p := jobs.NewProgress(f.St, run)
	res, syncErr := f.Syncer.Sync(t.Context(), f.Partner.ID, p)
	if err := p.Finish(syncErr); err != nil {
		t.Fatal(err)
	}
	run, err = f.St.SyncRun(t.Context(), f.Partner.ID, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	return res, run, syncErr
}

// MustSync syncs and fails the test on any error.
func (f *Fixture) MustSync(t *testing.T) syncrun.Result {
	t.Helper()
	res, _, err := f.Sync(t)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	return res
}

// PushSource adds a push source whose vendor pushed customers.
func (f *Fixture) PushSource(t *testing.T, name string, customers ...source.Customer) store.Source {
	t.Helper()
	src, err := f.St.CreateSource(t.Context(), store.Source{PartnerID: f.Partner.ID, Kind: source.Push, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	f.Push(t, src, customers...)
	return src
}

// Push replaces what the vendor of a push source pushed.
func (f *Fixture) Push(t *testing.T, src store.Source, customers ...source.Customer) {
	t.Helper()
	if err := f.St.SaveSourceCustomers(t.Context(), src.ID, customers, true); err != nil {
		t.Fatal(err)
	}
}

// HaloPost posts records to the simulator's API as the default
// application, for setting scenes the simulator has no mutator for.
func (f *Fixture) HaloPost(t *testing.T, path string, records any) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {halosim.DefaultClientID},
		"client_secret": {halosim.DefaultClientSecret}, "scope": {"all"}}
	resp, err := http.PostForm(f.URL+"/auth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %v", err)
	}
	body, err := json.Marshal(records)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.URL+"/api"+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s", path, resp.Status)
	}
}

// RequestsByPath counts the simulator's requests by path, but for the discovery document.
func RequestsByPath(sim *halosim.Sim) map[string]int {
	out := map[string]int{}
	for _, r := range sim.Requests() {
		// The authorisation server's discovery document is read once an
		// hour per address and process, whichever test reached that
		// address first (a port may serve several tests in turn): it is
		// no request of the sync's, and outside HaloPSA's budget.
		if r.Path != "/auth/.well-known/openid-configuration" {
			out[r.Path]++
		}
	}
	return out
}

// ListEvents lists the partner's events of one state by kind and key.
func (f *Fixture) ListEvents(t *testing.T, state string) []store.Event {
	t.Helper()
	events, err := f.St.Events(t.Context(), f.Partner.ID, store.EventQuery{State: state})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(events, func(a, b store.Event) int { return strings.Compare(a.Key, b.Key) })
	return events
}

// OpenEvent finds the one open event of kind, failing the test without
// it.
func (f *Fixture) OpenEvent(t *testing.T, kind string) store.Event {
	t.Helper()
	var found []store.Event
	for _, e := range f.ListEvents(t, store.EventOpen) {
		if e.Kind == kind {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("got %d open %s events, want 1: %+v", len(found), kind, found)
	}
	return found[0]
}

// DataClientID is the HaloPSA client an event is about.
func DataClientID(t *testing.T, e store.Event) int {
	t.Helper()
	var d struct {
		ClientID int `json:"client_id"`
	}
	if err := json.Unmarshal(e.Data, &d); err != nil {
		t.Fatalf("event %d data %s: %v", e.ID, e.Data, err)
	}
	return d.ClientID
}

// EachEngine runs test on a fresh store of every engine.
func EachEngine(t *testing.T, test func(t *testing.T, st *store.Store)) {
	t.Helper()
	for _, eng := range storetest.Engines("syncruntest") {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			test(t, eng.Open(t))
		})
	}
}

// IsInputError reports whether err asks a person to correct the request.
func IsInputError(err error) bool {
	var input *events.InputError
	return errors.As(err, &input)
}
