package deliver_test

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
	"halobridge/internal/ticketing/deliver"
	"halobridge/internal/wait"
)

// pushWorld is a partner whose GravityZone pushes through the real ingest
// endpoint, with delivery running.
type pushWorld struct {
	*testBundle
	gz  *gzsim.Sim
	src store.Source
	// fallback is the partner's fallback client, when it has one.
	fallback halosim.Client
}

// setupPush connects a simulated GravityZone that pushes to the ingest
// endpoint of a running halobridge, with a policy saved (network-monitor
// events enabled too) and, when withFallback, a fallback client.
func setupPush(t *testing.T, withFallback bool) *pushWorld {
	t.Helper()
	b := setup(t, setupOptions{deliver: deliver.Options{Gather: 150 * time.Millisecond, FlushWindow: 400 * time.Millisecond, Now: time.Now}})
	w := &pushWorld{testBundle: b}
	p := testPolicy()
	p.Types["network-monitor"] = ticketing.TypePolicy{Enabled: true, SLAID: 3, PriorityID: 3, Category: "Security>Malware", Urgency: 2, Impact: 2}
	saved := deliver.SavedPolicy{Policy: p}
	if withFallback {
		w.fallback = otherClient(t, b.sim, b.client.ID)
		saved.FallbackClientID = w.fallback.ID
	}
	if _, err := b.svc.SavePolicy(b.ctx, b.partner.ID, saved); err != nil {
		t.Fatal(err)
	}
	r := run(t, b)
	gz := gzsim.New(gzsim.Options{Seed: 17, RateLimit: -1})
	gzSrv := httptest.NewServer(gz)
	t.Cleanup(gzSrv.Close)
	src, err := b.store.CreateSource(b.ctx, store.Source{PartnerID: b.partner.ID, Kind: source.GravityZone, Name: "GravityZone EU",
		Secret: "Bearer gz-companies", APIURL: gzSrv.URL + "/api", APIKey: gzsim.DefaultAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := (&connect.Sources{Outbound: outbound.Local(), Store: b.store}).Connector(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.RegisterDelivery(b.ctx, source.Delivery{URL: r.server.URL + "/ingest/" + src.Token, Secret: src.Secret}); err != nil {
		t.Fatalf("RegisterDelivery: %v", err)
	}
	w.gz, w.src = gz, src
	return w
}

// event is an event of module for company (none: "") on an endpoint.
func (w *pushWorld) event(t *testing.T, module, company, host, endpointID string) gzsim.Event {
	t.Helper()
	of := company
	if of == "" {
		of = w.customer(t).ID
	}
	ev, err := w.gz.NewEvent(module, of)
	if err != nil {
		t.Fatal(err)
	}
	ev["computer_name"], ev["computer_id"] = host, endpointID
	if company == "" {
		delete(ev, "companyId")
	}
	return ev
}

// customer is an end customer of the simulated GravityZone.
func (w *pushWorld) customer(t *testing.T) gzsim.Company {
	t.Helper()
	for _, c := range w.gz.Companies() {
		if !c.Partner && len(w.gz.Endpoints(c.ID)) > 0 {
			return c
		}
	}
	t.Fatal("the simulated GravityZone has no end customer with endpoints")
	return gzsim.Company{}
}

// networkMonitorTicket waits for the ticket of the network-monitor event
// pushed.
func (w *pushWorld) networkMonitorTicket(t *testing.T) halosim.Ticket {
	t.Helper()
	var ticket halosim.Ticket
	wait.For(t, "the network-monitor ticket", func() bool {
		for _, tk := range ourTickets(w.sim) {
			if strings.Contains(tk.ThirdPartyIDString, "network-monitor") {
				ticket = tk
				return true
			}
		}
		return false
	})
	return ticket
}

func (w *pushWorld) push(t *testing.T, events ...gzsim.Event) {
	t.Helper()
	if err := w.gz.Push(w.ctx, events...); err != nil {
		t.Fatalf("Push: %v", err)
	}
}

// mappedCustomer is the end customer customer gives, mapped to the
// bundle's client with ticketing on.
func (w *pushWorld) mappedCustomer(t *testing.T) gzsim.Company {
	t.Helper()
	company := w.customer(t)
	if _, err := w.store.SaveMapping(w.ctx, store.Mapping{PartnerID: w.partner.ID, SourceID: w.src.ID, CustomerID: company.ID,
		ClientID: w.client.ID, Ticketing: true, Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	return company
}

// otherClient is an active client with a General User other than those given.
func otherClient(t *testing.T, sim *halosim.Sim, not ...int) halosim.Client {
	t.Helper()
	for _, c := range sim.Clients() {
		if !c.Inactive && c.MainSiteID > 0 && !slices.Contains(not, c.ID) && hasGeneralUser(sim, c.MainSiteID) {
			return c
		}
	}
	t.Fatal("the simulator has no other active client with a General User")
	return halosim.Client{}
}

func hasGeneralUser(sim *halosim.Sim, siteID int) bool {
	return slices.ContainsFunc(sim.Users(), func(u halosim.User) bool {
		return !u.Inactive && int(u.SiteID) == siteID && strings.EqualFold(u.Name, "General User")
	})
}

func TestCompaniesSeenInPushes(t *testing.T) {
	t.Parallel()

	t.Run("ACompanyUnknownToTheLastSyncLandsOnTheFallbackThenOnItsClientOnceMappedByHand", func(t *testing.T) {
		t.Parallel()
		w := setupPush(t, true)
		fallback := w.fallback
		company := w.customer(t)
		// The last sync listed every company but this one.
		var listed []source.Customer
		for _, c := range w.gz.Companies() {
			if c.ID != company.ID {
				listed = append(listed, source.Customer{ID: c.ID, Name: c.Name})
			}
		}
		if err := w.store.SaveSourceCustomers(w.ctx, w.src.ID, listed, true); err != nil {
			t.Fatal(err)
		}

		w.push(t, w.event(t, "av", company.ID, "WS-FIRST", "e-first"))
		var first halosim.Ticket
		wait.For(t, "the ticket on the fallback client", func() (ok bool) {
			first, ok = ticketByKey(w.sim, "host/gravityzone/"+company.ID+"/av/ws-first")
			return ok
		})
		if first.ClientID != fallback.ID || !strings.HasPrefix(first.Summary, "[Unmapped] ") {
			t.Errorf("first ticket on client %d titled %q, want the fallback %d with an [Unmapped] title", first.ClientID, first.Summary, fallback.ID)
		}
		customers, err := w.store.SourceCustomers(w.ctx, w.src.ID)
		if err != nil {
			t.Fatal(err)
		}
		if i := slices.IndexFunc(customers, func(c source.Customer) bool { return c.ID == company.ID }); i < 0 || !customers[i].SeenInPush {
			t.Fatalf("the company is not a known customer seen in a push: %+v", customers)
		}
		unmapped, err := w.store.Events(w.ctx, w.partner.ID, store.EventQuery{Kind: events.EventUnmappedCustomer})
		if err != nil || len(unmapped) != 1 || unmapped[0].Key != events.UnmappedKey(w.src.ID, company.ID) {
			t.Fatalf("unmapped events %+v, %v; want the company's", unmapped, err)
		}

		client := otherClient(t, w.sim, fallback.ID, w.client.ID)
		maps := &mapper.Service{Store: w.store, Halo: w.halo}
		if _, err := maps.Map(w.ctx, w.partner.ID, w.src.ID, company.ID, mapper.MapInput{ClientID: client.ID, Ticketing: true}); err != nil {
			t.Fatalf("map the company by hand: %v", err)
		}
		if after, _ := w.store.Events(w.ctx, w.partner.ID, store.EventQuery{Kind: events.EventUnmappedCustomer}); len(after) != 1 || after[0].State != store.EventResolved {
			t.Errorf("the unmapped event after mapping: %+v", after)
		}

		w.push(t, w.event(t, "av", company.ID, "WS-SECOND", "e-second"))
		var second halosim.Ticket
		wait.For(t, "the ticket on the mapped client", func() (ok bool) {
			second, ok = ticketByKey(w.sim, "host/gravityzone/"+company.ID+"/av/ws-second")
			return ok
		})
		if second.ClientID != client.ID || strings.HasPrefix(second.Summary, "[Unmapped]") {
			t.Errorf("second ticket on client %d titled %q, want client %d", second.ClientID, second.Summary, client.ID)
		}
		if again, _ := w.sim.Ticket(first.ID); again.ClientID != fallback.ID {
			t.Errorf("mapping moved the ticket already raised to client %d", again.ClientID)
		}
	})

	t.Run("ACompanyUnknownToTheLastSyncIsSkippedWithoutAFallback", func(t *testing.T) {
		t.Parallel()
		w := setupPush(t, false)
		company := w.customer(t)
		w.push(t, w.event(t, "av", company.ID, "WS-NOWHERE", "e-nowhere"))
		wait.For(t, "the unmapped event", func() bool {
			list, _ := w.store.Events(w.ctx, w.partner.ID, store.EventQuery{Kind: events.EventUnmappedCustomer})
			return len(list) == 1 && strings.Contains(list[0].Message, "no fallback client is configured")
		})
		if n := len(ourTickets(w.sim)); n != 0 {
			t.Errorf("%d tickets, want none", n)
		}
		if _, err := (&mapper.Service{Store: w.store, Halo: w.halo}).Map(w.ctx, w.partner.ID, w.src.ID, company.ID,
			mapper.MapInput{ClientID: w.client.ID, Ticketing: true}); err != nil {
			t.Errorf("map the company seen in a push: %v", err)
		}
	})

	t.Run("AnEventWithoutACompanyOnAnEndpointKnownOnlyFromTheAPILandsOnTheMappedClient", func(t *testing.T) {
		t.Parallel()
		w := setupPush(t, false)
		company := w.mappedCustomer(t)
		// No event names the endpoint yet: only GravityZone's endpoint list,
		// read by the catalog sync, says whose it is.
		syncCatalogs(t, w.testBundle)
		ep := w.gz.Endpoints(company.ID)[0]
		ev := w.event(t, "network-monitor", "", ep.Name, ep.ComputerID)
		ev["computer_fqdn"], ev["computer_ip"] = ep.FQDN, ep.IP
		w.push(t, ev)
		ticket := w.networkMonitorTicket(t)
		if ticket.ClientID != w.client.ID || strings.HasPrefix(ticket.Summary, "[Unmapped]") ||
			!strings.Contains(ticket.DetailsHTML, "GravityZone sent this event without a company") ||
			!strings.Contains(ticket.DetailsHTML, "(from its other events or its source's device list)") {
			t.Errorf("ticket on client %d titled %q:\n%s\nwant it on the mapped client %d of the endpoint's company, saying why", ticket.ClientID, ticket.Summary, ticket.DetailsHTML, w.client.ID)
		}
		if list, _ := w.store.Events(w.ctx, w.partner.ID, store.EventQuery{Kind: deliver.KindNoCompany}); len(list) != 0 {
			t.Errorf("events without a company: %+v, want none", list)
		}
	})

	t.Run("AnEventWithoutACompanyGoesToItsEndpointsCompanyOrSaysSo", func(t *testing.T) {
		t.Parallel()
		w := setupPush(t, false)
		company := w.mappedCustomer(t)
		w.push(t, w.event(t, "av", company.ID, "WS-KNOWN", "e-known"))
		wait.For(t, "the antimalware ticket", func() bool {
			_, ok := ticketByKey(w.sim, "host/gravityzone/"+company.ID+"/av/ws-known")
			return ok
		})

		known := w.event(t, "network-monitor", "", "WS-KNOWN", "e-known")
		w.push(t, known)
		ticket := w.networkMonitorTicket(t)
		if ticket.ClientID != w.client.ID || strings.HasPrefix(ticket.Summary, "[Unmapped]") ||
			!strings.Contains(ticket.DetailsHTML, "GravityZone sent this event without a company") ||
			!strings.Contains(ticket.DetailsHTML, "“"+company.ID+"”") {
			t.Errorf("ticket on client %d titled %q:\n%s\nwant it on the endpoint's company's client %d, saying why", ticket.ClientID, ticket.Summary, ticket.DetailsHTML, w.client.ID)
		}

		w.push(t, w.event(t, "network-monitor", "", "WS-ORPHAN", "e-orphan"))
		var e store.Event
		wait.For(t, "the event without a company", func() bool {
			list, _ := w.store.Events(w.ctx, w.partner.ID, store.EventQuery{Kind: deliver.KindNoCompany})
			if len(list) == 1 {
				e = list[0]
			}
			return len(list) == 1
		})
		if !strings.HasPrefix(e.Message, "GravityZone sent this event without a company (network-monitor, received ") ||
			!strings.Contains(e.Message, `neither another event nor its source's device list names the company of its endpoint "WS-ORPHAN"`) ||
			!strings.Contains(e.Fix, "Choose a fallback client under Setup › Ticketing") || strings.Contains(e.Message, `""`) {
			t.Errorf("event %q: %s / %s", e.Subject, e.Message, e.Fix)
		}
		if got := events.KindOf(e.Kind); got.Page != "/setup?step=ticketing" {
			t.Errorf("the event is fixed on %s, want Setup › Ticketing", got.Page)
		}
		if n := len(ourTickets(w.sim)); n != 2 {
			t.Errorf("%d tickets, want 2: the orphan endpoint's event raises none without a fallback", n)
		}
	})
}
