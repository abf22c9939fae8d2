package syncrun_test

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"halobridge/internal/events"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/store"
	"halobridge/internal/syncrun/syncruntest"
)

// TestAssetsOfMappedClients: a sync keeps the HaloPSA assets (inactive ones
// included) of the clients confirmed mappings send tickets to, per client,
// at the fewest requests; says which went away; and a missing read:assets
// permission is an event naming it while the rest of the sync goes on.
func TestAssetsOfMappedClients(t *testing.T) {
	t.Parallel()
	syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
		f, active, mapped := mappableClients(t, st)
		ctx := t.Context()
		// assetsOf are the ids of the assets of a client, as the simulator
		// holds them.
		assetsOf := func(client int) []int {
			var out []int
			for _, a := range f.Sim.Assets() {
				if a.ClientID == client {
					out = append(out, a.ID)
				}
			}
			return out
		}
		kept := func(client int) []int {
			t.Helper()
			assets, err := st.HaloAssets(ctx, f.Partner.ID, client)
			if err != nil {
				t.Fatal(err)
			}
			var out []int
			for _, a := range assets {
				out = append(out, a.ID)
			}
			return out
		}
		// sync returns the result, the clients whose assets were listed one
		// by one and how many lists of every asset were read (a count
		// included).
		sync := func() (res syncrunResult, byClient []string, whole int) {
			t.Helper()
			f.Sim.ResetRequests()
			r, run, err := f.Sync(t)
			if err != nil {
				t.Fatalf("sync: %v", err)
			}
			res = syncrunResult{assets: r.Assets, gone: r.GoneAssets, counted: run.Steps[0].Counts["assets"]}
			for _, r := range f.Sim.Requests() {
				if r.Method != "GET" || !strings.EqualFold(r.Path, "/api/Asset") {
					continue
				}
				q, _ := url.ParseQuery(r.Query)
				if q.Get("includeinactive") != "true" || q.Get("includeassetfields") != "true" {
					t.Errorf("assets asked for as %s, want inactive ones and their fields", r.Query)
				}
				if id := q.Get("client_id"); id != "" {
					byClient = append(byClient, id)
				} else {
					whole++
				}
			}
			return res, byClient, whole
		}

		// No mapping: no request.
		if _, byClient, whole := sync(); len(byClient) != 0 || whole != 0 {
			t.Errorf("without mappings the sync listed clients %v and %d whole lists", byClient, whole)
		}

		// Two clients with ticketing (the third has it off): one list each.
		mapped(active[:2], true)
		mapped(active[2:3], false)
		res, byClient, whole := sync()
		want := []string{strconv.Itoa(active[0]), strconv.Itoa(active[1])}
		slices.Sort(byClient)
		slices.Sort(want)
		if !slices.Equal(byClient, want) || whole != 0 {
			t.Errorf("two clients: listed clients %v and %d whole lists; want clients %v and none", byClient, whole, want)
		}
		total := 0
		for _, c := range active[:2] {
			if w, got := assetsOf(c), kept(c); len(w) == 0 || !slices.Equal(got, w) {
				t.Errorf("client %d: kept assets %v, want %v", c, got, w)
			}
			total += len(assetsOf(c))
		}
		if len(kept(active[2])) != 0 {
			t.Errorf("the assets of a client without ticketing were kept")
		}
		if res.assets != total || res.counted != total {
			t.Errorf("result counts %d assets, progress %d; want %d", res.assets, res.counted, total)
		}
		stored, err := st.HaloAssets(ctx, f.Partner.ID, active[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, custom := stored[0].Fields["Last Logged On User"]; stored[0].Fields["Hostname"] != stored[0].KeyField || !custom {
			t.Errorf("stored asset %+v: want its fields and custom fields by name", stored[0])
		}

		// Twelve clients, whose assets fit a few pages: one count and the
		// whole list once are fewer requests than twelve lists.
		mapped(active[:12], true)
		gone := assetsOf(active[0])[0]
		f.Sim.DeleteAsset(gone)
		res, byClient, whole = sync()
		if len(byClient) != 0 || whole != 2 {
			t.Errorf("twelve clients: listed clients %v and %d whole lists (the count included); want none and 2", byClient, whole)
		}
		for _, c := range active[:12] {
			if w, got := assetsOf(c), kept(c); !slices.Equal(got, w) {
				t.Errorf("client %d: kept assets %v, want %v", c, got, w)
			}
		}
		if !slices.Equal(res.gone, []int{gone}) {
			t.Errorf("gone assets %v, want [%d]", res.gone, gone)
		}

		// Without read:assets: an event naming it, and the rest goes on.
		f.Sim.SetScopes(halosim.DefaultClientID, "read:customers", "read:tickets", "read:items", "read:invoices", "all:teams")
		r, run, err := f.Sync(t)
		if err == nil || !strings.Contains(err.Error(), "assets") {
			t.Errorf("sync error %v, want one naming the assets", err)
		}
		if _, ok := r.Catalog[store.KindClient]; !ok || run.Steps[0].Counts["errors"] != 1 {
			t.Errorf("clients refreshed %v, HaloPSA step %+v; want the clients read and one list refused", ok, run.Steps[0])
		}
		e := f.OpenEvent(t, events.EventPermissionMissing)
		for _, want := range []string{"assets of mapped clients", "read:assets"} {
			if !strings.Contains(e.Message, want) {
				t.Errorf("message %q lacks %q", e.Message, want)
			}
		}
		if d := events.DataOf(e); !slices.Equal(d.Kinds, []string{store.KindAsset}) {
			t.Errorf("event kinds %v, want [%s] for its recheck", d.Kinds, store.KindAsset)
		}
		if w := assetsOf(active[1]); !slices.Equal(kept(active[1]), w) {
			t.Errorf("a refused read changed the assets kept")
		}
		f.Sim.SetScopes(halosim.DefaultClientID, "all")
		f.Sim.DeleteAsset(assetsOf(active[1])[0])
		// A token carries the permissions it was issued with: the first
		// recheck may still send one issued before the grant, whose 403
		// makes the client fetch another.
		cleared, err := f.Events.Recheck(ctx, f.Partner.ID, e.ID)
		if err == nil && cleared.State == store.EventOpen {
			cleared, err = f.Events.Recheck(ctx, f.Partner.ID, e.ID)
		}
		if err != nil || cleared.State != store.EventResolved {
			t.Errorf("recheck once granted: %+v, %v; want resolved", cleared, err)
		}
		if w := assetsOf(active[1]); !slices.Equal(kept(active[1]), w) {
			t.Errorf("the recheck did not keep the assets it read: %v, want %v", kept(active[1]), w)
		}
	})
}

type syncrunResult struct {
	assets, counted int
	gone            []int
}
