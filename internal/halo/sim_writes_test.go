package halo

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/outbound"
)

func TestSimWrites(t *testing.T) {
	t.Parallel()

	ctx := context.Background()

	t.Run("CreatesATicketForTheSitesGeneralUserAndClosesIt", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{}, nil)
		site, gu := pickSite(t, ctx, c)
		created, err := c.CreateTicket(ctx, Ticket{
			Summary: "Malware detected on LAPTOP-7", DetailsHTML: "<p>Trojan.Generic quarantined</p>",
			ClientID: site.ClientID, SiteID: site.ID, UserID: gu.ID, TicketTypeID: 21,
		})
		mustNoErr(t, "CreateTicket", err)
		if created.ID == 0 || created.UserID != gu.ID || created.SiteID != site.ID {
			t.Fatalf("created = %+v", created)
		}
		if got := b.sent("POST", "/api/Tickets"); len(got) != 1 || got[0].Status != http.StatusCreated {
			t.Errorf("POST /api/Tickets answered %d times, want once with 201", len(got))
		}
		_, err = c.UpdateTicket(ctx, Ticket{ID: created.ID, StatusID: 9, AgentID: 1})
		mustNoErr(t, "UpdateTicket", err)
		stored, _ := b.sim.Ticket(created.ID)
		if stored.StatusID != 9 || stored.Summary != "Malware detected on LAPTOP-7" {
			t.Errorf("stored ticket = status %d summary %q, want closed with the summary kept", stored.StatusID, stored.Summary)
		}
	})

	t.Run("CreatesSeveralTicketsInOneRequest", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{}, nil)
		site, _ := pickSite(t, ctx, c)
		created, err := c.CreateTickets(ctx, []Ticket{
			{Summary: "first", SiteID: site.ID}, {Summary: "second", SiteID: site.ID},
		})
		mustNoErr(t, "CreateTickets", err)
		if len(created) != 2 || created[0].Summary != "first" || created[1].Summary != "second" || created[0].ID == created[1].ID {
			t.Errorf("created = %+v", created)
		}
		if got := len(b.sent("POST", "/api/Tickets")); got != 1 {
			t.Errorf("sent %d requests, want 1", got)
		}
	})

	t.Run("KeepsHalosRefusalVerbatim", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{}, nil)
		site, _ := pickSite(t, ctx, c)
		// A specific user without its site is refused (API.md §4).
		_, err := c.CreateTicket(ctx, Ticket{Summary: "x", ClientID: site.ClientID, UserID: 1})
		var ae *APIError
		if !errors.As(err, &ae) || ae.Message != "Please select a valid Client/Site/User" {
			t.Fatalf("err = %v, want Halo's Client/Site/User message", err)
		}
		if err.Error() != "HaloPSA said: Please select a valid Client/Site/User" {
			t.Errorf("Error() = %q", err.Error())
		}
		if got := len(b.sent("POST", "/api/Tickets")); got != 1 {
			t.Errorf("sent %d requests, want 1: a 400 is never retried", got)
		}
	})

	t.Run("AddsActionsAndRefusesThoseWithoutOutcome", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{}, nil)
		site, _ := pickSite(t, ctx, c)
		tk, err := c.CreateTicket(ctx, Ticket{Summary: "phishing", SiteID: site.ID})
		mustNoErr(t, "CreateTicket", err)
		note, err := c.AddAction(ctx, Action{TicketID: tk.ID, OutcomeID: 7, NoteHTML: "<p>2 more detections</p>", HiddenFromUser: true})
		mustNoErr(t, "AddAction", err)
		if note.ID <= 1 || note.TicketID != tk.ID {
			t.Errorf("action = %+v, want one after the opening action", note)
		}
		if _, err := c.AddAction(ctx, Action{TicketID: tk.ID, Note: "no outcome"}); !errors.Is(err, ErrNoOutcome) {
			t.Errorf("without outcome err = %v, want ErrNoOutcome", err)
		}
		_, err = c.AddAction(ctx, Action{TicketID: tk.ID, OutcomeID: halosim.RestrictedOutcomeID, Note: "x"})
		var ae *APIError
		if !errors.As(err, &ae) || ae.Message != "You do not have access to this Action at the moment" {
			t.Errorf("restricted outcome err = %v", err)
		}
		closing, err := c.AddAction(ctx, Action{TicketID: tk.ID, OutcomeID: 7, Note: "resolved at source", NewStatus: 9, HiddenFromUser: true})
		mustNoErr(t, "closing AddAction", err)
		stored, _ := b.sim.Ticket(tk.ID)
		if stored.StatusID != 9 || closing.NewStatus != 9 {
			t.Errorf("ticket status %d after a new_status 9 action, want 9", stored.StatusID)
		}
		actions, err := c.Actions(ctx, tk.ID)
		mustNoErr(t, "Actions", err)
		if len(actions) != len(b.sim.Actions(tk.ID)) || len(actions) != 3 {
			t.Errorf("got %d actions, want 3 (opening, note, closing)", len(actions))
		}
	})

	t.Run("EditsRecurringInvoiceLinesKeepingEveryField", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{}, nil)
		list, err := c.RecurringInvoices(ctx, RecurringInvoiceQuery{})
		mustNoErr(t, "RecurringInvoices", err)
		inv, err := c.RecurringInvoice(ctx, list[0].ID)
		mustNoErr(t, "RecurringInvoice", err)
		before, _ := b.sim.RecurringInvoice(inv.ID)
		lines := inv.Lines
		lines[0].Quantity = 42
		saved, err := c.SaveRecurringInvoiceLines(ctx, inv.ID, lines)
		mustNoErr(t, "SaveRecurringInvoiceLines", err)
		after, _ := b.sim.RecurringInvoice(inv.ID)
		if len(after.Lines) != len(before.Lines) || len(saved.Lines) != len(before.Lines) {
			t.Fatalf("lines %d -> %d", len(before.Lines), len(after.Lines))
		}
		want := before.Lines[0]
		want.QtyOrder = 42
		got := after.Lines[0]
		// Halo recomputes amounts; everything the line was read with must survive.
		got.NetAmount, got.TaxAmount, want.NetAmount, want.TaxAmount = 0, 0, 0, 0
		if got != want {
			t.Errorf("line after save = %+v\nwant %+v", got, want)
		}
		for i := 1; i < len(before.Lines); i++ {
			if after.Lines[i].QtyOrder != before.Lines[i].QtyOrder || after.Lines[i].ItemID != before.Lines[i].ItemID {
				t.Errorf("untouched line %d changed: %+v -> %+v", i, before.Lines[i], after.Lines[i])
			}
		}
	})

	t.Run("CreatesAnInvoiceAndAppendsLines", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{}, nil)
		clients, err := c.Clients(ctx, ClientQuery{})
		mustNoErr(t, "Clients", err)
		inv, err := c.SaveRecurringInvoice(ctx, RecurringInvoice{ClientID: clients[0].ID, Reference: "Security services"})
		mustNoErr(t, "SaveRecurringInvoice", err)
		if inv.ID >= 0 {
			t.Fatalf("new recurring invoice id %d, want a negative one", inv.ID)
		}
		added, err := c.AddRecurringInvoiceLines(ctx, []InvoiceLine{
			{IHID: inv.ID, ItemID: 1401, ShortDescription: "Endpoint Security - 2026-05", Quantity: 17, UnitPrice: 4.5},
		})
		mustNoErr(t, "AddRecurringInvoiceLines", err)
		stored, _ := b.sim.RecurringInvoice(inv.ID)
		if len(added) != 1 || len(stored.Lines) != 1 || stored.Lines[0].QtyOrder != 17 || stored.Lines[0].ItemID != 1401 {
			t.Errorf("stored lines = %+v", stored.Lines)
		}
	})

	t.Run("ProvisionsClientUserItemAgentAndApplication", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{}, nil)
		client, err := c.CreateClient(ctx, ClientRecord{Name: "Acme Widgets Ltd"})
		mustNoErr(t, "CreateClient", err)
		sites, err := c.Sites(ctx, SiteQuery{ClientID: client.ID})
		mustNoErr(t, "Sites", err)
		if len(sites) == 0 {
			t.Fatalf("new client %d has no site", client.ID)
		}
		user, err := c.CreateUser(ctx, User{Name: GeneralUserName, SiteID: sites[0].ID})
		mustNoErr(t, "CreateUser", err)
		if !user.IsGeneralUser() || user.SiteID != sites[0].ID {
			t.Errorf("user = %+v", user)
		}
		item, err := c.CreateItem(ctx, Item{Name: "GravityZone Business Security", RecurringPrice: 3.2, IsRecurringItem: true})
		mustNoErr(t, "CreateItem", err)
		if item.ID == 0 {
			t.Error("item got no id")
		}
		agent, err := c.CreateAgent(ctx, Agent{Name: "halobridge", Email: "halobridge@example.com", IsAPIAgent: true})
		mustNoErr(t, "CreateAgent", err)
		if !agent.IsAPIAgent {
			t.Errorf("agent = %+v, want API-only", agent)
		}
		app, err := c.CreateApplication(ctx, Application{
			DisplayName: "halobridge service", LoginAsAgentID: agent.ID,
			Scopes: []ApplicationScope{{Name: "edit:tickets"}, {Name: "read:customers"}},
		})
		mustNoErr(t, "CreateApplication", err)
		if app.ClientID == "" || app.ClientSecret == "" {
			t.Fatalf("application = %+v, want a client id and secret", app)
		}
		// The new application signs in and acts as the new agent.
		svc, err := New(Config{Outbound: outbound.Local(), ResourceURL: b.cfg.ResourceURL, AuthURL: b.cfg.AuthURL, ClientID: app.ClientID, ClientSecret: app.ClientSecret})
		mustNoErr(t, "New", err)
		me, err := svc.Me(ctx)
		mustNoErr(t, "Me as the new application", err)
		if me.ID != agent.ID {
			t.Errorf("new application acts as agent %d, want %d", me.ID, agent.ID)
		}
	})

	t.Run("FindsSuppliersInactiveOnesIncludedAndCreatesAnItemThatNamesOne", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{}, nil)
		before, err := c.Suppliers(ctx)
		mustNoErr(t, "Suppliers", err)
		want := []Supplier{{ID: 11, Name: "Dell Technologies"}, {ID: 12, Name: "Fortinet"}, {ID: 13, Name: "Northgate Distribution Ltd", Inactive: true}}
		if diff := cmp.Diff(want, before); diff != "" {
			t.Errorf("seeded suppliers (-want +got):\n%s", diff)
		}
		sp, err := c.CreateSupplier(ctx, Supplier{Name: "DefensX"})
		mustNoErr(t, "CreateSupplier", err)
		item, err := c.CreateItem(ctx, Item{Name: "DefensX Web Security", IsRecurringItem: true, SupplierID: sp.ID})
		mustNoErr(t, "CreateItem", err)
		if item.SupplierID != sp.ID {
			t.Errorf("created item names supplier %d, want %d", item.SupplierID, sp.ID)
		}
		held := b.sim.Suppliers()
		if last := held[len(held)-1]; last.ID != sp.ID || last.Name != "DefensX" || len(held) != 4 {
			t.Errorf("HaloPSA holds suppliers %+v, want the seeded three and DefensX as %d", held, sp.ID)
		}
		items := b.sim.Items()
		if last := items[len(items)-1]; last.ID != item.ID || last.SupplierID != sp.ID {
			t.Errorf("HaloPSA holds item %+v, want id %d with supplier %d", last, item.ID, sp.ID)
		}
		if _, err := c.CreateSupplier(ctx, Supplier{ID: sp.ID, Name: "DefensX"}); err == nil {
			t.Error("CreateSupplier with an id did not refuse")
		}
	})
}

func TestSimFailures(t *testing.T) {
	t.Parallel()

	ctx := context.Background()

	t.Run("NeverResendsATicketAfterA500", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{}, nil)
		site, _ := pickSite(t, ctx, c)
		before := len(b.sim.Tickets())
		b.sim.InjectFault(halosim.Fault{Method: "POST", PathPrefix: "/api/Tickets", Status: http.StatusInternalServerError, AfterApply: true, Times: 1})
		_, err := c.CreateTicket(ctx, Ticket{Summary: "x", SiteID: site.ID})
		if !IsMaybeApplied(err) {
			t.Fatalf("err = %v, want maybe applied", err)
		}
		if got := len(b.sent("POST", "/api/Tickets")); got != 1 {
			t.Errorf("sent %d requests, want 1", got)
		}
		if got := len(b.sim.Tickets()); got != before+1 {
			t.Errorf("Halo holds %d tickets, want %d: the one write applied once", got, before+1)
		}
	})

	t.Run("NeverResendsATicketAfterADroppedConnection", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{}, nil)
		site, _ := pickSite(t, ctx, c)
		b.sim.InjectFault(halosim.Fault{Method: "POST", PathPrefix: "/api/Tickets", Drop: true, AfterApply: true, Times: 1})
		_, err := c.CreateTicket(ctx, Ticket{Summary: "x", SiteID: site.ID})
		if !IsMaybeApplied(err) {
			t.Fatalf("err = %v, want maybe applied", err)
		}
		if got := len(b.sent("POST", "/api/Tickets")); got != 1 {
			t.Errorf("sent %d requests, want 1", got)
		}
	})

	t.Run("RetriesAReadAfter5xxAndATimeout", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{}, func(cfg *Config) {
			// Only the second read, the one the simulator hangs, gets a
			// deadline: no other request depends on how loaded the machine is.
			cfg.HTTPClient = &http.Client{Transport: &deadlineForNth{next: cfg.HTTPClient.Transport, method: "GET", path: "/api/Item", n: 2}}
		})
		b.sim.InjectFault(halosim.Fault{Method: "GET", PathPrefix: "/api/Item", Status: http.StatusBadGateway, Times: 1})
		b.sim.InjectFault(halosim.Fault{Method: "GET", PathPrefix: "/api/Item", Hang: true, Times: 1})
		items, err := c.Items(ctx)
		mustNoErr(t, "Items", err)
		if len(items) == 0 {
			t.Error("no items")
		}
		// The 502, the hung request, then the answer.
		if got := len(b.sent("GET", "/api/Item")); got != 3 {
			t.Errorf("sent %d requests, want 3", got)
		}
	})

	t.Run("NamesTheMissingPermission", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{}, nil)
		b.sim.SetScopes(halosim.DefaultClientID, "read:tickets", "edit:tickets")
		_, err := c.Clients(ctx, ClientQuery{})
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != http.StatusForbidden || ae.Permission != "read:customers" {
			t.Fatalf("err = %v, want a 403 naming read:customers", err)
		}
		if got := len(b.sent("GET", "/api/Client")); got != 1 {
			t.Errorf("sent %d requests, want 1: a 403 is never retried", got)
		}
	})

	t.Run("WaitsOutA429ForAsLongAsHaloSays", func(t *testing.T) {
		t.Parallel()
		// In a bubble, with the simulator answering in process, the client's waits take
		// no time and measure exactly what it waited, however loaded the machine.
		synctest.Test(t, func(t *testing.T) {
			// Halo allows 3 requests per second here; our own limiter is told a larger
			// budget, so Halo's 429 and its Retry-After do the pacing.
			sim := halosim.New(halosim.Options{RateLimit: 3, RateWindow: time.Second})
			rec := &recorder{base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				w := httptest.NewRecorder()
				sim.ServeHTTP(w, r)
				return w.Result(), nil
			})}
			c, err := New(Config{
				Outbound:     outbound.Local(),
				ResourceURL:  "http://halo.invalid/api",
				AuthURL:      "http://halo.invalid/auth",
				ClientID:     halosim.DefaultClientID,
				ClientSecret: halosim.DefaultClientSecret,
				HTTPClient:   &http.Client{Transport: rec},
				RetryBackoff: time.Millisecond,
				MaxRateWait:  5 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			b := &simBundle{sim: sim, rec: rec}
			start := time.Now()
			for range 4 { // the token request plus 4 reads: the 4th read meets the 429
				_, err := c.Statuses(t.Context())
				mustNoErr(t, "Statuses", err)
			}
			var limited []sentRequest
			for _, r := range b.rec.requests() {
				if r.Status == http.StatusTooManyRequests {
					limited = append(limited, r)
				}
			}
			if len(limited) != 1 {
				t.Fatalf("Halo answered %d 429s, want exactly 1: after it the client must wait, not hammer", len(limited))
			}
			reads := b.sent("GET", "/api/Status")
			last := reads[len(reads)-1]
			if gap := last.At.Sub(limited[0].At); gap < time.Second {
				t.Errorf("retried %s after the 429, want at least the 1s Retry-After", gap)
			}
			if time.Since(start) > 4*time.Second {
				t.Errorf("took %s", time.Since(start))
			}
		})
	})

	t.Run("Returns429ForAJobToSnooze", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{RateLimit: 2, RateWindow: time.Minute}, nil)
		_, err := c.Statuses(ctx) // token + 1 read
		mustNoErr(t, "Statuses", err)
		_, err = c.Statuses(ctx)
		var rl *RateLimitError
		if !errors.As(err, &rl) || rl.RetryAfter < 30*time.Second {
			t.Fatalf("err = %v, want *RateLimitError with Halo's Retry-After", err)
		}
		sent := len(b.rec.requests())
		if _, err := c.TicketTypes(ctx); !IsRateLimited(err) {
			t.Fatalf("during the pause err = %v, want rate limited", err)
		}
		if got := len(b.rec.requests()); got != sent {
			t.Errorf("Halo received %d more requests during the pause, want 0", got-sent)
		}
	})
}

// deadlineForNth gives the n-th request of method to path a short deadline
// of its own, so that a test can time out one request, the one a fault
// hangs, without a wall-clock bound on any other.
type deadlineForNth struct {
	next         http.RoundTripper
	method, path string
	n            int32
	seen         atomic.Int32
}

func (d *deadlineForNth) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != d.method || r.URL.Path != d.path || d.seen.Add(1) != d.n {
		return d.next.RoundTrip(r)
	}
	ctx, cancel := context.WithTimeout(r.Context(), 100*time.Millisecond)
	resp, err := d.next.RoundTrip(r.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = cancelOnClose{resp.Body, cancel}
	return resp, nil
}

// cancelOnClose ends a request's context once its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	defer c.cancel()
	return c.ReadCloser.Close()
}
