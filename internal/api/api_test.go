package api_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"halobridge/internal/api"
	"halobridge/internal/auth"
	"halobridge/internal/billing/run"
	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/jobs"
	"halobridge/internal/mapping"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/outbound"
	"halobridge/internal/secret"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/syncrun"
	"halobridge/internal/ticketing/deliver"
	"halobridge/internal/twoway"
	"halobridge/internal/web"
	"halobridge/internal/web/routetest"
)

// testBundle is the API over a real SQLite store, with partner A synced
// against a simulated HaloPSA: a push source of three companies (Same,
// named like a client and so suggested; Lonely, matching nothing; Gone,
// mapped to a client HaloPSA has since deleted, hence an open event) and
// one sync run. Partner B has nothing.
type testBundle struct {
	server   *httptest.Server
	st       *store.Store
	sim      *halosim.Sim
	a, b     store.Partner
	src      store.Source
	same     halosim.Client // the client Same is suggested for
	event    store.Event    // A's client_not_found event
	run      store.SyncRun  // A's sync run
	syncer   *syncrun.Syncer
	mappings *mapper.Service
	events   *events.Service
	auth     *auth.Service
	// tokens are each partner's API token, by partner id: the tests call
	// as a program does.
	tokens  map[int64]string
	haloURL string
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	ctx := t.Context()
	key := make([]byte, secret.KeySize)
	rand.Read(key)
	keys, err := secret.NewKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, store.Config{DatabaseURL: "sqlite://" + filepath.Join(t.TempDir(), "halobridge.db"), Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	b := &testBundle{st: st, sim: halosim.New(halosim.Options{Clients: 8, RateLimit: -1}), tokens: map[int64]string{}}
	halo := httptest.NewServer(b.sim)
	t.Cleanup(halo.Close)
	b.haloURL = halo.URL
	b.server = httptest.NewUnstartedServer(nil)
	baseURL := "http://" + b.server.Listener.Addr().String()
	b.auth = &auth.Service{Store: st, BaseURL: baseURL}

	if b.a, err = st.CreatePartner(ctx, store.Partner{Name: "Partner A"}); err != nil {
		t.Fatal(err)
	}
	if b.b, err = st.CreatePartner(ctx, store.Partner{Name: "Partner B"}); err != nil {
		t.Fatal(err)
	}
	_, err = st.SaveHaloConnection(ctx, store.HaloConnection{PartnerID: b.a.ID, ResourceURL: halo.URL + "/api", AuthURL: halo.URL + "/auth",
		ClientID: halosim.DefaultClientID, ClientSecret: halosim.DefaultClientSecret, GrantType: store.GrantClientCredentials, Scope: "all"})
	if err != nil {
		t.Fatal(err)
	}
	var active []halosim.Client
	for _, c := range b.sim.Clients() {
		if !c.Inactive {
			active = append(active, c)
		}
	}
	b.same = active[0]
	if b.src, err = st.CreateSource(ctx, store.Source{PartnerID: b.a.ID, Kind: source.Push, Name: "Mail filter"}); err != nil {
		t.Fatal(err)
	}
	err = st.SaveSourceCustomers(ctx, b.src.ID, []source.Customer{
		{ID: "same", Name: b.same.Name}, {ID: "lonely", Name: "Zyxwvut Quarrying"}, {ID: "gone", Name: "Quondam Works"},
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []store.Partner{b.a, b.b} {
		if b.tokens[p.ID], _, err = b.auth.CreateToken(ctx, p.ID, p.Name+" deploy"); err != nil {
			t.Fatal(err)
		}
	}
	sources := &connect.Sources{Outbound: outbound.Local(), Store: st, PublicURL: baseURL}
	b.syncer = &syncrun.Syncer{Store: st, Halo: &connect.Halo{Outbound: outbound.Local(), Store: st}, Sources: sources}
	b.mappings = &mapper.Service{Store: st, Halo: b.syncer.Halo, Sources: b.syncer.Sources}
	b.events = &events.Service{Store: st, Halo: b.syncer.Halo, Mappings: b.mappings, Checks: b.syncer}
	b.events.Webhooks = &twoway.Service{Store: st, Halo: b.syncer.Halo, Sources: sources, BaseURL: "https://bridge.example"}
	b.sync(t)
	if _, err := b.mappings.Map(ctx, b.a.ID, b.src.ID, "gone", mapper.MapInput{ClientID: active[1].ID, Billing: true}); err != nil {
		t.Fatal(err)
	}
	b.sim.DeleteClient(active[1].ID)
	b.run = b.sync(t)
	events, err := st.Events(ctx, b.a.ID, store.EventQuery{Kind: string(mapping.FindingClientNotFound)})
	if err != nil || len(events) != 1 {
		t.Fatalf("events %+v, %v; want one client_not_found", events, err)
	}
	b.event = events[0]

	queue, err := jobs.Open(ctx, st, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A correction in partner A's billing history, for the list and the
	// isolation test.
	_, err = st.SaveBillingLedger(ctx, store.BillingLedger{PartnerID: b.a.ID, ClientID: b.same.ID, Ledger: []byte(`{}`)}, store.BillingCorrection{
		RunID: 1, ClientID: b.same.ID, ClientName: b.same.Name, ItemID: 1401, ItemName: "Endpoint Security", Month: source.Month{Year: 2026, Month: time.September},
		Old: 42, New: 45, Carried: true, Action: "September corrected from 42 to 45 after it was invoiced: +3 carried to October"})
	if err != nil {
		t.Fatal(err)
	}
	// Partner A's ticket policy, for the isolation test: B must not read it.
	if _, err := st.SaveTicketPolicy(ctx, store.TicketPolicy{PartnerID: b.a.ID, Policy: []byte(`{"tickettype_id":21,"title_template":"Mail filter {{hostname}}"}`)}); err != nil {
		t.Fatal(err)
	}
	// Served as halobridge serves it, through the server shell.
	handler := api.New(api.Deps{Store: st, Auth: b.auth, Mappings: b.mappings, Assets: b.syncer.Assets(), Events: b.events, Queue: queue, Tickets: deliver.New(st, b.syncer.Halo, deliver.Options{}),
		Billing: &run.Service{Store: st, Halo: b.syncer.Halo, Sources: sources}, Sources: sources, Halo: b.syncer.Halo})
	var routes []web.Route
	for _, p := range api.Patterns() {
		routes = append(routes, web.Route{Pattern: p, Handler: handler})
	}
	b.server.Config.Handler = web.New(web.Deps{Store: st, Gatherer: prometheus.NewRegistry(), Logger: slog.New(slog.DiscardHandler), Routes: routes})
	b.server.Start()
	t.Cleanup(b.server.Close)
	return b
}

func (b *testBundle) sync(t *testing.T) store.SyncRun {
	t.Helper()
	run, err := b.st.StartSyncRun(t.Context(), store.SyncRun{PartnerID: b.a.ID, Kind: store.SyncCatalog})
	if err != nil {
		t.Fatal(err)
	}
	p := jobs.NewProgress(b.st, run)
	_, err = b.syncer.Sync(t.Context(), b.a.ID, p)
	if ferr := p.Finish(err); err != nil || ferr != nil {
		t.Fatalf("sync: %v, %v", err, ferr)
	}
	if run, err = b.st.SyncRun(t.Context(), b.a.ID, run.ID); err != nil {
		t.Fatal(err)
	}
	return run
}

// call sends a request as partner (0: nobody) and returns status and body.
func (b *testBundle) call(t *testing.T, partner int64, method, path, body string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, b.server.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if partner != 0 {
		req.Header.Set("Authorization", "Bearer "+b.tokens[partner])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(got)
}

// scenario is one API request and what must come back; path and body may
// use the bundle's ids.
type scenario struct {
	name       string
	anonymous  bool
	method     string
	path       func(b *testBundle) string
	body       func(b *testBundle) string
	wantStatus int
	want       func(b *testBundle) []string
}

func fixed(s string) func(*testBundle) string { return func(*testBundle) string { return s } }

func TestAPI(t *testing.T) {
	t.Parallel()
	mappingOf := func(customer string) func(b *testBundle) string {
		return func(b *testBundle) string { return fmt.Sprintf("/api/v1/mappings/%d/%s", b.src.ID, customer) }
	}
	eventPath := func(action string) func(b *testBundle) string {
		return func(b *testBundle) string { return fmt.Sprintf("/api/v1/events/%d/%s", b.event.ID, action) }
	}
	scenarios := []scenario{
		{name: "AnswersUnauthorizedWithoutAPartner", anonymous: true, method: "GET", path: fixed("/api/v1/mappings"),
			wantStatus: 401, want: lines(`"code":"unauthenticated"`)},
		{name: "ListsEveryClientWithItsMappings", method: "GET", path: fixed("/api/v1/mappings"), wantStatus: 200,
			want: func(b *testBundle) []string {
				return []string{`"name":"` + b.same.Name + `"`, `"customer_id":"same"`, `"status":"n/a"`, `"missing":true`, `"top_levels":[`}
			}},
		{name: "FiltersTheTable", method: "GET", path: fixed("/api/v1/mappings?mapped=mapped&search=quondam"), wantStatus: 200,
			want: lines(`"customer_id":"gone"`, `"status":"has_events"`)},
		{name: "NamesAnUnknownFilter", method: "GET", path: fixed("/api/v1/mappings?mapped=maybe"), wantStatus: 400,
			want: lines(`"field":"mapped"`)},
		{name: "NamesABadTopLevel", method: "GET", path: fixed("/api/v1/mappings?top_level=first"), wantStatus: 400,
			want: lines(`"field":"top_level"`)},
		{name: "MapsACompanyByHand", method: "PUT", path: mappingOf("lonely"),
			body:       func(b *testBundle) string { return fmt.Sprintf(`{"client_id": %d, "ticketing": false}`, b.same.ID) },
			wantStatus: 200, want: lines(`"confirmed":true`, `"ticketing":false`, `"billing":true`, `"status":"ok"`)},
		{name: "NamesTheMissingClient", method: "PUT", path: mappingOf("lonely"), body: fixed(`{}`), wantStatus: 400,
			want: lines(`"field":"client_id"`)},
		{name: "NamesAFieldOfTheWrongType", method: "PUT", path: mappingOf("lonely"), body: fixed(`{"client_id": "ten"}`), wantStatus: 400,
			want: lines(`"field":"client_id"`)},
		{name: "RefusesUnknownFields", method: "PUT", path: mappingOf("lonely"), body: fixed(`{"client": 10}`), wantStatus: 400,
			want: lines(`unknown field \"client\"`)},
		{name: "NamesASourceThatIsNotANumber", method: "PUT", path: fixed("/api/v1/mappings/mail/lonely"), body: fixed(`{"client_id": 1}`),
			wantStatus: 400, want: lines(`"field":"source"`)},
		{name: "AnswersNotFoundForAnUnknownCompany", method: "PUT", path: mappingOf("nobody"),
			body: func(b *testBundle) string { return fmt.Sprintf(`{"client_id": %d}`, b.same.ID) }, wantStatus: 404, want: lines(`"code":"not_found"`)},
		{name: "Unmaps", method: "DELETE", path: mappingOf("gone"), wantStatus: 204},
		{name: "CreatesAHaloPSAClientForACompany", method: "POST", path: func(b *testBundle) string { return mappingOf("lonely")(b) + "/create-client" },
			wantStatus: 201, want: lines(`"client_name":"Zyxwvut Quarrying"`, `"confirmed":true`)},
		{name: "RefusesATicketPolicyNamingEveryFieldAtFault", method: "PUT", path: fixed("/api/v1/tickets/policy"), body: fixed(`{"policy": {}}`),
			wantStatus: 400, want: lines(`"code":"invalid_policy"`, `"fields":[`)},
		{name: "NamesTheMappingATestTicketNeeds", method: "POST", path: fixed("/api/v1/tickets/test"), body: fixed(`{}`),
			wantStatus: 400, want: lines(`"field":"customer_id"`)},
		{name: "AnswersNotFoundBeforeABillingPolicyIsSaved", method: "GET", path: fixed("/api/v1/billing/policy"),
			wantStatus: 404, want: lines(`"code":"not_found"`)},
		{name: "NamesABadBillingMonth", method: "POST", path: fixed("/api/v1/billing/runs"), body: fixed(`{"month": "2026-13", "dry_run": true}`),
			wantStatus: 400, want: lines(`"field":"month"`)},
		{name: "AsksForABillingPolicyBeforeARun", method: "POST", path: fixed("/api/v1/billing/runs"), body: fixed(`{"month": "2026-10", "dry_run": true}`),
			wantStatus: 409, want: lines(`"code":"no_policy"`)},
		{name: "ListsBillingRuns", method: "GET", path: fixed("/api/v1/billing/runs"), wantStatus: 200, want: lines(`"runs":`)},
		{name: "ListsTheBillingHistoryOfCorrections", method: "GET", path: fixed("/api/v1/billing/corrections?limit=10"), wantStatus: 200,
			want: func(b *testBundle) []string {
				return []string{`"client_id":` + strconv.Itoa(b.same.ID), `"client_name":"` + b.same.Name + `"`, `"item_name":"Endpoint Security"`,
					`"month":"2026-09"`, `"old":42`, `"new":45`, `"carried":true`,
					`"action":"September corrected from 42 to 45 after it was invoiced: +3 carried to October"`, `"corrected_at":"`}
			}},
		{name: "NamesABadCorrectionsLimit", method: "GET", path: fixed("/api/v1/billing/corrections?limit=all"), wantStatus: 400,
			want: lines(`"field":"limit"`)},
		{name: "ListsSuggestions", method: "GET", path: fixed("/api/v1/suggestions"), wantStatus: 200,
			want: lines(`"customer_id":"same"`, `"rule":"normalised_name"`, `"score":1`)},
		{name: "AcceptsOneSuggestion", method: "POST", path: fixed("/api/v1/suggestions/accept"),
			body: func(b *testBundle) string {
				return fmt.Sprintf(`{"suggestions": [{"source_id": %d, "customer_id": "same"}]}`, b.src.ID)
			},
			wantStatus: 200, want: lines(`"confirmed":[{`, `"customer_id":"same"`, `"conflicts":[]`)},
		{name: "AcceptsAllSuggestions", method: "POST", path: fixed("/api/v1/suggestions/accept"), body: fixed(`{"all": true}`),
			wantStatus: 200, want: lines(`"customer_id":"same"`)},
		{name: "AcceptNeedsSuggestions", method: "POST", path: fixed("/api/v1/suggestions/accept"), body: fixed(`{}`),
			wantStatus: 400, want: lines(`"field":"suggestions"`)},
		{name: "RejectsASuggestion", method: "POST", path: fixed("/api/v1/suggestions/reject"),
			body: func(b *testBundle) string {
				return fmt.Sprintf(`{"suggestions": [{"source_id": %d, "customer_id": "same"}]}`, b.src.ID)
			},
			wantStatus: 200, want: lines(`"rejected":1`)},
		{name: "ListsOpenEvents", method: "GET", path: fixed("/api/v1/events?state=open"), wantStatus: 200,
			want: lines(`"kind":"client_not_found"`, `"fix":"Map company 'Quondam Works' to another HaloPSA client, or unmap it."`)},
		{name: "NamesAnUnknownState", method: "GET", path: fixed("/api/v1/events?state=closed"), wantStatus: 400, want: lines(`"field":"state"`)},
		{name: "RechecksAnEvent", method: "POST", path: eventPath("recheck"), wantStatus: 200, want: lines(`"state":"open"`, `"count":2`)},
		{name: "RechecksEventsInBulk", method: "POST", path: fixed("/api/v1/events/recheck"), wantStatus: 200,
			want: lines(`"events":[{`, `"count":2`)},
		{name: "ResolveAcknowledgesAnEventWithoutAnObviousFix", method: "POST", path: eventPath("resolve"), wantStatus: 200,
			want: lines(`"state":"acknowledged"`, `"action":"Acknowledged`)},
		{name: "NamesAnEventIDThatIsNotANumber", method: "POST", path: fixed("/api/v1/events/first/recheck"), wantStatus: 400, want: lines(`"field":"id"`)},
		{name: "SyncNowEnqueuesASync", method: "POST", path: fixed("/api/v1/sync"), wantStatus: 202, want: lines(`"job_id":1`, `"duplicate":false`)},
		{name: "ListsSyncRuns", method: "GET", path: fixed("/api/v1/sync/runs"), wantStatus: 200,
			want: lines(`"kind":"catalog"`, `"state":"succeeded"`, `"progress":"catalog  [####################] 100%  succeeded`,
				`"webhook":{"state":"none","exists":false,"enabled":false,"disabled_by_halopsa":false,"url":"","checked_at":null,"last_delivery_at":null,"failures":0`)},
		{name: "RecreatesTheHaloPSAWebhook", method: "POST", path: fixed("/api/v1/sync/webhook"), wantStatus: 200,
			want: lines(`"done":"halobridge's webhook is in HaloPSA and enabled`, `"state":"active"`, `"exists":true`, `"enabled":true`,
				`"url":"https://bridge.example/halo/webhook/`, `"log_entries":0`, `"problem":""`)},
		{name: "ShowsOneSyncRun", method: "GET", path: func(b *testBundle) string { return fmt.Sprintf("/api/v1/sync/runs/%d", b.run.ID) },
			wantStatus: 200, want: lines(`"name":"HaloPSA catalog"`, `"total":15`)},
		{name: "AnswersNotFoundForAnUnknownEndpoint", method: "GET", path: fixed("/api/v1/nothing"), wantStatus: 404, want: lines(`"code":"not_found"`)},
		// The reviewer's request, answered 500 before.
		{name: "NamesAProductThatHasNoItemToCreate", method: "POST", path: fixed("/api/v1/billing/items"), body: fixed(`{"products":["nope:x"]}`),
			wantStatus: 400, want: lines(`"code":"invalid_input"`, `"field":"products"`, `No product in use lacks an item under \"nope:x\"`)},
		{name: "BoundsTheProductsNamed", method: "POST", path: fixed("/api/v1/billing/items"),
			body:       fixed(`{"products":["` + strings.Repeat("k", 201) + `"]}`),
			wantStatus: 400, want: lines(`"field":"products"`, `at most 200 bytes`)},
		{name: "RefusesABodyOverTheBound", method: "PUT", path: mappingOf("lonely"),
			body:       fixed(`{"client_id": 1, "x": "` + strings.Repeat("x", 1<<20) + `"}`),
			wantStatus: 413, want: lines(`"code":"too_large"`, `larger than the 1048576 bytes`)},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			partner := b.a.ID
			if sc.anonymous {
				partner = 0
			}
			body := ""
			if sc.body != nil {
				body = sc.body(b)
			}
			status, got := b.call(t, partner, sc.method, sc.path(b), body)
			if status != sc.wantStatus {
				t.Fatalf("%s %s: status %d, want %d\n%s", sc.method, sc.path(b), status, sc.wantStatus, got)
			}
			if sc.want == nil {
				return
			}
			for _, want := range sc.want(b) {
				if !strings.Contains(got, want) {
					t.Errorf("answer lacks %s:\n%s", want, got)
				}
			}
		})
	}
}

func lines(want ...string) func(*testBundle) []string {
	return func(*testBundle) []string { return want }
}

// TestTenantIsolation calls every route of the API as partner B, with
// partner A's ids where the route takes one: each answers 404 (or B's own,
// empty answer, or the refusal a partner without HaloPSA gets), names
// nothing of A's, changes nothing of A's and sends nothing to A's HaloPSA.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	// What else partner A has for B to aim at: a billing policy, usage of a
	// product without an item, and a billing run.
	const aProduct, aRunError = "Northwind Mail Shield", "Partner A's run stopped at Quondam Works"
	if err := b.st.SaveUsage(ctx, b.src.ID, []source.Usage{{CustomerID: "same", Month: source.Month{Year: 2026, Month: time.September}, Product: aProduct, Quantity: 7}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.st.SaveBillingPolicy(ctx, b.a.ID, []byte(`{"mode":"append","include_period":true}`)); err != nil {
		t.Fatal(err)
	}
	aRun, err := b.st.StartBillingRun(ctx, store.BillingRun{PartnerID: b.a.ID, Month: source.Month{Year: 2026, Month: time.September}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.st.FinishBillingRun(ctx, aRun.ID, []byte(`{}`), aRunError); err != nil {
		t.Fatal(err)
	}
	// Partner A's alert, account and second API token; partner B is
	// active, so that what the sections after setup serve is B's own.
	_, err = b.st.StoreInbound(ctx, []store.InboundBatch{{PartnerID: b.a.ID, SourceID: b.src.ID, ReceivedAt: time.Now(), Alerts: []source.Alert{{
		Source: source.Push, CustomerID: "same", Type: "malware", Severity: source.SeverityHigh, HostName: "NORTHWIND-WS-7", OccurredAt: time.Now(),
		Fingerprint: "fp-a", EventID: "e-a"}}}})
	if err != nil {
		t.Fatal(err)
	}
	aAccount, err := b.auth.AddAccount(ctx, auth.NewAccount{PartnerID: b.a.ID, Email: "ops@northwind.example", Name: "Northwind Ops",
		Password: "correct horse battery staple", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	_, aToken, err := b.auth.CreateToken(ctx, b.a.ID, "Northwind billing script")
	if err != nil {
		t.Fatal(err)
	}
	activate(t, b.st, b.b.ID)
	before := snapshotOf(t, b)
	b.sim.ResetRequests()

	acceptSame := fmt.Sprintf(`{"suggestions": [{"source_id": %d, "customer_id": "same"}]}`, b.src.ID)
	cases := []struct {
		name       string
		method     string
		path       string
		body       string
		wantStatus int
		// want is in the answer: B's own (empty) records, or the refusal
		// that shows B's own configuration was read, not A's.
		want string
	}{
		{"MapACompany", "PUT", fmt.Sprintf("/api/v1/mappings/%d/same", b.src.ID), fmt.Sprintf(`{"client_id": %d}`, b.same.ID), 404, ""},
		{"UnmapACompany", "DELETE", fmt.Sprintf("/api/v1/mappings/%d/gone", b.src.ID), "", 404, ""},
		{"CreateAClient", "POST", fmt.Sprintf("/api/v1/mappings/%d/lonely/create-client", b.src.ID), "", 404, ""},
		{"ListTheAssetsOfACompany", "GET", fmt.Sprintf("/api/v1/mappings/%d/same/assets", b.src.ID), "", 404, ""},
		{"AcceptAssetSuggestions", "POST", fmt.Sprintf("/api/v1/mappings/%d/same/assets/accept", b.src.ID), "", 404, ""},
		{"CreateAssets", "POST", fmt.Sprintf("/api/v1/mappings/%d/same/assets/create", b.src.ID), `{"assettype_id": 1}`, 404, ""},
		{"MapAnEndpoint", "PUT", fmt.Sprintf("/api/v1/mappings/%d/same/assets/e-1", b.src.ID), `{"asset_id": 7001}`, 404, ""},
		{"UnmapAnEndpoint", "DELETE", fmt.Sprintf("/api/v1/mappings/%d/same/assets/e-1", b.src.ID), "", 404, ""},
		{"ReadItsOwnAssetSettings", "GET", "/api/v1/asset-settings", "", 200, `"rules":[{"asset_field":"inventory_number"`},
		{"SaveItsOwnAssetSettings", "PUT", "/api/v1/asset-settings", `{"match": {"rules": [{"asset_field": "Serial Number", "property": "name", "mode": "exact"}]}}`, 200, `"asset_field":"Serial Number"`},
		{"AcceptASuggestion", "POST", "/api/v1/suggestions/accept", acceptSame, 404, ""},
		{"RejectASuggestion", "POST", "/api/v1/suggestions/reject", acceptSame, 404, ""},
		{"RecheckAnEvent", "POST", fmt.Sprintf("/api/v1/events/%d/recheck", b.event.ID), "", 404, ""},
		{"ResolveAnEvent", "POST", fmt.Sprintf("/api/v1/events/%d/resolve", b.event.ID), "", 404, ""},
		{"RecheckEventsInBulk", "POST", "/api/v1/events/recheck", fmt.Sprintf(`{"ids": [%d]}`, b.event.ID), 404, ""},
		{"ReadARun", "GET", fmt.Sprintf("/api/v1/sync/runs/%d", b.run.ID), "", 404, ""},
		{"ListMappings", "GET", "/api/v1/mappings", "", 200, `{"rows":[]`},
		{"ListSuggestions", "GET", "/api/v1/suggestions", "", 200, `{"suggestions":[]}`},
		{"ListEvents", "GET", "/api/v1/events", "", 200, `{"events":[]}`},
		{"ListRuns", "GET", "/api/v1/sync/runs", "", 200, `{"runs":[],"webhook":{"state":"none"`},
		{"SetUpTheWebhookWithoutHaloPSA", "POST", "/api/v1/sync/webhook", "", 409, `"code":"halo_not_connected"`},
		{"SyncNowWithoutHaloPSA", "POST", "/api/v1/sync", "", 409, `"code":"halo_not_connected"`},
		{"ReadTheTicketPolicy", "GET", "/api/v1/tickets/policy", "", 404, ""},
		{"SaveATicketPolicyAgainstItsOwnEmptyCatalog", "PUT", "/api/v1/tickets/policy", `{"policy": {"tickettype_id": 21, "title_template": "Mail filter {{hostname}}"}}`, 400,
			"ticket type 21 does not exist in HaloPSA"},
		// A's catalog would fill in the agent and status of A's type 21.
		{"FillTicketPolicyDefaultsFromItsOwnEmptyCatalog", "POST", "/api/v1/tickets/policy/defaults", `{"tickettype_id": 21}`, 200, `{"tickettype_id":21}`},
		{"TestTicketOnAnotherPartnersMapping", "POST", "/api/v1/tickets/test", fmt.Sprintf(`{"source_id": %d, "customer_id": "same"}`, b.src.ID), 404, ""},
		{"ReadTheBillingPolicy", "GET", "/api/v1/billing/policy", "", 404, "No billing policy has been saved yet."},
		{"SaveABillingPolicyWithoutHaloPSA", "PUT", "/api/v1/billing/policy", `{"mode": "create"}`, 409, `"code":"halo_not_connected"`},
		{"ProposeItemsWithoutHaloPSA", "GET", "/api/v1/billing/items/proposals", "", 409, `"code":"halo_not_connected"`},
		{"CreateItemsForAnotherPartnersProducts", "POST", "/api/v1/billing/items", `{"products": ["push:` + aProduct + `"]}`, 409, `"code":"halo_not_connected"`},
		{"RunBillingWithoutAPolicy", "POST", "/api/v1/billing/runs", `{"month": "2026-09"}`, 409, `"code":"no_policy"`},
		{"ListBillingRuns", "GET", "/api/v1/billing/runs", "", 200, ""},
		{"ListBillingCorrections", "GET", "/api/v1/billing/corrections", "", 200, `{"corrections":[]}`},
		{"ReadItsOwnPartner", "GET", "/api/v1/partner", "", 200, `"name":"` + b.b.Name + `"`},
		{"RenameItselfOnly", "PATCH", "/api/v1/partner", `{"name": "Partner B renamed"}`, 200, `"name":"Partner B renamed"`},
		{"ReadItsOwnSetup", "GET", "/api/v1/setup", "", 200, `"active":true`},
		{"ConsentForItself", "POST", "/api/v1/setup/consent", "", 200, `"consent_by":"the test"`},
		{"FinishTheIntegrationWithoutHaloPSA", "POST", "/api/v1/setup/integration", "", 400, `"field":"halo"`},
		{"ActivateItself", "POST", "/api/v1/setup/activate", "", 200, `"active":true`},
		{"TestItsOwnMissingHaloPSA", "POST", "/api/v1/halo/test", "", 200, "Connect HaloPSA first"},
		{"SaveAConnectionWithoutASecret", "PUT", "/api/v1/halo/connection", `{"url": "https://northwind.halopsa.com", "client_id": "x"}`, 400, `"field":"client_secret"`},
		{"ListItsOwnSources", "GET", "/api/v1/sources", "", 200, `{"sources":[]}`},
		{"AddASourceOfItsOwn", "POST", "/api/v1/sources", `{"kind": "push", "name": "Partner B push"}`, 201, `"name":"Partner B push"`},
		{"RenameAnotherPartnersSource", "PATCH", fmt.Sprintf("/api/v1/sources/%d", b.src.ID), `{"name": "Taken over"}`, 404, `"code":"not_found"`},
		{"RemoveAnotherPartnersSource", "DELETE", fmt.Sprintf("/api/v1/sources/%d", b.src.ID), "", 404, `"code":"not_found"`},
		{"PreviewATitle", "POST", "/api/v1/tickets/policy/preview", `{"title_template": "{{severity}}: {{hostname}}"}`, 200, `"title":"high: WS-0042"`},
		{"ListItsOwnAlerts", "GET", "/api/v1/alerts", "", 200, `{"alerts":[]}`},
		{"ItsOwnActivity", "GET", "/api/v1/activity", "", 200, `"days":[]`},
		{"ListItsOwnTokens", "GET", "/api/v1/tokens", "", 200, `"name":"Partner B deploy"`},
		{"CreateATokenForItselfWhateverTheBodyNames", "POST", "/api/v1/tokens", fmt.Sprintf(`{"name": "b-made", "partner_id": %d}`, b.a.ID), 201, `"name":"b-made"`},
		{"RevokeAnotherPartnersToken", "DELETE", fmt.Sprintf("/api/v1/tokens/%d", aToken.ID), "", 404, `"code":"not_found"`},
		{"ListItsOwnAccounts", "GET", "/api/v1/accounts", "", 200, `{"accounts":[]}`},
		{"DeleteAnotherPartnersAccount", "DELETE", fmt.Sprintf("/api/v1/accounts/%d", aAccount.ID), "", 404, `"code":"not_found"`},
		{"AnUnknownEndpoint", "GET", "/api/v1/nothing", "", 404, `"code":"not_found"`},
	}
	routes := routetest.New(api.Patterns())
	secrets := []string{b.same.Name, "Zyxwvut", "Quondam", "Mail filter", "same", "gone", b.event.Subject, "corrected from 42 to 45", aProduct, "Northwind",
		"NORTHWIND", "northwind", "Partner A", aToken.Prefix}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			routes.Reach(tc.method, tc.path)
			status, got := b.call(t, b.b.ID, tc.method, tc.path, tc.body)
			if status != tc.wantStatus || !strings.Contains(got, tc.want) {
				t.Errorf("status %d, want %d with %s: %s", status, tc.wantStatus, tc.want, got)
			}
			for _, s := range secrets {
				if strings.Contains(got, s) {
					t.Errorf("answer mentions %q of partner A: %s", s, got)
				}
			}
		})
	}

	t.Run("CallsEveryRoute", func(t *testing.T) {
		routes.Check(t, map[string]string{"GET /api/openapi.json": "the API document, the same for everyone"})
	})

	t.Run("PartnerAsRecordsAreUnchanged", func(t *testing.T) {
		if diff := cmp.Diff(before, snapshotOf(t, b)); diff != "" {
			t.Errorf("partner A's records changed (-before +after):\n%s", diff)
		}
		same, err := b.st.Mapping(ctx, b.src.ID, "same")
		if err != nil || same.Confirmed {
			t.Errorf("A's suggestion: %+v, %v", same, err)
		}
		if _, err := b.st.Mapping(ctx, b.src.ID, "gone"); err != nil {
			t.Errorf("A's mapping: %v", err)
		}
		if e, err := b.st.Event(ctx, b.a.ID, b.event.ID); err != nil || e.State != store.EventOpen || e.Count != b.event.Count {
			t.Errorf("A's event: %+v, %v", e, err)
		}
		if n := len(b.sim.Clients()); n != 7 {
			t.Errorf("HaloPSA has %d clients, want the 7 left", n)
		}
		if reqs := b.sim.Requests(); len(reqs) != 0 {
			t.Errorf("partner A's HaloPSA got %d requests while partner B called, first %+v", len(reqs), reqs[0])
		}
	})
}

// snapshot is what partner A keeps that a route could change.
type snapshot struct {
	Partner       store.Partner
	Sources       []store.Source
	Tokens        []store.APIToken
	Accounts      []store.Account
	Alerts        int
	Setup         store.SetupProgress
	Mappings      []store.Mapping
	Events        []store.Event
	TicketPolicy  string
	BillingPolicy string
	BillingRuns   []store.BillingRun
	Ledgers       []store.BillingLedger
	SyncRuns      []store.SyncRun
}

func snapshotOf(t *testing.T, b *testBundle) snapshot {
	t.Helper()
	ctx := t.Context()
	var s snapshot
	var err error
	if s.Partner, err = b.st.Partner(ctx, b.a.ID); err != nil {
		t.Fatal(err)
	}
	if s.Sources, err = b.st.Sources(ctx, b.a.ID); err != nil {
		t.Fatal(err)
	}
	if s.Tokens, err = b.auth.ListTokens(ctx, b.a.ID); err != nil {
		t.Fatal(err)
	}
	if s.Accounts, err = b.st.Accounts(ctx, b.a.ID); err != nil {
		t.Fatal(err)
	}
	if s.Alerts, err = b.st.CountAlerts(ctx, b.src.ID); err != nil {
		t.Fatal(err)
	}
	if s.Setup, err = b.st.SetupProgress(ctx, b.a.ID); err != nil {
		t.Fatal(err)
	}
	if s.Mappings, err = b.st.Mappings(ctx, b.a.ID); err != nil {
		t.Fatal(err)
	}
	if s.Events, err = b.st.Events(ctx, b.a.ID, store.EventQuery{}); err != nil {
		t.Fatal(err)
	}
	tp, err := b.st.TicketPolicy(ctx, b.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	bp, err := b.st.BillingPolicy(ctx, b.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	s.TicketPolicy, s.BillingPolicy = string(tp.Policy), string(bp.Policy)
	if s.BillingRuns, err = b.st.BillingRuns(ctx, b.a.ID, 100); err != nil {
		t.Fatal(err)
	}
	if s.Ledgers, err = b.st.BillingLedgers(ctx, b.a.ID); err != nil {
		t.Fatal(err)
	}
	if s.SyncRuns, err = b.st.SyncRuns(ctx, b.a.ID, "", 100); err != nil {
		t.Fatal(err)
	}
	return s
}

// activate completes every step of the partner's setup and activates it,
// as "Save configuration" does.
func activate(t *testing.T, st *store.Store, partnerID int64) {
	t.Helper()
	ctx := t.Context()
	for _, step := range store.SetupSteps() {
		if _, err := st.CompleteSetupStep(ctx, partnerID, step); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.RecordConsent(ctx, partnerID, 0, "the test"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ActivateSetup(ctx, partnerID, "the test"); err != nil {
		t.Fatal(err)
	}
}
