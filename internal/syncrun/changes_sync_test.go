package syncrun_test

import (
	"cmp"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/mapping"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/store/storetest"
	"halobridge/internal/syncrun/syncruntest"
)

// A day and an hour: past it, a sync reads every list whole again.
const pastAFullRead = 25 * time.Hour

// shiftClock gives a fixture's syncer a clock that runs at the wall
// clock's pace plus an offset the test sets, so that a sync can happen "a
// day later" against a simulator on the wall clock.
func shiftClock(f *syncruntest.Fixture) *atomic.Int64 {
	var offset atomic.Int64
	f.Syncer.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	return &offset
}

// pages is how many requests reading n records costs at HaloPSA's cap of
// 100 a page: the first asks for 1000 and gets 100, the rest ask for 100.
func pages(n int) int {
	return max(1, (n+99)/100)
}

// generalUsers counts the users of the General User search: every active
// user whose name, e-mail or login has "General User" in it; the seed
// gives that name to General Users alone.
func generalUsers(sim *halosim.Sim) int {
	n := 0
	for _, u := range sim.Users() {
		if strings.EqualFold(u.Name, halo.GeneralUserName) && !u.Inactive {
			n++
		}
	}
	return n
}

func activeSites(sim *halosim.Sim) int {
	n := 0
	for _, s := range sim.Sites() {
		if !s.Inactive {
			n++
		}
	}
	return n
}

func TestSyncOfALargeTenantReadsOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	// The request count does not depend on the engine; the merge is held
	// on both engines by TestIncrementalSyncMatchesAWholeRead.
	f := syncruntest.NewFixture(t, storetest.Engines("incsync")[0].Open(t), halosim.Options{Clients: 5000, PageCapAll: true, Seed: 3})
	// Three syncs of this tenant spend more than HaloPSA's 300 requests in
	// five minutes; the simulator has no limit here, and the syncs are not
	// to wait for the window.
	f.Syncer.Halo.Budget = halo.NewLimiters(100_000, 5*time.Minute)
	offset := shiftClock(f)
	// The seed gives a recurring invoice to every client but each third:
	// 3,334 of 5,000, 34 pages that billing in create mode never reads.
	clients, sites, users, invoices := len(f.Sim.Clients()), activeSites(f.Sim), generalUsers(f.Sim), len(f.Sim.RecurringInvoices())
	if clients != 5000 || sites < 5000 || users < 4000 || invoices != 3334 {
		t.Fatalf("the simulator holds %d clients, %d sites, %d General Users and %d recurring invoices: not the large tenant this test is about",
			clients, sites, users, invoices)
	}
	// Every list whole: 100 records a page for the paged lists, one
	// request for each of the eight configuration lists and the items.
	whole := map[string]int{
		"/api/Client": 50, "/api/Site": pages(sites), "/api/Users": pages(users),
		"/api/Agent": 1, "/api/Team": 1, "/api/Status": 1, "/api/TicketType": 1, "/api/SLA": 1, "/api/Category": 1,
		"/api/Outcome": 1, "/api/Lookup": 1, "/api/Item": 1,
	}

	t.Run("TheFirstSyncReadsEveryListWhole", func(t *testing.T) {
		res := f.MustSync(t)
		want := plus(whole, map[string]int{"/auth/token": 1})
		if diff := gocmp.Diff(want, syncruntest.RequestsByPath(f.Sim)); diff != "" {
			t.Errorf("HaloPSA requests by path (-want +got):\n%s", diff)
		}
		if got := res.Catalog[store.KindClient]; got != (store.CatalogDiff{Added: 5000}) {
			t.Errorf("clients %+v, want 5000 added", got)
		}
	})

	t.Run("TheNextSyncReadsTheThreeClientsChangedAndCountsEachList", func(t *testing.T) {
		seeded := f.Sim.Clients()
		for _, cl := range seeded[100:103] {
			f.Sim.UpdateClient(cl.ID, func(c *halosim.Client) { c.Name += " (renamed)" })
		}
		f.Sim.ResetRequests()
		res := f.MustSync(t)
		// Clients: the three changed (one page) and a count; sites and
		// General Users: none changed (one request) and a count. The
		// configuration lists and the items are read whole as before: 15
		// requests.
		want := map[string]int{
			"/api/Client": 2, "/api/Site": 2, "/api/Users": 2,
			"/api/Agent": 1, "/api/Team": 1, "/api/Status": 1, "/api/TicketType": 1, "/api/SLA": 1, "/api/Category": 1,
			"/api/Outcome": 1, "/api/Lookup": 1, "/api/Item": 1,
		}
		if diff := gocmp.Diff(want, syncruntest.RequestsByPath(f.Sim)); diff != "" {
			t.Errorf("HaloPSA requests by path (-want +got):\n%s", diff)
		}
		t.Logf("second sync: %d requests, the first %d", total(syncruntest.RequestsByPath(f.Sim)), total(whole)+1)
		if got := res.Catalog[store.KindClient]; got != (store.CatalogDiff{Updated: 3, Unchanged: 4997}) {
			t.Errorf("clients %+v, want 3 updated of 5000", got)
		}
		stored, err := f.St.CatalogEntry(t.Context(), f.Partner.ID, store.KindClient, strconv.Itoa(seeded[101].ID))
		if err != nil || stored.Name != seeded[101].Name+" (renamed)" {
			t.Errorf("stored client %+v, %v; want it renamed", stored, err)
		}
	})

	t.Run("ADayLaterEveryListIsReadWholeAgain", func(t *testing.T) {
		offset.Store(int64(pastAFullRead))
		f.Sim.ResetRequests()
		res := f.MustSync(t)
		if diff := gocmp.Diff(whole, syncruntest.RequestsByPath(f.Sim)); diff != "" {
			t.Errorf("HaloPSA requests by path (-want +got):\n%s", diff)
		}
		if got := res.Catalog[store.KindClient]; got != (store.CatalogDiff{Unchanged: 5000}) {
			t.Errorf("clients %+v, want 5000 unchanged", got)
		}
	})

	t.Run("AClientDeletedCostsOneRequestForTheIDsNotFiftyPages", func(t *testing.T) {
		gone := f.Sim.Clients()[200]
		f.Sim.DeleteClient(gone.ID)
		f.Sim.ResetRequests()
		res := f.MustSync(t)
		// Clients: none changed, a count one short of the catalog, and the
		// ids of the 4,999 left in one idonly request.
		idOnly := 0
		for _, r := range f.Sim.Requests() {
			if r.Path == "/api/Client" && strings.Contains(r.Query, "idonly=true") {
				idOnly++
			}
		}
		if got := syncruntest.RequestsByPath(f.Sim)["/api/Client"]; got != 3 || idOnly != 1 {
			t.Errorf("/api/Client: %d requests (%d with idonly), want 3 with one idonly", got, idOnly)
		}
		if got := res.Catalog[store.KindClient]; got.Removed != 1 || got.Unchanged != 4999 {
			t.Errorf("clients %+v, want 1 removed and 4999 unchanged", got)
		}
		if _, err := f.St.CatalogEntry(t.Context(), f.Partner.ID, store.KindClient, strconv.Itoa(gone.ID)); err == nil {
			t.Errorf("client %d is still in the catalog", gone.ID)
		}
	})
}

func plus(a, b map[string]int) map[string]int {
	out := map[string]int{}
	for _, m := range []map[string]int{a, b} {
		for k, v := range m {
			out[k] += v
		}
	}
	return out
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// compareBundle is one store with two partners connected to one simulated
// HaloPSA with the same customers and mappings: partner A's last sync reads
// what changed, partner B's, a day later by its clock, every list whole.
type compareBundle struct {
	a, b   *syncruntest.Fixture
	sim    *halosim.Sim
	offset *atomic.Int64 // partner B's clock
	// The scene's clients: x is renamed, y made inactive, w loses its
	// General Users, v (which has none) gains a site with one.
	x, y, w, v halosim.Client
}

func setupCompare(t *testing.T, st *store.Store) *compareBundle {
	t.Helper()
	sim := halosim.New(halosim.Options{Clients: 40, Seed: 5, RateLimit: -1})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cb := &compareBundle{sim: sim, a: syncruntest.Connect(t, st, sim, srv.URL, "Partner A"), b: syncruntest.Connect(t, st, sim, srv.URL, "Partner B")}
	cb.offset = shiftClock(cb.b)
	var picked []halosim.Client
	for _, cl := range sim.Clients() {
		if !cl.Inactive && len(picked) < 4 {
			picked = append(picked, cl)
		}
	}
	cb.x, cb.y, cb.w, cb.v = picked[0], picked[1], picked[2], picked[3]
	cb.deleteGeneralUsers(t, cb.v.ID)
	// The General User search finds this one too, but it is not one.
	cb.a.HaloPost(t, "/Users", []map[string]any{{"name": "General User (old)", "site_id": cb.v.MainSiteID}})
	customers := []source.Customer{
		{ID: "x", Name: cb.x.Name}, {ID: "y", Name: cb.y.Name}, {ID: "w", Name: cb.w.Name}, {ID: "v", Name: cb.v.Name},
		// Nothing matches these until HaloPSA changes.
		{ID: "renamed", Name: "Zanzibar Renamed Holdings Ltd"}, {ID: "new", Name: "Quayside Bakery Collective Ltd"},
	}
	for _, f := range []*syncruntest.Fixture{cb.a, cb.b} {
		src := f.PushSource(t, "Mail filter", customers...)
		f.MustSync(t)
		for customer, client := range map[string]int{"x": cb.x.ID, "y": cb.y.ID, "w": cb.w.ID, "v": cb.v.ID} {
			if _, err := f.Mappings.Map(t.Context(), f.Partner.ID, src.ID, customer, mapper.MapInput{ClientID: client, Ticketing: true}); err != nil {
				t.Fatalf("map %s to %d: %v", customer, client, err)
			}
		}
		f.MustSync(t)
	}
	return cb
}

// deleteGeneralUsers deletes the General User of every site of a client.
func (cb *compareBundle) deleteGeneralUsers(t *testing.T, clientID int) {
	t.Helper()
	deleted := 0
	for _, u := range cb.sim.Users() {
		if u.ClientID == clientID && strings.EqualFold(u.Name, halo.GeneralUserName) {
			cb.sim.DeleteUser(u.ID)
			deleted++
		}
	}
	if deleted == 0 {
		t.Fatalf("client %d has no General User to delete", clientID)
	}
}

// eventView is an event as a person reads it, without what differs
// between partners (ids, times, the source's id in the key).
type eventView struct {
	Kind, Subject, Message, Fix string
	ClientID                    int
}

func openEvents(t *testing.T, f *syncruntest.Fixture) []eventView {
	t.Helper()
	var out []eventView
	for _, e := range f.ListEvents(t, store.EventOpen) {
		out = append(out, eventView{e.Kind, e.Subject, e.Message, e.Fix, syncruntest.DataClientID(t, e)})
	}
	slices.SortFunc(out, func(a, b eventView) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ClientID, b.ClientID))
	})
	return out
}

// suggestionView is a suggestion without its source's id and times.
type suggestionView struct {
	CustomerID string
	ClientID   int
	Rule       string
	Score      float64
}

func suggestions(t *testing.T, f *syncruntest.Fixture) []suggestionView {
	t.Helper()
	mappings, err := f.St.Mappings(t.Context(), f.Partner.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []suggestionView
	for _, m := range mappings {
		if !m.Confirmed {
			out = append(out, suggestionView{m.CustomerID, m.ClientID, m.Rule, m.Score})
		}
	}
	slices.SortFunc(out, func(a, b suggestionView) int { return cmp.Compare(a.CustomerID, b.CustomerID) })
	return out
}

// catalogView is the catalog of one kind by Halo id: name and parent.
func catalogView(t *testing.T, f *syncruntest.Fixture, kind string) map[string][2]string {
	t.Helper()
	entries, err := f.St.Catalog(t.Context(), f.Partner.ID, kind)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][2]string{}
	for _, e := range entries {
		out[e.HaloID] = [2]string{e.Name, e.ParentID}
	}
	return out
}

func TestIncrementalSyncMatchesAWholeRead(t *testing.T) {
	t.Parallel()
	syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
		cb := setupCompare(t, st)
		before := openEvents(t, cb.a)
		if len(before) != 1 || before[0].Kind != string(mapping.FindingSiteWithoutGeneralUser) || before[0].ClientID != cb.v.ID {
			t.Fatalf("events before the changes: %+v; want client %d's sites without a General User alone", before, cb.v.ID)
		}

		cb.sim.UpdateClient(cb.x.ID, func(c *halosim.Client) { c.Name = "Zanzibar Renamed Holdings Ltd" })
		cb.sim.UpdateClient(cb.y.ID, func(c *halosim.Client) { c.Inactive = true })
		cb.deleteGeneralUsers(t, cb.w.ID)
		cb.a.HaloPost(t, "/Site", []map[string]any{{"name": "Annex", "client_id": cb.v.ID}})
		cb.a.HaloPost(t, "/Client", []map[string]any{{"name": "Quayside Bakery Collective Ltd"}})
		var created halosim.Client
		for _, cl := range cb.sim.Clients() {
			if cl.Name == "Quayside Bakery Collective Ltd" {
				created = cl
			}
		}

		cb.sim.ResetRequests()
		resA := cb.a.MustSync(t)
		requestsA := syncruntest.RequestsByPath(cb.sim)
		usersByID := 0
		for _, r := range cb.sim.Requests() {
			if r.Path == "/api/Users" && strings.Contains(r.Query, "idonly=true") {
				usersByID++
			}
		}
		cb.offset.Store(int64(pastAFullRead))
		cb.sim.ResetRequests()
		resB := cb.b.MustSync(t)
		requestsB := syncruntest.RequestsByPath(cb.sim)

		t.Run("PartnerAReadWhatChangedAndTheUsersIDsForTheDeletion", func(t *testing.T) {
			// Clients and sites: the changes and a count that matches;
			// General Users: the count is short of the catalog by the
			// ones deleted, so their ids are read, in one request.
			for path, want := range map[string]int{"/api/Client": 2, "/api/Site": 2, "/api/Users": 3} {
				if requestsA[path] != want {
					t.Errorf("%s: %d requests, want %d", path, requestsA[path], want)
				}
			}
			if usersByID != 1 {
				t.Errorf("%d /api/Users requests with idonly, want 1", usersByID)
			}
		})
		t.Run("PartnerBReadEveryListWhole", func(t *testing.T) {
			for _, path := range []string{"/api/Client", "/api/Site", "/api/Users"} {
				if requestsB[path] != 1 {
					t.Errorf("%s: %d requests, want 1", path, requestsB[path])
				}
			}
		})
		t.Run("BothSawTheSameClientChanges", func(t *testing.T) {
			// x renamed and y made inactive, the new client added, of 41.
			want := store.CatalogDiff{Added: 1, Updated: 2, Unchanged: 38}
			if resA.Catalog[store.KindClient] != want || resB.Catalog[store.KindClient] != want {
				t.Errorf("clients: A %+v, B %+v; want both %+v", resA.Catalog[store.KindClient], resB.Catalog[store.KindClient], want)
			}
			for _, kind := range []string{store.KindClient, store.KindSite, store.KindUser} {
				if diff := gocmp.Diff(catalogView(t, cb.b, kind), catalogView(t, cb.a, kind)); diff != "" {
					t.Errorf("%s catalog (-whole +changes):\n%s", kind, diff)
				}
			}
		})
		t.Run("BothHaveTheSameEvents", func(t *testing.T) {
			got := openEvents(t, cb.a)
			if diff := gocmp.Diff(openEvents(t, cb.b), got); diff != "" {
				t.Errorf("open events (-whole +changes):\n%s", diff)
			}
			kinds := map[int]string{}
			for _, e := range got {
				kinds[e.ClientID] = e.Kind
			}
			want := map[int]string{cb.y.ID: string(mapping.FindingClientInactive), cb.w.ID: string(mapping.FindingSiteWithoutGeneralUser)}
			if diff := gocmp.Diff(want, kinds); diff != "" {
				t.Errorf("open events by client (-want +got):\n%s", diff)
			}
		})
		t.Run("BothSuggestTheSame", func(t *testing.T) {
			got := suggestions(t, cb.a)
			if diff := gocmp.Diff(suggestions(t, cb.b), got); diff != "" {
				t.Errorf("suggestions (-whole +changes):\n%s", diff)
			}
			for customer, client := range map[string]int{"renamed": cb.x.ID, "new": created.ID} {
				if !slices.ContainsFunc(got, func(s suggestionView) bool { return s.CustomerID == customer && s.ClientID == client }) {
					t.Errorf("no suggestion of client %d for customer %q: %+v", client, customer, got)
				}
			}
		})
	})
}
