package assetmap_test

import (
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/mapping/assetmap"
	"halobridge/internal/mapping/assetmatch"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
	"halobridge/internal/syncrun/syncruntest"
)

// world is a partner whose GravityZone company is mapped to a HaloPSA
// client, both simulated, with the assets the test adds to the client.
type world struct {
	*syncruntest.Fixture
	gz      *gzsim.Sim
	src     store.Source
	company gzsim.Company
	client  halosim.Client
	eps     []gzsim.Endpoint
	hc      *halo.Client
	svc     *assetmap.Service
	// typeID is the Workstation asset type, fields the ids of its fields by name.
	typeID int
	fields map[string]int
}

func newWorld(t *testing.T, st *store.Store) *world {
	t.Helper()
	f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 3})
	gz := gzsim.New(gzsim.Options{RateLimit: -1})
	srv := httptest.NewServer(gz)
	t.Cleanup(srv.Close)
	src, err := st.CreateSource(t.Context(), store.Source{PartnerID: f.Partner.ID, Kind: source.GravityZone, Name: "Main console",
		APIURL: srv.URL + "/api", APIKey: gzsim.DefaultAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{Fixture: f, gz: gz, src: src, svc: f.Syncer.Assets(), fields: map[string]int{}}
	// The company with the most machines of its own.
	for _, c := range gz.Companies() {
		var own []gzsim.Endpoint
		for _, ep := range gz.Inventory(c.ID) {
			if ep.CompanyID == c.ID {
				own = append(own, ep)
			}
		}
		if !c.Partner && len(own) > len(w.eps) {
			w.company, w.eps = c, own
		}
	}
	if len(w.eps) < 6 {
		t.Fatalf("the simulated GravityZone's largest company has %d machines; the test needs six", len(w.eps))
	}
	for _, c := range f.Sim.Clients() {
		if !c.Inactive && c.MainSiteID > 0 {
			w.client = c
			break
		}
	}
	f.MustSync(t)
	if _, err := f.Mappings.Map(t.Context(), f.Partner.ID, src.ID, w.company.ID, mapper.MapInput{ClientID: w.client.ID, Ticketing: true}); err != nil {
		t.Fatal(err)
	}
	if w.hc, err = f.Syncer.Halo.Client(t.Context(), f.Partner.ID); err != nil {
		t.Fatal(err)
	}
	seeded, err := w.hc.Assets(t.Context(), halo.AssetQuery{ClientID: w.client.ID})
	if err != nil || len(seeded) == 0 {
		t.Fatalf("the client's seeded assets: %d, %v", len(seeded), err)
	}
	for _, a := range seeded {
		if a.AssetTypeName == "Workstation" {
			w.typeID = a.AssetTypeID
		}
		for _, fl := range a.Fields {
			w.fields[fl.Name] = fl.ID
		}
	}
	if w.typeID == 0 || w.fields["IP Address"] == 0 || w.fields["MAC Address"] == 0 {
		t.Fatalf("no Workstation type or IP/MAC fields among the seeded assets: type %d, fields %v", w.typeID, w.fields)
	}
	return w
}

// asset creates an asset of the client through HaloPSA's API.
func (w *world) asset(t *testing.T, tag string, fields map[string]string) int {
	t.Helper()
	in := halo.NewAsset{ClientID: w.client.ID, SiteID: w.client.MainSiteID, AssetTypeID: w.typeID, InventoryNumber: tag}
	for name, v := range fields {
		in.Fields = append(in.Fields, halo.AssetField{ID: w.fields[name], Value: v})
	}
	a, err := w.hc.CreateAsset(t.Context(), in)
	if err != nil {
		t.Fatalf("create asset %q: %v", tag, err)
	}
	return a.ID
}

func (w *world) rows(t *testing.T, f assetmap.Filter) map[string]assetmap.Row {
	t.Helper()
	table, err := w.svc.Rows(t.Context(), w.Partner.ID, w.src.ID, w.company.ID, f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]assetmap.Row{}
	for _, r := range table.Rows {
		out[r.Endpoint.ID] = r
	}
	return out
}

// colonMAC writes GravityZone's 12 hex digits as HaloPSA fields often hold
// them: upper case, colon-separated.
func colonMAC(mac string) string {
	var parts []string
	for i := 0; i+2 <= len(mac); i += 2 {
		parts = append(parts, strings.ToUpper(mac[i:i+2]))
	}
	return strings.Join(parts, ":")
}

func assetID(r assetmap.Row) int {
	if r.Asset == nil {
		return 0
	}
	return r.Asset.ID
}

func TestAssetMappingAgainstTheSimulators(t *testing.T) {
	t.Parallel()
	syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx, e := t.Context(), w.eps
		byName := w.asset(t, e[0].Name, nil)
		byFQDN := w.asset(t, strings.ToLower(e[1].FQDN), nil)
		byIP := w.asset(t, "TAG-IP", map[string]string{"IP Address": e[2].IP})
		byMAC := w.asset(t, "TAG-MAC", map[string]string{"MAC Address": colonMAC(e[3].MACs[0])})
		old := w.asset(t, "Front desk "+e[4].Name+" (old)", nil)
		spare := w.asset(t, e[4].Name+"-spare", nil)
		settings := assetmap.Config{Match: assetmatch.Settings{Rules: []assetmatch.Rule{
			{AssetField: "inventory_number", Property: assetmatch.PropertyName, Mode: assetmatch.ModeExact},
			{AssetField: "IP Address", Property: assetmatch.PropertyIP, Mode: assetmatch.ModeExact},
			{AssetField: "MAC Address", Property: assetmatch.PropertyMAC, Mode: assetmatch.ModeExact},
			{AssetField: "inventory_number", Property: assetmatch.PropertyName, Mode: assetmatch.ModeContains},
		}}}
		if err := w.svc.SaveConfig(ctx, w.Partner.ID, settings); err != nil {
			t.Fatal(err)
		}
		res := w.MustSync(t)
		if res.AssetSuggestions != 4 {
			t.Errorf("AssetSuggestions = %d, want 4", res.AssetSuggestions)
		}

		t.Run("EachModeSuggestsItsAssetAndAmbiguityIsReported", func(t *testing.T) {
			rows := w.rows(t, assetmap.Filter{})
			for i, want := range []struct {
				asset int
				why   string
			}{{byName, "name equals inventory_number"}, {byFQDN, "name equals inventory_number"}, {byIP, "ip equals IP Address"}, {byMAC, "mac equals MAC Address"}} {
				r := rows[e[i].EndpointID]
				if r.State != assetmap.StateSuggested || assetID(r) != want.asset || !strings.HasPrefix(r.Why, want.why) {
					t.Errorf("%s: %s asset %d (%s), want suggested asset %d (%s…)", e[i].Name, r.State, assetID(r), r.Why, want.asset, want.why)
				}
			}
			r := rows[e[4].EndpointID]
			var candidates []int
			for _, c := range r.Candidates {
				candidates = append(candidates, c.ID)
			}
			slices.Sort(candidates)
			if r.State != assetmap.StateAmbiguous || !slices.Equal(candidates, []int{old, spare}) {
				t.Errorf("%s: %s with candidates %v, want ambiguous between %d and %d", e[4].Name, r.State, candidates, old, spare)
			}
			for _, ep := range e[5:] {
				if r := rows[ep.EndpointID]; r.State != assetmap.StateUnmapped {
					t.Errorf("%s: %s asset %d, want unmapped", ep.Name, r.State, assetID(r))
				}
			}
			suggested := w.rows(t, assetmap.Filter{State: assetmap.StateSuggested})
			if len(suggested) != 4 {
				t.Errorf("the suggested filter keeps %d rows, want 4", len(suggested))
			}
			if found := w.rows(t, assetmap.Filter{Search: strings.ToLower(e[2].IP)}); len(found) != 1 || found[e[2].EndpointID].State == "" {
				t.Errorf("searching %s finds %d rows, want %s", e[2].IP, len(found), e[2].Name)
			}
		})

		t.Run("AcceptedSuggestionsAreNeverOverwritten", func(t *testing.T) {
			n, err := w.svc.Accept(ctx, w.Partner.ID, w.src.ID, w.company.ID, nil)
			if err != nil || n != 4 {
				t.Fatalf("Accept all: %d, %v; want 4", n, err)
			}
			// Rules that would match nothing: the confirmed mappings stay.
			if err := w.svc.SaveConfig(ctx, w.Partner.ID, assetmap.Config{Match: assetmatch.Settings{Rules: []assetmatch.Rule{
				{AssetField: "key_field3", Property: assetmatch.PropertyLabel, Mode: assetmatch.ModeExact}}}}); err != nil {
				t.Fatal(err)
			}
			w.MustSync(t)
			rows := w.rows(t, assetmap.Filter{State: assetmap.StateConfirmed})
			for i, want := range []int{byName, byFQDN, byIP, byMAC} {
				if r := rows[e[i].EndpointID]; assetID(r) != want {
					t.Errorf("%s after a sync by other rules: %s asset %d, want confirmed %d", e[i].Name, r.State, assetID(r), want)
				}
			}
			// An asset confirmed for one endpoint is refused for another.
			if err := w.svc.Map(ctx, w.Partner.ID, w.src.ID, w.company.ID, e[4].EndpointID, byName); err == nil {
				t.Errorf("mapping %s to asset %d, already %s's, was accepted", e[4].Name, byName, e[0].Name)
			}
			if err := w.svc.Map(ctx, w.Partner.ID, w.src.ID, w.company.ID, e[4].EndpointID, spare); err != nil {
				t.Errorf("map the ambiguous endpoint by hand: %v", err)
			}
		})

		t.Run("CreatingAnAssetTwiceCreatesItOnce", func(t *testing.T) {
			before := len(w.Sim.Assets())
			got, err := w.svc.Create(ctx, w.Partner.ID, w.src.ID, w.company.ID, []string{e[5].EndpointID}, w.typeID)
			if err != nil || got.Created != 1 {
				t.Fatalf("Create: %+v, %v; want one created", got, err)
			}
			rows := w.rows(t, assetmap.Filter{})
			created := rows[e[5].EndpointID]
			if created.State != assetmap.StateConfirmed {
				t.Fatalf("%s after creating its asset: %s", e[5].Name, created.State)
			}
			// Forgotten (say, a crash before the mapping was kept): creating
			// again finds the asset tagged with the endpoint's name.
			if err := w.svc.Unmap(ctx, w.Partner.ID, w.src.ID, w.company.ID, e[5].EndpointID); err != nil {
				t.Fatal(err)
			}
			again, err := w.svc.Create(ctx, w.Partner.ID, w.src.ID, w.company.ID, []string{e[5].EndpointID}, w.typeID)
			if err != nil || again.Created != 0 || again.Adopted != 1 {
				t.Errorf("Create again: %+v, %v; want the asset found, none created", again, err)
			}
			if after := len(w.Sim.Assets()); after != before+1 {
				t.Errorf("the simulator holds %d assets, want %d: one created", after, before+1)
			}
			if _, err := w.svc.Create(ctx, w.Partner.ID, w.src.ID, w.company.ID, []string{e[5].EndpointID}, w.typeID); err == nil {
				t.Error("creating an asset for a mapped endpoint was accepted")
			}
		})

		t.Run("ACreationHaloPSAAppliedButAnswered500IsAdoptedNotRepeated", func(t *testing.T) {
			// The asset the last test created goes, and its mapping with it.
			if err := w.svc.Unmap(ctx, w.Partner.ID, w.src.ID, w.company.ID, e[5].EndpointID); err != nil {
				t.Fatal(err)
			}
			for _, a := range w.Sim.Assets() {
				if strings.EqualFold(a.InventoryNumber, e[5].Name) {
					w.Sim.DeleteAsset(a.ID)
				}
			}
			w.Sim.InjectFault(halosim.Fault{Method: "POST", PathPrefix: "/api/Asset", Status: 500, AfterApply: true, Times: 1})
			if _, err := w.svc.Create(ctx, w.Partner.ID, w.src.ID, w.company.ID, []string{e[5].EndpointID}, w.typeID); err == nil {
				t.Fatal("Create succeeded though HaloPSA answered 500")
			}
			again, err := w.svc.Create(ctx, w.Partner.ID, w.src.ID, w.company.ID, []string{e[5].EndpointID}, w.typeID)
			if err != nil || again.Created != 0 || again.Adopted != 1 {
				t.Errorf("Create after the 500: %+v, %v; want the asset HaloPSA saved adopted", again, err)
			}
			tagged := 0
			for _, a := range w.Sim.Assets() {
				if strings.EqualFold(a.InventoryNumber, e[5].Name) && !a.Inactive {
					tagged++
				}
			}
			if tagged != 1 {
				t.Errorf("the simulator holds %d assets tagged %s, want 1", tagged, e[5].Name)
			}
		})

		t.Run("AGoneAssetOrEndpointRaisesAnEventThatResolveSettles", func(t *testing.T) {
			w.Sim.DeleteAsset(byName)
			// The source stops listing the machine mapped by IP.
			var kept []source.Endpoint
			list, err := st.SourceEndpoints(ctx, w.src.ID, w.company.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, ep := range list {
				if ep.ID != e[2].EndpointID {
					kept = append(kept, ep)
				}
			}
			w.MustSync(t)
			if _, err := st.SaveSourceEndpoints(ctx, w.src.ID, w.company.ID, kept, time.Time{}); err != nil {
				t.Fatal(err)
			}
			if _, err := w.svc.Refresh(ctx, w.Partner.ID); err != nil {
				t.Fatal(err)
			}
			deleted := openEvents(t, st, w.Partner.ID, events.EventAssetDeleted)
			gone := openEvents(t, st, w.Partner.ID, events.EventEndpointGone)
			if len(deleted) != 1 || !strings.Contains(deleted[0].Message, fmt.Sprint(byName)) {
				t.Fatalf("asset deleted events %+v, want one naming asset %d", deleted, byName)
			}
			if len(gone) != 1 || !strings.Contains(gone[0].Message, e[2].Name) {
				t.Fatalf("endpoint gone events %+v, want one naming %s", gone, e[2].Name)
			}
			if gone := w.rows(t, assetmap.Filter{})[e[2].EndpointID]; !gone.Gone {
				t.Errorf("the page does not mark %s gone: %+v", e[2].Name, gone)
			}
			for _, ev := range []store.Event{deleted[0], gone[0]} {
				if _, err := w.Events.Resolve(ctx, w.Partner.ID, ev.ID); err != nil {
					t.Fatalf("Resolve %s: %v", ev.Kind, err)
				}
			}
			if left := openEvents(t, st, w.Partner.ID, events.EventAssetDeleted, events.EventEndpointGone); len(left) != 0 {
				t.Errorf("events left after Resolve: %+v", left)
			}
			if r := w.rows(t, assetmap.Filter{})[e[0].EndpointID]; r.State == assetmap.StateConfirmed {
				t.Errorf("%s is still mapped to the deleted asset", e[0].Name)
			}
		})
	})
}

func openEvents(t *testing.T, st *store.Store, partnerID int64, kinds ...string) []store.Event {
	t.Helper()
	var out []store.Event
	for _, k := range kinds {
		list, err := st.Events(t.Context(), partnerID, store.EventQuery{Kind: k, State: store.EventOpen})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, list...)
	}
	return out
}
