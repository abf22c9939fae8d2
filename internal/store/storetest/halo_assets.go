package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/store"
)

func testHaloAssets(t *testing.T, setup func(t *testing.T) *testBundle) {
	t.Run("ReplacesAClientsAssetsAndSaysWhichWentAway", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		other := createPartner(t, b, "Other IT", "other")
		srv := store.HaloAsset{ID: 7001, ClientID: 101, SiteID: 501, AssetTypeID: 2, AssetTypeName: "Server", InventoryNumber: "ACME-SRV01",
			KeyField: "ACME-SRV01", KeyField2: "SN1", KeyField3: "10.0.0.1",
			Fields: map[string]string{"Hostname": "ACME-SRV01", "IP Address": "10.0.0.1", "Last Logged On User": "jo"}}
		ws := store.HaloAsset{ID: 7002, ClientID: 101, SiteID: 501, AssetTypeID: 1, AssetTypeName: "Workstation", KeyField: "ACME-WS02",
			Fields: map[string]string{"Hostname": "ACME-WS02"}, Inactive: true}
		gone, err := b.store.SaveHaloAssets(b.ctx, p.ID, 101, []store.HaloAsset{ws, srv})
		if err != nil || len(gone) != 0 {
			t.Fatalf("first save: gone %v, %v", gone, err)
		}
		if _, err := b.store.SaveHaloAssets(b.ctx, p.ID, 102, []store.HaloAsset{{ID: 7003, SiteID: 502, Fields: nil}}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.SaveHaloAssets(b.ctx, other.ID, 101, []store.HaloAsset{{ID: 7001, Fields: map[string]string{"Serial": "x"}}}); err != nil {
			t.Fatal(err)
		}
		got, err := b.store.HaloAssets(b.ctx, p.ID, 101)
		if want := []store.HaloAsset{srv, ws}; err != nil || !cmp.Equal(got, want) {
			t.Fatalf("HaloAssets = %v\n%s", err, cmp.Diff(want, got))
		}
		renamed := srv
		renamed.KeyField, renamed.Fields = "ACME-SRV01B", map[string]string{"Hostname": "ACME-SRV01B"}
		gone, err = b.store.SaveHaloAssets(b.ctx, p.ID, 101, []store.HaloAsset{renamed})
		if err != nil || !slices.Equal(gone, []int{7002}) {
			t.Fatalf("second save: gone %v, %v; want [7002]", gone, err)
		}
		got, _ = b.store.HaloAssets(b.ctx, p.ID, 101)
		if want := []store.HaloAsset{renamed}; !cmp.Equal(got, want) {
			t.Fatalf("after the second save:\n%s", cmp.Diff(want, got))
		}
		if got, _ := b.store.HaloAssets(b.ctx, p.ID, 102); len(got) != 1 || got[0].ClientID != 102 || got[0].Fields == nil {
			t.Errorf("client 102's asset: %+v", got)
		}
		gone, err = b.store.SaveHaloAssets(b.ctx, p.ID, 101, nil)
		if err != nil || !slices.Equal(gone, []int{7001}) {
			t.Errorf("emptied: gone %v, %v", gone, err)
		}
		if got, err := b.store.HaloAssets(b.ctx, 999, 101); err != nil || len(got) != 0 {
			t.Errorf("assets of an unknown partner: %v, %v", got, err)
		}
	})

	t.Run("FieldNamesAreTheNamesSeenSorted", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		other := createPartner(t, b, "Other IT", "other")
		if names, err := b.store.HaloAssetFieldNames(b.ctx, p.ID); err != nil || len(names) != 0 {
			t.Fatalf("no assets: %v, %v", names, err)
		}
		for client, fields := range map[int]map[string]string{
			101: {"Hostname": "a", "MAC Address": "m", "ip address": "i"},
			102: {"Hostname": "b", "Serial Number": "s"},
		} {
			if _, err := b.store.SaveHaloAssets(b.ctx, p.ID, client, []store.HaloAsset{{ID: client * 10, Fields: fields}}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.store.SaveHaloAssets(b.ctx, other.ID, 1, []store.HaloAsset{{ID: 1, Fields: map[string]string{"Elsewhere": "x"}}}); err != nil {
			t.Fatal(err)
		}
		names, err := b.store.HaloAssetFieldNames(b.ctx, p.ID)
		if want := []string{"Hostname", "ip address", "MAC Address", "Serial Number"}; err != nil || !slices.Equal(names, want) {
			t.Errorf("HaloAssetFieldNames = %v, %v; want %v", names, err, want)
		}
	})

	t.Run("AssetTypesAreThoseOfTheStoredAssetsByName", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		other := createPartner(t, b, "Other IT", "other")
		if types, err := b.store.HaloAssetTypes(b.ctx, p.ID); err != nil || len(types) != 0 {
			t.Fatalf("no assets: %v, %v", types, err)
		}
		for client, assets := range map[int][]store.HaloAsset{
			101: {{ID: 1, AssetTypeID: 2, AssetTypeName: "Server"}, {ID: 2, AssetTypeID: 1, AssetTypeName: "Workstation"}, {ID: 3}},
			102: {{ID: 4, AssetTypeID: 1, AssetTypeName: "Workstation"}, {ID: 5, AssetTypeID: 3, AssetTypeName: "laptop"}},
		} {
			if _, err := b.store.SaveHaloAssets(b.ctx, p.ID, client, assets); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.store.SaveHaloAssets(b.ctx, other.ID, 1, []store.HaloAsset{{ID: 9, AssetTypeID: 7, AssetTypeName: "Elsewhere"}}); err != nil {
			t.Fatal(err)
		}
		types, err := b.store.HaloAssetTypes(b.ctx, p.ID)
		want := []store.HaloAssetType{{ID: 3, Name: "laptop"}, {ID: 2, Name: "Server"}, {ID: 1, Name: "Workstation"}}
		if err != nil || !slices.Equal(types, want) {
			t.Errorf("HaloAssetTypes = %v, %v; want %v", types, err, want)
		}
	})

	t.Run("RefusesWhatItCannotKeep", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		many := map[string]string{}
		for i := range store.MaxHaloAssetFields + 1 {
			many[strings.Repeat("f", i+1)] = "v"
		}
		for name, tc := range map[string]struct {
			client int
			assets []store.HaloAsset
		}{
			"NoClient":               {0, []store.HaloAsset{{ID: 1}}},
			"AnAssetWithoutID":       {101, []store.HaloAsset{{ID: 0}}},
			"AnAssetOfAnother":       {101, []store.HaloAsset{{ID: 1, ClientID: 102}}},
			"TooManyFields":          {101, []store.HaloAsset{{ID: 1, Fields: many}}},
			"MoreAssetsThanTheBound": {101, make([]store.HaloAsset, store.MaxHaloAssetsPerClient+1)},
		} {
			if _, err := b.store.SaveHaloAssets(b.ctx, p.ID, tc.client, tc.assets); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%s: err = %v, want ErrInvalid", name, err)
			}
		}
	})
}
