package halosim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// page is a wrapped list answer with its rows left raw.
type page struct {
	RecordCount int  `json:"record_count"`
	PageNo      *int `json:"page_no"`
	PageSize    *int `json:"page_size"`
}

func decodePage(t *testing.T, r response, key string) (page, []map[string]any) {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	p := decode[page](t, r)
	raw := decode[map[string]json.RawMessage](t, r)
	list, ok := raw[key]
	if !ok {
		t.Fatalf("answer has no %q list: %s", key, r.body)
	}
	var rows []map[string]any
	if err := json.Unmarshal(list, &rows); err != nil {
		t.Fatalf("%q is not a list of records: %s", key, list)
	}
	return p, rows
}

func ids(rows []map[string]any) []int {
	out := make([]int, 0, len(rows))
	for _, r := range rows {
		out = append(out, int(r["id"].(float64)))
	}
	return out
}

func TestListShapes(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	tok := b.token(t, "all")
	ticket := b.sim.Tickets()[0].ID

	wrappedLists := []struct{ path, key string }{
		{"/api/Client", "clients"},
		{"/api/Site", "sites"},
		{"/api/Users", "users"},
		{"/api/Tickets", "tickets"},
		{"/api/Actions?ticket_id=" + strconv.Itoa(ticket), "actions"},
		{"/api/Item", "items"},
		{"/api/RecurringInvoice", "invoices"},
		{"/api/ExternalLink", "links"},
	}
	for _, tc := range wrappedLists {
		t.Run("Wraps"+strings.TrimPrefix(strings.Split(tc.path, "?")[0], "/api/"), func(t *testing.T) {
			t.Parallel()
			p, rows := decodePage(t, b.send(t, "GET", tc.path, tok, nil), tc.key)
			if p.RecordCount != len(rows) || p.PageNo != nil || p.PageSize != nil {
				t.Fatalf("record_count %d for %d rows, page_no %v, page_size %v", p.RecordCount, len(rows), p.PageNo, p.PageSize)
			}
		})
	}
	for _, path := range []string{"/api/Agent", "/api/Team", "/api/Status", "/api/TicketType", "/api/SLA",
		"/api/Priority", "/api/Category", "/api/Outcome", "/api/Lookup?lookupid=22", "/api/Application"} {
		t.Run("Bare"+strings.TrimPrefix(strings.Split(path, "?")[0], "/api/"), func(t *testing.T) {
			t.Parallel()
			resp := b.send(t, "GET", path, tok, nil)
			wantStatus(t, resp, http.StatusOK)
			if rows := decode[[]map[string]any](t, resp); len(rows) == 0 {
				t.Fatalf("empty list")
			}
		})
	}
	t.Run("UnscopedActionsAnswerAnEmptyList", func(t *testing.T) {
		t.Parallel()
		resp := b.send(t, "GET", "/api/Actions", tok, nil)
		wantStatus(t, resp, http.StatusOK)
		if resp.text() != `{"record_count":0,"actions":[]}` {
			t.Fatalf("body = %s", resp.body)
		}
	})
	t.Run("OneActionNeedsItsTicketID", func(t *testing.T) {
		t.Parallel()
		wantHaloError(t, b.send(t, "GET", "/api/Actions/1", tok, nil), http.StatusBadRequest, "ticket_id must be specified")
	})
}

func TestPaging(t *testing.T) {
	t.Parallel()

	t.Run("IgnoresPageSizeWithoutPageinate", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{Clients: 30})
		p, rows := decodePage(t, b.send(t, "GET", "/api/Users?page_size=2", b.token(t, "all"), nil), "users")
		if len(rows) != p.RecordCount || len(rows) != len(b.sim.Users()) {
			t.Fatalf("%d rows, record_count %d, %d users", len(rows), p.RecordCount, len(b.sim.Users()))
		}
	})

	t.Run("CountLimitsRowsButNotRecordCount", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		p, rows := decodePage(t, b.send(t, "GET", "/api/Users?count=3", b.token(t, "all"), nil), "users")
		if len(rows) != 3 || p.RecordCount != len(b.sim.Users()) {
			t.Fatalf("%d rows, record_count %d", len(rows), p.RecordCount)
		}
	})

	t.Run("PagesAreOneBased", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		all := b.sim.Users()
		p, rows := decodePage(t, b.send(t, "GET", "/api/Users?pageinate=true&page_size=5&page_no=2", b.token(t, "all"), nil), "users")
		want := []int{all[5].ID, all[6].ID, all[7].ID, all[8].ID, all[9].ID}
		if diff := cmp.Diff(want, ids(rows)); diff != "" || *p.PageNo != 2 || *p.PageSize != 5 || p.RecordCount != len(all) {
			t.Fatalf("page 2 (-want +got):\n%s page_no %d page_size %d record_count %d", diff, *p.PageNo, *p.PageSize, p.RecordCount)
		}
	})

	t.Run("DefaultPageSizeIsFifty", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{Clients: 30})
		_, rows := decodePage(t, b.send(t, "GET", "/api/Users?pageinate=true", b.token(t, "all"), nil), "users")
		if len(rows) != 50 {
			t.Fatalf("%d rows", len(rows))
		}
	})

	t.Run("TicketsCapPagesAtHundredAndOffsetByTheCap", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		client := activeClientWithGeneralUser(t, b)
		var batch []map[string]any
		for i := range 150 {
			batch = append(batch, map[string]any{"summary": "Bulk " + strconv.Itoa(i), "client_id": client.ID})
		}
		wantStatus(t, b.send(t, "POST", "/api/Tickets", tok, batch), http.StatusCreated)
		all := b.sim.Tickets()
		p, rows := decodePage(t, b.send(t, "GET", "/api/Tickets?pageinate=true&page_size=1000&page_no=2", tok, nil), "tickets")
		if len(rows) != len(all)-100 || ids(rows)[0] != all[100].ID || p.RecordCount != len(all) || *p.PageSize != 1000 {
			t.Fatalf("page 2: %d rows from id %d, record_count %d, page_size %d; want %d rows from id %d, record_count %d",
				len(rows), ids(rows)[0], p.RecordCount, *p.PageSize, len(all)-100, all[100].ID, len(all))
		}
	})

	t.Run("OtherListsAreNotCappedByDefault", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{Clients: 40})
		_, rows := decodePage(t, b.send(t, "GET", "/api/Users?pageinate=true&page_size=1000", b.token(t, "all"), nil), "users")
		if len(rows) <= 100 || len(rows) != len(b.sim.Users()) {
			t.Fatalf("%d rows of %d users", len(rows), len(b.sim.Users()))
		}
	})

	t.Run("PageCapAllCapsEveryWrappedList", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{Clients: 40, PageCapAll: true})
		p, rows := decodePage(t, b.send(t, "GET", "/api/Users?pageinate=true&page_size=1000", b.token(t, "all"), nil), "users")
		if len(rows) != 100 || p.RecordCount != len(b.sim.Users()) {
			t.Fatalf("%d rows, record_count %d", len(rows), p.RecordCount)
		}
	})

	t.Run("CountAppliesToBareLists", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		resp := b.send(t, "GET", "/api/Status?count=1", b.token(t, "all"), nil)
		wantStatus(t, resp, http.StatusOK)
		if got := decode[[]Status](t, resp); len(got) != 1 || got[0].ID != 1 || got[0].Name != "New" {
			t.Fatalf("statuses = %+v", got)
		}
	})
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	tok := b.token(t, "all")
	get := func(t *testing.T, path string) response { return b.send(t, "GET", path, tok, nil) }

	clients := b.sim.Clients()
	var active, inactive []int
	for _, c := range clients {
		if c.Inactive {
			inactive = append(inactive, c.ID)
		} else {
			active = append(active, c.ID)
		}
	}
	allClients := append(slices.Clone(active), inactive...)
	slices.Sort(allClients)

	for _, tc := range []struct {
		name, query string
		want        []int
	}{
		{"ClientsAreActiveOnlyByDefault", "", active},
		{"IncludeInactiveAddsInactiveClients", "?includeinactive=true", allClients},
		{"InactiveOnly", "?includeactive=false&includeinactive=true", inactive},
		{"ActiveInactivePairSetsBoth", "?activeinactive=false,true", inactive},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, rows := decodePage(t, get(t, "/api/Client"+tc.query), "clients")
			if diff := cmp.Diff(tc.want, ids(rows)); diff != "" {
				t.Fatalf("clients (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("ClientSearchMatchesPartOfTheName", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		created := decode[Client](t, b.send(t, "POST", "/api/Client", tok, []map[string]any{{"name": "Zebra Crossing Pty Ltd"}}))
		_, rows := decodePage(t, b.send(t, "GET", "/api/Client?search=zebra%20cross", tok, nil), "clients")
		if diff := cmp.Diff([]int{created.ID}, ids(rows)); diff != "" {
			t.Fatalf("search (-want +got):\n%s", diff)
		}
	})

	t.Run("ClientsByTopLevel", func(t *testing.T) {
		t.Parallel()
		var want []int
		for _, c := range clients {
			if c.ToplevelID == 2 && !c.Inactive {
				want = append(want, c.ID)
			}
		}
		_, rows := decodePage(t, get(t, "/api/Client?toplevel_id=2"), "clients")
		if diff := cmp.Diff(nonNil(want), ids(rows)); diff != "" {
			t.Fatalf("toplevel 2 (-want +got):\n%s", diff)
		}
	})

	t.Run("SitesOfOneClient", func(t *testing.T) {
		t.Parallel()
		var want []int
		for _, s := range b.sim.Sites() {
			if int(s.ClientID) == clients[1].ID {
				want = append(want, s.ID)
			}
		}
		_, rows := decodePage(t, get(t, "/api/Site?client_id="+strconv.Itoa(clients[1].ID)), "sites")
		if diff := cmp.Diff(want, ids(rows)); diff != "" || len(want) != 3 {
			t.Fatalf("sites of client %d (-want +got):\n%s", clients[1].ID, diff)
		}
	})

	t.Run("UsersWithoutGeneralUsers", func(t *testing.T) {
		t.Parallel()
		site := clients[0].MainSiteID
		var want []int
		for _, u := range b.sim.Users() {
			if int(u.SiteID) == site && u.Name != "General User" {
				want = append(want, u.ID)
			}
		}
		_, rows := decodePage(t, get(t, "/api/Users?site_id="+strconv.Itoa(site)+"&exclude_generaluser=true"), "users")
		if diff := cmp.Diff(want, ids(rows)); diff != "" {
			t.Fatalf("users (-want +got):\n%s", diff)
		}
	})

	for _, tc := range []struct {
		name, query string
		want        []int
	}{
		{"AgentsHideAPIDisabledAndUnassigned", "", []int{2, 3, 4, 5, 6}},
		{"IncludeAPIAgents", "?includeapiagents=true", []int{2, 3, 4, 5, 6, 7}},
		{"IncludeDisabledAgents", "?includedisabled=true", []int{2, 3, 4, 5, 6, 8}},
		{"IncludeBothIndependently", "?includeapiagents=true&includedisabled=true&includeunassigned=true", []int{1, 2, 3, 4, 5, 6, 7, 8}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := get(t, "/api/Agent"+tc.query)
			wantStatus(t, resp, http.StatusOK)
			if diff := cmp.Diff(tc.want, ids(decode[[]map[string]any](t, resp))); diff != "" {
				t.Fatalf("agents (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("RequestSourcesAreLookup22", func(t *testing.T) {
		t.Parallel()
		rows := decode[[]Lookup](t, get(t, "/api/Lookup?lookupid=22"))
		names := map[int]string{}
		for _, r := range rows {
			names[r.ID] = r.Name
		}
		if names[0] != "Email" || names[-9] != "Ninja RMM" || names[5] != "API Integration" {
			t.Fatalf("request sources = %v", names)
		}
	})

	t.Run("PrioritiesOfOneSLA", func(t *testing.T) {
		t.Parallel()
		// /Priority sends its ids as text (see Priority.MarshalJSON).
		rows := decode[[]struct{ ID, SLAID, PriorityID, Name string }](t, get(t, "/api/Priority?slaid=3"))
		var got []string
		for _, p := range rows {
			if p.SLAID != "3" || len(p.ID) != 36 {
				t.Fatalf("priority %+v", p)
			}
			got = append(got, p.PriorityID+" "+p.Name)
		}
		want := []string{"1 Critical Threat", "2 High Threat", "3 Medium Threat", "4 Low Threat"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("priorities (-want +got):\n%s", diff)
		}
	})

	t.Run("AdvancedSearchEquals", func(t *testing.T) {
		t.Parallel()
		target := b.sim.Users()[3]
		filterJSON := `[{"filter_name":"emailaddress","filter_type":2,"filter_value":"` + target.EmailAddress + `"}]`
		_, rows := decodePage(t, get(t, "/api/Users?advanced_search="+url.QueryEscape(filterJSON)), "users")
		for _, r := range rows {
			if r["emailaddress"] != target.EmailAddress {
				t.Fatalf("row %v does not match", r)
			}
		}
		if !slices.Contains(ids(rows), target.ID) {
			t.Fatalf("user %d not found", target.ID)
		}
	})

	t.Run("AdvancedSearchRejectsUnknownFields", func(t *testing.T) {
		t.Parallel()
		filterJSON := `[{"filter_name":"shoe_size","filter_type":2,"filter_value":"9"}]`
		wantHaloError(t, get(t, "/api/Users?advanced_search="+url.QueryEscape(filterJSON)), http.StatusBadRequest,
			"Invalid advanced search parameter(s)")
	})
}

func TestPaths(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	tok := b.token(t, "all")

	t.Run("AreCaseInsensitive", func(t *testing.T) {
		t.Parallel()
		want := b.send(t, "GET", "/api/Tickets", tok, nil)
		wantStatus(t, want, http.StatusOK)
		for _, p := range []string{"/api/tickets", "/API/TICKETS/", "/Api/TicKets"} {
			if got := b.send(t, "GET", p, tok, nil); got.status != http.StatusOK || got.text() != want.text() {
				t.Fatalf("%s: %d, same body %v", p, got.status, got.text() == want.text())
			}
		}
	})

	t.Run("UnknownRecordIs404", func(t *testing.T) {
		t.Parallel()
		for _, p := range []string{"/api/Client/99999", "/api/Tickets/1", "/api/Agent/404", "/api/RecurringInvoice/-1"} {
			wantStatus(t, b.send(t, "GET", p, tok, nil), http.StatusNotFound)
		}
	})

	t.Run("UnknownEntityIs404", func(t *testing.T) {
		t.Parallel()
		wantStatus(t, b.send(t, "GET", "/api/Spaceship", tok, nil), http.StatusNotFound)
	})

	t.Run("InstanceInfoNamesHaloPSA", func(t *testing.T) {
		t.Parallel()
		info := decode[InstanceInfo](t, b.send(t, "GET", "/api/InstanceInfo", tok, nil))
		if info.AppName != "Halo PSA" || info.AuthURL != b.srv.URL+"/auth" {
			t.Fatalf("instance info = %+v", info)
		}
	})

	t.Run("AgentMeIsTheApplicationsAgent", func(t *testing.T) {
		t.Parallel()
		me := decode[Agent](t, b.send(t, "GET", "/api/agent/ME", tok, nil))
		if me.ID != 7 || !me.IsAPIAgent {
			t.Fatalf("agent/me = %+v", me)
		}
	})
}

// TestIDOnly answers idonly=true with the id of every matching record and nothing else, in
// one answer whatever the paging asked ("Not compatible with Pagination").
func TestIDOnly(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{Clients: 150, PageCapAll: true})
	tok := b.token(t, "all")
	for _, tc := range []struct{ path, key string }{
		{"/api/Client?includeinactive=true&idonly=true&pageinate=true&page_size=10&page_no=1", "clients"},
		{"/api/Site?idonly=true", "sites"},
		{"/api/Users?idonly=true&search=General%20User", "users"},
		{"/api/RecurringInvoice?idonly=true", "invoices"},
	} {
		resp := b.send(t, "GET", tc.path, tok, nil)
		wantStatus(t, resp, http.StatusOK)
		var page map[string]json.RawMessage
		if err := json.Unmarshal(resp.body, &page); err != nil {
			t.Fatal(err)
		}
		var rows []map[string]any
		if err := json.Unmarshal(page[tc.key], &rows); err != nil {
			t.Fatalf("%s: %v in %s", tc.path, err, resp.body)
		}
		var count int
		_ = json.Unmarshal(page["record_count"], &count)
		if len(rows) == 0 || len(rows) != count {
			t.Fatalf("%s: %d rows, record_count %d", tc.path, len(rows), count)
		}
		for _, r := range rows {
			if _, ok := r["id"]; !ok || len(r) != 1 {
				t.Fatalf("%s: row %v, want the id alone", tc.path, r)
			}
		}
	}
	// 150 clients, some inactive: all of them, not a page of 10.
	resp := b.send(t, "GET", "/api/Client?includeinactive=true&idonly=true&pageinate=true&page_size=10", tok, nil)
	var page struct {
		Clients []struct{ ID int } `json:"clients"`
	}
	if err := json.Unmarshal(resp.body, &page); err != nil || len(page.Clients) != len(b.sim.Clients()) {
		t.Fatalf("%d client ids (%v), want %d", len(page.Clients), err, len(b.sim.Clients()))
	}
}
