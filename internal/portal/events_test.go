package portal_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

func TestEvents(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p, src := b.activePartner(t, "Northpoint IT")
	ctx := t.Context()
	// Client 109 is mapped with billing off.
	b.mapForTickets(t, p, src)
	noInvoice, err := b.store.RaiseEvent(ctx, noInvoiceEvent(p.ID))
	if err != nil {
		t.Fatal(err)
	}
	custom, err := b.store.RaiseEvent(ctx, store.Event{PartnerID: p.ID, Kind: "ticket_refused", Key: "ticket_refused/1",
		Subject: "Ticket for Brightwater Dental", Message: "HaloPSA refused the ticket.", Fix: "Check the ticket policy."})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("TheMenuCountsOpenEvents", func(t *testing.T) {
		page := b.get(t, p, "/events").body
		if !strings.Contains(page, `<span id="event-count" class="count">2</span>`) {
			t.Errorf("menu counter of 2 open events missing:\n%s", page)
		}
		for _, want := range []string{"The client has no monthly recurring invoice.", "Fix: Create one in HaloPSA.", "HaloPSA refused the ticket."} {
			if !strings.Contains(page, want) {
				t.Errorf("the events page lacks %q", want)
			}
		}
	})

	t.Run("RecheckClearsAProblemThatIsGone", func(t *testing.T) {
		// Billing of client 109 is off, so it needs no invoice.
		got := b.post(t, p, fmt.Sprintf("/events/%d/recheck", noInvoice.ID), url.Values{"show": {"active"}}, true)
		if got.status != http.StatusOK {
			t.Fatalf("recheck: %d\n%s", got.status, got.body)
		}
		if !strings.Contains(got.body, "Fixed: the problem is gone.") || !strings.Contains(got.body, `<span id="event-count" hx-swap-oob="true" class="count">1</span>`) {
			t.Errorf("recheck answer:\n%s", got.body)
		}
		if e, _ := b.store.Event(ctx, p.ID, noInvoice.ID); e.State != store.EventResolved {
			t.Errorf("event after recheck: %+v", e)
		}
	})

	t.Run("AnEventWithoutAnObviousFixIsAcknowledged", func(t *testing.T) {
		got := b.post(t, p, fmt.Sprintf("/events/%d/resolve", custom.ID), nil, true)
		if got.status != http.StatusOK || !strings.Contains(got.body, "Acknowledged") {
			t.Fatalf("resolve: %d\n%s", got.status, got.body)
		}
		if e, _ := b.store.Event(ctx, p.ID, custom.ID); e.State != store.EventAcknowledged {
			t.Errorf("event after resolve: %+v", e)
		}
	})

	t.Run("RecheckingARefusedTicketDeliversAgainAndSaysWhenItClears", func(t *testing.T) {
		got := b.post(t, p, fmt.Sprintf("/events/%d/recheck", custom.ID), nil, true)
		if got.status != http.StatusOK || !strings.Contains(got.body, "Delivery to HaloPSA is being tried again now: the event clears once HaloPSA accepts the tickets.") {
			t.Errorf("recheck of a delivery event: %d\n%s", got.status, got.body)
		}
		if e, _ := b.store.Event(ctx, p.ID, custom.ID); e.State == store.EventResolved {
			t.Errorf("a refused ticket cleared before HaloPSA accepted one: %+v", e)
		}
	})

	t.Run("BulkRecheckRechecksEveryOpenEvent", func(t *testing.T) {
		if _, err := b.store.RaiseEvent(ctx, noInvoiceEvent(p.ID)); err != nil {
			t.Fatal(err)
		}
		got := b.post(t, p, "/events/recheck", url.Values{"show": {"all"}}, true)
		if got.status != http.StatusOK || !strings.Contains(got.body, "Rechecked 1 event: 1 fixed, 0 still open.") {
			t.Errorf("bulk recheck: %d\n%s", got.status, got.body)
		}
	})

	t.Run("EachEventNamesItsKindInWordsAndLinksToWhereItIsFixed", func(t *testing.T) {
		_, err := b.store.RaiseEvent(ctx, store.Event{PartnerID: p.ID, Kind: "unmapped_customer", Key: fmt.Sprintf("unmapped_customer/%d/c-9", src.ID),
			Subject: `Company "Pinecrest Clinic" of Push API 'Mail filter'`, Message: `Company "Pinecrest Clinic" is not mapped to a HaloPSA client.`,
			Fix: "Map the company to its HaloPSA client on the Client mapping page.", Data: json.RawMessage(fmt.Sprintf(`{"source_id":%d,"customer_id":"c-9"}`, src.ID))})
		if err != nil {
			t.Fatal(err)
		}
		page := b.get(t, p, "/events?show=all").body
		for _, want := range []string{
			`<strong>Customer not mapped</strong>: Company &#34;Pinecrest Clinic&#34; of Push API &#39;Mail filter&#39; <small class="muted">company id c-9</small>`,
			`<a href="/mapping">Open Client mapping</a>`,
			`<strong>No recurring invoice to bill on</strong>: HaloPSA client &#39;Brightwater Dental LLC&#39; (id 109) <small class="muted">HaloPSA client id 109</small>`,
			`<a href="/billing">Open Billing</a>`,
			`<strong>HaloPSA refused a ticket</strong>: Ticket for Brightwater Dental`,
			`<a href="/setup?step=ticketing">Open Setup › Ticketing</a>`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the events page lacks %s", want)
			}
		}
		for _, kind := range []string{"unmapped_customer", "no_recurring_invoice", "ticket_refused"} {
			if strings.Contains(page, kind) {
				t.Errorf("the events page shows the internal kind name %s", kind)
			}
		}
	})

	t.Run("AMappingWhoseClientHasAnEventLinksToIt", func(t *testing.T) {
		_, err := b.store.RaiseEvent(ctx, store.Event{PartnerID: p.ID, Kind: "client_inactive", Key: "client_inactive/109",
			Subject: `HaloPSA client "Brightwater Dental LLC"`, Message: "HaloPSA refused a ticket for the client.", Data: json.RawMessage(`{"client_id":109}`)})
		if err != nil {
			t.Fatal(err)
		}
		mappingPage := b.get(t, p, "/mapping").body
		if want := `<a class="badge has_events" href="/events?client=109" title="1 open event">has events (1)</a>`; !strings.Contains(mappingPage, want) {
			t.Errorf("the mapping page lacks %s", want)
		}
		page := b.get(t, p, "/events?client=109").body
		for _, want := range []string{`Events about HaloPSA client &#34;Brightwater Dental LLC&#34;`, "HaloPSA refused a ticket for the client.", `<input type="hidden" name="client" value="109">`} {
			if !strings.Contains(page, want) {
				t.Errorf("the client's events lack %s", want)
			}
		}
		if strings.Contains(page, "Ticket for Brightwater Dental") || strings.Contains(page, "Pinecrest Clinic") {
			t.Errorf("the client's events list events of nothing or of another company:\n%s", page)
		}
	})

	t.Run("AnUnknownEventIsNotFound", func(t *testing.T) {
		if got := b.post(t, p, "/events/999999/recheck", nil, false); got.status != http.StatusNotFound {
			t.Errorf("recheck of event 999999: %d", got.status)
		}
		if got := b.post(t, p, "/events/x/resolve", nil, false); got.status != http.StatusNotFound {
			t.Errorf("resolve of event x: %d", got.status)
		}
	})
}

func noInvoiceEvent(partnerID int64) store.Event {
	return store.Event{PartnerID: partnerID, Kind: "no_recurring_invoice", Key: "no_recurring_invoice/109",
		Subject: "HaloPSA client 'Brightwater Dental LLC' (id 109)", Message: "The client has no monthly recurring invoice.",
		Fix: "Create one in HaloPSA.", Data: json.RawMessage(`{"client_id":109}`)}
}

func TestResolveSiteWithoutGeneralUser(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p, src := b.activePartner(t, "Northpoint IT")
	bare, event := b.refusedForTheGeneralUser(t, p, src)

	got := b.post(t, p, fmt.Sprintf("/events/%d/resolve", event.ID), url.Values{"show": {"active"}}, true)
	if got.status != http.StatusOK || !strings.Contains(got.body, "Created the General User (user id ") {
		t.Fatalf("resolve: %d\n%s", got.status, got.body)
	}
	if e, _ := b.store.Event(t.Context(), p.ID, event.ID); e.State != store.EventResolved {
		t.Errorf("event after resolving: %+v", e)
	}
	// No other action: the held alert's ticket follows at once, not after
	// its backoff.
	eventually(t, 10*time.Second, "the held alert's ticket", func() bool { return b.hasTicketFor(bare.ID) })
}

// refusedForTheGeneralUser maps company c-1 to a client whose main site
// has no General User, starts the job queue and has an alert of c-1
// delivered, which HaloPSA refuses; it returns the client and the event
// that says why.
func (b *testBundle) refusedForTheGeneralUser(t *testing.T, p *partner, src store.Source) (halosim.Client, store.Event) {
	t.Helper()
	ctx := t.Context()
	hasGU := map[int]bool{}
	for _, u := range b.halo.Users() {
		if !u.Inactive && strings.EqualFold(u.Name, "General User") {
			hasGU[int(u.SiteID)] = true
		}
	}
	var bare halosim.Client
	for _, c := range b.halo.Clients() {
		if !c.Inactive && c.MainSiteID > 0 && !hasGU[c.MainSiteID] {
			bare = c
			break
		}
	}
	if bare.ID == 0 {
		t.Fatal("the simulator has no active client without a General User")
	}
	if _, err := b.store.SaveMapping(ctx, store.Mapping{PartnerID: p.ID, SourceID: src.ID, CustomerID: "c-1", ClientID: bare.ID, Ticketing: true, Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	b.work(t)
	now := time.Now().UTC()
	if _, err := b.store.StoreInbound(ctx, []store.InboundBatch{{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: now, Alerts: []source.Alert{{
		Source: source.Push, CustomerID: "c-1", Type: pushType, Severity: source.SeverityHigh, HostName: "WS-1", OccurredAt: now,
		Fingerprint: "fp-1", EventID: "e-1"}}}}); err != nil {
		t.Fatal(err)
	}
	if err := b.deliverJ.Enqueue(ctx, []int64{p.ID}); err != nil {
		t.Fatal(err)
	}
	var event store.Event
	eventually(t, 10*time.Second, "HaloPSA to refuse the ticket for the site without a General User", func() bool {
		events, err := b.store.Events(ctx, p.ID, store.EventQuery{State: store.EventOpen, Kind: "site_without_general_user"})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) > 0 {
			event = events[0]
		}
		return len(events) > 0
	})
	return bare, event
}

// hasTicketFor reports whether the simulated HaloPSA holds a ticket of
// halobridge's for the client.
func (b *testBundle) hasTicketFor(clientID int) bool {
	for _, tk := range b.halo.Tickets() {
		if tk.ClientID == clientID && tk.ThirdPartyIDString != "" {
			return true
		}
	}
	return false
}
