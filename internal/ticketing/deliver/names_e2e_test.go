package deliver_test

import (
	"fmt"
	"html"
	"strings"
	"testing"
	"time"

	"halobridge/internal/connect"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/jobs"
	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/source/defensx/dxsim"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
	"halobridge/internal/syncrun"
	"halobridge/internal/ticketing"
	"halobridge/internal/ticketing/deliver"
	"halobridge/internal/wait"
)

// syncCatalogs runs the catalog sync a person starts with "Sync now": the
// HaloPSA catalog and every source's customers (and DefensX users). The
// bundle's own source, which has no API to read, is removed first.
func syncCatalogs(t *testing.T, b *testBundle) {
	t.Helper()
	if _, err := b.store.DeleteSource(b.ctx, b.src.ID); err != nil {
		t.Fatal(err)
	}
	run, err := b.store.StartSyncRun(b.ctx, store.SyncRun{PartnerID: b.partner.ID, Kind: store.SyncCatalog})
	if err != nil {
		t.Fatal(err)
	}
	p := jobs.NewProgress(b.store, run)
	syncer := &syncrun.Syncer{Store: b.store, Halo: b.halo, Sources: &connect.Sources{Outbound: outbound.Local(), Store: b.store}}
	_, syncErr := syncer.Sync(b.ctx, b.partner.ID, p)
	if err := p.Finish(syncErr); err != nil {
		t.Fatal(err)
	}
	if syncErr != nil {
		t.Fatalf("sync: %v", syncErr)
	}
}

func TestTicketsNameThePeople(t *testing.T) {
	t.Parallel()
	fast := deliver.Options{Gather: 150 * time.Millisecond, FlushWindow: 400 * time.Millisecond, Now: time.Now}

	t.Run("AGravityZoneTicketNamesTheCompanyAndTheClient", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{deliver: fast})
		p := testPolicy()
		p.TitleTemplate = "{{customer}}: {{report_type}} on {{hostname}}"
		fallback := activeClient(t, b.sim, true)
		for _, c := range b.sim.Clients() {
			if !c.Inactive && c.ID != b.client.ID && c.MainSiteID > 0 {
				fallback = c
				break
			}
		}
		if _, err := b.svc.SavePolicy(b.ctx, b.partner.ID, deliver.SavedPolicy{Policy: p, FallbackClientID: fallback.ID}); err != nil {
			t.Fatal(err)
		}
		r := run(t, b)
		gz, src := r.gravityZone(t, b, 21)
		syncCatalogs(t, b)
		companies := gz.Companies()
		mapped, unmapped := companies[1], companies[2]
		if _, err := b.store.SaveMapping(b.ctx, store.Mapping{PartnerID: b.partner.ID, SourceID: src.ID, CustomerID: mapped.ID,
			ClientID: b.client.ID, Ticketing: true, Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		event := func(company, host string) gzsim.Event {
			ev, err := gz.NewEvent("av", company)
			if err != nil {
				t.Fatal(err)
			}
			ev["computer_name"] = host
			return ev
		}
		if err := gz.Push(b.ctx, event(mapped.ID, "WS-FRONT"), event(unmapped.ID, "WS-BACK")); err != nil {
			t.Fatal(err)
		}

		var ticket halosim.Ticket
		wait.For(t, "the mapped company's ticket", func() (ok bool) {
			ticket, ok = ticketByKey(b.sim, "host/gravityzone/"+mapped.ID+"/av/ws-front")
			return ok
		})
		if want := mapped.Name + ": "; !strings.HasPrefix(ticket.Summary, want) || !strings.HasSuffix(ticket.Summary, " on WS-FRONT") {
			t.Errorf("summary %q, want it to start with the company's name %q and end on the host", ticket.Summary, want)
		}
		for _, want := range []string{
			"<tr><th>Company</th><td>" + html.EscapeString(mapped.Name) + " <small>(GravityZone company id " + mapped.ID + ")</small></td></tr>",
			"<tr><th>HaloPSA client</th><td>" + html.EscapeString(b.client.Name) + "</td></tr>",
			"<tr><th>Host</th><td>WS-FRONT",
			"<details><summary>The event as GravityZone sent it</summary><pre>{\n",
			"&#34;computer_name&#34;: &#34;WS-FRONT&#34;",
		} {
			if !strings.Contains(ticket.DetailsHTML, want) {
				t.Errorf("the ticket HaloPSA holds lacks %q:\n%s", want, ticket.DetailsHTML)
			}
		}
		if strings.Contains(ticket.DetailsHTML, "Customer "+mapped.ID) {
			t.Errorf("the ticket names the company by its id:\n%s", ticket.DetailsHTML)
		}

		var onFallback halosim.Ticket
		wait.For(t, "the unmapped company's ticket", func() (ok bool) {
			onFallback, ok = ticketByKey(b.sim, "host/gravityzone/"+unmapped.ID+"/av/ws-back")
			return ok
		})
		if onFallback.ClientID != fallback.ID || !strings.HasPrefix(onFallback.Summary, "[Unmapped] "+unmapped.Name+": ") {
			t.Errorf("unmapped ticket on client %d titled %q, want the fallback %d titled with the company's name", onFallback.ClientID, onFallback.Summary, fallback.ID)
		}
		for _, want := range []string{
			"GravityZone company <strong>" + html.EscapeString(unmapped.Name) + "</strong> <small>(id " + unmapped.ID + ")</small> is not mapped",
			"open the Client mapping page and map " + html.EscapeString(unmapped.Name) + " to its HaloPSA client",
			"<tr><th>HaloPSA client</th><td>" + html.EscapeString(fallback.Name) + "</td></tr>",
		} {
			if !strings.Contains(onFallback.DetailsHTML, want) {
				t.Errorf("the fallback client's ticket lacks %q:\n%s", want, onFallback.DetailsHTML)
			}
		}
	})

	t.Run("ADefensXTicketNamesTheUserFromTheSyncedUsers", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{deliver: fast})
		p := testPolicy()
		p.Sources = map[source.Kind]ticketing.Policy{source.DefensX: {TitleTemplate: "{{report_type}} request from {{user}} at {{customer}}"}}
		if _, err := b.svc.SavePolicy(b.ctx, b.partner.ID, deliver.SavedPolicy{Policy: p}); err != nil {
			t.Fatal(err)
		}
		r := run(t, b)
		dx, _ := r.defensX(t, b, dxsim.Options{Seed: 7, NumCustomers: 2}, true)
		customer := dx.Customers()[0]
		lena, err := dx.AddUser(customer.ID, dxsim.User{Name: "Lena <Varga>", Email: "lena.varga@example.com", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		syncCatalogs(t, b)
		// A user who joined after the sync is not known yet.
		newcomer, err := dx.AddUser(customer.ID, dxsim.User{Name: "Kofi Umar", Active: true})
		if err != nil {
			t.Fatal(err)
		}

		// request sends a user request of user and waits for its ticket.
		request := func(id int, user string) halosim.Ticket {
			t.Helper()
			if _, err := dx.SendUserRequest(b.ctx, customer.ID, dxsim.UserRequest{ID: id, UserID: user, URL: "https://monster.com/jobs"}); err != nil {
				t.Fatal(err)
			}
			var ticket halosim.Ticket
			wait.For(t, fmt.Sprintf("the ticket of request %d", id), func() (ok bool) {
				ticket, ok = ticketByKey(b.sim, fmt.Sprintf("defensx:%s:user_request:%d", customer.ID, id))
				return ok
			})
			return ticket
		}
		ticket := request(501, lena.ID)
		if want := "request from Lena <Varga> at " + customer.Name; !strings.HasSuffix(ticket.Summary, want) {
			t.Errorf("summary %q, want it to end with %q", ticket.Summary, want)
		}
		if want := "<tr><th>User</th><td>Lena &lt;Varga&gt; <small>(user id " + lena.ID + ")</small></td></tr>"; !strings.Contains(ticket.DetailsHTML, want) {
			t.Errorf("the ticket lacks %q:\n%s", want, ticket.DetailsHTML)
		}

		unknown := request(502, newcomer.ID)
		if want := "request from " + newcomer.ID + " at " + customer.Name; !strings.HasSuffix(unknown.Summary, want) {
			t.Errorf("summary %q, want the user's id (%q) until a sync names them", unknown.Summary, want)
		}
		if want := "<tr><th>User</th><td>" + newcomer.ID + "</td></tr>"; !strings.Contains(unknown.DetailsHTML, want) {
			t.Errorf("the ticket lacks %q:\n%s", want, unknown.DetailsHTML)
		}
	})
}
