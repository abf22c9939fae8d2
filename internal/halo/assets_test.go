package halo

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/halo/halosim"
)

func TestSimAssets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("ReadsTheAssetsOfAClientWithTheirFields", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{Clients: 5}, nil)
		want := b.sim.Assets()[0]
		got, err := c.Assets(ctx, AssetQuery{ClientID: want.ClientID})
		mustNoErr(t, "Assets", err)
		i := slices.IndexFunc(got, func(a Asset) bool { return a.ID == want.ID })
		if i < 0 {
			t.Fatalf("asset %d not read among %d", want.ID, len(got))
		}
		a := got[i]
		if a.ClientID != want.ClientID || a.SiteID != want.SiteID || a.AssetTypeName != want.AssetTypeName ||
			a.InventoryNumber != want.InventoryNumber || a.KeyField != want.KeyField || a.KeyField2 != want.KeyField2 {
			t.Errorf("asset read as %+v, the simulator holds %+v", a, want)
		}
		if len(a.Fields) != 5 || a.Fields[0] != (AssetField{ID: 101, Name: "Hostname", Value: want.KeyField}) {
			t.Errorf("fields %+v", a.Fields)
		}
		if len(a.CustomFields) != 1 || a.CustomFields[0].Name != "Last Logged On User" {
			t.Errorf("custom fields %+v, want one named by its label", a.CustomFields)
		}
		for _, a := range got {
			if a.Inactive {
				t.Errorf("asset %d is inactive, asked for active ones", a.ID)
			}
		}
		all, err := c.Assets(ctx, AssetQuery{ClientID: want.ClientID, IncludeInactive: true})
		mustNoErr(t, "Assets with inactive", err)
		if len(all) != len(got)+1 {
			t.Errorf("%d assets with inactive, %d without; the seed has one inactive per client", len(all), len(got))
		}
		reqs := b.sent("GET", "/api/Asset")
		if q := reqs[0].URL; !strings.Contains(q, "includeassetfields=true") || !strings.Contains(q, "client_id=") {
			t.Errorf("list asked as %s", q)
		}
	})

	t.Run("ReadsEveryAssetAcrossCappedPages", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{Clients: 30, PageCapAll: true}, nil)
		got, err := c.Assets(ctx, AssetQuery{IncludeInactive: true})
		mustNoErr(t, "Assets", err)
		if n := len(b.sim.Assets()); len(got) != n || n <= 100 {
			t.Fatalf("read %d assets, the simulator holds %d (more than a capped page)", len(got), n)
		}
	})

	t.Run("AssetTypesNameTheirKeyFields", func(t *testing.T) {
		t.Parallel()
		c, _ := setupSim(t, halosim.Options{Clients: 2}, nil)
		types, err := c.AssetTypes(ctx)
		mustNoErr(t, "AssetTypes", err)
		want := AssetType{ID: 2, Name: "Server", KeyFieldID: 101, KeyFieldName: "Hostname", KeyField2ID: 117, KeyField2Name: "Serial Number", KeyField3ID: 102, KeyField3Name: "IP Address"}
		if !slices.Contains(types, want) {
			t.Errorf("asset types %+v lack %+v", types, want)
		}
	})

	t.Run("CreatesAnAssetAndFilesATicketOnIt", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{Clients: 3}, nil)
		site, _ := pickSite(t, ctx, c)
		created, err := c.CreateAsset(ctx, NewAsset{ClientID: site.ClientID, SiteID: site.ID, AssetTypeID: 1, InventoryNumber: "GZ-1",
			Fields: []AssetField{{ID: 101, Name: "Hostname", Value: "NEW-PC"}}})
		mustNoErr(t, "CreateAsset", err)
		if created.ID == 0 || created.ClientID != site.ClientID || created.KeyField != "NEW-PC" || created.InventoryNumber != "GZ-1" {
			t.Fatalf("created %+v", created)
		}
		var body []map[string]any
		if err := json.Unmarshal(b.sent("POST", "/api/Asset")[0].Body, &body); err != nil {
			t.Fatal(err)
		}
		if body[0]["isassetdetails"] != true || body[0]["_dontaddnewfields"] != true || !cmp.Equal(body[0]["fields"], []any{map[string]any{"id": "101", "value": "NEW-PC"}}) {
			t.Errorf("create body %v, want the live body's shape", body)
		}
		tk, err := c.CreateTicket(ctx, Ticket{Summary: "on a device", ClientID: site.ClientID, SiteID: site.ID, AssetIDs: []int{created.ID}})
		mustNoErr(t, "CreateTicket", err)
		if !strings.Contains(string(b.sent("POST", "/api/Tickets")[0].Body), `"assets":[{"id":`) {
			t.Errorf("ticket body %s has no assets", b.sent("POST", "/api/Tickets")[0].Body)
		}
		back, err := c.Ticket(ctx, tk.ID)
		mustNoErr(t, "Ticket", err)
		if !slices.Equal(back.AssetIDs, []int{created.ID}) || !slices.Equal(tk.AssetIDs, []int{created.ID}) {
			t.Errorf("ticket assets %v (answer %v), want [%d]", back.AssetIDs, tk.AssetIDs, created.ID)
		}
		plain, err := c.CreateTicket(ctx, Ticket{Summary: "no device", ClientID: site.ClientID})
		mustNoErr(t, "CreateTicket", err)
		if strings.Contains(string(b.sent("POST", "/api/Tickets")[1].Body), "assets") || len(plain.AssetIDs) != 0 {
			t.Error("a ticket without assets sends or reads some")
		}
	})

	t.Run("RefusalsInHaloPSAsWords", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{Clients: 3}, nil)
		site, _ := pickSite(t, ctx, c)
		_, err := c.CreateAsset(ctx, NewAsset{SiteID: site.ID, AssetTypeID: 99})
		if !IsBadRequest(err) || err.Error() != "HaloPSA said: Please select a valid Asset Type" {
			t.Errorf("unknown type: %v", err)
		}
		other := slices.IndexFunc(b.sim.Assets(), func(a halosim.Asset) bool { return a.ClientID != site.ClientID })
		_, err = c.CreateTicket(ctx, Ticket{Summary: "s", ClientID: site.ClientID, AssetIDs: []int{b.sim.Assets()[other].ID}})
		if !IsBadRequest(err) || !strings.Contains(err.Error(), "does not belong to the Client") {
			t.Errorf("asset of another client: %v", err)
		}
		if _, err := c.CreateAsset(ctx, NewAsset{SiteID: site.ID}); err == nil || len(b.sent("POST", "/api/Asset")) != 1 {
			t.Errorf("an asset without a type was sent: %v", err)
		}
	})

	t.Run("MissingPermissionIsNamed", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{Clients: 2}, nil)
		b.sim.SetScopes(halosim.DefaultClientID, "read:tickets", "read:customers")
		_, err := c.Assets(ctx, AssetQuery{})
		if !IsForbidden(err) || !strings.Contains(err.Error(), "it needs the read:assets permission") {
			t.Errorf("Assets: %v", err)
		}
		b.sim.SetScopes(halosim.DefaultClientID, "read:assets", "read:customers")
		site, _ := pickSite(t, ctx, c)
		_, err = c.CreateAsset(ctx, NewAsset{SiteID: site.ID, AssetTypeID: 1})
		if !IsForbidden(err) || !strings.Contains(err.Error(), "edit:assets") {
			t.Errorf("CreateAsset: %v", err)
		}
	})
}

func TestAssetsFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("ReadsHostileButValidAnswers", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"record_count":1,"assets":[{"id":"7","client_id":3.0,"site_id":"4","assettype_id":"","inactive":false,
				"unknown":{"deep":[1,2]},"inventory_number":12345,
				"fields":[{"id":"101","name":"Hostname","value":"PC-1"},{"id":102,"name":"RAM","value":16},{"id":103,"name":"Managed","value":true},
				{"id":104,"name":"Owner","value":{"id":5},"display":"Jo Bloggs"},{"id":105,"name":"Empty","value":null}],
				"customfields":[{"id":1,"name":"CFTag","label":"","value":"x"}]}]}`))
		})
		got, err := f.client(t, nil).Assets(ctx, AssetQuery{})
		mustNoErr(t, "Assets", err)
		want := []Asset{{ID: 7, ClientID: 3, SiteID: 4, InventoryNumber: "12345",
			Fields:       []AssetField{{101, "Hostname", "PC-1"}, {102, "RAM", "16"}, {103, "Managed", "true"}, {104, "Owner", "Jo Bloggs"}, {105, "Empty", ""}},
			CustomFields: []AssetField{{1, "CFTag", "x"}}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("assets (-want +got):\n%s", diff)
		}
	})

	t.Run("RefusesAnswersThatAreNotAssets", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"record_count":1,"assets":[{"id":"seven"}]}`))
		})
		if _, err := f.client(t, nil).Assets(ctx, AssetQuery{}); err == nil || !strings.Contains(err.Error(), "decode GET /Asset") {
			t.Errorf("err = %v, want a decode error naming the list", err)
		}
	})

	t.Run("A403WithoutAPermissionNamesTheOneNeeded", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) })
		_, err := f.client(t, nil).AssetTypes(ctx)
		var ae *APIError
		if !errors.As(err, &ae) || ae.Permission != "read:assets" {
			t.Errorf("err = %v, want a 403 naming read:assets", err)
		}
	})

	t.Run("RetriesAReadAfter5xxButNeverACreate", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) })
		c := f.client(t, func(c *Config) { c.MaxRetries = 1 })
		if _, err := c.Assets(ctx, AssetQuery{}); !hasStatus(err, http.StatusBadGateway) || len(f.apiRequests()) != 2 {
			t.Errorf("read: err = %v after %d requests, want the 502 after 2", err, len(f.apiRequests()))
		}
		_, err := c.CreateAsset(ctx, NewAsset{SiteID: 1, AssetTypeID: 1})
		if !IsMaybeApplied(err) || len(f.apiRequests()) != 3 {
			t.Errorf("create: err = %v after %d requests, want maybe applied after 1 more", err, len(f.apiRequests()))
		}
	})

	t.Run("RateLimitIsReturned", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "30")
			http.Error(w, "Rate Limit Reached - 300 Requests per rolling 5 minute window", http.StatusTooManyRequests)
		})
		if _, err := f.client(t, nil).Assets(ctx, AssetQuery{}); !IsRateLimited(err) {
			t.Errorf("err = %v, want rate limited", err)
		}
	})

	t.Run("CreateAnswerAsAList", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusCreated, []map[string]any{{"id": 9, "site_id": 1, "assettype_id": 1}})
		})
		a, err := f.client(t, nil).CreateAsset(ctx, NewAsset{SiteID: 1, AssetTypeID: 1})
		if err != nil || a.ID != 9 {
			t.Errorf("CreateAsset = %+v, %v", a, err)
		}
	})
}
