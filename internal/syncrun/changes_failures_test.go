package syncrun_test

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/jobs"
	"halobridge/internal/outbound"
	"halobridge/internal/store"
	"halobridge/internal/syncrun"
	"halobridge/internal/syncrun/syncruntest"
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

func reads(t *testing.T, f *syncruntest.Fixture) map[string]store.CatalogRead {
	t.Helper()
	reads, err := f.St.CatalogReads(t.Context(), f.Partner.ID)
	if err != nil {
		t.Fatal(err)
	}
	return reads
}

func TestSyncOfChangesFailures(t *testing.T) {
	t.Parallel()

	t.Run("AFilterHaloPSARefusesIsReadWhole", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 12})
			f.MustSync(t)
			renamed := f.Sim.Clients()[3]
			f.Sim.UpdateClient(renamed.ID, func(c *halosim.Client) { c.Name = "Renamed Ltd" })
			f.Sim.InjectFault(halosim.Fault{Method: "GET", PathPrefix: "/api/Client", Status: 400, Times: 1,
				Body: `{"ClassName":"System.Exception","Message":"The value 'x' is not valid for lastupdatefromdate."}`})
			f.Sim.ResetRequests()
			res := f.MustSync(t)
			if changes, whole := requestsWith(f.Sim, "/api/Client"); changes != 1 || whole != 1 {
				t.Errorf("client requests: %d for changes, %d whole; want the refused one and a whole read", changes, whole)
			}
			if got := res.Catalog[store.KindClient]; got != (store.CatalogDiff{Updated: 1, Unchanged: 11}) {
				t.Errorf("clients %+v, want the renamed one updated of 12", got)
			}
		})
	})

	t.Run("ACountWithoutRecordCountIsReadWhole", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 12})
			f.MustSync(t)
			// The read of changes and the count both get a bare array.
			f.Sim.InjectFault(halosim.Fault{Method: "GET", PathPrefix: "/api/Users", Status: 200, Body: "[]", Times: 2})
			f.Sim.ResetRequests()
			res := f.MustSync(t)
			if n := syncruntest.RequestsByPath(f.Sim)["/api/Users"]; n != 3 {
				t.Errorf("%d user requests, want the read of changes, the count and a whole read", n)
			}
			if got, want := res.Catalog[store.KindUser], generalUsers(f.Sim); got != (store.CatalogDiff{Unchanged: want}) {
				t.Errorf("General Users %+v, want the %d HaloPSA holds unchanged", got, want)
			}
		})
	})

	t.Run("AListThatFailsKeepsItsLastReadAndTheNextSyncCatchesUp", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 12})
			f.MustSync(t)
			first := reads(t, f)
			client := f.Sim.Clients()[0]
			f.HaloPost(t, "/Site", []map[string]any{{"name": "Annex", "client_id": client.ID}})
			f.Sim.InjectFault(halosim.Fault{Method: "GET", PathPrefix: "/api/Site", Status: 500, Body: "Internal Server Error"})
			f.Sim.ResetRequests()
			_, _, err := f.Sync(t)
			if err == nil || !strings.Contains(err.Error(), "read HaloPSA sites") {
				t.Errorf("sync during the outage: %v, want it to say the sites were not read", err)
			}
			if changes, whole := requestsWith(f.Sim, "/api/Site"); changes == 0 || whole != 0 {
				t.Errorf("site requests: %d for changes, %d whole; want no whole read during an outage", changes, whole)
			}
			second := reads(t, f)
			if second[store.KindSite] != first[store.KindSite] || !second[store.KindClient].Changes.After(first[store.KindClient].Changes) {
				t.Errorf("reads after the outage: %+v, before: %+v; want the sites' kept and the clients' moved on", second, first)
			}

			f.Sim.ClearFaults()
			res := f.MustSync(t)
			if got := res.Catalog[store.KindSite]; got.Added != 1 {
				t.Errorf("sites after the outage %+v, want the one added during it", got)
			}
			if children, err := st.CatalogChildren(t.Context(), f.Partner.ID, store.KindSite, strconv.Itoa(client.ID)); err != nil ||
				!containsName(children, "Annex") {
				t.Errorf("sites of client %d: %+v, %v; want the Annex", client.ID, children, err)
			}
		})
	})

	t.Run("ARateLimitStopsTheSyncWithTheReadsAsTheyWere", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 12})
			f.MustSync(t)
			before := reads(t, f)
			f.Sim.InjectFault(halosim.Fault{PathPrefix: "/api/Client", Status: 429, RetryAfter: time.Hour})
			_, _, err := f.Sync(t)
			if !halo.IsRateLimited(err) {
				t.Fatalf("sync error %v, want HaloPSA's rate limit for the job to snooze on", err)
			}
			if after := reads(t, f); after[store.KindClient] != before[store.KindClient] {
				t.Errorf("clients' read %+v, was %+v; want it unchanged", after[store.KindClient], before[store.KindClient])
			}
		})
	})

	t.Run("RecordsLeavingTheListsAreFoundInTheSameSync", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 12})
			f.MustSync(t)
			gone := f.Sim.Clients()[2]
			f.Sim.DeleteClient(gone.ID)
			f.Sim.ResetRequests()
			res := f.MustSync(t)
			// Its sites and their users went with it: each list's count is
			// short, and each is read whole after its changes and count.
			for _, path := range []string{"/api/Client", "/api/Site", "/api/Users"} {
				if n := syncruntest.RequestsByPath(f.Sim)[path]; n != 3 {
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
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 12})
			f.MustSync(t)
			for i, cl := range f.Sim.Clients()[:3] {
				f.Sim.UpdateClient(cl.ID, func(c *halosim.Client) { c.Name = "Changed " + strconv.Itoa(i) })
			}
			f.HaloPost(t, "/Client", []map[string]any{{"name": "Added At Once Ltd"}})
			// A second replica: its own syncer and HaloPSA clients, the same database.
			other := *f.Syncer
			other.Halo = &connect.Halo{Outbound: outbound.Local(), Store: st}
			errs := make(chan error, 2)
			for _, s := range []*syncrun.Syncer{f.Syncer, &other} {
				go func() {
					run, err := st.StartSyncRun(t.Context(), store.SyncRun{PartnerID: f.Partner.ID, Kind: store.SyncCatalog})
					if err == nil {
						_, err = s.Sync(t.Context(), f.Partner.ID, jobs.NewProgress(st, run))
					}
					errs <- err
				}()
			}
			if err := errors.Join(<-errs, <-errs); err != nil {
				t.Fatalf("syncs at once: %v", err)
			}
			want := map[string][2]string{}
			for _, cl := range f.Sim.Clients() {
				want[strconv.Itoa(cl.ID)] = [2]string{cl.Name, ""}
			}
			if got := catalogView(t, f, store.KindClient); !mapsEqual(got, want) {
				t.Errorf("clients after two syncs at once: %v, want %v", got, want)
			}
			again := f.MustSync(t)
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
