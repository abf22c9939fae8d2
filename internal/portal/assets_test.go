package portal_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"halobridge/internal/mapping/assetmap"
	"halobridge/internal/source"
)

func TestAssetMapping(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p, src := b.activePartner(t, "Northpoint IT")
	// The vendor reported c-1's devices; c-1 goes to Brightwater Dental LLC,
	// whose seeded HaloPSA assets are BRIGHTWA-SRV01, -WS02 and -WS03.
	devices := []source.Endpoint{{ID: "d-1", CustomerID: "c-1", Name: "BRIGHTWA-SRV01", Managed: true},
		{ID: "d-2", CustomerID: "c-1", Name: "brightwa-ws02.brightwa.example", IPs: []string{"10.9.0.2"}, Managed: true},
		{ID: "d-3", CustomerID: "c-1", Name: "KIOSK-9", Managed: true},
		// A vendor's own id may hold a slash; the API addresses it escaped.
		{ID: "site/7", CustomerID: "c-1", Name: "LOBBY-PC", Managed: true}}
	if _, err := b.store.SaveSourceEndpoints(t.Context(), src.ID, "c-1", devices, time.Time{}); err != nil {
		t.Fatal(err)
	}
	b.mapForTickets(t, p, src)
	b.syncNow(t, p)
	company := fmt.Sprintf("%d/c-1", src.ID)

	t.Run("ThePageShowsTheSuggestions", func(t *testing.T) {
		page := b.get(t, p, "/asset-mapping").body
		for _, want := range []string{"Asset mapping", "2 suggestions", "BRIGHTWA-SRV01", "KIOSK-9", "Accept all suggestions", "name equals inventory_number", "Brightwater Dental"} {
			if !strings.Contains(page, want) {
				t.Errorf("the asset mapping page lacks %q", want)
			}
		}
		frag := b.get(t, p, "/asset-mapping?company="+url.QueryEscape(company)+"&state=unmapped").body
		if !strings.Contains(frag, "KIOSK-9") || strings.Contains(frag, ">BRIGHTWA-SRV01<") {
			t.Errorf("the unmapped filter:\n%s", frag)
		}
	})

	t.Run("AcceptOneThenMapByHand", func(t *testing.T) {
		got := b.post(t, p, "/asset-mapping/accept", url.Values{"company": {company}, "endpoint_id": {"d-1"}}, true)
		if got.status != http.StatusOK || !strings.Contains(got.body, "Confirmed 1 asset mapping.") {
			t.Fatalf("accept: %d\n%s", got.status, got.body)
		}
		got = b.post(t, p, "/asset-mapping/map", url.Values{"company": {company}, "endpoint_id": {"d-3"}, "asset_name": {"BRIGHTWA-WS03"}}, true)
		if got.status != http.StatusOK || !strings.Contains(got.body, "Mapped the endpoint") {
			t.Fatalf("map by hand: %d\n%s", got.status, got.body)
		}
		got = b.post(t, p, "/asset-mapping/map", url.Values{"company": {company}, "endpoint_id": {"d-2"}, "asset_name": {"No such asset"}}, true)
		if got.status != http.StatusUnprocessableEntity || !strings.Contains(got.body, "The client has no active asset named") {
			t.Errorf("map to an unknown asset: %d\n%s", got.status, got.body)
		}
	})

	t.Run("TheAPIListsTheSameRows", func(t *testing.T) {
		got := b.apiCall(t, b.token(t, p), http.MethodGet, fmt.Sprintf("/api/v1/mappings/%d/c-1/assets", src.ID), "")
		var table assetmap.Table
		if err := json.Unmarshal([]byte(got.body), &table); err != nil || got.status != http.StatusOK {
			t.Fatalf("%d %v\n%s", got.status, err, got.body)
		}
		states := map[string]string{}
		for _, r := range table.Rows {
			states[r.Endpoint.ID] = r.State
		}
		want := map[string]string{"d-1": "confirmed", "d-2": "suggested", "d-3": "confirmed", "site/7": "unmapped"}
		if fmt.Sprint(states) != fmt.Sprint(want) || table.Counts["confirmed"] != 2 {
			t.Errorf("states %v, counts %v; want %v", states, table.Counts, want)
		}
	})

	t.Run("TheAPIAddressesAnEndpointIdWithASlash", func(t *testing.T) {
		var wsID int
		for _, a := range b.halo.Assets() {
			if a.KeyField == "BRIGHTWA-WS02" {
				wsID = a.ID
			}
		}
		path := fmt.Sprintf("/api/v1/mappings/%d/c-1/assets/%s", src.ID, url.PathEscape("site/7"))
		state := func() string {
			got := b.apiCall(t, b.token(t, p), http.MethodGet, fmt.Sprintf("/api/v1/mappings/%d/c-1/assets", src.ID), "")
			var table assetmap.Table
			if err := json.Unmarshal([]byte(got.body), &table); err != nil {
				t.Fatalf("%d %v\n%s", got.status, err, got.body)
			}
			for _, r := range table.Rows {
				if r.Endpoint.ID == "site/7" {
					return r.State
				}
			}
			return "missing"
		}
		if got := b.apiCall(t, b.token(t, p), http.MethodPut, path, fmt.Sprintf(`{"asset_id": %d}`, wsID)); got.status != http.StatusNoContent {
			t.Fatalf("PUT %s: %d %s", path, got.status, got.body)
		}
		if s := state(); s != "confirmed" {
			t.Errorf("site/7 is %s after the PUT, want confirmed", s)
		}
		if got := b.apiCall(t, b.token(t, p), http.MethodDelete, path, ""); got.status != http.StatusNoContent {
			t.Fatalf("DELETE %s: %d %s", path, got.status, got.body)
		}
		if s := state(); s == "confirmed" {
			t.Errorf("site/7 is still confirmed after the DELETE")
		}
	})

	t.Run("SettingsAreCheckedBeforeTheyAreSaved", func(t *testing.T) {
		got := b.post(t, p, "/asset-mapping/settings", url.Values{"company": {company},
			"asset_field": {"IP Address"}, "property": {"nonsense"}, "mode": {"exact"}}, true)
		if got.status != http.StatusUnprocessableEntity || !strings.Contains(got.body, "unknown endpoint property") {
			t.Errorf("a rule with an unknown property: %d\n%s", got.status, got.body)
		}
		got = b.post(t, p, "/asset-mapping/settings", url.Values{"company": {company},
			"asset_field": {"IP Address", ""}, "property": {"ip", "name"}, "mode": {"exact", "exact"}, "case_sensitive": {"0"}}, true)
		if got.status != http.StatusOK || !strings.Contains(got.body, "Saved 1 rule") {
			t.Fatalf("save one rule: %d\n%s", got.status, got.body)
		}
		// The asset type of new assets is chosen by name among those the
		// synced assets have.
		page := b.get(t, p, "/asset-mapping").body
		if !strings.Contains(page, `<select name="assettype_id">`) || !strings.Contains(page, `<option value="2">Server (id 2)</option>`) {
			t.Errorf("the settings offer no asset types by name:\n%s", page)
		}
		got = b.post(t, p, "/asset-mapping/settings", url.Values{"company": {company},
			"asset_field": {"IP Address"}, "property": {"ip"}, "mode": {"exact"}, "case_sensitive": {"0"}, "assettype_id": {"2"}}, true)
		if got.status != http.StatusOK || !strings.Contains(got.body, `<option value="2" selected>Server (id 2)</option>`) {
			t.Errorf("save the asset type: %d\n%s", got.status, got.body)
		}
		cfg := b.apiCall(t, b.token(t, p), http.MethodGet, "/api/v1/asset-settings", "")
		if !strings.Contains(cfg.body, `"asset_field":"IP Address","property":"ip","mode":"exact","case_sensitive":true`) {
			t.Errorf("the saved settings: %s", cfg.body)
		}
	})
}
