package halosim

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/google/go-cmp/cmp"
)

func TestSeed(t *testing.T) {
	t.Parallel()
	fixed := func() time.Time { return time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC) }

	t.Run("IsDeterministic", func(t *testing.T) {
		t.Parallel()
		a, b := New(Options{Seed: 3, Now: fixed}), New(Options{Seed: 3, Now: fixed})
		for name, diff := range map[string]string{
			"clients":  cmp.Diff(a.Clients(), b.Clients()),
			"sites":    cmp.Diff(a.Sites(), b.Sites()),
			"users":    cmp.Diff(a.Users(), b.Users()),
			"invoices": cmp.Diff(a.RecurringInvoices(), b.RecurringInvoices()),
			"tickets":  cmp.Diff(a.Tickets(), b.Tickets()),
		} {
			if diff != "" {
				t.Errorf("%s differ between two sims of seed 3:\n%s", name, diff)
			}
		}
	})

	t.Run("DifferentSeedsGiveDifferentData", func(t *testing.T) {
		t.Parallel()
		if cmp.Equal(New(Options{Seed: 1, Now: fixed}).Clients(), New(Options{Seed: 2, Now: fixed}).Clients()) {
			t.Fatal("seeds 1 and 2 gave the same clients")
		}
	})

	sim := New(Options{Seed: 11, Now: fixed})
	clients, sites, users := sim.Clients(), sim.Sites(), sim.Users()

	t.Run("DefaultsToSixtyClients", func(t *testing.T) {
		t.Parallel()
		if len(clients) != 60 {
			t.Fatalf("%d clients", len(clients))
		}
	})

	t.Run("NamesAreVariedLikeRealCompanies", func(t *testing.T) {
		t.Parallel()
		var all strings.Builder
		for _, c := range clients {
			all.WriteString(c.Name + "\n")
		}
		text := all.String()
		for _, marker := range []string{" Inc", " Ltd\n", " LLC", " GmbH", " S.A.", " B.V.", " Pty Ltd", "&", "'"} {
			if !strings.Contains(text, marker) {
				t.Errorf("no client name contains %q", marker)
			}
		}
		if !strings.ContainsFunc(text, func(r rune) bool { return r > unicode.MaxASCII }) {
			t.Error("no client name has an accented letter")
		}
	})

	t.Run("WebsitesUsePlainDomains", func(t *testing.T) {
		t.Parallel()
		domain := regexp.MustCompile(`^https://www\.[a-z0-9]+(\.[a-z]+)+$`)
		withSite := 0
		for _, c := range clients {
			if c.Website != "" {
				withSite++
				if !domain.MatchString(c.Website) {
					t.Errorf("client %q has website %q", c.Name, c.Website)
				}
			}
		}
		if withSite < len(clients)/2 {
			t.Errorf("only %d of %d clients have a website", withSite, len(clients))
		}
	})

	t.Run("EveryClientHasOneToThreeSitesMainFirst", func(t *testing.T) {
		t.Parallel()
		for _, c := range clients {
			var own []Site
			for _, s := range sites {
				if int(s.ClientID) == c.ID {
					own = append(own, s)
				}
			}
			if len(own) < 1 || len(own) > 3 || own[0].ID != c.MainSiteID || own[0].Name != "Main" || c.MainSiteName != "Main" {
				t.Fatalf("client %d %q: main site %d, sites %+v", c.ID, c.Name, c.MainSiteID, own)
			}
		}
	})

	t.Run("AFewClientsAreInactive", func(t *testing.T) {
		t.Parallel()
		n := 0
		for _, c := range clients {
			if c.Inactive {
				n++
			}
		}
		if n < 2 || n > len(clients)/5 {
			t.Fatalf("%d inactive clients of %d", n, len(clients))
		}
	})

	t.Run("AFewSitesLackAGeneralUser", func(t *testing.T) {
		t.Parallel()
		missing, mainMissing := 0, 0
		for _, s := range sites {
			if _, ok := hasGeneralUser(users, s.ID); !ok {
				missing++
				if s.Name == "Main" {
					mainMissing++
				}
			}
		}
		if mainMissing < 2 || missing > len(sites)/10 {
			t.Fatalf("%d of %d sites lack a General User (%d main sites)", missing, len(sites), mainMissing)
		}
	})

	t.Run("AgentsIncludeUnassignedAnAPIAgentAndADisabledOne", func(t *testing.T) {
		t.Parallel()
		agents := sim.Agents()
		var api, disabled int
		for _, a := range agents {
			if a.IsAPIAgent {
				api++
			}
			if a.IsDisabled {
				disabled++
			}
		}
		if agents[0].ID != 1 || agents[0].Name != "Unassigned" || api != 1 || disabled != 1 {
			t.Fatalf("agents: first %d %q, %d API-only, %d disabled", agents[0].ID, agents[0].Name, api, disabled)
		}
	})

	t.Run("InvoicesLeaveSomeClientsWithoutAndOneDisabled", func(t *testing.T) {
		t.Parallel()
		billed := map[int]bool{}
		disabled := 0
		for _, inv := range sim.RecurringInvoices() {
			billed[inv.ClientID] = true
			if inv.Disabled {
				disabled++
			}
			if inv.Reference != "Monthly Billing" || inv.Period != 2 || inv.ScheduleDate != "1899-12-30T00:00:00" || len(inv.Lines) == 0 {
				t.Fatalf("invoice %+v", inv)
			}
		}
		unbilled := 0
		for _, c := range clients {
			if !billed[c.ID] && !c.Inactive {
				unbilled++
			}
		}
		if disabled != 1 || unbilled == 0 {
			t.Fatalf("%d disabled invoices, %d active clients without one", disabled, unbilled)
		}
	})

	t.Run("ConfigurationMatchesAStockHalo", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		statuses := map[int]string{}
		for _, s := range decode[[]Status](t, b.send(t, "GET", "/api/Status", tok, nil)) {
			statuses[s.ID] = s.Name
		}
		if statuses[1] != "New" || statuses[2] != "In Progress" || statuses[9] != "Closed" {
			t.Errorf("statuses = %v", statuses)
		}
		types := map[string]TicketType{}
		for _, tt := range decode[[]TicketType](t, b.send(t, "GET", "/api/TicketType", tok, nil)) {
			types[tt.Name] = tt
		}
		if sa := types["Security Alert"]; sa.DefaultSLA != 3 || sa.DefaultTeam != "Security Operations" || sa.InitialStatus != 1 {
			t.Errorf("Security Alert = %+v", sa)
		}
		if types["Change Request"].ApprovalProcessID == 0 || types["Incident"].ID != 1 {
			t.Errorf("ticket types = %+v", types)
		}
		outcomes := map[int]Outcome{}
		for _, o := range decode[[]Outcome](t, b.send(t, "GET", "/api/Outcome", tok, nil)) {
			outcomes[o.ID] = o
		}
		if o := outcomes[7]; o.Outcome != "Internal Note" || !o.HideFromUser {
			t.Errorf("outcome 7 = %+v", o)
		}
		if o := outcomes[21]; o.Outcome != "Close Ticket" || o.NewStatus != 9 {
			t.Errorf("outcome 21 = %+v", o)
		}
		recurring := map[string]bool{}
		_, rows := decodePage(t, b.send(t, "GET", "/api/Item?recurringonly=true", tok, nil), "items")
		for _, r := range rows {
			recurring[r["name"].(string)] = true
		}
		if !recurring["Endpoint Security"] || !recurring["EDR Add-on"] || recurring["Onsite Support Hour"] {
			t.Errorf("recurring items = %v", recurring)
		}
		wantStatus(t, b.send(t, "GET", "/api/Category?type_id=1", tok, nil), http.StatusOK)
	})
}
