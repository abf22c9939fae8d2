package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
)

// wantBody checks a response's status and that its body says every part
// and none of the secrets.
func wantBody(t *testing.T, what string, got response, status int, parts []string, secrets ...string) {
	t.Helper()
	if got.status != status {
		t.Fatalf("%s: %d, want %d\n%s", what, got.status, status, got.body)
	}
	for _, p := range parts {
		if !strings.Contains(got.body, p) {
			t.Errorf("%s does not say %s:\n%s", what, p, got.body)
		}
	}
	for _, s := range secrets {
		if strings.Contains(got.body, s) {
			t.Errorf("%s gives a secret away (%s):\n%s", what, s, got.body)
		}
	}
}

func TestAPISources(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.newPartner(t, "Northpoint IT")
	token := b.token(t, p)
	src := b.connectGravityZone(t, p)
	path := fmt.Sprintf("/api/v1/sources/%d", src.ID)
	secrets := []string{gzsim.DefaultAPIKey, src.Secret}

	t.Run("ListsSourcesWithTheKeyMasked", func(t *testing.T) {
		got := b.apiCall(t, token, "GET", "/api/v1/sources", "")
		wantBody(t, "the list", got, 200, []string{`"name":"GravityZone EU"`, `"api_key":"••••-key"`, `/ingest/` + src.Token}, secrets...)
	})

	t.Run("RenamesASource", func(t *testing.T) {
		got := b.apiCall(t, token, "PATCH", path, `{"name":"GravityZone US"}`)
		wantBody(t, "a new name", got, 200, []string{`"name":"GravityZone US"`, `"tested":false`, `"notes":[]`}, secrets...)
	})

	t.Run("RefusesAKeyThatFailsTheTestNamingTheCheck", func(t *testing.T) {
		got := b.apiCall(t, token, "PATCH", path, `{"api_key":"not-the-key"}`)
		wantBody(t, "a wrong key", got, 400, []string{`"field":"api_key"`, "Listing the customers with the new settings failed, so nothing was saved",
			"GravityZone did not accept the API key"}, secrets...)
		stored, err := b.store.Source(t.Context(), src.ID)
		if err != nil || stored.APIKey != gzsim.DefaultAPIKey {
			t.Errorf("stored key %q, %v; want the old one kept", stored.APIKey, err)
		}
	})

	t.Run("TestsAndSavesANewAccessURL", func(t *testing.T) {
		got := b.apiCall(t, token, "PATCH", path, fmt.Sprintf(`{"api_url":%q}`, b.gzURL+"/"))
		wantBody(t, "a new URL", got, 200, []string{`"tested":true`, `"registered":true`, "registered itself with the Event Push Service again"}, secrets...)
	})

	t.Run("RefusesWhatItCannotSave", func(t *testing.T) {
		for body, want := range map[string]string{
			`{"name":""}`:        `"field":"name"`,
			`{"api_key":""}`:     `"field":"api_key"`,
			`{"api_secret":"x"}`: `unknown field \"api_secret\"`,
			`[1,2]`:              "not the JSON this route takes",
		} {
			wantBody(t, body, b.apiCall(t, token, "PATCH", path, body), 400, []string{want})
		}
	})

	t.Run("FindsNoSourceOfAnotherPartner", func(t *testing.T) {
		other := b.newPartner(t, "Other MSP")
		theirs := b.token(t, other)
		wantBody(t, "another partner's PATCH", b.apiCall(t, theirs, "PATCH", path, `{"name":"Mine"}`), 404, []string{`"not_found"`})
		wantBody(t, "another partner's DELETE", b.apiCall(t, theirs, "DELETE", path, ""), 404, []string{`"not_found"`})
		wantBody(t, "an id that is no number", b.apiCall(t, token, "DELETE", "/api/v1/sources/x", ""), 400, []string{`"code":"invalid_input"`, `"field":"id"`})
	})

	t.Run("WaitsForTicketDeliveryAndSaysSoWhenItDoesNotPause", func(t *testing.T) {
		if taken, err := b.store.TakeDeliveryLease(t.Context(), p.ID, "a-running-pass", time.Minute); err != nil || !taken {
			t.Fatalf("take the lease: %v, %v", taken, err)
		}
		b.sources.LeaseWait = time.Millisecond
		got := b.apiCall(t, token, "DELETE", path, "")
		b.sources.LeaseWait = 0
		if err := b.store.ReleaseDeliveryLease(t.Context(), p.ID, "a-running-pass"); err != nil {
			t.Fatal(err)
		}
		wantBody(t, "a removal while delivery runs", got, 409, []string{`"code":"delivery_busy"`, "try again in a minute"})
		if _, err := b.store.Source(t.Context(), src.ID); err != nil {
			t.Errorf("the source went anyway: %v", err)
		}
	})

	t.Run("RemovesASourceAndSwitchesItsPushOff", func(t *testing.T) {
		got := b.apiCall(t, token, "DELETE", path, "")
		wantBody(t, "the removal", got, 200, []string{`"removed":{"alerts":0`, `"at_source":"GravityZone's Event Push Service towards`,
			`switched off.`, `"left_at_source":""`, "is removed, with its alerts"}, secrets...)
		if settings, _ := b.gz.PushSettings(); settings.Status != 0 {
			t.Errorf("GravityZone still pushes: %+v", settings)
		}
		wantBody(t, "a second removal", b.apiCall(t, token, "DELETE", path, ""), 404, []string{`"not_found"`})
	})
}

func TestSourcePages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.newPartner(t, "Northpoint IT")
	src := b.connectGravityZone(t, p)
	path := fmt.Sprintf("/setup/sources/%d", src.ID)

	t.Run("TheIntegrationStepLinksEachSourcesPage", func(t *testing.T) {
		wantBody(t, "the integration step", b.get(t, p, "/setup?step=integration"), 200, []string{`href="` + path + `"`, "Edit or remove"})
	})

	t.Run("ShowsTheFormWithTheKeyMasked", func(t *testing.T) {
		wantBody(t, "the source page", b.get(t, p, path), 200, []string{"GravityZone &#39;GravityZone EU&#39;", `name="api_url" value="` + b.gzURL + `"`,
			"leave empty to keep the current one, ••••-key", `action="` + path + `/remove"`}, gzsim.DefaultAPIKey, src.Secret)
	})

	t.Run("AWrongKeyIsRefusedNextToItsField", func(t *testing.T) {
		got := b.post(t, p, path, url.Values{"name": {"GravityZone EU"}, "api_url": {b.gzURL}, "api_key": {"not-the-key"}}, false)
		wantBody(t, "a wrong key", got, 422, []string{`class="field-error">Listing the customers with the new settings failed, so nothing was saved`})
		if stored, _ := b.store.Source(t.Context(), src.ID); stored.APIKey != gzsim.DefaultAPIKey {
			t.Errorf("stored key %q", stored.APIKey)
		}
	})

	t.Run("AnEmptyKeyFieldKeepsTheKey", func(t *testing.T) {
		got := b.post(t, p, path, url.Values{"name": {"GravityZone US"}, "api_url": {b.gzURL}, "api_key": {""}}, false)
		wantBody(t, "a new name", got, 200, []string{"is saved."})
		if stored, _ := b.store.Source(t.Context(), src.ID); stored.Name != "GravityZone US" || stored.APIKey != gzsim.DefaultAPIKey {
			t.Errorf("stored %q with key %q", stored.Name, stored.APIKey)
		}
	})

	t.Run("RemovingNeedsTheBoxTicked", func(t *testing.T) {
		got := b.post(t, p, path+"/remove", nil, false)
		wantBody(t, "a removal not confirmed", got, 422, []string{"Tick the box to confirm the removal: nothing was removed"})
		if _, err := b.store.Source(t.Context(), src.ID); err != nil {
			t.Errorf("removed without confirmation: %v", err)
		}
	})

	t.Run("AnotherPartnerSeesNothing", func(t *testing.T) {
		other := b.newPartner(t, "Other MSP")
		if got := b.get(t, other, path); got.status != http.StatusNotFound {
			t.Errorf("another partner's view: %d", got.status)
		}
		if got := b.post(t, other, path+"/remove", url.Values{"confirm": {"yes"}}, false); got.status != http.StatusNotFound {
			t.Errorf("another partner's removal: %d", got.status)
		}
	})

	t.Run("RemovesAndSaysWhatWentAndWhatStays", func(t *testing.T) {
		got := b.post(t, p, path+"/remove", url.Values{"confirm": {"yes"}}, false)
		wantBody(t, "the removal", got, 200, []string{"is removed, with its alerts", "switched off", "No source yet."})
		if _, err := b.store.Source(t.Context(), src.ID); err == nil {
			t.Error("the source is still there")
		}
		if sources, _ := b.store.Sources(t.Context(), p.ID); len(sources) != 0 {
			t.Errorf("sources left: %+v", sources)
		}
	})
}

func TestPushSourceCallbackURL(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.newPartner(t, "Northpoint IT")
	token := b.token(t, p)
	gz := b.connectGravityZone(t, p)
	push, err := b.store.CreateSource(t.Context(), store.Source{PartnerID: p.ID, Kind: source.Push, Name: "Acme EDR", Secret: "vendor-token"})
	if err != nil {
		t.Fatal(err)
	}
	apiPath, pagePath := fmt.Sprintf("/api/v1/sources/%d", push.ID), fmt.Sprintf("/setup/sources/%d", push.ID)

	t.Run("TheAPISetsItOnAPushSourceOnly", func(t *testing.T) {
		got := b.apiCall(t, token, "PATCH", apiPath, `{"callback_url":"https://edr.example.com/halo"}`)
		wantBody(t, "a callback URL", got, 200, []string{`"callback_url":"https://edr.example.com/halo"`}, "vendor-token")
		got = b.apiCall(t, token, "PATCH", fmt.Sprintf("/api/v1/sources/%d", gz.ID), `{"callback_url":"https://edr.example.com/halo"}`)
		wantBody(t, "a callback URL on GravityZone", got, 400, []string{`"field":"callback_url"`, "Only push API sources have a callback URL"})
		got = b.apiCall(t, token, "PATCH", apiPath, `{"callback_url":"ftp://edr.example.com/halo"}`)
		wantBody(t, "an ftp callback URL", got, 400, []string{`"field":"callback_url"`, "is not an http(s) URL"})
	})

	t.Run("ThePortalShowsItAndSavesIt", func(t *testing.T) {
		wantBody(t, "the push source's page", b.get(t, p, pagePath), 200, []string{`name="callback_url" value="https://edr.example.com/halo"`, "X-Halobridge-Signature"}, "vendor-token")
		got := b.post(t, p, pagePath, url.Values{"name": {"Acme EDR"}, "callback_url": {"not a url"}}, false)
		wantBody(t, "a wrong callback URL", got, 422, []string{`class="field-error">The callback URL is refused`})
		got = b.post(t, p, pagePath, url.Values{"name": {"Acme EDR"}, "callback_url": {""}}, false)
		wantBody(t, "an emptied callback URL", got, 200, []string{"is saved.", `name="callback_url" value=""`})
		if stored, _ := b.store.Source(t.Context(), push.ID); strings.Contains(string(stored.Settings), "callback_url") {
			t.Errorf("settings after emptying the field: %s", stored.Settings)
		}
	})
}
