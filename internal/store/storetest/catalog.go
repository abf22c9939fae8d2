package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/store"
)

// jsonMeaning compares JSON by meaning: PostgreSQL's JSONB hands data back
// re-formatted.
func jsonMeaning() cmp.Option {
	return cmp.Transformer("JSONMeaning", func(m json.RawMessage) any {
		var v any
		if err := json.Unmarshal(m, &v); err != nil {
			return string(m)
		}
		return v
	})
}

func testCatalog(t *testing.T, setup func(t *testing.T) *testBundle) {
	syncedAt := time.Date(2026, 3, 1, 9, 30, 0, 123456000, time.UTC)

	t.Run("ReplacesCatalogAndCountsChanges", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")

		first := []store.CatalogEntry{
			{HaloID: "12", Name: "Main", ParentID: "3", Data: json.RawMessage(`{"id":12,"name":"Main","client_id":3}`)},
			{HaloID: "13", Name: "Branch", ParentID: "3", Data: json.RawMessage(`{"id":13,"name":"Branch","client_id":3}`)},
			{HaloID: "14", Name: "Warehouse", ParentID: "4", Data: json.RawMessage(`{"id":14,"name":"Warehouse","client_id":4}`)},
		}
		diff, err := b.store.ReplaceCatalog(b.ctx, p.ID, store.KindSite, first, syncedAt)
		if err != nil {
			t.Fatalf("first ReplaceCatalog: %v", err)
		}
		if want := (store.CatalogDiff{Added: 3}); diff != want {
			t.Errorf("first diff = %+v, want %+v", diff, want)
		}

		// 12 unchanged, 13 renamed, 14 moved to another client with its
		// data, 15 new, and nothing removed yet.
		second := []store.CatalogEntry{
			{HaloID: "12", Name: "Main", ParentID: "3", Data: json.RawMessage(`{"id":12,"name":"Main","client_id":3}`)},
			{HaloID: "13", Name: "Branch Office", ParentID: "3", Data: json.RawMessage(`{"id":13,"name":"Branch Office","client_id":3}`)},
			{HaloID: "14", Name: "Warehouse", ParentID: "5", Data: json.RawMessage(`{"id":14,"name":"Warehouse","client_id":5}`)},
			{HaloID: "15", Name: "Lab", ParentID: "4", Data: json.RawMessage(`{"id":15,"name":"Lab","client_id":4}`)},
		}
		later := syncedAt.Add(time.Hour)
		diff, err = b.store.ReplaceCatalog(b.ctx, p.ID, store.KindSite, second, later)
		if err != nil {
			t.Fatalf("second ReplaceCatalog: %v", err)
		}
		if want := (store.CatalogDiff{Added: 1, Updated: 2, Unchanged: 1}); diff != want {
			t.Errorf("second diff = %+v, want %+v", diff, want)
		}

		// 12 only changes its data, 13 and 15 go, 14 stays as it is.
		third := []store.CatalogEntry{
			{HaloID: "12", Name: "Main", ParentID: "3", Data: json.RawMessage(`{"id":12,"name":"Main","client_id":3,"inactive":true}`)},
			{HaloID: "14", Name: "Warehouse", ParentID: "5", Data: json.RawMessage(`{"id":14,"name":"Warehouse","client_id":5}`)},
		}
		diff, err = b.store.ReplaceCatalog(b.ctx, p.ID, store.KindSite, third, later)
		if err != nil {
			t.Fatalf("third ReplaceCatalog: %v", err)
		}
		if want := (store.CatalogDiff{Updated: 1, Removed: 2, Unchanged: 1}); diff != want {
			t.Errorf("third diff = %+v, want %+v", diff, want)
		}

		got, err := b.store.Catalog(b.ctx, p.ID, store.KindSite)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.CatalogEntry{
			{PartnerID: p.ID, Kind: store.KindSite, HaloID: "12", Name: "Main", ParentID: "3", Data: third[0].Data, SyncedAt: later},
			{PartnerID: p.ID, Kind: store.KindSite, HaloID: "14", Name: "Warehouse", ParentID: "5", Data: third[1].Data, SyncedAt: later},
		}
		if d := cmp.Diff(want, got, jsonMeaning()); d != "" {
			t.Errorf("catalog after three syncs (-want +got):\n%s", d)
		}
	})

	t.Run("TreatsReformattedJSONAsUnchanged", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		entry := store.CatalogEntry{HaloID: "7", Name: "Closed", Data: json.RawMessage(`{"id":7,"name":"Closed","type":1}`)}
		if _, err := b.store.ReplaceCatalog(b.ctx, p.ID, store.KindStatus, []store.CatalogEntry{entry}, syncedAt); err != nil {
			t.Fatal(err)
		}
		entry.Data = json.RawMessage(`{ "type": 1, "name": "Closed", "id": 7 }`)
		diff, err := b.store.ReplaceCatalog(b.ctx, p.ID, store.KindStatus, []store.CatalogEntry{entry}, syncedAt)
		if err != nil {
			t.Fatal(err)
		}
		if want := (store.CatalogDiff{Unchanged: 1}); diff != want {
			t.Errorf("diff = %+v, want %+v", diff, want)
		}
	})

	t.Run("OrdersByNameThenHaloID", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		entries := []store.CatalogEntry{
			{HaloID: "10", Name: "beta"},
			{HaloID: "9", Name: "beta"},
			{HaloID: "100", Name: "Alpha"},
			{HaloID: "2", Name: "alpha"},
			{HaloID: "3", Name: "Zulu"},
		}
		if _, err := b.store.ReplaceCatalog(b.ctx, p.ID, store.KindClient, entries, syncedAt); err != nil {
			t.Fatal(err)
		}
		got, err := b.store.Catalog(b.ctx, p.ID, store.KindClient)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range got {
			ids = append(ids, e.HaloID)
		}
		if d := cmp.Diff([]string{"100", "2", "9", "10", "3"}, ids); d != "" {
			t.Errorf("order of Halo ids (-want +got):\n%s", d)
		}
		if string(got[0].Data) == "" {
			t.Error("an entry stored without data reads back with no JSON at all")
		}
	})

	t.Run("ListsChildrenOfAParent", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		priorities := []store.CatalogEntry{
			{HaloID: "0a6b3f9e-8f0a-4d7e-9d1e-2b4f4d7c1a01", Name: "P2 High", ParentID: "1"},
			{HaloID: "0a6b3f9e-8f0a-4d7e-9d1e-2b4f4d7c1a02", Name: "P1 Critical", ParentID: "1"},
			{HaloID: "0a6b3f9e-8f0a-4d7e-9d1e-2b4f4d7c1a03", Name: "P1 Critical", ParentID: "2"},
			{HaloID: "0a6b3f9e-8f0a-4d7e-9d1e-2b4f4d7c1a04", Name: "Unfiled"},
		}
		if _, err := b.store.ReplaceCatalog(b.ctx, p.ID, store.KindPriority, priorities, syncedAt); err != nil {
			t.Fatal(err)
		}
		got, err := b.store.CatalogChildren(b.ctx, p.ID, store.KindPriority, "1")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range got {
			names = append(names, e.Name+" "+e.HaloID[len(e.HaloID)-2:])
		}
		if d := cmp.Diff([]string{"P1 Critical 02", "P2 High 01"}, names); d != "" {
			t.Errorf("children of SLA 1 (-want +got):\n%s", d)
		}
		none, err := b.store.CatalogChildren(b.ctx, p.ID, store.KindPriority, "99")
		if err != nil || len(none) != 0 {
			t.Errorf("children of an unknown parent = %v, %v; want none", none, err)
		}
	})

	t.Run("ReadsOneEntry", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		in := store.CatalogEntry{HaloID: "halointegrator", Name: "HaloBridge", Data: json.RawMessage(`{"id":"halointegrator"}`)}
		if _, err := b.store.ReplaceCatalog(b.ctx, p.ID, store.KindApplication, []store.CatalogEntry{in}, syncedAt); err != nil {
			t.Fatal(err)
		}
		got, err := b.store.CatalogEntry(b.ctx, p.ID, store.KindApplication, "halointegrator")
		if err != nil {
			t.Fatal(err)
		}
		want := store.CatalogEntry{PartnerID: p.ID, Kind: store.KindApplication, HaloID: "halointegrator", Name: "HaloBridge",
			Data: in.Data, SyncedAt: syncedAt}
		if d := cmp.Diff(want, got, jsonMeaning()); d != "" {
			t.Errorf("CatalogEntry (-want +got):\n%s", d)
		}
		if _, err := b.store.CatalogEntry(b.ctx, p.ID, store.KindApplication, "other"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown Halo id: error = %v, want ErrNotFound", err)
		}
		if _, err := b.store.CatalogEntry(b.ctx, p.ID, store.KindClient, "halointegrator"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("same id under another kind: error = %v, want ErrNotFound", err)
		}
	})

	t.Run("KeepsKindsAndPartnersApart", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		a := createPartner(t, b, "Acme IT", "acme")
		other := createPartner(t, b, "Other", "other")
		one := []store.CatalogEntry{{HaloID: "1", Name: "One"}}
		for _, step := range []struct {
			partner int64
			kind    string
		}{{a.ID, store.KindClient}, {a.ID, store.KindTeam}, {other.ID, store.KindClient}} {
			if _, err := b.store.ReplaceCatalog(b.ctx, step.partner, step.kind, one, syncedAt); err != nil {
				t.Fatal(err)
			}
		}

		diff, err := b.store.ReplaceCatalog(b.ctx, a.ID, store.KindClient, nil, syncedAt)
		if err != nil {
			t.Fatal(err)
		}
		if want := (store.CatalogDiff{Removed: 1}); diff != want {
			t.Errorf("emptying acme's clients: diff = %+v, want %+v", diff, want)
		}
		for _, check := range []struct {
			partner int64
			kind    string
			want    int
		}{{a.ID, store.KindClient, 0}, {a.ID, store.KindTeam, 1}, {other.ID, store.KindClient, 1}} {
			got, err := b.store.Catalog(b.ctx, check.partner, check.kind)
			if err != nil || len(got) != check.want {
				t.Errorf("partner %d %s catalog = %v, %v; want %d entries", check.partner, check.kind, got, err, check.want)
			}
		}
	})

	t.Run("RejectsBadInput", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		tests := []struct {
			name    string
			kind    string
			entries []store.CatalogEntry
		}{
			{"UnknownKind", "clients", []store.CatalogEntry{{HaloID: "1", Name: "One"}}},
			{"EmptyHaloID", store.KindClient, []store.CatalogEntry{{Name: "Nameless"}}},
			{"DuplicateHaloID", store.KindClient, []store.CatalogEntry{{HaloID: "1", Name: "One"}, {HaloID: "1", Name: "Again"}}},
			{"DataNotJSON", store.KindClient, []store.CatalogEntry{{HaloID: "1", Name: "One", Data: json.RawMessage(`{"id":`)}}},
		}
		for _, tt := range tests {
			if _, err := b.store.ReplaceCatalog(b.ctx, p.ID, tt.kind, tt.entries, syncedAt); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%s: error = %v, want ErrInvalid", tt.name, err)
			}
		}
		if got, err := b.store.Catalog(b.ctx, p.ID, store.KindClient); err != nil || len(got) != 0 {
			t.Errorf("catalog after rejected writes = %v, %v; want empty", got, err)
		}
		if _, err := b.store.Catalog(b.ctx, p.ID, "clients"); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Catalog of an unknown kind: error = %v, want ErrInvalid", err)
		}
	})

	t.Run("ReplacingCatalogOfUnknownPartnerIsNotFound", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.store.ReplaceCatalog(b.ctx, 999, store.KindClient, []store.CatalogEntry{{HaloID: "1", Name: "One"}}, syncedAt)
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("error = %v, want ErrNotFound", err)
		}
	})
}
