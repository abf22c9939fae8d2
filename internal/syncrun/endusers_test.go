package syncrun_test

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/syncrun/syncruntest"
)

// TestEndUsersOfMappedClients: the catalog keeps the active users of the
// clients confirmed mappings send tickets to, only while the ticket policy
// files tickets on end users, at the fewest requests: a list per client for
// a few clients, the whole list once when it takes fewer pages.
func TestEndUsersOfMappedClients(t *testing.T) {
	t.Parallel()
	syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
		f, active, mapped := mappableClients(t, st)
		ctx := t.Context()
		policy := func(on bool) {
			t.Helper()
			raw := `{"tickettype_id":21}`
			if on {
				raw = `{"tickettype_id":21,"match_end_user":true}`
			}
			if _, err := st.SaveTicketPolicy(ctx, store.TicketPolicy{PartnerID: f.Partner.ID, Policy: []byte(raw)}); err != nil {
				t.Fatal(err)
			}
		}
		// usersOf are the ids of the active users of clients, as the
		// simulator holds them.
		usersOf := func(clients []int) []string {
			clientOfSite := map[int]int{}
			for _, s := range f.Sim.Sites() {
				clientOfSite[s.ID] = int(s.ClientID)
			}
			var out []string
			for _, u := range f.Sim.Users() {
				if !u.Inactive && slices.Contains(clients, clientOfSite[int(u.SiteID)]) {
					out = append(out, strconv.Itoa(u.ID))
				}
			}
			slices.Sort(out)
			return out
		}
		// sync returns the clients whose users were listed one by one, how
		// many lists of every user were read, and the users kept.
		sync := func() (byClient []string, whole int, kept []string) {
			t.Helper()
			f.Sim.ResetRequests()
			if _, err := f.Syncer.SyncHaloCatalog(ctx, f.Partner.ID); err != nil {
				t.Fatalf("sync: %v", err)
			}
			for _, r := range f.Sim.Requests() {
				if r.Method != "GET" || !strings.EqualFold(r.Path, "/api/Users") {
					continue
				}
				q, _ := url.ParseQuery(r.Query)
				switch {
				case q.Get("client_id") != "":
					byClient = append(byClient, q.Get("client_id"))
				case q.Get("search") == "" && q.Get("idonly") == "":
					whole++
				}
			}
			entries, err := st.Catalog(ctx, f.Partner.ID, store.KindEndUser)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				kept = append(kept, e.HaloID)
			}
			slices.Sort(kept)
			return byClient, whole, kept
		}

		// Off: no request, nothing kept.
		policy(false)
		mapped(active[:2], true)
		mapped(active[2:3], false)
		if byClient, whole, kept := sync(); len(byClient) != 0 || whole != 0 || len(kept) != 0 {
			t.Errorf("with the policy off the sync listed clients %v and %d whole lists, and kept %d users", byClient, whole, len(kept))
		}

		// On, two clients with ticketing (the third has it off): one list each.
		policy(true)
		byClient, whole, kept := sync()
		want := []string{strconv.Itoa(active[0]), strconv.Itoa(active[1])}
		slices.Sort(byClient)
		slices.Sort(want)
		if !slices.Equal(byClient, want) || whole != 0 {
			t.Errorf("two clients: listed clients %v and %d whole lists; want clients %v and none", byClient, whole, want)
		}
		if w := usersOf(active[:2]); len(w) == 0 || !slices.Equal(kept, w) {
			t.Errorf("two clients: kept users %v, want %v", kept, w)
		}

		// Twelve clients, whose users all fit a few pages: one count and
		// the whole list once are fewer requests than twelve lists.
		mapped(active[:12], true)
		byClient, whole, kept = sync()
		if len(byClient) != 0 || whole != 2 {
			t.Errorf("twelve clients: listed clients %v and %d whole lists (the count included); want none and 2", byClient, whole)
		}
		if w := usersOf(active[:12]); !slices.Equal(kept, w) {
			t.Errorf("twelve clients: kept %d users, want the %d of those clients", len(kept), len(w))
		}
	})
}

// mappableClients is a fixture of twenty clients, the ids of its active
// ones (twelve at least) and a function that maps them, confirmed, with
// ticketing on or off.
func mappableClients(t *testing.T, st *store.Store) (f *syncruntest.Fixture, active []int, mapped func(ids []int, ticketing bool)) {
	t.Helper()
	f = syncruntest.NewFixture(t, st, halosim.Options{Clients: 20})
	src, err := st.CreateSource(t.Context(), store.Source{PartnerID: f.Partner.ID, Kind: source.Push, Name: "Push"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range f.Sim.Clients() {
		if !c.Inactive {
			active = append(active, c.ID)
		}
	}
	if len(active) < 12 {
		t.Fatalf("the simulator has %d active clients, the test needs 12", len(active))
	}
	return f, active, func(ids []int, ticketing bool) {
		t.Helper()
		for _, id := range ids {
			if _, err := st.SaveMapping(t.Context(), store.Mapping{PartnerID: f.Partner.ID, SourceID: src.ID, CustomerID: "c-" + strconv.Itoa(id),
				ClientID: id, Ticketing: ticketing, Confirmed: true}); err != nil {
				t.Fatal(err)
			}
		}
	}
}
