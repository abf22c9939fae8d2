package syncrun_test

import (
	"cmp"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/mapping"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/mapping/mappingtest"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
	"halobridge/internal/store/storetest"
	"halobridge/internal/syncrun"
	"halobridge/internal/syncrun/syncruntest"
)

// scenarioBundle is mappingtest's scenario in the simulators: a HaloPSA of
// 500 clients and 300 companies whose expected suggestions follow from how
// they were built.
type scenarioBundle struct {
	*syncruntest.Fixture
	gz     store.Source
	pushed store.Source
	want   map[string]mappingtest.Expect
	names  map[string]string
	// haloID is the simulator's id of each scenario client.
	haloID map[int]int
}

// setupScenario puts the scenario's clients on the simulator's 500 seeded
// clients (names, websites, inactive flags, and the external links
// halobridge would have written), and its companies in a GravityZone.
// GravityZone's API gives no company domain, so the companies the domain
// rule should find come through the push API, which carries one.
func setupScenario(t *testing.T, st *store.Store) *scenarioBundle {
	t.Helper()
	customers, clients, want := mappingtest.Scenario(20261001)
	f := syncruntest.NewFixture(t, st, halosim.Options{Clients: mappingtest.Clients, Seed: 1})
	b := &scenarioBundle{Fixture: f, want: want, names: map[string]string{}, haloID: map[int]int{}}

	seeded := f.Sim.Clients()
	slices.SortFunc(clients, func(a, b mapping.HaloClient) int { return cmp.Compare(a.ID, b.ID) })
	var links []map[string]any
	for i, cl := range clients {
		id := seeded[i].ID
		b.haloID[cl.ID] = id
		f.Sim.UpdateClient(id, func(c *halosim.Client) {
			c.Name, c.Inactive, c.ToplevelID, c.Website = cl.Name, cl.Inactive, 1+cl.TopLevelID%2, website(cl)
		})
		for key, desc := range cl.ExternalIDs {
			kind, customerID, _ := strings.Cut(key, ":")
			links = append(links, map[string]any{"table_id": 2, "halo_id": id, "third_party_type": kind, "third_party_id": customerID, "third_party_desc": desc})
		}
	}
	f.HaloPost(t, "/ExternalLink", links)

	companies := []gzsim.Company{{Name: "Northpoint IT Services", Partner: true}}
	var pushed []source.Customer
	for _, c := range customers {
		b.names[c.ID] = c.Name
		if want[c.ID].Rule == mapping.RuleDomain {
			pushed = append(pushed, c)
			continue
		}
		companies = append(companies, gzsim.Company{ID: c.ID, Name: c.Name, Partner: c.Reseller})
	}
	gz := httptest.NewServer(gzsim.New(gzsim.Options{Companies: companies, RateLimit: -1, Seed: 1}))
	t.Cleanup(gz.Close)
	var err error
	b.gz, err = st.CreateSource(t.Context(), store.Source{PartnerID: f.Partner.ID, Kind: source.GravityZone, Name: "Main console",
		APIURL: gz.URL + "/api", APIKey: gzsim.DefaultAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	// Connected, GravityZone pushes to halobridge.
	conn, err := f.Syncer.Sources.Connector(b.gz)
	if err != nil {
		t.Fatal(err)
	}
	delivery, err := f.Syncer.Sources.Delivery(b.gz)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.RegisterDelivery(t.Context(), delivery); err != nil {
		t.Fatal(err)
	}
	b.pushed = f.PushSource(t, "Mail filter", pushed...)
	f.Sim.ResetRequests()
	return b
}

// website is where a scenario client's domain goes in HaloPSA: the client
// record has a website, and the sync reads users only for General Users.
func website(cl mapping.HaloClient) string {
	if cl.Website != "" {
		return cl.Website
	}
	for _, d := range cl.Domains {
		if domain := mapping.DomainOf(d); domain != "" {
			return "https://www." + domain
		}
	}
	return ""
}

// haloCatalogRequests is what a sync asks HaloPSA, by path: every list
// costs one request, since none is longer than a page of 1000 records (500
// clients, under 1000 sites, fewer General Users; checkPageFits checks).
func haloCatalogRequests() map[string]int {
	return map[string]int{
		"/api/Client":     1, // inactive clients included
		"/api/Site":       1,
		"/api/Users":      1, // General Users only
		"/api/Agent":      1, // unpaged configuration lists from here
		"/api/Team":       1,
		"/api/Status":     1,
		"/api/TicketType": 1,
		"/api/SLA":        1, // priorities included
		"/api/Category":   1,
		"/api/Outcome":    1,
		"/api/Lookup":     1,
		"/api/Item":       1,
		// No recurring invoices: they are read only to append to them.
	}
}

// haloChangesRequests is what a sync asks HaloPSA within a day of reading
// every list whole: clients, sites and General Users cost a request for
// the records changed since and one to count the list.
func haloChangesRequests() map[string]int {
	want := haloCatalogRequests()
	want["/api/Client"], want["/api/Site"], want["/api/Users"] = 2, 2, 2
	return want
}

// checkPageFits checks what haloCatalogRequests assumes of the simulator.
func checkPageFits(t *testing.T, sim *halosim.Sim) {
	t.Helper()
	if n := len(sim.Sites()); n > 1000 {
		t.Fatalf("the simulator has %d sites: more than one page", n)
	}
}

func TestSyncScenario(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines("syncruntest") {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			b := setupScenario(t, eng.Open(t))

			res, run, err := b.Sync(t)
			if err != nil {
				t.Fatalf("first sync: %v", err)
			}
			t.Run("FirstSyncSpendsOneRequestPerListAndOneToken", func(t *testing.T) {
				checkPageFits(t, b.Sim)
				want := haloCatalogRequests()
				want["/auth/token"] = 1
				if diff := gocmp.Diff(want, syncruntest.RequestsByPath(b.Sim)); diff != "" {
					t.Errorf("HaloPSA requests by path (-want +got):\n%s", diff)
				}
			})
			t.Run("FirstSyncSuggestsWhatTheScenarioWasBuiltFor", func(t *testing.T) {
				b.checkSuggestions(t, res)
			})
			t.Run("FirstSyncIsRecordedStepByStep", func(t *testing.T) {
				if run.State != store.SyncSucceeded || len(run.Steps) != 6 {
					t.Fatalf("run %s with %d steps, want succeeded with 6 (HaloPSA, two sources, the GravityZone push, suggestions, events): %+v", run.State, len(run.Steps), run.Steps)
				}
				halo := run.Steps[0]
				if halo.Name != "HaloPSA catalog" || halo.Done != 15 || halo.Total != 15 || halo.Counts[store.KindClient] != 500 {
					t.Errorf("HaloPSA step: %+v", halo)
				}
				if got := run.Steps[4].Counts; got["suggested"] != 250 || got["ambiguous"] != 20 {
					t.Errorf("suggestion counts %v, want 250 suggested and 20 ambiguous", got)
				}
			})
			t.Run("SyncingAgainChangesNothing", func(t *testing.T) {
				b.Sim.ResetRequests()
				again := b.MustSync(t)
				if again.Suggested != 0 || again.Withdrawn != 0 || again.Catalog[store.KindClient] != (store.CatalogDiff{Unchanged: 500}) {
					t.Errorf("second sync: suggested %d, withdrawn %d, clients %+v", again.Suggested, again.Withdrawn, again.Catalog[store.KindClient])
				}
				if diff := gocmp.Diff(haloChangesRequests(), syncruntest.RequestsByPath(b.Sim)); diff != "" {
					t.Errorf("HaloPSA requests of a second sync, the token cached (-want +got):\n%s", diff)
				}
			})
			t.Run("ConfirmedMappingsGetEventsForWhatHaloPSALacks", func(t *testing.T) {
				b.confirmEverything(t, res)
				b.MustSync(t)
				b.checkGeneralUserEvents(t)
			})
			t.Run("RenamedDeletedAndInactiveClientsAreNoticedAtTheNextSync", func(t *testing.T) {
				b.renameDeleteDeactivate(t)
			})
			t.Run("ResolveAppliesTheObviousFix", func(t *testing.T) {
				b.resolveFixes(t)
			})
		})
	}
}

// checkSuggestions compares the stored suggestions and the ambiguous ones
// reported with what each company was built to get.
func (b *scenarioBundle) checkSuggestions(t *testing.T, res syncrun.Result) {
	t.Helper()
	mappings, err := b.St.Mappings(t.Context(), b.Partner.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]store.Mapping{}
	for _, m := range mappings {
		if m.Confirmed {
			t.Errorf("sync confirmed a mapping on its own: %+v", m)
		}
		stored[m.CustomerID] = m
	}
	ambiguous := map[string]mapper.Suggestion{}
	for _, s := range res.Ambiguous {
		ambiguous[s.CustomerID] = s
	}
	byRule := map[string]int{}
	for id, w := range b.want {
		m, isStored := stored[id]
		s, isAmbiguous := ambiguous[id]
		switch {
		case w.Rule == "":
			if isStored || isAmbiguous {
				t.Errorf("%q: got suggestion %+v %+v, want none", b.names[id], m, s)
			}
		case len(w.Candidates) > 0:
			var got []int
			for _, c := range s.Candidates {
				got = append(got, c.ClientID)
			}
			slices.Sort(got)
			var wantIDs []int
			for _, c := range w.Candidates {
				wantIDs = append(wantIDs, b.haloID[c])
			}
			slices.Sort(wantIDs)
			if isStored || !isAmbiguous || s.Rule != string(w.Rule) || !slices.Equal(got, wantIDs) {
				t.Errorf("%q: stored %v, ambiguous %+v, want %s between clients %v", b.names[id], isStored, s, w.Rule, wantIDs)
			}
			byRule[string(w.Rule)+" (ambiguous)"]++
		default:
			if !isStored || m.ClientID != b.haloID[w.ClientID] || m.Rule != string(w.Rule) || !m.Ticketing || !m.Billing {
				t.Errorf("%q: stored %v %+v, want %s of client %d with both switches on", b.names[id], isStored, m, w.Rule, b.haloID[w.ClientID])
			}
			if (w.Rule == mapping.RuleFuzzy) != (m.Score < 1) || m.Score < mapping.FuzzyThreshold {
				t.Errorf("%q: %s score %v", b.names[id], m.Rule, m.Score)
			}
			byRule[string(w.Rule)]++
		}
	}
	want := map[string]int{"exact_external_id": 40, "normalised_name": 120, "domain": 50, "fuzzy": 40,
		"normalised_name (ambiguous)": 15, "domain (ambiguous)": 5}
	if diff := gocmp.Diff(want, byRule); diff != "" {
		t.Errorf("suggestions by rule (-want +got):\n%s", diff)
	}
	if len(stored) != 250 || res.Suggested != 250 || len(res.Ambiguous) != 20 {
		t.Errorf("stored %d, suggested %d, ambiguous %d; want 250, 250 and 20", len(stored), res.Suggested, len(res.Ambiguous))
	}
}

// confirmEverything accepts every suggestion in bulk, then one ambiguous
// suggestion by choosing a candidate.
func (b *scenarioBundle) confirmEverything(t *testing.T, res syncrun.Result) {
	t.Helper()
	ctx := t.Context()
	// Accepting one suggestion confirms that one and leaves the others suggestions.
	before, err := b.St.Mappings(ctx, b.Partner.ID)
	if err != nil {
		t.Fatal(err)
	}
	one := before[0]
	single, err := b.Mappings.Confirm(ctx, b.Partner.ID, []mapper.Accept{{SourceID: one.SourceID, CustomerID: one.CustomerID}})
	if err != nil || len(single.Confirmed) != 1 || single.Confirmed[0].CustomerID != one.CustomerID {
		t.Fatalf("accepting one suggestion: %+v, %v; want exactly that one confirmed", single, err)
	}
	after, err := b.St.Mappings(ctx, b.Partner.ID)
	if err != nil {
		t.Fatal(err)
	}
	confirmedNow := 0
	for _, m := range after {
		if m.Confirmed {
			confirmedNow++
		}
	}
	if confirmedNow != 1 {
		t.Fatalf("%d mappings confirmed after accepting one suggestion, want 1", confirmedNow)
	}
	confirmed, err := b.Mappings.ConfirmAll(ctx, b.Partner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(confirmed.Confirmed) != 249 || len(confirmed.Conflicts) != 0 {
		t.Fatalf("ConfirmAll confirmed %d with conflicts %+v, want the other 249 and none", len(confirmed.Confirmed), confirmed.Conflicts)
	}
	again, err := b.Mappings.ConfirmAll(ctx, b.Partner.ID)
	if err != nil || len(again.Confirmed) != 0 || len(again.Conflicts) != 0 {
		t.Fatalf("ConfirmAll again: %+v, %v; want nothing to do", again, err)
	}
	amb := res.Ambiguous[0]
	refused, err := b.Mappings.Confirm(ctx, b.Partner.ID, []mapper.Accept{{SourceID: amb.SourceID, CustomerID: amb.CustomerID}})
	if err != nil || len(refused.Conflicts) != 1 || refused.Conflicts[0].Reason != string(mapping.ConflictAmbiguous) {
		t.Fatalf("accepting an ambiguous suggestion without a choice: %+v, %v; want an ambiguous conflict", refused, err)
	}
	chosen, err := b.Mappings.Confirm(ctx, b.Partner.ID, []mapper.Accept{{SourceID: amb.SourceID, CustomerID: amb.CustomerID, ClientID: amb.Candidates[1].ClientID}})
	if err != nil || len(chosen.Confirmed) != 1 || chosen.Confirmed[0].ClientID != amb.Candidates[1].ClientID {
		t.Fatalf("choosing candidate %d: %+v, %v", amb.Candidates[1].ClientID, chosen, err)
	}
}

// checkGeneralUserEvents expects an event for each mapped client none of
// whose sites has a General User, as the simulator holds them.
func (b *scenarioBundle) checkGeneralUserEvents(t *testing.T) {
	t.Helper()
	withGU := map[int]bool{}
	for _, u := range b.Sim.Users() {
		if strings.EqualFold(u.Name, "General User") && !u.Inactive {
			withGU[u.SiteIDInt] = true
		}
	}
	lacking := map[int]bool{}
	for _, s := range b.Sim.Sites() {
		lacking[int(s.ClientID)] = true
	}
	for _, s := range b.Sim.Sites() {
		if withGU[s.ID] {
			lacking[int(s.ClientID)] = false
		}
	}
	mappings, err := b.St.Mappings(t.Context(), b.Partner.ID)
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	for _, m := range mappings {
		if m.Confirmed && lacking[m.ClientID] {
			want = append(want, m.ClientID)
		}
	}
	var got []int
	for _, e := range b.ListEvents(t, store.EventOpen) {
		if e.Kind != string(mapping.FindingSiteWithoutGeneralUser) {
			t.Errorf("unexpected event %s: %s", e.Kind, e.Message)
			continue
		}
		got = append(got, syncruntest.DataClientID(t, e))
	}
	slices.Sort(want)
	slices.Sort(got)
	if len(want) == 0 || !slices.Equal(want, got) {
		t.Errorf("site_without_general_user events for clients %v, want %v", got, want)
	}
}

// renameDeleteDeactivate changes three mapped clients in HaloPSA, checks
// the events of the next sync, fixes two of the problems and rechecks.
func (b *scenarioBundle) renameDeleteDeactivate(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	ok := b.okMappings(t, b.gz.ID)
	renamed, deleted, inactive := ok[0], ok[1], ok[2]
	b.Sim.UpdateClient(renamed.ClientID, func(c *halosim.Client) { c.Name = "Renamed Holdings" })
	b.Sim.DeleteClient(deleted.ClientID)
	b.Sim.UpdateClient(inactive.ClientID, func(c *halosim.Client) { c.Inactive = true })
	b.MustSync(t)

	notFound := b.OpenEvent(t, string(mapping.FindingClientNotFound))
	if syncruntest.DataClientID(t, notFound) != deleted.ClientID || !strings.Contains(notFound.Message, "no longer exists") || notFound.Fix == "" {
		t.Errorf("client_not_found event: %+v", notFound)
	}
	deactivated := b.OpenEvent(t, string(mapping.FindingClientInactive))
	if syncruntest.DataClientID(t, deactivated) != inactive.ClientID || !strings.Contains(deactivated.Message, "inactive") {
		t.Errorf("client_inactive event: %+v", deactivated)
	}
	table, err := b.Mappings.MappingRows(ctx, b.Partner.ID, mapper.RowFilter{Search: "Renamed Holdings"})
	if err != nil {
		t.Fatal(err)
	}
	if len(table.Rows) != 1 || table.Rows[0].ClientID != renamed.ClientID || table.Rows[0].Mappings[0].Status != "ok" {
		t.Errorf("the renamed client's row: %+v, want its mapping still ok", table.Rows)
	}

	still, err := b.Events.Recheck(ctx, b.Partner.ID, deactivated.ID)
	if err != nil || still.State != store.EventOpen || still.Count != deactivated.Count+1 {
		t.Errorf("recheck before the fix: %+v, %v; want still open, seen once more", still, err)
	}
	b.Sim.UpdateClient(inactive.ClientID, func(c *halosim.Client) { c.Inactive = false })
	cleared, err := b.Events.Recheck(ctx, b.Partner.ID, deactivated.ID)
	if err != nil || cleared.State != store.EventResolved {
		t.Errorf("recheck after reactivating the client: %+v, %v; want resolved", cleared, err)
	}

	if _, err := b.Mappings.Map(ctx, b.Partner.ID, b.gz.ID, deleted.CustomerID, mapper.MapInput{ClientID: renamed.ClientID, Billing: true}); err != nil {
		t.Fatal(err)
	}
	remapped, err := b.Events.Recheck(ctx, b.Partner.ID, notFound.ID)
	if err != nil || remapped.State != store.EventResolved {
		t.Errorf("recheck after mapping the company to another client: %+v, %v; want resolved", remapped, err)
	}
}

// resolveFixes resolves a "site without a General User" by creating one,
// and a "both not found" by removing the mapping.
func (b *scenarioBundle) resolveFixes(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	noGU := b.ListEvents(t, store.EventOpen)[0]
	if noGU.Kind != string(mapping.FindingSiteWithoutGeneralUser) {
		t.Fatalf("first open event %s, want site_without_general_user", noGU.Kind)
	}
	clientID := syncruntest.DataClientID(t, noGU)
	client, _ := b.Sim.Client(clientID)
	resolved, err := b.Events.Resolve(ctx, b.Partner.ID, noGU.ID)
	if err != nil || resolved.Event.State != store.EventResolved || !strings.Contains(resolved.Action, "General User") {
		t.Fatalf("resolve: %+v, %v", resolved, err)
	}
	if !slices.ContainsFunc(b.Sim.Users(), func(u halosim.User) bool {
		return u.Name == "General User" && u.SiteIDInt == client.MainSiteID
	}) {
		t.Errorf("no General User on main site %d of client %d in HaloPSA", client.MainSiteID, clientID)
	}

	gone := b.okMappings(t, b.pushed.ID)[0]
	b.Sim.DeleteClient(gone.ClientID)
	customers, err := b.St.SourceCustomers(ctx, b.pushed.ID)
	if err != nil {
		t.Fatal(err)
	}
	b.Push(t, b.pushed, slices.DeleteFunc(customers, func(c source.Customer) bool { return c.ID == gone.CustomerID })...)
	b.MustSync(t)
	if e, err := b.St.Event(ctx, b.Partner.ID, noGU.ID); err != nil || e.State != store.EventResolved {
		t.Errorf("the General User's event after the next sync: %+v, %v; want still resolved", e, err)
	}
	both := b.OpenEvent(t, string(mapping.FindingBothNotFound))
	resolved, err = b.Events.Resolve(ctx, b.Partner.ID, both.ID)
	if err != nil || resolved.Event.State != store.EventResolved {
		t.Fatalf("resolve both_not_found: %+v, %v", resolved, err)
	}
	if _, err := b.St.Mapping(ctx, b.pushed.ID, gone.CustomerID); err == nil {
		t.Errorf("the mapping of both_not_found is still there")
	}
}

// okMappings are a source's confirmed mappings without events, by
// customer id.
func (b *scenarioBundle) okMappings(t *testing.T, sourceID int64) []mapper.MappingView {
	t.Helper()
	table, err := b.Mappings.MappingRows(t.Context(), b.Partner.ID, mapper.RowFilter{Mapped: "mapped"})
	if err != nil {
		t.Fatal(err)
	}
	var out []mapper.MappingView
	for _, r := range table.Rows {
		for _, m := range r.Mappings {
			if m.SourceID == sourceID && m.Confirmed && m.Status == "ok" && len(r.Mappings) == 1 {
				out = append(out, m)
			}
		}
	}
	slices.SortFunc(out, func(a, b mapper.MappingView) int { return strings.Compare(a.CustomerID, b.CustomerID) })
	if len(out) < 3 {
		t.Fatalf("only %d ok mappings of source %d", len(out), sourceID)
	}
	return out
}
