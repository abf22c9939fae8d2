package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/portal"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/syncrun"
	"halobridge/internal/web/routetest"
)

// TestTenantIsolation calls every route of the portal with another
// partner's session: a route that names a record answers 404 for one of
// partner A's; every other route serves the caller's own records. No
// answer shows anything of A's, and A's records stay as they were.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a, srcA := b.activePartner(t, "Northpoint IT")
	other, _ := b.activePartner(t, "Harbour MSP")
	ctx := t.Context()
	const secret = "Only Northpoint may read this"
	event, err := b.store.RaiseEvent(ctx, store.Event{PartnerID: a.ID, Kind: "ticket_refused", Key: "ticket_refused/secret",
		Subject: secret, Message: secret, Fix: secret})
	if err != nil {
		t.Fatal(err)
	}
	runs, err := b.store.SyncRuns(ctx, a.ID, "", 1)
	if err != nil || len(runs) == 0 {
		t.Fatalf("runs of partner A: %v, %v", runs, err)
	}
	job, err := b.queue.Insert(ctx, syncrun.SyncArgs{PartnerID: a.ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A's source, an alert of it and A's ticket titles carry A's name, so
	// that an answer showing any of them says so.
	srcA.Name = "Northpoint Sentry EDR"
	if srcA, err = b.store.UpdateSource(ctx, srcA); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	_, err = b.store.StoreInbound(ctx, []store.InboundBatch{{PartnerID: a.ID, SourceID: srcA.ID, ReceivedAt: now, Alerts: []source.Alert{{
		Source: source.Push, CustomerID: "c-1", Type: pushType, Severity: source.SeverityHigh, HostName: "NORTHPOINT-WS-7", OccurredAt: now,
		Fingerprint: "fp-northpoint", EventID: "e-northpoint"}}}})
	if err != nil {
		t.Fatal(err)
	}
	policy, err := b.tickets.Policy(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	policy.Policy.TitleTemplate = "Northpoint security alert"
	if _, err := b.tickets.SavePolicy(ctx, a.ID, policy); err != nil {
		t.Fatal(err)
	}
	before := partnerRecords(t, b, a.ID)
	haloClients := len(b.halo.Clients())
	srcID := strconv.FormatInt(srcA.ID, 10)
	suggestion := url.Values{"source_id": {srcID}, "customer_id": {"c-1"}, "client_id": {"109"}}
	// Both partners have a company Brightwater Dental: only a 404 must not
	// name it.
	own, leaks := []string{secret, "Northpoint", "NORTHPOINT"}, []string{secret, "Northpoint", "NORTHPOINT", "Brightwater Dental<"}
	routes := routetest.New(portal.Patterns())
	// The JSON API's routes are package api's, whose own isolation test
	// covers every one; those the pages' scripts call are called here too.
	reach := func(method, path string) {
		if !strings.HasPrefix(path, "/api/") {
			routes.Reach(method, path)
		}
	}

	// Routes that name one of A's records.
	cases := []struct {
		name   string
		method string
		path   string
		form   url.Values
	}{
		{"RecheckOfAnotherPartnersEvent", http.MethodPost, fmt.Sprintf("/events/%d/recheck", event.ID), nil},
		{"ResolveOfAnotherPartnersEvent", http.MethodPost, fmt.Sprintf("/events/%d/resolve", event.ID), nil},
		{"BulkRecheckOfAnotherPartnersEvent", http.MethodPost, "/events/recheck", url.Values{"id": {strconv.FormatInt(event.ID, 10)}}},
		{"ProgressOfAnotherPartnersRun", http.MethodGet, fmt.Sprintf("/sync/runs/%d", runs[0].ID), nil},
		{"ProgressOfAnotherPartnersJob", http.MethodGet, fmt.Sprintf("/sync/jobs/%d", job.ID), nil},
		{"AcceptingAnotherPartnersSuggestion", http.MethodPost, "/mapping/accept", suggestion},
		{"RejectingAnotherPartnersSuggestion", http.MethodPost, "/mapping/reject", suggestion},
		{"SwitchingAnotherPartnersMapping", http.MethodPost, "/mapping/switches", suggestion},
		{"UnmappingAnotherPartnersCompany", http.MethodPost, "/mapping/unmap", suggestion},
		{"MappingAnotherPartnersCompany", http.MethodPost, "/mapping/map", url.Values{"company": {srcID + "/c-1"}, "client_id": {"109"}}},
		{"CreatingAClientForAnotherPartnersCompany", http.MethodPost, "/mapping/create-client", url.Values{"company": {srcID + "/c-3"}}},
		{"ATestTicketForAnotherPartnersCompany", http.MethodPost, "/ticketing/test", url.Values{"company": {srcID + "/c-1"}}},
		{"AssetsOfAnotherPartnersCompany", http.MethodGet, "/asset-mapping?company=" + srcID + "/c-1", nil},
		{"AcceptingAnotherPartnersAssetSuggestions", http.MethodPost, "/asset-mapping/accept", url.Values{"company": {srcID + "/c-1"}, "all": {"on"}}},
		{"MappingAnotherPartnersEndpoint", http.MethodPost, "/asset-mapping/map", url.Values{"company": {srcID + "/c-1"}, "endpoint_id": {"d-1"}, "asset_id": {"7001"}}},
		{"UnmappingAnotherPartnersEndpoint", http.MethodPost, "/asset-mapping/unmap", url.Values{"company": {srcID + "/c-1"}, "endpoint_id": {"d-1"}}},
		{"CreatingAssetsForAnotherPartnersCompany", http.MethodPost, "/asset-mapping/create", url.Values{"company": {srcID + "/c-1"}, "assettype_id": {"1"}}},
		{"PageOfAnotherPartnersSource", http.MethodGet, "/setup/sources/" + srcID, nil},
		{"EditingAnotherPartnersSource", http.MethodPost, "/setup/sources/" + srcID, url.Values{"name": {"Taken over"}, "api_key": {"stolen"}}},
		{"RemovingAnotherPartnersSource", http.MethodPost, "/setup/sources/" + srcID + "/remove", url.Values{"confirm": {"on"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reach(tc.method, tc.path)
			for _, htmx := range []bool{false, true} {
				var got response
				if tc.method == http.MethodGet {
					req, _ := http.NewRequest(tc.method, b.srv.URL+tc.path, nil)
					if htmx {
						req.Header.Set("HX-Request", "true")
					}
					got = b.do(t, other, req)
				} else {
					form := url.Values{}
					for k, v := range tc.form {
						form[k] = v
					}
					got = b.post(t, other, tc.path, form, htmx)
				}
				if got.status != http.StatusNotFound {
					t.Errorf("%s %s (htmx %v): status %d, want 404\n%s", tc.method, tc.path, htmx, got.status, got.body)
				}
				for _, leak := range leaks {
					if strings.Contains(got.body, leak) {
						t.Errorf("%s %s (htmx %v) shows %q", tc.method, tc.path, htmx, leak)
					}
				}
			}
		})
	}

	// The JSON routes that name one of A's records.
	jsonCases := []struct {
		name, method, path, body string
	}{
		{"RenamingAnotherPartnersSource", http.MethodPatch, "/api/v1/sources/" + srcID, `{"name": "Taken over", "api_key": "stolen"}`},
		{"DeletingAnotherPartnersSource", http.MethodDelete, "/api/v1/sources/" + srcID, ""},
	}
	for _, tc := range jsonCases {
		t.Run(tc.name, func(t *testing.T) {
			reach(tc.method, tc.path)
			got := b.sendJSON(t, other, tc.method, tc.path, tc.body)
			if got.status != http.StatusNotFound || !strings.Contains(got.body, `"code":"not_found"`) {
				t.Errorf("%s %s: %d, want 404 not_found\n%s", tc.method, tc.path, got.status, got.body)
			}
			for _, leak := range leaks {
				if strings.Contains(got.body, leak) {
					t.Errorf("%s %s shows %q", tc.method, tc.path, leak)
				}
			}
		})
	}

	// Routes that name no record serve the caller's own: these answer as
	// they do for the caller alone, whatever the request names of A's.
	haloForm := url.Values{"halo_url": {b.haloURL}, "client_id": {halosim.DefaultClientID}, "client_secret": {halosim.DefaultClientSecret}}
	haloJSON := fmt.Sprintf(`{"url": %q, "client_id": %q, "client_secret": %q}`, b.haloURL, halosim.DefaultClientID, halosim.DefaultClientSecret)
	ownCases := []struct {
		name, method, path string
		// form is posted as a page does; body, when set, is sent as JSON.
		form   url.Values
		body   string
		status int
		want   string
	}{
		{"Overview", http.MethodGet, "/", nil, "", http.StatusOK, "Harbour MSP"},
		{"EventsPage", http.MethodGet, "/events?show=all", nil, "", http.StatusOK, "Harbour MSP"},
		{"SyncPage", http.MethodGet, "/sync", nil, "", http.StatusOK, "Harbour MSP"},
		{"MappingPage", http.MethodGet, "/mapping", nil, "", http.StatusOK, "Harbour MSP"},
		{"AssetMappingPage", http.MethodGet, "/asset-mapping", nil, "", http.StatusOK, "Harbour MSP"},
		{"SavesItsOwnAssetSettings", http.MethodPost, "/asset-mapping/settings", url.Values{"asset_field": {"inventory_number"}, "property": {"name"}, "mode": {"exact"}}, "", http.StatusOK, "Saved 1 rule"},
		{"TicketingPage", http.MethodGet, "/ticketing", nil, "", http.StatusOK, "Harbour MSP"},
		{"BillingPage", http.MethodGet, "/billing", nil, "", http.StatusOK, "Harbour MSP"},
		{"SetupPage", http.MethodGet, "/setup", nil, "", http.StatusOK, "Harbour MSP"},
		{"HasNoHaloPSASetupOfItsOwn", http.MethodGet, "/setup/created", nil, "", http.StatusNotFound, "does not log in with HaloPSA"},
		{"LatestAlerts", http.MethodGet, "/api/v1/alerts", nil, "", http.StatusOK, `{"alerts":[]`},
		{"Activity", http.MethodGet, "/api/v1/activity", nil, "", http.StatusOK, `"days":[]`},
		{"SetupProgress", http.MethodGet, "/api/v1/setup", nil, "", http.StatusOK, `"active":true`},
		{"Sources", http.MethodGet, "/api/v1/sources", nil, "", http.StatusOK, `"name":"Sentry EDR"`},
		{"TestsItsOwnHaloPSAConnection", http.MethodPost, "/setup/halo/test", url.Values{}, "", http.StatusOK, ""},
		{"TestsItsOwnHaloPSAConnectionByAPI", http.MethodPost, "/api/v1/halo/test", nil, "{}", http.StatusOK, `"ok":true`},
		{"PreviewsItsOwnTitle", http.MethodPost, "/setup/ticketing/preview", url.Values{"type": {pushType}}, "", http.StatusOK, ""},
		{"PreviewsItsOwnTitleByAPI", http.MethodPost, "/api/v1/tickets/policy/preview", nil, `{"type": "` + pushType + `"}`, http.StatusOK, ""},
		{"ItsOwnTicketPolicyForm", http.MethodPost, "/setup/ticketing/form", url.Values{"tickettype_id": {"21"}}, "", http.StatusOK, ""},
		{"ItsOwnPriorities", http.MethodPost, "/setup/ticketing/priorities", url.Values{"type": {pushType}}, "", http.StatusOK, ""},
		{"DryRunsItsOwnBilling", http.MethodPost, "/billing/dry-run", url.Values{"month": {source.MonthOf(now).Prev().String()}}, "", http.StatusOK, ""},
		{"BillsItself", http.MethodPost, "/billing/run", url.Values{"month": {source.MonthOf(now).Prev().String()}}, "", http.StatusOK, ""},
		{"SyncsItself", http.MethodPost, "/sync", url.Values{}, "", http.StatusOK, ""},
		{"SetsUpItsOwnWebhook", http.MethodPost, "/sync/webhook", url.Values{}, "", http.StatusOK, `id="halo-webhook"`},
		{"AcceptsItsOwnSuggestions", http.MethodPost, "/mapping/accept-all", url.Values{"source_id": {srcID}}, "", http.StatusOK, ""},
		{"SavesItsOwnBillingPolicy", http.MethodPost, "/setup/billing", formValues(b.get(t, other, "/setup?step=billing").body), "", http.StatusSeeOther, ""},
		{"SavesItsOwnTicketPolicy", http.MethodPost, "/setup/ticketing", formValues(b.get(t, other, "/setup?step=ticketing").body), "", http.StatusSeeOther, ""},
		{"NamesItself", http.MethodPost, "/setup/partner", url.Values{"name": {"Harbour MSP"}}, "", http.StatusSeeOther, ""},
		{"SavesItsOwnHaloPSAConnection", http.MethodPost, "/setup/halo", haloForm, "", http.StatusOK, ""},
		{"SavesItsOwnHaloPSAConnectionByAPI", http.MethodPut, "/api/v1/halo/connection", nil, haloJSON, http.StatusOK, `"ok":true`},
		{"AddsASourceOfItsOwn", http.MethodPost, "/setup/sources", url.Values{"kind": {string(source.Push)}, "name": {"Harbour push"}}, "", http.StatusOK, "Harbour push"},
		{"AddsASourceOfItsOwnByAPI", http.MethodPost, "/api/v1/sources", nil, `{"kind": "push", "name": "Harbour push 2"}`, http.StatusCreated, `"name":"Harbour push 2"`},
		{"FinishesItsOwnIntegration", http.MethodPost, "/setup/integration", url.Values{"consent": {"on"}}, "", http.StatusSeeOther, ""},
		{"FinishesItsOwnIntegrationByAPI", http.MethodPost, "/api/v1/setup/integration", nil, "{}", http.StatusAccepted, ""},
		{"ConsentsForItself", http.MethodPost, "/api/v1/setup/consent", nil, "{}", http.StatusOK, ""},
		{"ActivatesItself", http.MethodPost, "/setup/activate", url.Values{}, "", http.StatusSeeOther, ""},
		{"ActivatesItselfByAPI", http.MethodPost, "/api/v1/setup/activate", nil, "{}", http.StatusOK, ""},
	}
	for _, tc := range ownCases {
		t.Run(tc.name, func(t *testing.T) {
			reach(tc.method, tc.path)
			var got response
			switch {
			case tc.method == http.MethodGet:
				got = b.get(t, other, tc.path)
			case tc.body != "":
				got = b.sendJSON(t, other, tc.method, tc.path, tc.body)
			default:
				got = b.post(t, other, tc.path, tc.form, true)
			}
			if got.status != tc.status || !strings.Contains(got.body, tc.want) {
				t.Errorf("%s %s: %d, want %d with %s\n%.2000s", tc.method, tc.path, got.status, tc.status, tc.want, got.body)
			}
			for _, leak := range own {
				if strings.Contains(got.body, leak) {
					t.Errorf("%s %s shows %q", tc.method, tc.path, leak)
				}
			}
		})
	}

	t.Run("AnotherSessionsCSRFTokenIsRefused", func(t *testing.T) {
		borrowed := *other
		borrowed.csrf = a.csrf
		got := b.post(t, &borrowed, "/sync", nil, true)
		if got.status != http.StatusForbidden {
			t.Errorf("a POST with partner A's CSRF token: %d", got.status)
		}
	})

	t.Run("CallsEveryRoute", func(t *testing.T) {
		routes.Check(t, map[string]string{
			"GET /assets/{file}": "the portal's scripts, styles and images, built into halobridge and served to anyone",
		})
	})

	t.Run("NothingOfPartnerAChanged", func(t *testing.T) {
		if diff := cmp.Diff(before, partnerRecords(t, b, a.ID)); diff != "" {
			t.Errorf("partner A's records changed (-before +after):\n%s", diff)
		}
		if e, _ := b.store.Event(ctx, a.ID, event.ID); e.State != store.EventOpen {
			t.Errorf("partner A's event is %s", e.State)
		}
		if m, err := b.store.Mapping(ctx, srcA.ID, "c-1"); err != nil || m.Confirmed {
			t.Errorf("partner A's suggestion: %+v, %v", m, err)
		}
		if n := len(b.halo.Clients()); n != haloClients {
			t.Errorf("HaloPSA has %d clients, want the %d it had: none created for partner A's company", n, haloClients)
		}
	})

	t.Run("WithoutASessionEveryPageAsksToSignIn", func(t *testing.T) {
		got := b.get(t, nil, "/mapping")
		if got.status != http.StatusSeeOther || !strings.HasPrefix(got.location, "/login") {
			t.Errorf("GET /mapping without a session: %d to %q", got.status, got.location)
		}
		if got := b.post(t, nil, "/sync", nil, false); got.status != http.StatusSeeOther && got.status != http.StatusForbidden {
			t.Errorf("POST /sync without a session: %d", got.status)
		}
	})
}

// records is what a partner keeps that a portal route could change.
type records struct {
	Sources      []store.Source
	Mappings     []store.Mapping
	Events       []store.Event
	Connection   store.HaloConnection
	TicketPolicy store.TicketPolicy
	Billing      store.BillingPolicy
	Setup        store.SetupProgress
	SyncRuns     []store.SyncRun
	BillingRuns  []store.BillingRun
}

func partnerRecords(t *testing.T, b *testBundle, partnerID int64) records {
	t.Helper()
	ctx := t.Context()
	var r records
	var err error
	fail := func(what string, err error) {
		if err != nil {
			t.Fatalf("%s of partner %d: %v", what, partnerID, err)
		}
	}
	r.Sources, err = b.store.Sources(ctx, partnerID)
	fail("sources", err)
	r.Mappings, err = b.store.Mappings(ctx, partnerID)
	fail("mappings", err)
	r.Events, err = b.store.Events(ctx, partnerID, store.EventQuery{})
	fail("events", err)
	r.Connection, err = b.store.HaloConnection(ctx, partnerID)
	fail("HaloPSA connection", err)
	r.TicketPolicy, err = b.store.TicketPolicy(ctx, partnerID)
	fail("ticket policy", err)
	r.Billing, err = b.store.BillingPolicy(ctx, partnerID)
	fail("billing policy", err)
	r.Setup, err = b.store.SetupProgress(ctx, partnerID)
	fail("setup", err)
	r.SyncRuns, err = b.store.SyncRuns(ctx, partnerID, "", 100)
	fail("sync runs", err)
	r.BillingRuns, err = b.store.BillingRuns(ctx, partnerID, 100)
	fail("billing runs", err)
	return r
}
