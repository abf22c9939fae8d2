package halosim

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// ticketScene is the seeded data the ticket rules are exercised on, found through the
// state accessors.
type ticketScene struct {
	client     Client // active, main site with a General User, a second site with one too
	mainGU     User
	otherSite  Site
	otherGU    User
	contact    User // a named user of the other site
	noGUClient Client
	inactive   Client
}

func hasGeneralUser(users []User, siteID int) (User, bool) {
	for _, u := range users {
		if int(u.SiteID) == siteID && u.Name == "General User" {
			return u, true
		}
	}
	return User{}, false
}

func activeClientWithGeneralUser(t *testing.T, b *testBundle) Client {
	t.Helper()
	users := b.sim.Users()
	for _, c := range b.sim.Clients() {
		if _, ok := hasGeneralUser(users, c.MainSiteID); ok && !c.Inactive {
			return c
		}
	}
	t.Fatal("no active client with a General User")
	return Client{}
}

func findTicketScene(t *testing.T, b *testBundle) ticketScene {
	t.Helper()
	var sc ticketScene
	users, sites := b.sim.Users(), b.sim.Sites()
	for _, c := range b.sim.Clients() {
		switch _, hasGU := hasGeneralUser(users, c.MainSiteID); {
		case c.Inactive && sc.inactive.ID == 0:
			sc.inactive = c
		case !c.Inactive && !hasGU && sc.noGUClient.ID == 0:
			sc.noGUClient = c
		case !c.Inactive && hasGU && sc.client.ID == 0:
			for _, s := range sites {
				gu, ok := hasGeneralUser(users, s.ID)
				if int(s.ClientID) != c.ID || s.ID == c.MainSiteID || !ok {
					continue
				}
				for _, u := range users {
					if int(u.SiteID) == s.ID && u.Name != "General User" {
						sc.client, sc.otherSite, sc.otherGU, sc.contact = c, s, gu, u
						sc.mainGU, _ = hasGeneralUser(users, c.MainSiteID)
					}
				}
			}
		}
	}
	if sc.client.ID == 0 || sc.noGUClient.ID == 0 || sc.inactive.ID == 0 {
		t.Fatalf("seed lacks a scene: %+v", sc)
	}
	return sc
}

func TestTicketCreation(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	tok := b.token(t, "all")
	sc := findTicketScene(t, b)

	type placed struct{ Client, Site, User int }
	accepted := []struct {
		name string
		body string
		want placed
	}{
		{"ClientAloneGoesToTheMainSitesGeneralUser",
			`[{"summary":"s","client_id":%client%}]`, placed{sc.client.ID, sc.client.MainSiteID, sc.mainGU.ID}},
		{"ASingleObjectIsOneTicket",
			`{"summary":"s","client_id":%client%,"site_id":%othersite%}`, placed{sc.client.ID, sc.otherSite.ID, sc.otherGU.ID}},
		{"UserLookupMinusOneIsTheGeneralUser",
			`[{"summary":"s","client_id":%client%,"site_id":null,"userlookup":{"id":-1,"lookupdisplay":"Enter Details Manually"},"_novalidate":true,"files":null}]`,
			placed{sc.client.ID, sc.client.MainSiteID, sc.mainGU.ID}},
		{"SiteAloneDerivesTheClient",
			`[{"summary":"s","site_id":%othersite%}]`, placed{sc.client.ID, sc.otherSite.ID, sc.otherGU.ID}},
		{"ClientAndSiteUseThatSitesGeneralUser",
			`[{"summary":"s","client_id":%client%,"site_id":%othersite%}]`, placed{sc.client.ID, sc.otherSite.ID, sc.otherGU.ID}},
		{"SpecificUserWithItsSite",
			`[{"summary":"s","client_id":%client%,"site_id":%othersite%,"user_id":%contact%}]`, placed{sc.client.ID, sc.otherSite.ID, sc.contact.ID}},
		{"SpecificUserByUserLookupWithItsSite",
			`[{"summary":"s","site_id":%othersite%,"userlookup":{"id":%contact%}}]`, placed{sc.client.ID, sc.otherSite.ID, sc.contact.ID}},
	}
	fill := strings.NewReplacer("%client%", itoa(sc.client.ID), "%othersite%", itoa(sc.otherSite.ID),
		"%contact%", itoa(sc.contact.ID), "%noguclient%", itoa(sc.noGUClient.ID), "%inactive%", itoa(sc.inactive.ID))
	for _, tc := range accepted {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := b.send(t, "POST", "/api/Tickets", tok, fill.Replace(tc.body))
			wantStatus(t, resp, http.StatusCreated)
			got := decode[Ticket](t, resp)
			if diff := cmp.Diff(tc.want, placed{got.ClientID, got.SiteID, got.UserID}); diff != "" {
				t.Fatalf("placed (-want +got):\n%s", diff)
			}
			stored, ok := b.sim.Ticket(got.ID)
			if !ok || stored.ClientID != tc.want.Client {
				t.Fatalf("ticket %d not stored as answered", got.ID)
			}
		})
	}

	refused := []struct{ name, body, message string }{
		{"ClientIDAsString", `[{"summary":"s","client_id":"%client%"}]`, "Please select a valid Client/Site/User"},
		{"ClientIDAsDecimal", `[{"summary":"s","client_id":%client%.0}]`, "Please select a valid Client/Site/User"},
		{"SpecificUserWithoutSite", `[{"summary":"s","client_id":%client%,"user_id":%contact%}]`, "Please select a valid Client/Site/User"},
		{"SpecificUserLookupWithoutSite", `[{"summary":"s","client_id":%client%,"site_id":null,"userlookup":{"id":%contact%}}]`, "Please select a valid Client/Site/User"},
		{"MainSiteWithoutGeneralUser", `[{"summary":"s","client_id":%noguclient%}]`, "Please select a valid Client/Site/User"},
		{"UnknownClient", `[{"summary":"s","client_id":99999}]`, "Please select a valid Client/Site/User"},
		{"UnknownSite", `[{"summary":"s","site_id":99999}]`, "Please select a valid Client/Site/User"},
		{"SiteOfAnotherClient", `[{"summary":"s","client_id":%noguclient%,"site_id":%othersite%}]`, "Please select a valid Client/Site/User"},
		{"InactiveClient", `[{"summary":"s","client_id":%inactive%}]`, "Please select a valid Client/Site/User"},
		{"NoClientSiteOrUser", `[{"summary":"s"}]`, "Please select a valid Client/Site/User"},
		{"TicketTypeNeedingApproval", `[{"summary":"s","client_id":%client%,"tickettype_id":4}]`, "CODE:APP03/2 Please select the CAB members to approve"},
		{"UnknownTicketType", `[{"summary":"s","client_id":%client%,"tickettype_id":999}]`, "Please select a valid Ticket Type (999 does not exist)"},
		{"NoSummary", `[{"client_id":%client%}]`, "Please enter a Summary"},
		{"UnknownStatus", `[{"summary":"s","client_id":%client%,"status_id":77}]`, "Please select a valid Status (77 does not exist)"},
	}
	for _, tc := range refused {
		t.Run("Refuses"+tc.name, func(t *testing.T) {
			t.Parallel()
			wantHaloError(t, b.send(t, "POST", "/api/Tickets", tok, fill.Replace(tc.body)), http.StatusBadRequest, tc.message)
		})
	}

	t.Run("RefusesSiteWhoseGeneralUserWasDeleted", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		sc := findTicketScene(t, b)
		b.sim.DeleteUser(sc.otherGU.ID)
		wantHaloError(t, b.send(t, "POST", "/api/Tickets", b.token(t, "all"), []map[string]any{{"summary": "s", "site_id": sc.otherSite.ID}}),
			http.StatusBadRequest, "Please select a valid Client/Site/User")
	})

	t.Run("AddingAGeneralUserMendsTheSite", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		sc := findTicketScene(t, b)
		tok := b.token(t, "all")
		body := []map[string]any{{"summary": "s", "client_id": sc.noGUClient.ID}}
		wantStatus(t, b.send(t, "POST", "/api/Tickets", tok, body), http.StatusBadRequest)
		wantStatus(t, b.send(t, "POST", "/api/Users", tok, []map[string]any{{"name": "general user", "site_id": sc.noGUClient.MainSiteID}}), http.StatusCreated)
		wantStatus(t, b.send(t, "POST", "/api/Tickets", tok, body), http.StatusCreated)
	})
}

func TestTicketFields(t *testing.T) {
	t.Parallel()

	t.Run("TicketTypeSuppliesDefaults", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		client := activeClientWithGeneralUser(t, b)
		got := decode[Ticket](t, b.send(t, "POST", "/api/Tickets", b.token(t, "all"),
			[]map[string]any{{"summary": "Malware found", "client_id": client.ID, "tickettype_id": 21}}))
		want := Ticket{StatusID: 1, SLAID: 3, PriorityID: 2, Team: "Security Operations", Category1: "Security", AgentID: 1, Source: 1,
			DateOccurred: "2025-03-14T09:30:00", DateClosed: "1899-12-30T00:00:00", HasBeenClosed: false}
		gotSubset := Ticket{StatusID: got.StatusID, SLAID: got.SLAID, PriorityID: got.PriorityID, Team: got.Team, Category1: got.Category1,
			AgentID: got.AgentID, Source: got.Source, DateOccurred: got.DateOccurred, DateClosed: got.DateClosed, HasBeenClosed: got.HasBeenClosed}
		if diff := cmp.Diff(want, gotSubset); diff != "" {
			t.Fatalf("defaults (-want +got):\n%s", diff)
		}
	})

	t.Run("ValidateOnlySavesNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		client := activeClientWithGeneralUser(t, b)
		before := len(b.sim.Tickets())
		resp := b.send(t, "POST", "/api/Tickets", b.token(t, "all"),
			[]map[string]any{{"summary": "check", "client_id": client.ID, "_validate_only": true}})
		wantStatus(t, resp, http.StatusCreated)
		if got := decode[Ticket](t, resp); got.ID != 0 || got.ClientID != client.ID {
			t.Fatalf("would-be ticket = id %d client %d", got.ID, got.ClientID)
		}
		if after := len(b.sim.Tickets()); after != before {
			t.Fatalf("%d tickets after validation, %d before", after, before)
		}
	})

	t.Run("OpeningActionIsActionOne", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		client := activeClientWithGeneralUser(t, b)
		created := decode[Ticket](t, b.send(t, "POST", "/api/Tickets", tok,
			[]map[string]any{{"summary": "s", "details": "It broke.", "client_id": client.ID}}))
		p, rows := decodePage(t, b.send(t, "GET", "/api/Actions?ticket_id="+itoa(created.ID), tok, nil), "actions")
		if p.RecordCount != 1 || ids(rows)[0] != 1 || rows[0]["note"] != "It broke." {
			t.Fatalf("actions = %v", rows)
		}
	})

	t.Run("StoresThirdPartyIDsAndExternalLinks", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		client := activeClientWithGeneralUser(t, b)
		created := decode[Ticket](t, b.send(t, "POST", "/api/Tickets", tok, []map[string]any{{
			"summary": "s", "client_id": client.ID, "third_party_id_string": "gz:evt-42",
			"new_external_link": map[string]any{"module_id": 301, "third_party_id": "evt-42", "third_party_desc": "GravityZone event"},
		}}))
		got, _ := b.sim.Ticket(created.ID)
		if got.ThirdPartyIDString != "gz:evt-42" || len(got.ExternalLinks) != 1 {
			t.Fatalf("ticket = %+v", got)
		}
		l := got.ExternalLinks[0]
		if l.TableID != 1 || l.HaloID != created.ID || l.ModuleID != 301 || l.ThirdPartyID != "evt-42" {
			t.Fatalf("link = %+v", l)
		}
		filterJSON := `[{"filter_name":"third_party_id_string","filter_type":2,"filter_value":"gz:evt-42"}]`
		_, rows := decodePage(t, b.send(t, "GET", "/api/Tickets?advanced_search="+urlEscape(filterJSON), tok, nil), "tickets")
		if diff := cmp.Diff([]int{created.ID}, ids(rows)); diff != "" {
			t.Fatalf("advanced search (-want +got):\n%s", diff)
		}
	})

	t.Run("UpdateChangesOnlyTheFieldsSentAndClosesOnStatusNine", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		client := activeClientWithGeneralUser(t, b)
		created := decode[Ticket](t, b.send(t, "POST", "/api/Tickets", tok, []map[string]any{{"summary": "Keep me", "client_id": client.ID}}))
		b.clock.Advance(30 * time.Minute)
		resp := b.send(t, "POST", "/api/Tickets", tok, []map[string]any{{"id": created.ID, "status_id": 9, "agent_id": 1}})
		wantStatus(t, resp, http.StatusCreated)
		got := decode[Ticket](t, resp)
		if got.Summary != "Keep me" || got.ClientID != client.ID || !got.HasBeenClosed || got.DateClosed != "2025-03-14T10:00:00" || got.StatusName != "Closed" {
			t.Fatalf("closed ticket = %+v", got)
		}
		reopened := decode[Ticket](t, b.send(t, "POST", "/api/Tickets", tok, []map[string]any{{"id": created.ID, "status_id": 2}}))
		if reopened.HasBeenClosed || reopened.DateClosed != "1899-12-30T00:00:00" {
			t.Fatalf("reopened ticket = %+v", reopened)
		}
	})

	t.Run("UpdateOfUnknownTicketIs404", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		wantStatus(t, b.send(t, "POST", "/api/Tickets", b.token(t, "all"), []map[string]any{{"id": 99999, "status_id": 9}}), http.StatusNotFound)
	})

	t.Run("SeveralTicketsAnswerAnArray", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		client := activeClientWithGeneralUser(t, b)
		resp := b.send(t, "POST", "/api/Tickets", b.token(t, "all"),
			[]map[string]any{{"summary": "a", "client_id": client.ID}, {"summary": "b", "client_id": client.ID}})
		wantStatus(t, resp, http.StatusCreated)
		if got := decode[[]Ticket](t, resp); len(got) != 2 || got[0].Summary != "a" || got[1].ID != got[0].ID+1 {
			t.Fatalf("tickets = %+v", got)
		}
	})

	t.Run("DeleteAnswersTheDeletedTicket", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		victim := b.sim.Tickets()[0]
		resp := b.send(t, "DELETE", "/api/Tickets/"+itoa(victim.ID), tok, nil)
		wantStatus(t, resp, http.StatusOK)
		if got := decode[Ticket](t, resp); got.ID != victim.ID || got.Summary != victim.Summary {
			t.Fatalf("deleted = %+v", got)
		}
		wantStatus(t, b.send(t, "GET", "/api/Tickets/"+itoa(victim.ID), tok, nil), http.StatusNotFound)
	})

	t.Run("OpenOnlyLeavesOutClosedTickets", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		victim := b.sim.Tickets()[0]
		if err := b.sim.SetTicketStatus(victim.ID, 9); err != nil {
			t.Fatal(err)
		}
		var open []int
		for _, tk := range b.sim.Tickets() {
			if tk.StatusID != 9 {
				open = append(open, tk.ID)
			}
		}
		_, rows := decodePage(t, b.send(t, "GET", "/api/Tickets?open_only=true", b.token(t, "all"), nil), "tickets")
		if diff := cmp.Diff(open, ids(rows)); diff != "" {
			t.Fatalf("open tickets (-want +got):\n%s", diff)
		}
	})

	t.Run("RequestTypeKeepsOnlyTheTicketTypesListed", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		client := b.sim.Tickets()[0].ClientID
		var want []int
		for _, typ := range []int{21, 1, 21, 3} {
			resp := b.send(t, "POST", "/api/Tickets", tok, []map[string]any{{"summary": "typed", "client_id": client, "tickettype_id": typ}})
			wantStatus(t, resp, http.StatusCreated)
			if got := decode[Ticket](t, resp); typ != 1 {
				want = append(want, got.ID)
			}
		}
		for _, tk := range b.sim.Tickets() {
			if (tk.TicketTypeID == 21 || tk.TicketTypeID == 3) && !slices.Contains(want, tk.ID) {
				want = append(want, tk.ID)
			}
		}
		slices.Sort(want)
		_, rows := decodePage(t, b.send(t, "GET", "/api/Tickets?requesttype=21,3", tok, nil), "tickets")
		if diff := cmp.Diff(want, ids(rows)); diff != "" {
			t.Fatalf("tickets of types 21 and 3 (-want +got):\n%s", diff)
		}
	})

	t.Run("RejectsABodyThatIsNeitherARecordNorAnArray", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		wantHaloError(t, b.send(t, "POST", "/api/Tickets", b.token(t, "all"), `"summary"`),
			http.StatusBadRequest, "The request body must be a JSON array of Tickets records")
	})
}
