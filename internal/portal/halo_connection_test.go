package portal_test

import (
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/store"
)

// typedHalo is what a person types in the Client ID and Secret form.
type typedHalo struct {
	url, tenant, clientID, secret string
}

func (in typedHalo) form() url.Values {
	return url.Values{"halo_url": {in.url}, "tenant": {in.tenant}, "client_id": {in.clientID}, "client_secret": {in.secret}}
}

func (in typedHalo) json() string {
	b, _ := json.Marshal(map[string]string{"url": in.url, "tenant": in.tenant, "client_id": in.clientID, "client_secret": in.secret})
	return string(b)
}

// TestHaloCredentialsThatCannotWorkAreNotSaved holds the wizard, the
// settings and the API to Test Connection's token step: each answers with
// the failing check and keeps what the partner had.
func TestHaloCredentialsThatCannotWorkAreNotSaved(t *testing.T) {
	t.Parallel()
	b := setup(t)
	hosted := halosim.New(halosim.Options{Tenant: "northpoint", RateLimit: -1, Clients: 3})
	hostedSrv := httptest.NewServer(hosted)
	t.Cleanup(hostedSrv.Close)
	// The simulated GravityZone's address, pasted into the HaloPSA form.
	gravityZone := strings.TrimSuffix(b.gzURL, "/api")

	// Each case's words are HaloPSA's answer, then the fix, as Test
	// Connection's token check gives them.
	cases := []struct {
		name  string
		in    typedHalo
		words []string
	}{
		{"AWrongClientID", typedHalo{b.haloURL, "", "not-an-application", "typed-secret-one"},
			[]string{"invalid_client: The specified 'client_id' is invalid or the application is inactive", "Copy the Client ID and Client Secret again"}},
		{"AWrongSecret", typedHalo{b.haloURL, "", halosim.DefaultClientID, "typed-secret-two"},
			[]string{"invalid_client: The specified client credentials are invalid", "Copy the Client ID and Client Secret again"}},
		{"AWrongTenant", typedHalo{hostedSrv.URL, "southpoint", halosim.DefaultClientID, halosim.DefaultClientSecret},
			[]string{`invalid_request: The tenant "southpoint" is unknown`, "the tenant name"}},
		{"AnUnreachableAddress", typedHalo{"http://127.0.0.1:1", "", halosim.DefaultClientID, "typed-secret-three"},
			[]string{"connection refused", "Check the authorisation server URL"}},
		{"AnAddressThatIsNotHaloPSA", typedHalo{gravityZone, "", halosim.DefaultClientID, "typed-secret-four"},
			[]string{"does not look like a HaloPSA: /auth/token answered 404 (page not found)", "Check the authorisation server URL"}},
	}

	wizard := b.newPartner(t, "Northpoint IT")
	active, _ := b.activePartner(t, "Southgate IT")
	before, err := b.store.HaloConnection(t.Context(), active.ID)
	if err != nil {
		t.Fatal(err)
	}
	apiPartner := b.newPartner(t, "Eastpoint IT")
	token := b.token(t, apiPartner)

	// keptPage checks a refusal page: the failing check in words, the form
	// as typed and open, never the secret.
	keptPage := func(t *testing.T, got response, in typedHalo, words []string) {
		t.Helper()
		if got.status != http.StatusUnprocessableEntity {
			t.Errorf("status %d, want 422", got.status)
		}
		page := html.UnescapeString(got.body)
		for _, want := range append([]string{`The HaloPSA connection was not saved: the check "Get an access token" failed`}, words...) {
			if !strings.Contains(page, want) {
				t.Errorf("the page does not say %q", want)
			}
		}
		for _, field := range []string{`name="halo_url" value="` + in.url + `"`, `name="client_id" value="` + in.clientID + `"`, `name="tenant" value="` + in.tenant + `"`} {
			if !strings.Contains(page, field) {
				t.Errorf("the form lost what was typed: no %s", field)
			}
		}
		if strings.Contains(got.body, in.secret) {
			t.Error("the page shows the typed secret")
		}
		if !strings.Contains(got.body, "<details open>") {
			t.Error("the Client ID and Secret form is closed")
		}
	}

	for _, tc := range cases {
		t.Run("TheWizardRefuses"+tc.name, func(t *testing.T) {
			keptPage(t, b.post(t, wizard, "/setup/halo", tc.in.form(), false), tc.in, tc.words)
			if _, err := b.store.HaloConnection(t.Context(), wizard.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("stored connection: %v, want none", err)
			}
		})

		t.Run("TheSettingsRefuse"+tc.name+"AndKeepTheWorkingConnection", func(t *testing.T) {
			keptPage(t, b.post(t, active, "/setup/halo", tc.in.form(), false), tc.in, tc.words)
			after, err := b.store.HaloConnection(t.Context(), active.ID)
			if err != nil || after.ClientID != before.ClientID || after.ClientSecret != before.ClientSecret || after.ResourceURL != before.ResourceURL ||
				after.Tenant != before.Tenant || !after.UpdatedAt.Equal(before.UpdatedAt) {
				t.Errorf("stored connection %+v, %v; want it unchanged", after, err)
			}
		})

		t.Run("TheAPIRefuses"+tc.name, func(t *testing.T) {
			got := b.apiCall(t, token, "PUT", "/api/v1/halo/connection", tc.in.json())
			var body struct {
				Error struct {
					Code    string `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
				Checks struct {
					OK     bool `json:"ok"`
					Checks []struct {
						Name     string `json:"name"`
						OK       bool   `json:"ok"`
						Required bool   `json:"required"`
					} `json:"checks"`
				} `json:"checks"`
			}
			if err := json.Unmarshal([]byte(got.body), &body); err != nil || got.status != http.StatusUnprocessableEntity {
				t.Fatalf("%d %s (%v); want 422 JSON", got.status, got.body, err)
			}
			if body.Error.Code != "halo_connection_refused" || body.Checks.OK || len(body.Checks.Checks) != 1 ||
				body.Checks.Checks[0].Name != "Get an access token" || body.Checks.Checks[0].OK || !body.Checks.Checks[0].Required {
				t.Errorf("answer %s; want halo_connection_refused with the failed token check alone", got.body)
			}
			for _, want := range tc.words {
				if !strings.Contains(body.Error.Message, want) {
					t.Errorf("message %q lacks %q", body.Error.Message, want)
				}
			}
			if strings.Contains(got.body, tc.in.secret) {
				t.Error("the answer shows the typed secret")
			}
			if _, err := b.store.HaloConnection(t.Context(), apiPartner.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("stored connection: %v, want none", err)
			}
		})
	}

	t.Run("OversizedValuesAreRefusedBeforeHaloPSAIsAsked", func(t *testing.T) {
		hosted.ResetRequests()
		long := typedHalo{hostedSrv.URL, strings.Repeat("t", 257), strings.Repeat("c", 257), strings.Repeat("s", 257)}
		got := b.apiCall(t, token, "PUT", "/api/v1/halo/connection", long.json())
		for _, want := range []string{`"field":"client_id"`, `"field":"client_secret"`, `"field":"tenant"`, "at most 256 characters"} {
			if got.status != http.StatusBadRequest || !strings.Contains(got.body, want) {
				t.Errorf("API: %d %s; want 400 with %s", got.status, got.body, want)
			}
		}
		page := b.post(t, wizard, "/setup/halo", long.form(), false)
		if page.status != http.StatusUnprocessableEntity || !strings.Contains(page.body, "A Client ID is at most 256 characters") {
			t.Errorf("form: %d; want 422 saying the Client ID is too long", page.status)
		}
		if n := len(hosted.Requests()); n != 0 {
			t.Errorf("HaloPSA got %d requests for values no HaloPSA issues", n)
		}
	})

	t.Run("TheAPIRefusesAConnectionThatCannotReadClients", func(t *testing.T) {
		hosted.SetScopes(halosim.DefaultClientID, "edit:tickets", "read:items", "edit:invoices", "all:teams")
		got := b.apiCall(t, token, "PUT", "/api/v1/halo/connection", typedHalo{hostedSrv.URL, "northpoint", halosim.DefaultClientID, halosim.DefaultClientSecret}.json())
		if got.status != http.StatusUnprocessableEntity || !strings.Contains(got.body, `the check \"Read clients and sites\" failed`) || !strings.Contains(got.body, "enable read:customers") {
			t.Errorf("%d %s; want 422 naming the clients check and read:customers", got.status, got.body)
		}
		if _, err := b.store.HaloConnection(t.Context(), apiPartner.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("stored connection: %v, want none", err)
		}
	})
}

func TestHaloConnectionMissingOptionalPermissions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.newPartner(t, "Northpoint IT")
	b.halo.SetScopes(halosim.DefaultClientID, "read:customers", "read:tickets", "all:teams")
	got := b.post(t, p, "/setup/halo", typedHalo{b.haloURL, "", halosim.DefaultClientID, halosim.DefaultClientSecret}.form(), false)
	page := html.UnescapeString(got.body)
	if got.status != http.StatusOK || !strings.Contains(page, "HaloPSA connection saved, but the application lacks 4 permissions (edit:tickets, read:assets, read:items, read:invoices)") {
		t.Fatalf("%d; want the connection saved, naming the four missing permissions:\n%s", got.status, page)
	}
	if conn, err := b.store.HaloConnection(t.Context(), p.ID); err != nil || conn.AgentID != 7 {
		t.Errorf("stored connection %+v, %v; want it saved, acting as agent 7", conn, err)
	}
	events, err := b.store.Events(t.Context(), p.ID, store.EventQuery{State: store.EventOpen, Kind: "permission_missing"})
	if err != nil || len(events) != 4 {
		t.Fatalf("%d open permission events (%v), want 4: %+v", len(events), err, events)
	}
	for _, e := range events {
		if !strings.Contains(e.Fix, "Permissions: enable") || !strings.Contains(e.Fix, halosim.DefaultClientID) {
			t.Errorf("event %s: fix %q does not say where to grant it", e.Key, e.Fix)
		}
	}
}

// TestCredentialsRevokedLater revokes a working connection: the first
// background job that calls HaloPSA raises the event, the Overview says so
// until the partner saves working credentials.
func TestCredentialsRevokedLater(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p, src := b.activePartner(t, "Northpoint IT")
	ctx := t.Context()
	b.mapForTickets(t, p, src)
	if page := b.get(t, p, "/").body; strings.Contains(page, `id="credentials-revoked"`) {
		t.Fatalf("the Overview shows the credentials banner while HaloPSA accepts them:\n%s", page)
	}
	events := b.revokeBeforeDelivery(t, p, src)
	if len(events) != 1 || events[0].Count != 1 {
		t.Fatalf("open credentials events: %+v; want one, raised once", events)
	}
	e := events[0]

	t.Run("TheOverviewLinksToTheFix", func(t *testing.T) {
		page := html.UnescapeString(b.get(t, p, "/").body)
		for _, want := range []string{`id="credentials-revoked"`, "HaloPSA no longer accepts halobridge's credentials", "invalid_client",
			`href="/events#event-` + strconv.FormatInt(e.ID, 10) + `"`, `href="/setup?step=integration"`} {
			if !strings.Contains(page, want) {
				t.Errorf("the Overview lacks %q", want)
			}
		}
		events := html.UnescapeString(b.get(t, p, "/events").body)
		if !strings.Contains(events, `id="event-`+strconv.FormatInt(e.ID, 10)+`"`) || !strings.Contains(events, `choose "Use another application's Client ID and Secret"`) {
			t.Errorf("the events page does not show the event with its fix")
		}
	})

	t.Run("SavingWorkingCredentialsClearsItAndDeliveryResumes", func(t *testing.T) {
		b.halo.AddApplication(halosim.Application{ClientID: "halobridge-new", Secret: "a-fresh-secret", Scopes: []string{"all"}})
		got := b.post(t, p, "/setup/halo", typedHalo{b.haloURL, "", "halobridge-new", "a-fresh-secret"}.form(), false)
		if got.status != http.StatusOK || !strings.Contains(got.body, "HaloPSA connection saved.") {
			t.Fatalf("saving the new application: %d\n%s", got.status, got.body)
		}
		if page := b.get(t, p, "/").body; strings.Contains(page, `id="credentials-revoked"`) {
			t.Errorf("the Overview still shows the banner")
		}
		res, err := b.tickets.Deliver(ctx, p.ID)
		if err != nil || res.Created != 1 {
			t.Errorf("delivery after the fix: %+v, %v; want the alert's ticket created", res, err)
		}
	})
}
