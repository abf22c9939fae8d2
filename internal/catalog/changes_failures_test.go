package catalog_test

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"halobridge/internal/catalog"
	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/jobs"
	"halobridge/internal/outbound"
	"halobridge/internal/store"
)

// requestsWith lists the simulator's requests to path (any case) by
// whether they asked for changes only.
func requestsWith(sim *halosim.Sim, path string) (changes, whole int) {
	for _, r := range sim.Requests() {
		if !strings.EqualFold(r.Path, path) {
			continue
		}
		q, _ := url.ParseQuery(r.Query)
		switch {
		case q.Has("lastupdatefromdate"):
			changes++
		case q.Get("page_size") != "1":
			whole++
		}
	}
	return changes, whole
}

func (f *haloFixture) reads(t *testing.T) map[string]store.CatalogRead {
	t.Helper()
	reads, err := f.st.CatalogReads(t.Context(), f.partner.ID)
	if err != nil {
		t.Fatal(err)
	}
	return reads
}

func TestSyncOfChangesFailures(t *testing.T) {
	t.Parallel()

	t.Run("AFilterHaloPSARefusesIsReadWhole", func(t *testing.T) {
		t.Parallel()
		eachEngine(t, func(t *testing.T, st *store.Store) {
			f := newHaloFixture(t, st, halosim.Options{Clients: 12})
			f.mustSync(t)
			renamed := f.sim.Clients()[3]
			f.sim.UpdateClient(renamed.ID, func(c *halosim.Client) { c.Name = "Renamed Ltd" })
			f.sim.InjectFault(halosim.Fault{Method: "GET", PathPrefix: "/api/Client", Status: 400, Times: 1,
				Body: `{"ClassName":"System.Exception","Message":"The value 'x' is not valid for lastupdatefromdate."}`})
			f.sim.ResetRequests()
			res := f.mustSync(t)
			if changes, whole := requestsWith(f.sim, "/api/Client"); changes != 1 || whole != 1 {
				t.Errorf("client requests: %d for changes, %d whole; want the refused one and a whole read", changes, whole)
			}
			if got := res.Catalog[store.KindClient]; got != (store.CatalogDiff{Updated: 1, Unchanged: 11}) {
				t.Errorf("clients %+v, want the renamed one updated of 12", got)
			}
		})
	})

	t.Run("ACountWithoutRecordCountIsReadWhole", func(t *testing.T) {
		t.Parallel()
		eachEngine(t, func(t *testing.T, st *store.Store) {
			f := newHaloFixture(t, st, halosim.Options{Clients: 12})
			f.mustSync(t)
			// The read of changes and the count both get a bare array.
			f.sim.InjectFault(halosim.Fault{Method: "GET", PathPrefix: "/api/Users", Status: 200, Body: "[]", Times: 2})
			f.sim.ResetRequests()
			res := f.mustSync(t)
			if n := requestsByPath(f.sim)["/api/Users"]; n != 3 {
				t.Errorf("%d user requests, want the read of changes, the count and a whole read", n)
			}
			if got, want := res.Catalog[store.KindUser], generalUsers(f.sim); got != (store.CatalogDiff{Unchanged: want}) {
				t.Errorf("General Users %+v, want the %d HaloPSA holds unchanged", got, want)
			}
		})
	})

	t.Run("AListThatFailsKeepsItsLastReadAndTheNextSyncCatchesUp", func(t *testing.T) {
		t.Parallel()
		eachEngine(t, func(t *testing.T, st *store.Store) {
			f := newHaloFixture(t, st, halosim.Options{Clients: 12})
			f.mustSync(t)
			first := f.reads(t)
			client := f.sim.Clients()[0]
			f.haloPost(t, "/Site", []map[string]any{{"name": "Annex", "client_id": client.ID}})
			f.sim.InjectFault(halosim.Fault{Method: "GET", PathPrefix: "/api/Site", Status: 500, Body: "Internal Server Error"})
			f.sim.ResetRequests()
			_, _, err := f.sync(t)
			if err == nil || !strings.Contains(err.Error(), "read HaloPSA sites") {
				t.Errorf("sync during the outage: %v, want it to say the sites were not read", err)
			}
			if changes, whole := requestsWith(f.sim, "/api/Site"); changes == 0 || whole != 0 {
				t.Errorf("site requests: %d for changes, %d whole; want no whole read during an outage", changes, whole)
			}
			second := f.reads(t)
			if second[store.KindSite] != first[store.KindSite] || !second[store.KindClient].Changes.After(first[store.KindClient].Changes) {
				t.Errorf("reads after the outage: %+v, before: %+v; want the sites' kept and the clients' moved on", second, first)
			}

			f.sim.ClearFaults()
			res := f.mustSync(t)
			if got := res.Catalog[store.KindSite]; got.Added != 1 {
				t.Errorf("sites after the outage %+v, want the one added during it", got)
			}
			if children, err := st.CatalogChildren(t.Context(), f.partner.ID, store.KindSite, strconv.Itoa(client.ID)); err != nil ||
				!containsName(children, "Annex") {
				t.Errorf("sites of client %d: %+v, %v; want the Annex", client.ID, children, err)
			}
		})
	})

	t.Run("ARateLimitStopsTheSyncWithTheReadsAsTheyWere", func(t *testing.T) {
		t.Parallel()
		eachEngine(t, func(t *testing.T, st *store.Store) {
			f := newHaloFixture(t, st, halosim.Options{Clients: 12})
			f.mustSync(t)
			before := f.reads(t)
			f.sim.InjectFault(halosim.Fault{PathPrefix: "/api/Client", Status: 429, RetryAfter: time.Hour})
			_, _, err := f.sync(t)
			if !halo.IsRateLimited(err) {
				t.Fatalf("sync error %v, want HaloPSA's rate limit for the job to snooze on", err)
			}
			if after := f.reads(t); after[store.KindClient] != before[store.KindClient] {
				t.Errorf("clients' read %+v, was %+v; want it unchanged", after[store.KindClient], before[store.KindClient])
			}
		})
	})

	t.Run("RecordsLeavingTheListsAreFoundInTheSameSync", func(t *testing.T) {
		t.Parallel()
		eachEngine(t, func(t *testing.T, st *store.Store) {
			f := newHaloFixture(t, st, halosim.Options{Clients: 12})
			f.mustSync(t)
			gone := f.sim.Clients()[2]
			f.sim.DeleteClient(gone.ID)
			f.sim.ResetRequests()
			res := f.mustSync(t)
			// Its sites and their users went with it: each list's count is
			// short, and each is read whole after its changes and count.
			for _, path := range []string{"/api/Client", "/api/Site", "/api/Users"} {
				if n := requestsByPath(f.sim)[path]; n != 3 {
					t.Errorf("%s: %d requests, want 3", path, n)
				}
			}
			if got := res.Catalog[store.KindClient]; got != (store.CatalogDiff{Removed: 1, Unchanged: 11}) {
				t.Errorf("clients %+v, want one removed of 12", got)
			}
		})
	})

	t.Run("TwoSyncsAtOnceLeaveTheCatalogAsHaloPSAHasIt", func(t *testing.T) {
		t.Parallel()
		eachEngine(t, func(t *testing.T, st *store.Store) {
			f := newHaloFixture(t, st, halosim.Options{Clients: 12})
			f.mustSync(t)
			for i, cl := range f.sim.Clients()[:3] {
				f.sim.UpdateClient(cl.ID, func(c *halosim.Client) { c.Name = "Changed " + strconv.Itoa(i) })
			}
			f.haloPost(t, "/Client", []map[string]any{{"name": "Added At Once Ltd"}})
			// A second replica: its own syncer and HaloPSA clients, the same database.
			other := *f.service.Syncer
			other.Halo = &connect.Halo{Outbound: outbound.Local(), Store: st}
			errs := make(chan error, 2)
			for _, s := range []*catalog.Syncer{f.service.Syncer, &other} {
				go func() {
					run, err := st.StartSyncRun(t.Context(), store.SyncRun{PartnerID: f.partner.ID, Kind: store.SyncCatalog})
					if err == nil {
						_, err = s.Sync(t.Context(), f.partner.ID, jobs.NewProgress(st, run))
					}
					errs <- err
				}()
			}
			if err := errors.Join(<-errs, <-errs); err != nil {
				t.Fatalf("syncs at once: %v", err)
			}
			want := map[string][2]string{}
			for _, cl := range f.sim.Clients() {
				want[strconv.Itoa(cl.ID)] = [2]string{cl.Name, ""}
			}
			if got := f.catalogView(t, store.KindClient); !mapsEqual(got, want) {
				t.Errorf("clients after two syncs at once: %v, want %v", got, want)
			}
			again := f.mustSync(t)
			if got := again.Catalog[store.KindClient]; got != (store.CatalogDiff{Unchanged: 13}) {
				t.Errorf("the next sync: clients %+v, want all 13 unchanged", got)
			}
		})
	})
}

func containsName(entries []store.CatalogEntry, name string) bool {
	for _, e := range entries {
		if e.Name == name {
			return true
		}
	}
	return false
}

func mapsEqual(a, b map[string][2]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
