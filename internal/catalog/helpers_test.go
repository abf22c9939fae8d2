package catalog_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"halobridge/internal/catalog"
	"halobridge/internal/connect"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/jobs"
	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone"
	"halobridge/internal/store"
)

// haloFixture is a simulated HaloPSA over real HTTP and a partner of a
// store connected to it.
type haloFixture struct {
	st      store.Store
	sim     *halosim.Sim
	url     string
	partner store.Partner
	service *catalog.Service
}

func newHaloFixture(t *testing.T, st store.Store, opts halosim.Options) *haloFixture {
	t.Helper()
	opts.RateLimit = -1
	sim := halosim.New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return connectHalo(t, st, sim, srv.URL, "Northpoint IT")
}

// connectHalo adds a partner to st connected to a simulator served at
// baseURL.
func connectHalo(t *testing.T, st store.Store, sim *halosim.Sim, baseURL, partnerName string) *haloFixture {
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
	syncer := &catalog.Syncer{
		Store:   st,
		Halo:    &connect.Halo{Outbound: outbound.Local(), Store: st},
		Sources: fastConnectors{&connect.Sources{Outbound: outbound.Local(), Store: st, PublicURL: publicURL}},
	}
	return &haloFixture{st: st, sim: sim, url: baseURL, partner: partner, service: &catalog.Service{Syncer: syncer}}
}

// publicURL is where the fixtures' halobridge says platforms reach it.
const publicURL = "https://halobridge.example"

// fastConnectors builds connectors as connect.Sources does, except that
// the GravityZone client may use the simulator's unlimited rate: the real
// one paces itself at GravityZone's ten requests a second, which would
// make each sync of 300 companies' usage last a minute.
type fastConnectors struct{ *connect.Sources }

func (c fastConnectors) Connector(src store.Source) (source.Source, error) {
	if src.Kind != source.GravityZone {
		return c.Sources.Connector(src)
	}
	client, err := gravityzone.New(gravityzone.Config{Outbound: outbound.Local(), AccessURL: src.APIURL, APIKey: src.APIKey, RatePerSecond: 100_000})
	if err != nil {
		return nil, err
	}
	return gravityzone.NewConnector(client, nil), nil
}

// sync runs a recorded sync and returns its result and run.
func (f *haloFixture) sync(t *testing.T) (catalog.Result, store.SyncRun, error) {
	t.Helper()
	run, err := f.st.StartSyncRun(t.Context(), store.SyncRun{PartnerID: f.partner.ID, Kind: store.SyncCatalog})
	if err != nil {
		t.Fatal(err)
	}
	p := jobs.NewProgress(f.st, run)
	res, syncErr := f.service.Sync(t.Context(), f.partner.ID, p)
	if err := p.Finish(syncErr); err != nil {
		t.Fatal(err)
	}
	run, err = f.st.SyncRun(t.Context(), f.partner.ID, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	return res, run, syncErr
}

// mustSync syncs and fails the test on any error.
func (f *haloFixture) mustSync(t *testing.T) catalog.Result {
	t.Helper()
	res, _, err := f.sync(t)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	return res
}

// pushSource adds a push source whose vendor pushed customers.
func (f *haloFixture) pushSource(t *testing.T, name string, customers ...source.Customer) store.Source {
	t.Helper()
	src, err := f.st.CreateSource(t.Context(), store.Source{PartnerID: f.partner.ID, Kind: source.Push, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	f.push(t, src, customers...)
	return src
}

// push replaces what the vendor of a push source pushed.
func (f *haloFixture) push(t *testing.T, src store.Source, customers ...source.Customer) {
	t.Helper()
	if err := f.st.SaveSourceCustomers(t.Context(), src.ID, customers, true); err != nil {
		t.Fatal(err)
	}
}

// haloPost posts records to the simulator's API as the default
// application, for setting scenes the simulator has no mutator for.
func (f *haloFixture) haloPost(t *testing.T, path string, records any) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {halosim.DefaultClientID},
		"client_secret": {halosim.DefaultClientSecret}, "scope": {"all"}}
	resp, err := http.PostForm(f.url+"/auth/token", form)
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
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.url+"/api"+path, bytes.NewReader(body))
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

// requestsByPath counts the simulator's requests by path.
func requestsByPath(sim *halosim.Sim) map[string]int {
	out := map[string]int{}
	for _, r := range sim.Requests() {
		out[r.Path]++
	}
	return out
}

// events lists the partner's events of one state by kind and key.
func (f *haloFixture) events(t *testing.T, state string) []store.Event {
	t.Helper()
	events, err := f.st.Events(t.Context(), f.partner.ID, store.EventQuery{State: state})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(events, func(a, b store.Event) int { return strings.Compare(a.Key, b.Key) })
	return events
}

// event finds the one open event of kind, failing the test without it.
func (f *haloFixture) event(t *testing.T, kind string) store.Event {
	t.Helper()
	var found []store.Event
	for _, e := range f.events(t, store.EventOpen) {
		if e.Kind == kind {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("got %d open %s events, want 1: %+v", len(found), kind, found)
	}
	return found[0]
}

// dataClientID is the HaloPSA client an event is about.
func dataClientID(t *testing.T, e store.Event) int {
	t.Helper()
	var d struct {
		ClientID int `json:"client_id"`
	}
	if err := json.Unmarshal(e.Data, &d); err != nil {
		t.Fatalf("event %d data %s: %v", e.ID, e.Data, err)
	}
	return d.ClientID
}
