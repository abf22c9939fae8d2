package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

func suggested(endpointID, name string, assetID int) store.AssetMapping {
	return store.AssetMapping{EndpointID: endpointID, EndpointName: name, AssetID: assetID, State: store.AssetSuggested, Value: name}
}

func ambiguous(endpointID, name string, candidates ...int) store.AssetMapping {
	return store.AssetMapping{EndpointID: endpointID, EndpointName: name, State: store.AssetAmbiguous, Rule: 1, Candidates: candidates}
}

// endpointIDs are the endpoint ids of rows, in their order.
func endpointIDs(rows []store.AssetMapping) []string {
	var ids []string
	for _, m := range rows {
		ids = append(ids, m.EndpointID)
	}
	return ids
}

func listAssetMappings(t *testing.T, b *testBundle, partnerID int64, q store.AssetMappingQuery) ([]store.AssetMapping, int) {
	t.Helper()
	rows, total, err := b.store.AssetMappings(b.ctx, partnerID, q)
	if err != nil {
		t.Fatalf("AssetMappings(%+v): %v", q, err)
	}
	return rows, total
}

func testAssetMappings(t *testing.T, setup func(t *testing.T) *testBundle) {
	t.Run("SavesSuggestionsAndListsThemByFilter", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		if err := b.store.SaveAssetSuggestions(b.ctx, p.ID, src.ID, "c1", 101, []store.AssetMapping{
			suggested("e1", "PC-01", 11), ambiguous("e2", "Reception 100%", 13, 12), suggested("e3", "laptop-anna", 14),
		}); err != nil {
			t.Fatalf("SaveAssetSuggestions: %v", err)
		}
		if err := b.store.SaveAssetSuggestions(b.ctx, p.ID, src.ID, "c2", 102, []store.AssetMapping{suggested("e4", "pc-02", 21)}); err != nil {
			t.Fatal(err)
		}

		all, total := listAssetMappings(t, b, p.ID, store.AssetMappingQuery{})
		if total != 4 {
			t.Errorf("total %d, want 4", total)
		}
		if diff := cmp.Diff([]string{"e3", "e1", "e4", "e2"}, endpointIDs(all)); diff != "" {
			t.Errorf("order by endpoint name without case (-want +got):\n%s", diff)
		}
		want := store.AssetMapping{SourceID: src.ID, CustomerID: "c1", EndpointID: "e2", EndpointName: "Reception 100%", ClientID: 101,
			State: store.AssetAmbiguous, Rule: 1, Candidates: []int{13, 12}}
		if diff := cmp.Diff(want, all[3], cmpopts.IgnoreFields(store.AssetMapping{}, "UpdatedAt")); diff != "" || all[3].UpdatedAt.IsZero() {
			t.Errorf("ambiguous row (-want +got):\n%s; updated at %v", diff, all[3].UpdatedAt)
		}
		if all[1].AssetID != 11 || all[1].Value != "PC-01" || all[1].State != store.AssetSuggested || all[1].Candidates == nil || len(all[1].Candidates) != 0 {
			t.Errorf("suggestion read back as %+v", all[1])
		}

		for _, tt := range []struct {
			q     store.AssetMappingQuery
			want  []string
			total int
		}{
			{store.AssetMappingQuery{CustomerID: "c2"}, []string{"e4"}, 1},
			{store.AssetMappingQuery{ClientID: 101, State: store.AssetSuggested}, []string{"e3", "e1"}, 2},
			{store.AssetMappingQuery{SourceID: src.ID, State: store.AssetAmbiguous}, []string{"e2"}, 1},
			{store.AssetMappingQuery{State: store.AssetConfirmed}, nil, 0},
			{store.AssetMappingQuery{Search: " Pc-0 "}, []string{"e1", "e4"}, 2},
			{store.AssetMappingQuery{Search: "%"}, []string{"e2"}, 1},
			{store.AssetMappingQuery{Search: "_"}, nil, 0},
			{store.AssetMappingQuery{Limit: 2}, []string{"e3", "e1"}, 4},
			{store.AssetMappingQuery{Limit: 2, Offset: 3}, []string{"e2"}, 4},
			{store.AssetMappingQuery{SourceID: src.ID + 1000}, nil, 0},
		} {
			rows, total := listAssetMappings(t, b, p.ID, tt.q)
			if diff := cmp.Diff(tt.want, endpointIDs(rows)); diff != "" || total != tt.total {
				t.Errorf("%+v: total %d (want %d), rows (-want +got):\n%s", tt.q, total, tt.total, diff)
			}
		}
		other := createPartner(t, b, "Beta IT", "beta")
		if rows, total := listAssetMappings(t, b, other.ID, store.AssetMappingQuery{}); len(rows) != 0 || total != 0 {
			t.Errorf("another partner sees %d of %d rows", len(rows), total)
		}
		if _, _, err := b.store.AssetMappings(b.ctx, p.ID, store.AssetMappingQuery{State: "mapped"}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("unknown state: err = %v, want ErrInvalid", err)
		}
	})

	t.Run("ASaveReplacesSuggestionsButNeverAConfirmedMapping", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		if err := b.store.SaveAssetSuggestions(b.ctx, p.ID, src.ID, "c1", 101, []store.AssetMapping{
			suggested("e1", "PC-01", 11), suggested("e2", "PC-02", 12), suggested("moves", "PC-09", 19),
		}); err != nil {
			t.Fatal(err)
		}
		if n, err := b.store.ConfirmAssetMappings(b.ctx, p.ID, []store.AssetKey{{SourceID: src.ID, EndpointID: "e1"}}); err != nil || n != 1 {
			t.Fatalf("ConfirmAssetMappings = %d, %v", n, err)
		}
		// The next sync: e1 now looks like asset 99, e2 is gone, e3 is new,
		// and "moves" now belongs to customer c2.
		if err := b.store.SaveAssetSuggestions(b.ctx, p.ID, src.ID, "c1", 101, []store.AssetMapping{
			suggested("e1", "PC-01 renamed", 99), ambiguous("e3", "PC-03", 31, 32),
		}); err != nil {
			t.Fatal(err)
		}
		if err := b.store.SaveAssetSuggestions(b.ctx, p.ID, src.ID, "c2", 102, []store.AssetMapping{suggested("moves", "PC-09", 29)}); err != nil {
			t.Fatal(err)
		}
		rows, _ := listAssetMappings(t, b, p.ID, store.AssetMappingQuery{})
		got := map[string]string{}
		for _, m := range rows {
			got[m.EndpointID] = fmt.Sprintf("%s %s %d %s", m.CustomerID, m.State, m.AssetID, m.EndpointName)
		}
		want := map[string]string{"e1": "c1 confirmed 11 PC-01", "e3": "c1 ambiguous 0 PC-03", "moves": "c2 suggested 29 PC-09"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("after the second sync (-want +got):\n%s", diff)
		}
	})

	t.Run("ConfirmsOnlySuggestionsAndEachAssetOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		other := createSource(t, b, p.ID, source.DefensX)
		if err := b.store.SaveAssetSuggestions(b.ctx, p.ID, src.ID, "c1", 101, []store.AssetMapping{
			suggested("e1", "PC-01", 11), ambiguous("e2", "PC-02", 12, 13), suggested("e3", "PC-03", 30),
		}); err != nil {
			t.Fatal(err)
		}
		// A suggestion saved by another source's sync before e3's was
		// accepted holds the same asset.
		if err := b.store.SaveAssetSuggestions(b.ctx, p.ID, other.ID, "dx1", 101, []store.AssetMapping{suggested("x3", "pc-03", 30)}); err != nil {
			t.Fatal(err)
		}
		n, err := b.store.ConfirmAssetMappings(b.ctx, p.ID, []store.AssetKey{
			{SourceID: src.ID, EndpointID: "e1"}, {SourceID: src.ID, EndpointID: "e1"}, {SourceID: src.ID, EndpointID: "e2"},
			{SourceID: src.ID, EndpointID: "gone"}, {SourceID: src.ID, EndpointID: "e3"}, {SourceID: other.ID, EndpointID: "x3"},
		})
		if err != nil || n != 2 {
			t.Fatalf("ConfirmAssetMappings = %d, %v; want 2 (e1 once, e3)", n, err)
		}
		confirmed, _ := listAssetMappings(t, b, p.ID, store.AssetMappingQuery{State: store.AssetConfirmed})
		if diff := cmp.Diff([]string{"e1", "e3"}, endpointIDs(confirmed)); diff != "" {
			t.Errorf("confirmed (-want +got):\n%s", diff)
		}
		q := createPartner(t, b, "Beta IT", "beta")
		if n, err := b.store.ConfirmAssetMappings(b.ctx, q.ID, []store.AssetKey{{SourceID: other.ID, EndpointID: "x3"}}); err != nil || n != 0 {
			t.Errorf("another partner confirming: %d, %v; want 0", n, err)
		}
		if _, err := b.store.ConfirmAssetMappings(b.ctx, p.ID, []store.AssetKey{{SourceID: src.ID}}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("a key without endpoint: err = %v, want ErrInvalid", err)
		}
		if _, err := b.store.ConfirmAssetMappings(b.ctx, p.ID, make([]store.AssetKey, store.MaxAssetMappingsPerSave+1)); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("too many keys: err = %v, want ErrInvalid", err)
		}
	})

	t.Run("MapsByHandRefusingAnAssetAnotherEndpointHolds", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		if err := b.store.SaveAssetSuggestions(b.ctx, p.ID, src.ID, "c1", 101, []store.AssetMapping{ambiguous("e2", "PC-02", 12, 13)}); err != nil {
			t.Fatal(err)
		}
		byHand := store.AssetMapping{SourceID: src.ID, CustomerID: "c1", EndpointID: "e1", EndpointName: "PC-01", ClientID: 101, AssetID: 11, Rule: -1}
		if err := b.store.SetAssetMapping(b.ctx, p.ID, byHand); err != nil {
			t.Fatalf("SetAssetMapping: %v", err)
		}
		if err := b.store.SetAssetMapping(b.ctx, p.ID, byHand); err != nil {
			t.Errorf("mapping the same endpoint to the same asset again: %v", err)
		}
		taken := store.AssetMapping{SourceID: src.ID, CustomerID: "c1", EndpointID: "e2", EndpointName: "PC-02", ClientID: 101, AssetID: 11}
		err := b.store.SetAssetMapping(b.ctx, p.ID, taken)
		if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), `already mapped to endpoint "PC-01" (id e1)`) {
			t.Errorf("an asset another endpoint holds: err = %v, want ErrConflict naming PC-01", err)
		}
		taken.AssetID = 13
		if err := b.store.SetAssetMapping(b.ctx, p.ID, taken); err != nil {
			t.Fatalf("settling the ambiguous endpoint: %v", err)
		}
		rows, _ := listAssetMappings(t, b, p.ID, store.AssetMappingQuery{})
		if len(rows) != 2 || rows[1].State != store.AssetConfirmed || rows[1].AssetID != 13 || len(rows[1].Candidates) != 0 || rows[0].Rule != -1 {
			t.Errorf("rows %+v", rows)
		}

		q := createPartner(t, b, "Beta IT", "beta")
		for _, tt := range []struct {
			name      string
			partnerID int64
			change    func(*store.AssetMapping)
			want      error
		}{
			{"AnotherPartnersSource", q.ID, func(*store.AssetMapping) {}, store.ErrNotFound},
			{"NoAsset", p.ID, func(m *store.AssetMapping) { m.AssetID = 0 }, store.ErrInvalid},
			{"NoCustomer", p.ID, func(m *store.AssetMapping) { m.CustomerID = "" }, store.ErrInvalid},
			{"NoClient", p.ID, func(m *store.AssetMapping) { m.ClientID = 0 }, store.ErrInvalid},
			{"AHugeName", p.ID, func(m *store.AssetMapping) { m.EndpointName = strings.Repeat("x", 256) }, store.ErrInvalid},
		} {
			m := store.AssetMapping{SourceID: src.ID, CustomerID: "c1", EndpointID: "e9", EndpointName: "PC-09", ClientID: 101, AssetID: 19}
			tt.change(&m)
			if err := b.store.SetAssetMapping(b.ctx, tt.partnerID, m); !errors.Is(err, tt.want) {
				t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
			}
		}
	})

	t.Run("DeletesAMappingOnlyForItsPartner", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		q := createPartner(t, b, "Beta IT", "beta")
		src := createSource(t, b, p.ID, source.GravityZone)
		if err := b.store.SetAssetMapping(b.ctx, p.ID, store.AssetMapping{SourceID: src.ID, CustomerID: "c1", EndpointID: "e1", ClientID: 101, AssetID: 11}); err != nil {
			t.Fatal(err)
		}
		key := store.AssetKey{SourceID: src.ID, EndpointID: "e1"}
		if err := b.store.DeleteAssetMapping(b.ctx, q.ID, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another partner deleting: err = %v, want ErrNotFound", err)
		}
		if err := b.store.DeleteAssetMapping(b.ctx, p.ID, key); err != nil {
			t.Fatal(err)
		}
		if err := b.store.DeleteAssetMapping(b.ctx, p.ID, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleting twice: err = %v, want ErrNotFound", err)
		}
		// The asset is free again.
		if err := b.store.SetAssetMapping(b.ctx, p.ID, store.AssetMapping{SourceID: src.ID, CustomerID: "c1", EndpointID: "e2", ClientID: 101, AssetID: 11}); err != nil {
			t.Errorf("mapping the freed asset: %v", err)
		}
	})

	t.Run("FindsTheAssetOfAnAlertsEndpointByIdThenByUniqueName", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		set := func(customer, endpoint, name string, asset int) {
			t.Helper()
			if err := b.store.SetAssetMapping(b.ctx, p.ID, store.AssetMapping{SourceID: src.ID, CustomerID: customer, EndpointID: endpoint,
				EndpointName: name, ClientID: 101, AssetID: asset}); err != nil {
				t.Fatal(err)
			}
		}
		set("c1", "e1", "PC-01", 11)
		set("c1", "e2", "Twin", 12)
		set("c1", "e3", "twin", 13)
		set("c2", "e4", "PC-01", 14)
		if err := b.store.SaveAssetSuggestions(b.ctx, p.ID, src.ID, "c1", 101, []store.AssetMapping{suggested("e5", "Only-Suggested", 15)}); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name                         string
			customer, endpoint, hostName string
			want                         int // asset id, 0 for ErrNotFound
		}{
			{"ByIdWhateverTheName", "c1", "e1", "other name", 11},
			{"ByNameWithoutCase", "c1", "", " pc-01 ", 11},
			{"ByNameInTheAlertsCustomer", "c2", "", "PC-01", 14},
			{"NotByANameTwoEndpointsShare", "c1", "", "TWIN", 0},
			{"NotByANameTwoCustomersShareWithoutCustomer", "", "", "PC-01", 0},
			{"NotASuggestion", "c1", "e5", "", 0},
			{"NotAnUnknownId", "c1", "e9", "PC-01", 0},
			{"NotWithoutIdOrName", "c1", "", "  ", 0},
		} {
			m, err := b.store.AssetOfEndpoint(b.ctx, p.ID, src.ID, tt.customer, tt.endpoint, tt.hostName)
			switch {
			case tt.want == 0 && !errors.Is(err, store.ErrNotFound):
				t.Errorf("%s: %+v, %v; want ErrNotFound", tt.name, m, err)
			case tt.want != 0 && (err != nil || m.AssetID != tt.want):
				t.Errorf("%s: %+v, %v; want asset %d", tt.name, m, err, tt.want)
			}
		}
		q := createPartner(t, b, "Beta IT", "beta")
		if _, err := b.store.AssetOfEndpoint(b.ctx, q.ID, src.ID, "c1", "e1", ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another partner's endpoint: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("RefusesSuggestionsOutOfBounds", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		q := createPartner(t, b, "Beta IT", "beta")
		src := createSource(t, b, p.ID, source.GravityZone)
		for _, tt := range []struct {
			name      string
			partnerID int64
			customer  string
			client    int
			rows      []store.AssetMapping
			want      error
		}{
			{"AnotherPartnersSource", q.ID, "c1", 101, []store.AssetMapping{suggested("e1", "PC-01", 11)}, store.ErrNotFound},
			{"NoCustomer", p.ID, " ", 101, nil, store.ErrInvalid},
			{"NoClient", p.ID, "c1", 0, nil, store.ErrInvalid},
			{"TooManyRows", p.ID, "c1", 101, make([]store.AssetMapping, store.MaxAssetMappingsPerSave+1), store.ErrInvalid},
			{"ARowConfirmed", p.ID, "c1", 101, []store.AssetMapping{{EndpointID: "e1", AssetID: 11, State: store.AssetConfirmed}}, store.ErrInvalid},
			{"AnEndpointTwice", p.ID, "c1", 101, []store.AssetMapping{suggested("e1", "a", 11), suggested("e1", "b", 12)}, store.ErrInvalid},
			{"NoEndpointId", p.ID, "c1", 101, []store.AssetMapping{suggested("", "PC-01", 11)}, store.ErrInvalid},
			{"AHugeEndpointId", p.ID, "c1", 101, []store.AssetMapping{suggested(strings.Repeat("e", 256), "PC-01", 11)}, store.ErrInvalid},
			{"AHugeValue", p.ID, "c1", 101, []store.AssetMapping{{EndpointID: "e1", AssetID: 11, State: store.AssetSuggested, Value: strings.Repeat("v", 256)}}, store.ErrInvalid},
			{"ASuggestionWithoutAsset", p.ID, "c1", 101, []store.AssetMapping{suggested("e1", "PC-01", 0)}, store.ErrInvalid},
			{"AnAmbiguousRowWithoutCandidates", p.ID, "c1", 101, []store.AssetMapping{ambiguous("e1", "PC-01")}, store.ErrInvalid},
			{"ANegativeCandidate", p.ID, "c1", 101, []store.AssetMapping{ambiguous("e1", "PC-01", 3, -1)}, store.ErrInvalid},
			{"AnUnknownState", p.ID, "c1", 101, []store.AssetMapping{{EndpointID: "e1", AssetID: 11, State: "mapped"}}, store.ErrInvalid},
		} {
			if err := b.store.SaveAssetSuggestions(b.ctx, tt.partnerID, src.ID, tt.customer, tt.client, tt.rows); !errors.Is(err, tt.want) {
				t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
			}
		}
		if rows, _ := listAssetMappings(t, b, p.ID, store.AssetMappingQuery{}); len(rows) != 0 {
			t.Errorf("refused saves left %d rows", len(rows))
		}
	})

	t.Run("SavesThousandsOfRowsAndKeepsFiftyCandidates", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		rows := make([]store.AssetMapping, 1000)
		for i := range rows {
			rows[i] = suggested(fmt.Sprintf("e%04d", i), fmt.Sprintf("PC-%04d", i), i+1)
		}
		many := make([]int, 80)
		for i := range many {
			many[i] = 5000 + i
		}
		rows[999] = ambiguous("e0999", "PC-0999", many...)
		if err := b.store.SaveAssetSuggestions(b.ctx, p.ID, src.ID, "c1", 101, rows); err != nil {
			t.Fatal(err)
		}
		page, total := listAssetMappings(t, b, p.ID, store.AssetMappingQuery{Limit: 5000, Offset: 995})
		if total != 1000 || len(page) != 5 || page[4].EndpointID != "e0999" {
			t.Fatalf("total %d, last page %v", total, endpointIDs(page))
		}
		if got := page[4].Candidates; len(got) != store.MaxAssetCandidates || got[0] != 5000 || got[49] != 5049 {
			t.Errorf("candidates %v, want the first %d", got, store.MaxAssetCandidates)
		}
		if first, _ := listAssetMappings(t, b, p.ID, store.AssetMappingQuery{}); len(first) != 100 {
			t.Errorf("a page without limit has %d rows, want 100", len(first))
		}
	})

	t.Run("GoWithTheirSourceAndPartner", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		kept := createSource(t, b, p.ID, source.DefensX)
		for _, s := range []store.Source{src, kept} {
			if err := b.store.SaveAssetSuggestions(b.ctx, p.ID, s.ID, "c1", 101, []store.AssetMapping{suggested("e1", "PC-01", 11)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.store.SaveAssetMatchSettings(b.ctx, p.ID, json.RawMessage(`{"rules":[]}`)); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.DeleteSource(b.ctx, src.ID); err != nil {
			t.Fatal(err)
		}
		if rows, _ := listAssetMappings(t, b, p.ID, store.AssetMappingQuery{}); len(rows) != 1 || rows[0].SourceID != kept.ID {
			t.Errorf("after deleting a source: %+v, want the other source's row only", rows)
		}
		if err := b.store.DeletePartner(b.ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, b, "asset_mappings") + countRows(t, b, "asset_match_settings"); n != 0 {
			t.Errorf("%d rows left after deleting the partner", n)
		}
	})

	t.Run("KeepsSmartMatchSettingsPerPartner", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		q := createPartner(t, b, "Beta IT", "beta")
		if _, err := b.store.AssetMatchSettings(b.ctx, p.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("settings never saved: err = %v, want ErrNotFound", err)
		}
		first := json.RawMessage(`{"rules":[{"asset_field":"inventory_number","property":"name","mode":"exact","case_sensitive":false}]}`)
		second := json.RawMessage(`{"rules":[{"asset_field":"MAC Address","property":"mac","mode":"exact","case_sensitive":false}]}`)
		for _, s := range []json.RawMessage{first, second} {
			if err := b.store.SaveAssetMatchSettings(b.ctx, p.ID, s); err != nil {
				t.Fatal(err)
			}
		}
		got, err := b.store.AssetMatchSettings(b.ctx, p.ID)
		if err != nil || !cmp.Equal(second, got, jsonMeaning()) {
			t.Errorf("AssetMatchSettings = %s, %v; want %s", got, err, second)
		}
		if _, err := b.store.AssetMatchSettings(b.ctx, q.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another partner's settings: err = %v, want ErrNotFound", err)
		}
		for name, tt := range map[string]struct {
			partnerID int64
			settings  json.RawMessage
			want      error
		}{
			"NotJSON":        {p.ID, json.RawMessage(`{"rules":`), store.ErrInvalid},
			"Huge":           {p.ID, json.RawMessage(`"` + strings.Repeat("x", 70_000) + `"`), store.ErrInvalid},
			"UnknownPartner": {q.ID + 1000, first, store.ErrNotFound},
		} {
			if err := b.store.SaveAssetMatchSettings(b.ctx, tt.partnerID, tt.settings); !errors.Is(err, tt.want) {
				t.Errorf("%s: err = %v, want %v", name, err, tt.want)
			}
		}
	})
}
