package deliver_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/store"
	"halobridge/internal/syncrun"
	"halobridge/internal/ticketing/deliver"
)

// TestTicketsFiledOnTheEndUser: with the policy matching end users, the
// catalog sync reads the mapped client's users, and an alert naming one of
// them is filed on that user; an alert naming several (the same name twice)
// or nobody known goes to the General User, its body naming the user.
func TestTicketsFiledOnTheEndUser(t *testing.T) {
	t.Parallel()
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, setupOptions{postgres: e.postgres})
			p := testPolicy()
			p.MatchEndUser = true
			if _, err := b.svc.SavePolicy(b.ctx, b.partner.ID, deliver.SavedPolicy{Policy: p}); err != nil {
				t.Fatalf("SavePolicy: %v", err)
			}
			hc, err := b.halo.Client(b.ctx, b.partner.ID)
			if err != nil {
				t.Fatal(err)
			}
			site := b.client.MainSiteID
			add := func(u halo.User) halo.User {
				t.Helper()
				u.SiteID = site
				made, err := hc.CreateUser(b.ctx, u)
				if err != nil {
					t.Fatalf("create HaloPSA user %s: %v", u.Name, err)
				}
				return made
			}
			jane := add(halo.User{Name: "Jane Doe", EmailAddress: "jane.doe@contoso.example", Login: `CONTOSO\jdoe`})
			add(halo.User{Name: "Chris Lee", EmailAddress: "chris@contoso.example"})
			add(halo.User{Name: "Chris Lee", EmailAddress: "c.lee@contoso.example"})
			generalUser := 0
			for _, u := range b.sim.Users() {
				if int(u.SiteID) == site && !u.Inactive && strings.EqualFold(u.Name, halo.GeneralUserName) && (generalUser == 0 || u.ID < generalUser) {
					generalUser = u.ID
				}
			}

			b.sim.ResetRequests()
			if _, err := (&syncrun.Syncer{Store: b.store, Halo: b.halo}).SyncHaloCatalog(b.ctx, b.partner.ID); err != nil {
				t.Fatalf("sync the HaloPSA catalog: %v", err)
			}
			// One mapped client: one list of its users.
			var byClient []string
			for _, r := range b.sim.Requests() {
				q, _ := url.ParseQuery(r.Query)
				if r.Method == "GET" && strings.EqualFold(r.Path, "/api/Users") && q.Get("client_id") != "" {
					byClient = append(byClient, q.Get("client_id"))
				}
			}
			if len(byClient) != 1 || byClient[0] != strconv.Itoa(b.client.ID) {
				t.Errorf("the sync listed the users of clients %v; want one list of client %d", byClient, b.client.ID)
			}
			held, err := b.store.Catalog(b.ctx, b.partner.ID, store.KindEndUser)
			if err != nil {
				t.Fatal(err)
			}
			if len(held) < 4 { // the General User and the three added
				t.Errorf("the catalog holds %d users of the mapped client, want at least 4", len(held))
			}

			known := avAlert("e-known", "c-1", "PC-JANE", "EICAR", b.clock.Now())
			known.User = "jane.doe@contoso.example"
			ambiguous := avAlert("e-ambiguous", "c-1", "PC-CHRIS", "EICAR", b.clock.Now())
			ambiguous.User = "Chris Lee"
			unknown := avAlert("e-unknown", "c-1", "PC-ZOE", "EICAR", b.clock.Now())
			unknown.User = `CONTOSO\zoe`
			ingestAlerts(t, b, known, ambiguous, unknown)
			if res := deliverOnce(t, b); res.Created != 3 {
				t.Fatalf("created %d tickets, want 3 (%+v)", res.Created, res)
			}

			byHost := map[string]halosim.Ticket{}
			for _, tk := range ourTickets(b.sim) {
				for _, host := range []string{"PC-JANE", "PC-CHRIS", "PC-ZOE"} {
					if strings.Contains(tk.Summary, host) {
						byHost[host] = tk
					}
				}
			}
			if tk := byHost["PC-JANE"]; tk.UserID != jane.ID || tk.SiteID != site || strings.Contains(tk.DetailsHTML, "The alert names") {
				t.Errorf("the ticket for Jane is on user %d, site %d, body %.300q; want user %d on site %d and no line about the user",
					tk.UserID, tk.SiteID, tk.DetailsHTML, jane.ID, site)
			}
			for host, line := range map[string]string{
				"PC-CHRIS": "The alert names Chris Lee; several HaloPSA users of " + b.client.Name + " match it equally, so none was chosen.",
				"PC-ZOE":   `The alert names CONTOSO\zoe; no HaloPSA user of ` + b.client.Name + " matches it.",
			} {
				tk, ok := byHost[host]
				if !ok {
					t.Errorf("no ticket for %s", host)
					continue
				}
				if tk.UserID != generalUser || !strings.Contains(tk.DetailsHTML, line) {
					t.Errorf("the ticket for %s is on user %d, body %.400q; want the General User %d and %q", host, tk.UserID, tk.DetailsHTML, generalUser, line)
				}
			}
		})
	}
}
