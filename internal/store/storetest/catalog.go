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

	t.Run("MergesChangesKeepingTheRecordsNotNamed", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		sites := []store.CatalogEntry{
			{HaloID: "12", Name: "Main", ParentID: "3", Data: json.RawMessage(`{"id":12,"name":"Main","client_id":3}`)},
			{HaloID: "13", Name: "Branch", ParentID: "3", Data: json.RawMessage(`{"id":13,"name":"Branch","client_id":3}`)},
			{HaloID: "14", Name: "Warehouse", ParentID: "4", Data: json.RawMessage(`{"id":14,"name":"Warehouse","client_id":4}`)},
		}
		if _, err := b.store.ReplaceCatalog(b.ctx, p.ID, store.KindSite, sites, syncedAt); err != nil {
			t.Fatal(err)
		}
		// 12 read again as it was, 13 renamed, 15 new; 14 not read.
		changes := []store.CatalogEntry{
			sites[0],
			{HaloID: "13", Name: "Branch Office", ParentID: "3", Data: json.RawMessage(`{"id":13,"name":"Branch Office","client_id":3}`)},
			{HaloID: "15", Name: "Lab", ParentID: "4", Data: json.RawMessage(`{"id":15,"name":"Lab","client_id":4}`)},
		}
		later := syncedAt.Add(time.Hour)
		diff, err := b.store.MergeCatalog(b.ctx, p.ID, store.KindSite, changes, later)
		if err != nil {
			t.Fatal(err)
		}
		if want := (store.CatalogDiff{Added: 1, Updated: 1, Unchanged: 2}); diff != want {
			t.Errorf("diff = %+v, want %+v", diff, want)
		}
		got, err := b.store.Catalog(b.ctx, p.ID, store.KindSite)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.CatalogEntry{
			{PartnerID: p.ID, Kind: store.KindSite, HaloID: "13", Name: "Branch Office", ParentID: "3", Data: changes[1].Data, SyncedAt: later},
			{PartnerID: p.ID, Kind: store.KindSite, HaloID: "15", Name: "Lab", ParentID: "4", Data: changes[2].Data, SyncedAt: later},
			{PartnerID: p.ID, Kind: store.KindSite, HaloID: "12", Name: "Main", ParentID: "3", Data: sites[0].Data, SyncedAt: syncedAt},
			{PartnerID: p.ID, Kind: store.KindSite, HaloID: "14", Name: "Warehouse", ParentID: "4", Data: sites[2].Data, SyncedAt: syncedAt},
		}
		if d := cmp.Diff(want, got, jsonMeaning()); d != "" {
			t.Errorf("catalog after the merge (-want +got):\n%s", d)
		}
	})

	t.Run("RecordsWhenEachKindWasRead", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		other := createPartner(t, b, "Other", "other")
		reads := func(partnerID int64) map[string]store.CatalogRead {
			t.Helper()
			got, err := b.store.CatalogReads(b.ctx, partnerID)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if got := reads(p.ID); len(got) != 0 {
			t.Fatalf("reads before any: %+v, want none", got)
		}
		one := []store.CatalogEntry{{HaloID: "1", Name: "One"}}
		t1, t2, t3 := syncedAt, syncedAt.Add(time.Hour), syncedAt.Add(2*time.Hour)
		steps := []struct {
			merge bool
			kind  string
			at    time.Time
		}{
			{false, store.KindSite, t1},
			{true, store.KindSite, t2},
			{true, store.KindUser, t2}, // changes without a full read before
			{false, store.KindClient, t3},
			{false, store.KindClient, t1}, // a read begun earlier, written last
		}
		for _, step := range steps {
			write := b.store.ReplaceCatalog
			if step.merge {
				write = b.store.MergeCatalog
			}
			if _, err := write(b.ctx, p.ID, step.kind, one, step.at); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.store.ReplaceCatalog(b.ctx, p.ID, store.KindTeam, []store.CatalogEntry{{Name: "no id"}}, t3); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("refused write: %v, want ErrInvalid", err)
		}
		want := map[string]store.CatalogRead{
			store.KindSite:   {Full: t1, Changes: t2},
			store.KindUser:   {Changes: t2},
			store.KindClient: {Full: t1, Changes: t1},
		}
		if d := cmp.Diff(want, reads(p.ID)); d != "" {
			t.Errorf("reads (-want +got):\n%s", d)
		}
		if got := reads(other.ID); len(got) != 0 {
			t.Errorf("another partner's reads: %+v, want none", got)
		}
	})

	t.Run("PutsOneEntryWithoutCountingARead", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		if _, err := b.store.ReplaceCatalog(b.ctx, p.ID, store.KindClient, []store.CatalogEntry{{HaloID: "1", Name: "One"}}, syncedAt); err != nil {
			t.Fatal(err)
		}
		later := syncedAt.Add(time.Minute)
		created := store.CatalogEntry{PartnerID: p.ID, Kind: store.KindClient, HaloID: "2", Name: "Two", Data: json.RawMessage(`{"id":2,"name":"Two"}`), SyncedAt: later}
		renamed := store.CatalogEntry{PartnerID: p.ID, Kind: store.KindClient, HaloID: "1", Name: "Uno", Data: json.RawMessage(`{"id":1,"name":"Uno"}`), SyncedAt: later}
		for _, e := range []store.CatalogEntry{created, renamed} {
			if err := b.store.PutCatalogEntry(b.ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		got, err := b.store.Catalog(b.ctx, p.ID, store.KindClient)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]store.CatalogEntry{created, renamed}, got, jsonMeaning()); d != "" {
			t.Errorf("catalog (-want +got):\n%s", d)
		}
		reads, err := b.store.CatalogReads(b.ctx, p.ID)
		if err != nil || reads[store.KindClient] != (store.CatalogRead{Full: syncedAt, Changes: syncedAt}) {
			t.Errorf("reads = %+v, %v; want the full read alone", reads, err)
		}
		if err := b.store.PutCatalogEntry(b.ctx, store.CatalogEntry{PartnerID: 999, Kind: store.KindClient, HaloID: "1"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown partner: %v, want ErrNotFound", err)
		}
		if err := b.store.PutCatalogEntry(b.ctx, store.CatalogEntry{PartnerID: p.ID, Kind: "clients", HaloID: "1"}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("unknown kind: %v, want ErrInvalid", err)
		}
	})

	t.Run("MergingRefusesWhatReplacingRefuses", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		if _, err := b.store.MergeCatalog(b.ctx, p.ID, store.KindClient, []store.CatalogEntry{{HaloID: "1"}, {HaloID: "1"}}, syncedAt); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("an id listed twice: %v, want ErrInvalid", err)
		}
		if _, err := b.store.MergeCatalog(b.ctx, 999, store.KindClient, []store.CatalogEntry{{HaloID: "1"}}, syncedAt); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown partner: %v, want ErrNotFound", err)
		}
		if reads, err := b.store.CatalogReads(b.ctx, p.ID); err != nil || len(reads) != 0 {
			t.Errorf("reads after refused merges: %+v, %v; want none", reads, err)
		}
	})
}
