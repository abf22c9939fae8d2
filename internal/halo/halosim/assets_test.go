package halosim

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// assetScene is a seeded active client with its assets, and an asset of another client.
type assetScene struct {
	client  Client
	assets  []Asset
	foreign Asset
}

func findAssetScene(t *testing.T, b *testBundle) assetScene {
	t.Helper()
	var sc assetScene
	all := b.sim.Assets()
	for _, c := range b.sim.Clients() {
		if c.Inactive || sc.client.ID != 0 {
			continue
		}
		sc.client = c
		for _, a := range all {
			if a.ClientID == c.ID {
				sc.assets = append(sc.assets, a)
			}
		}
	}
	for _, a := range all {
		if a.ClientID != sc.client.ID {
			sc.foreign = a
			break
		}
	}
	if len(sc.assets) == 0 || sc.foreign.ID == 0 {
		t.Fatal("the seed has no client with assets, or no second client with assets")
	}
	return sc
}

func assetIDs(list []Asset) []int {
	out := make([]int, len(list))
	for i, a := range list {
		out[i] = a.ID
	}
	return out
}

func TestAssets(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	tok := b.token(t, "all")
	sc := findAssetScene(t, b)
	prefix := hostPrefix(sc.client.Name)

	t.Run("SeededLikeTheGravityZoneHosts", func(t *testing.T) {
		t.Parallel()
		var hosts []string
		inactive := 0
		for _, a := range sc.assets {
			hosts = append(hosts, a.KeyField)
			if a.Inactive {
				inactive++
			}
		}
		for _, want := range []string{prefix + "-SRV01", prefix + "-WS02", prefix + "-WS03"} {
			if !slices.Contains(hosts, want) {
				t.Errorf("client %q has no asset %s; hosts %v", sc.client.Name, want, hosts)
			}
		}
		if inactive != 1 {
			t.Errorf("%d inactive assets, want 1", inactive)
		}
	})

	t.Run("ListIsWrappedActiveOnlyWithoutFieldsByDefault", func(t *testing.T) {
		t.Parallel()
		resp := b.send(t, "GET", "/api/Asset?client_id="+itoa(sc.client.ID), tok, nil)
		wantStatus(t, resp, http.StatusOK)
		got := decode[struct {
			RecordCount int     `json:"record_count"`
			Assets      []Asset `json:"assets"`
		}](t, resp)
		if got.RecordCount != len(sc.assets)-1 || len(got.Assets) != got.RecordCount {
			t.Fatalf("record_count %d, %d assets; want %d active", got.RecordCount, len(got.Assets), len(sc.assets)-1)
		}
		for _, a := range got.Assets {
			if a.Inactive || a.ClientID != sc.client.ID || len(a.Fields) != 0 {
				t.Errorf("asset %+v: want an active asset of client %d without fields", a, sc.client.ID)
			}
		}
	})

	t.Run("IncludeAssetFieldsNamesEveryField", func(t *testing.T) {
		t.Parallel()
		resp := b.send(t, "GET", "/api/Asset?includeassetfields=true&includeinactive=true&client_id="+itoa(sc.client.ID), tok, nil)
		wantStatus(t, resp, http.StatusOK)
		got := decode[struct {
			Assets []Asset `json:"assets"`
		}](t, resp)
		if len(got.Assets) != len(sc.assets) {
			t.Fatalf("%d assets with includeinactive, want %d", len(got.Assets), len(sc.assets))
		}
		var names []string
		for _, f := range got.Assets[0].Fields {
			names = append(names, f.Name)
		}
		if want := []string{"Hostname", "IP Address", "MAC Address", "Serial Number", "Operating System"}; !slices.Equal(names, want) {
			t.Errorf("field names %v, want %v", names, want)
		}
	})

	t.Run("PagedFilteredAndSearched", func(t *testing.T) {
		t.Parallel()
		page := decode[struct {
			RecordCount int     `json:"record_count"`
			Assets      []Asset `json:"assets"`
			PageNo      int     `json:"page_no"`
		}](t, b.send(t, "GET", "/api/Asset?pageinate=true&page_size=2&page_no=2&client_id="+itoa(sc.client.ID), tok, nil))
		if page.RecordCount != len(sc.assets)-1 || len(page.Assets) != 2 || page.PageNo != 2 {
			t.Errorf("page 2 of 2: record_count %d, %d rows, page_no %d", page.RecordCount, len(page.Assets), page.PageNo)
		}
		byInv := decode[struct {
			Assets []Asset `json:"assets"`
		}](t, b.send(t, "GET", "/api/Asset?inventory_number="+strings.ToLower(prefix)+"-srv01&client_id="+itoa(sc.client.ID), tok, nil))
		if len(byInv.Assets) != 1 || byInv.Assets[0].KeyField != prefix+"-SRV01" {
			t.Errorf("inventory_number (any case) found %+v", byInv.Assets)
		}
		search := decode[struct {
			Assets []Asset `json:"assets"`
		}](t, b.send(t, "GET", "/api/Asset?search=Windows%20Server&client_id="+itoa(sc.client.ID), tok, nil))
		if len(search.Assets) != 1 {
			t.Errorf("search by a field value found %d assets, want the server", len(search.Assets))
		}
		types := decode[struct {
			Assets []Asset `json:"assets"`
		}](t, b.send(t, "GET", "/api/Asset?assettype_id=2&client_id="+itoa(sc.client.ID), tok, nil))
		if len(types.Assets) != 1 || types.Assets[0].AssetTypeName != "Server" {
			t.Errorf("assettype_id=2 found %+v", types.Assets)
		}
		ids := decode[map[string]any](t, b.send(t, "GET", "/api/Asset?idonly=true&client_id="+itoa(sc.client.ID), tok, nil))
		rows, _ := ids["assets"].([]any)
		if len(rows) != len(sc.assets)-1 || len(rows[0].(map[string]any)) != 1 {
			t.Errorf("idonly answered %v", ids)
		}
	})

	t.Run("AssetTypesAreABareArray", func(t *testing.T) {
		t.Parallel()
		types := decode[[]AssetType](t, b.send(t, "GET", "/api/AssetType", tok, nil))
		var names []string
		for _, at := range types {
			names = append(names, at.Name)
		}
		if !slices.Equal(names, []string{"Workstation", "Server", "Laptop"}) || types[0].KeyFieldName != "Hostname" {
			t.Errorf("asset types %+v", types)
		}
	})

	// Not parallel: it adds an asset to the client the list checks count, so it
	// runs (and deletes what it added) before they are released.
	t.Run("CreateWithTheLiveBodyThenDelete", func(t *testing.T) {
		body := `[{"_dontaddnewfields":true,"isassetdetails":true,"assettype_id":"1","site_id":` + itoa(sc.client.MainSiteID) +
			`,"inventory_number":"NEW-1","status_id":1,"inactive":false,"fields":[{"id":"101","value":"NEW-HOST"},{"id":"999","value":"dropped"},{"id":102,"value":"10.9.9.9"}]}]`
		resp := b.send(t, "POST", "/api/Asset", tok, body)
		wantStatus(t, resp, http.StatusCreated)
		got := decode[Asset](t, resp)
		if got.ID == 0 || got.ClientID != sc.client.ID || got.KeyField != "NEW-HOST" || got.KeyField3 != "10.9.9.9" || len(got.Fields) != 2 {
			t.Fatalf("created %+v", got)
		}
		wantStatus(t, b.send(t, "GET", "/api/Asset/"+itoa(got.ID), tok, nil), http.StatusOK)
		wantStatus(t, b.send(t, "DELETE", "/api/Asset/"+itoa(got.ID), tok, nil), http.StatusOK)
		wantHaloError(t, b.send(t, "GET", "/api/Asset/"+itoa(got.ID), tok, nil), http.StatusNotFound, "")
	})

	t.Run("CreateRefusesWhatHaloPSARefuses", func(t *testing.T) {
		t.Parallel()
		site := itoa(sc.client.MainSiteID)
		for _, tc := range []struct{ name, body, message string }{
			{"UnknownType", `[{"assettype_id":77,"site_id":` + site + `}]`, "Please select a valid Asset Type"},
			{"UnknownSite", `[{"assettype_id":1,"site_id":999999}]`, "Please select a valid Site"},
			{"SiteOfAnotherClient", `[{"assettype_id":1,"site_id":` + site + `,"client_id":` + itoa(sc.foreign.ClientID) + `}]`, "Please select a valid Client/Site"},
			{"FieldIDNotANumber", `[{"assettype_id":1,"site_id":` + site + `,"fields":[{"id":"abc","value":"x"}]}]`, "Invalid value for 'fields.id': expected a whole number, got abc"},
		} {
			wantHaloError(t, b.send(t, "POST", "/api/Asset", tok, tc.body), http.StatusBadRequest, tc.message)
		}
	})

	t.Run("ScopesAreEnforced", func(t *testing.T) {
		t.Parallel()
		tickets := b.token(t, "read:tickets")
		wantHaloError(t, b.send(t, "GET", "/api/Asset", tickets, nil), http.StatusForbidden, "You do not have permission to access this area (read:assets)")
		wantHaloError(t, b.send(t, "GET", "/api/AssetType", tickets, nil), http.StatusForbidden, "You do not have permission to access this area (read:assets)")
		read := b.token(t, "read:assets")
		wantStatus(t, b.send(t, "GET", "/api/Asset", read, nil), http.StatusOK)
		wantHaloError(t, b.send(t, "POST", "/api/Asset", read, `[{"assettype_id":1,"site_id":1}]`), http.StatusForbidden, "You do not have permission to access this area (edit:assets)")
	})

	t.Run("TicketsCarryAssetsOfTheirClient", func(t *testing.T) {
		t.Parallel()
		asset := sc.assets[0]
		resp := b.send(t, "POST", "/api/Tickets", tok, `[{"summary":"s","client_id":`+itoa(sc.client.ID)+`,"assets":[{"id":`+itoa(asset.ID)+`}]}]`)
		wantStatus(t, resp, http.StatusCreated)
		created := decode[Ticket](t, resp)
		got := decode[Ticket](t, b.send(t, "GET", "/api/Tickets/"+itoa(created.ID), tok, nil))
		if len(got.Assets) != 1 || got.Assets[0].ID != asset.ID || got.Assets[0].KeyField != asset.KeyField {
			t.Fatalf("ticket assets %+v, want asset %d", got.Assets, asset.ID)
		}
		wantHaloError(t, b.send(t, "POST", "/api/Tickets", tok, `[{"summary":"s","client_id":`+itoa(sc.client.ID)+`,"assets":[{"id":999999}]}]`),
			http.StatusBadRequest, "Please select a valid Asset (999999 does not exist)")
		wantHaloError(t, b.send(t, "POST", "/api/Tickets", tok, `[{"summary":"s","client_id":`+itoa(sc.client.ID)+`,"assets":[{"id":`+itoa(sc.foreign.ID)+`}]}]`),
			http.StatusBadRequest, "The Asset "+itoa(sc.foreign.ID)+" does not belong to the Client of this Ticket")
		if ids := assetIDs(b.sim.Assets()); !slices.Contains(ids, asset.ID) {
			t.Error("the asset went away")
		}
	})
}
