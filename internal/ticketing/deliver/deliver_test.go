package deliver_test

import (
	"context"
	"html"

	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/ticketing/deliver"
	"halobridge/internal/vocab"
)

func TestDeliver(t *testing.T) {
	t.Parallel()

	t.Run("CreatesOneTicketForAGroupWithThePolicysFields", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{})
		at := b.clock.Now().Add(-2 * time.Minute)
		ingestAlerts(t, b,
			avAlert("e1", "c-1", "PC-01", "EICAR-Test-File", at),
			avAlert("e2", "c-1", "pc-01", "Trojan.Agent.FSFK", at.Add(time.Second)),
		)
		res := deliverOnce(t, b)
		if res.Created != 1 || res.Again != 0 {
			t.Errorf("result %+v, want one ticket and nothing left", res)
		}
		tickets := ourTickets(b.sim)
		if len(tickets) != 1 {
			t.Fatalf("%d tickets, want 1 for both alerts of the host", len(tickets))
		}
		got := tickets[0]
		want := halosim.Ticket{
			Summary: "Malware EICAR-Test-File on PC-01", ClientID: b.client.ID, SiteID: b.client.MainSiteID,
			TicketTypeID: 21, StatusID: 1, AgentID: 1, Team: "Security Operations", SLAID: 3, PriorityID: 2,
			Category1: "Security>Malware", Urgency: 2, Impact: 2, Source: 5,
			ThirdPartyIDString: "host/gravityzone/c-1/av/pc-01", DateOccurred: at.Format("2006-01-02T15:04:05"),
		}
		opts := cmp.FilterPath(func(p cmp.Path) bool {
			switch p.Last().String() {
			case ".Summary", ".ClientID", ".SiteID", ".TicketTypeID", ".StatusID", ".AgentID", ".Team", ".SLAID", ".PriorityID",
				".Category1", ".Urgency", ".Impact", ".Source", ".ThirdPartyIDString", ".DateOccurred":
				return false
			}
			return len(p) > 1
		}, cmp.Ignore())
		if diff := cmp.Diff(want, got, opts); diff != "" {
			t.Errorf("ticket (-want +got):\n%s", diff)
		}
		// The storm's alerts are listed below the first's details, each by
		// the vocabulary's headline.
		trojan := avAlert("e2", "c-1", "pc-01", "Trojan.Agent.FSFK", at.Add(time.Second))
		for _, text := range []string{"EICAR-Test-File", "2 new alerts", html.EscapeString(vocab.Describe(trojan).Headline)} {
			if !strings.Contains(got.DetailsHTML, text) {
				t.Errorf("details do not mention %q:\n%s", text, got.DetailsHTML)
			}
		}
		if n := apiRequests(b.sim, "POST", "/api/Tickets"); n != 1 {
			t.Errorf("%d POST /api/Tickets, want 1", n)
		}
		if n := apiRequests(b.sim, "GET", "/api/"); n != 0 {
			t.Errorf("%d GETs before the create, want none", n)
		}
		if again := deliverOnce(t, b); again.Created+again.Noted != 0 {
			t.Errorf("second pass %+v, want nothing to do", again)
		}
	})

	t.Run("WaitsWhileAStormIsStillArriving", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{deliver: deliver.Options{Gather: 2 * time.Second}})
		_, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: b.partner.ID, SourceID: b.src.ID,
			ReceivedAt: b.clock.Now().Add(-500 * time.Millisecond), Alerts: []source.Alert{avAlert("e1", "c-1", "PC-01", "X", b.clock.Now())}}})
		if err != nil {
			t.Fatal(err)
		}
		res := deliverOnce(t, b)
		if res.Again != 1500*time.Millisecond || res.Created != 0 {
			t.Errorf("result %+v, want a wait of 1.5 s and no ticket yet", res)
		}
		b.clock.Add(1500 * time.Millisecond)
		if res := deliverOnce(t, b); res.Created != 1 {
			t.Errorf("after the quiet moment: %+v, want the ticket", res)
		}
	})

	t.Run("GathersAlertsForAnOpenTicketIntoOneNotePerFlushWindow", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{deliver: deliver.Options{FlushWindow: time.Minute}})
		at := b.clock.Now().Add(-time.Hour)
		ingestAlerts(t, b, avAlert("e1", "c-1", "PC-01", "EICAR", at))
		deliverOnce(t, b)
		ingestAlerts(t, b,
			avAlert("e2", "c-1", "PC-01", "EICAR", at.Add(time.Minute)),
			avAlert("e3", "c-1", "PC-01", "EICAR", at.Add(2*time.Minute)),
			avAlert("e4", "c-1", "PC-01", "Trojan.Agent", at.Add(3*time.Minute)),
		)
		b.sim.ResetRequests()
		b.clock.Add(20 * time.Second)
		if res := deliverOnce(t, b); res.Noted != 0 || res.Again != 40*time.Second {
			t.Errorf("within the flush window: %+v, want the alerts held for 40 s", res)
		}
		if n := len(b.sim.Requests()); n != 0 {
			t.Errorf("%d requests within the flush window, want none", n)
		}
		b.clock.Add(40 * time.Second)
		if res := deliverOnce(t, b); res.Noted != 1 {
			t.Errorf("after the flush window: %+v, want one note", res)
		}
		ticket := ourTickets(b.sim)[0]
		got := notes(b.sim, ticket.ID)
		if len(got) != 1 {
			t.Fatalf("%d notes, want 1 for 3 alerts", len(got))
		}
		n := got[0]
		if n.OutcomeID != 7 || !n.HiddenFromUser {
			t.Errorf("note outcome %d hidden %v, want the Internal Note outcome, hidden as the policy says", n.OutcomeID, n.HiddenFromUser)
		}
		seen := func(d time.Duration) string { return at.Add(d).Format("2006-01-02 15:04:05 UTC") }
		trojan := html.EscapeString(vocab.Describe(avAlert("e4", "c-1", "PC-01", "Trojan.Agent", at.Add(3*time.Minute))).Headline)
		for _, text := range []string{"3 new alerts, first seen " + seen(time.Minute) + ", last seen " + seen(3*time.Minute), "2 times", trojan + ", seen " + seen(3*time.Minute)} {
			if !strings.Contains(n.NoteHTML, text) {
				t.Errorf("note does not say %q:\n%s", text, n.NoteHTML)
			}
		}
		if n := len(b.sim.Requests()); n != 1 || apiRequests(b.sim, "POST", "/api/Actions") != 1 {
			t.Errorf("requests for the note: %d, want the one action and nothing else", n)
		}
	})

	t.Run("ReopensATicketClosedInHaloWithinTheReopenWindow", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{deliver: deliver.Options{FlushWindow: time.Minute}})
		at := b.clock.Now().Add(-time.Hour)
		ingestAlerts(t, b, avAlert("e1", "c-1", "PC-01", "EICAR", at))
		deliverOnce(t, b)
		ticket := ourTickets(b.sim)[0]
		if err := b.sim.SetTicketStatus(ticket.ID, 9); err != nil {
			t.Fatal(err)
		}
		b.clock.Add(2 * time.Minute)
		ingestAlerts(t, b, avAlert("e2", "c-1", "PC-01", "EICAR", at.Add(time.Minute)))
		// One request a note: the note itself tells that the ticket had been
		// closed, and the policy then reopens it.
		if res := deliverOnce(t, b); res.Reopened != 1 || res.Noted != 0 {
			t.Errorf("result %+v, want the ticket reopened", res)
		}
		if got, _ := b.sim.Ticket(ticket.ID); got.StatusID != 1 {
			t.Errorf("status %d after reopening, want the initial status 1", got.StatusID)
		}
		got := notes(b.sim, ticket.ID)
		if len(got) != 2 || got[0].OldStatus != 9 || got[1].NewStatus != 1 || got[1].OldStatus != 9 || !strings.Contains(got[1].NoteHTML, "Reopened by halobridge") {
			t.Errorf("actions after closing: %+v, want the note that met the closed ticket, then the reopening", got)
		}
		if len(ourTickets(b.sim)) != 1 {
			t.Errorf("%d tickets, want the one reopened", len(ourTickets(b.sim)))
		}
	})

	t.Run("CreatesANewTicketWhenTheClosedOneMayNotReopen", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{deliver: deliver.Options{FlushWindow: time.Minute}})
		at := b.clock.Now().Add(-time.Hour)
		ingestAlerts(t, b, incidentAlert("i1", "c-1", "INC-1", at))
		deliverOnce(t, b)
		first := ourTickets(b.sim)[0]
		if err := b.sim.SetTicketStatus(first.ID, 9); err != nil {
			t.Fatal(err)
		}
		b.clock.Add(2 * time.Minute)
		ingestAlerts(t, b, incidentAlert("i2", "c-1", "INC-1", at.Add(time.Minute)))
		if res := deliverOnce(t, b); res.Created != 1 {
			t.Errorf("result %+v, want a new ticket (new-incident alerts never reopen)", res)
		}
		// The note that met the closed ticket stays on it; the alert is in the
		// new ticket.
		tickets := ourTickets(b.sim)
		if len(tickets) != 2 || len(notes(b.sim, first.ID)) != 1 {
			t.Errorf("%d tickets and %d notes on the closed one; want a second ticket and the one note", len(tickets), len(notes(b.sim, first.ID)))
		}
	})

	t.Run("FindsTheTicketWhenTheCreateAnswerWasLost", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{})
		b.sim.InjectFault(halosim.Fault{Method: "POST", PathPrefix: "/api/Tickets", Status: 500, AfterApply: true, Times: 1})
		ingestAlerts(t, b, avAlert("e1", "c-1", "PC-01", "EICAR", b.clock.Now().Add(-time.Hour)))
		res := deliverOnce(t, b)
		if res.Reconciled != 1 || res.Created != 0 {
			t.Errorf("result %+v, want the ticket found by its key", res)
		}
		if n := len(ourTickets(b.sim)); n != 1 {
			t.Errorf("%d tickets, want exactly 1", n)
		}
		link, err := b.store.TicketLink(b.ctx, b.partner.ID, "host/gravityzone/c-1/av/pc-01")
		if err != nil || link.State != store.LinkOpen || link.TicketID != ourTickets(b.sim)[0].ID {
			t.Errorf("link %+v, %v; want open on the ticket", link, err)
		}
	})

	t.Run("ReconcilesAPendingLinkAfterACrashInsteadOfCreatingAgain", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{})
		ids := ingestAlerts(t, b, avAlert("e1", "c-1", "PC-01", "EICAR", b.clock.Now().Add(-time.Hour)))
		key := "host/gravityzone/c-1/av/pc-01"
		// The crashed pass: link written, ticket posted, answer never stored.
		if _, err := b.store.StartTicket(b.ctx, store.TicketLink{PartnerID: b.partner.ID, Key: key, AlertType: "av"}, ids); err != nil {
			t.Fatal(err)
		}
		client, err := b.halo.Client(b.ctx, b.partner.ID)
		if err != nil {
			t.Fatal(err)
		}
		made, err := client.CreateTicket(b.ctx, halo.Ticket{Summary: "Malware EICAR on PC-01", ClientID: b.client.ID, TicketTypeID: 21, ThirdPartyIDString: key})
		if err != nil {
			t.Fatal(err)
		}
		b.sim.ResetRequests()
		if res := deliverOnce(t, b); res.Reconciled != 1 || res.Created != 0 {
			t.Errorf("result %+v, want the crashed create reconciled", res)
		}
		if n := len(ourTickets(b.sim)); n != 1 {
			t.Errorf("%d tickets, want only the one made before the crash", n)
		}
		if n := apiRequests(b.sim, "GET", "/api/Tickets"); n != 1 || !strings.Contains(b.sim.Requests()[0].Query, "advanced_search") {
			t.Errorf("requests %+v, want one advanced search", b.sim.Requests())
		}
		if d, _ := b.store.AlertDelivery(b.ctx, ids[0]); d.State != store.DeliveryDone || d.TicketID != made.ID {
			t.Errorf("delivery %+v, want done on ticket %d", d, made.ID)
		}
	})

	t.Run("CreatesWhenTheCrashedCreateNeverReachedHalo", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{})
		ids := ingestAlerts(t, b, avAlert("e1", "c-1", "PC-01", "EICAR", b.clock.Now().Add(-time.Hour)))
		if _, err := b.store.StartTicket(b.ctx, store.TicketLink{PartnerID: b.partner.ID, Key: "host/gravityzone/c-1/av/pc-01", AlertType: "av"}, ids); err != nil {
			t.Fatal(err)
		}
		if res := deliverOnce(t, b); res.Created != 1 || res.Reconciled != 0 {
			t.Errorf("result %+v, want the ticket created after finding none", res)
		}
		if n := len(ourTickets(b.sim)); n != 1 {
			t.Errorf("%d tickets, want 1", n)
		}
	})

	t.Run("SendsUnmappedCustomersToTheFallbackClientAndSaysSo", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{})
		fallback := activeClient(t, b.sim, true)
		if _, err := b.svc.SavePolicy(b.ctx, b.partner.ID, deliver.SavedPolicy{Policy: testPolicy(), FallbackClientID: fallback.ID}); err != nil {
			t.Fatal(err)
		}
		a := avAlert("e1", "c-unknown", "LAPTOP-7", "EICAR", b.clock.Now().Add(-time.Hour))
		a.Facts["customer_name"] = "Fabrikam"
		ingestAlerts(t, b, a)
		deliverOnce(t, b)
		tickets := ourTickets(b.sim)
		if len(tickets) != 1 || tickets[0].ClientID != fallback.ID || tickets[0].Summary != "[Unmapped] Malware EICAR on LAPTOP-7" {
			t.Fatalf("tickets %+v, want one [Unmapped] ticket on client %d", tickets, fallback.ID)
		}
		raised, _ := b.store.Events(b.ctx, b.partner.ID, store.EventQuery{Kind: deliver.KindUnmappedCustomer})
		if len(raised) != 1 {
			t.Fatalf("events %+v, want one saying the customer went to the fallback client", raised)
		}
		// The company and the fallback client are named by name; their ids
		// are the event's data, which the portal shows in small print.
		e := raised[0]
		if want := `Company "Fabrikam" of GravityZone 'GravityZone'`; e.Subject != want {
			t.Errorf("subject %q, want %q", e.Subject, want)
		}
		if want := fmt.Sprintf(`Company "Fabrikam" is not mapped to a HaloPSA client, so its alerts go to the fallback client %q with an "[Unmapped]" title.`, fallback.Name); e.Message != want {
			t.Errorf("message %q, want %q", e.Message, want)
		}
		if want := "Map the company to its HaloPSA client on the Client mapping page: its alerts are then tried again at once. Move any ticket raised on the fallback client to that client in HaloPSA."; e.Fix != want {
			t.Errorf("fix %q, want %q", e.Fix, want)
		}
		if d := events.DataOf(e); d.SourceID != b.src.ID || d.CustomerID != "c-unknown" {
			t.Errorf("data %s, want the source and the company's id", e.Data)
		}
	})

	t.Run("SkipsUnmappedCustomersWithoutAFallbackAndSaysSo", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{})
		ids := ingestAlerts(t, b, avAlert("e1", "c-unknown", "LAPTOP-7", "EICAR", b.clock.Now().Add(-time.Hour)))
		if res := deliverOnce(t, b); res.Skipped != 1 {
			t.Errorf("result %+v, want the alert skipped", res)
		}
		if d, _ := b.store.AlertDelivery(b.ctx, ids[0]); !strings.Contains(d.Reason, "no fallback client is configured") {
			t.Errorf("delivery reason %q", d.Reason)
		}
		events, _ := b.store.Events(b.ctx, b.partner.ID, store.EventQuery{Kind: deliver.KindUnmappedCustomer})
		if len(events) != 1 || events[0].Message != `The company with id "c-unknown" is not mapped to a HaloPSA client, so its alerts raise no tickets: no fallback client is configured.` {
			t.Errorf("events %+v, want one naming the company by the only thing known of it", events)
		}
		if len(ourTickets(b.sim)) != 0 {
			t.Error("a ticket was raised for an unmapped customer without a fallback client")
		}
	})

	t.Run("NamesAnUnmappedCompanyAsItsSourceDoes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{})
		if err := b.store.SaveSourceCustomers(b.ctx, b.src.ID, []source.Customer{{ID: "c-unknown", Name: "Northwind Traders"}}, false); err != nil {
			t.Fatal(err)
		}
		ingestAlerts(t, b, avAlert("e1", "c-unknown", "LAPTOP-7", "EICAR", b.clock.Now().Add(-time.Hour)))
		deliverOnce(t, b)
		raised, _ := b.store.Events(b.ctx, b.partner.ID, store.EventQuery{Kind: deliver.KindUnmappedCustomer})
		if len(raised) != 1 || raised[0].Subject != `Company "Northwind Traders" of GravityZone 'GravityZone'` ||
			raised[0].Message != `Company "Northwind Traders" is not mapped to a HaloPSA client, so its alerts raise no tickets: no fallback client is configured.` {
			t.Errorf("events %+v, want one naming the company as the source's catalog does", raised)
		}
	})

	t.Run("NamesASiteWithoutAGeneralUserAndTriesAgainLater", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{deliver: deliver.Options{RetryBackoff: 10 * time.Minute}})
		bare := activeClient(t, b.sim, false)
		mapCustomer(t, b, "c-2", bare.ID)
		ids := ingestAlerts(t, b, avAlert("e1", "c-2", "PC-09", "EICAR", b.clock.Now().Add(-time.Hour)))
		if res := deliverOnce(t, b); res.Failed != 1 {
			t.Errorf("result %+v, want the alert failed", res)
		}
		events, _ := b.store.Events(b.ctx, b.partner.ID, store.EventQuery{Kind: deliver.KindSiteWithoutGeneralUser})
		if len(events) != 1 {
			t.Fatalf("events %+v, want one site_without_general_user", events)
		}
		e := events[0]
		var data struct {
			ClientID int `json:"client_id"`
			SiteID   int `json:"site_id"`
		}
		if err := json.Unmarshal(e.Data, &data); err != nil || data.ClientID != bare.ID || data.SiteID != bare.MainSiteID {
			t.Errorf("event data %s, want client %d and site %d", e.Data, bare.ID, bare.MainSiteID)
		}
		if !strings.Contains(e.Message, "has no General User") || !strings.Contains(e.Message, "Please select a valid Client/Site/User") ||
			!strings.Contains(e.Fix, `add a user named "General User"`) {
			t.Errorf("event says %q / %q", e.Message, e.Fix)
		}
		if d, _ := b.store.AlertDelivery(b.ctx, ids[0]); d.State != store.DeliveryFailed || !strings.Contains(d.Reason, "General User") {
			t.Errorf("delivery %+v", d)
		}
		if res := deliverOnce(t, b); res.Failed != 0 {
			t.Errorf("retried before its backoff ended: %+v", res)
		}
		b.clock.Add(11 * time.Minute)
		if res := deliverOnce(t, b); res.Failed != 1 {
			t.Errorf("after its backoff: %+v, want the alert tried again", res)
		}
	})

	t.Run("NamesAMissingPermission", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{})
		b.sim.InjectFault(halosim.Fault{Method: "POST", PathPrefix: "/api/Tickets", Status: http.StatusForbidden,
			Body: `{"ClassName":"System.UnauthorizedAccessException","Message":"You do not have permission: edit:tickets"}`})
		ingestAlerts(t, b, avAlert("e1", "c-1", "PC-01", "EICAR", b.clock.Now().Add(-time.Hour)))
		deliverOnce(t, b)
		events, _ := b.store.Events(b.ctx, b.partner.ID, store.EventQuery{Kind: deliver.KindPermissionMissing})
		if len(events) != 1 || !strings.Contains(events[0].Message, "edit:tickets") || !strings.Contains(events[0].Fix, "add the edit:tickets permission") {
			t.Errorf("events %+v, want the edit:tickets permission named", events)
		}
	})

	t.Run("NamesTheFieldHaloRequires", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{})
		b.sim.InjectFault(halosim.Fault{Method: "POST", PathPrefix: "/api/Tickets", Status: http.StatusBadRequest,
			Body: `{"ClassName":"System.Exception","Message":"Please enter a Asset Number."}`})
		ingestAlerts(t, b, avAlert("e1", "c-1", "PC-01", "EICAR", b.clock.Now().Add(-time.Hour)))
		deliverOnce(t, b)
		events, _ := b.store.Events(b.ctx, b.partner.ID, store.EventQuery{Kind: deliver.KindTicketRefused})
		if len(events) != 1 || !strings.Contains(events[0].Message, `HaloPSA requires "Asset Number"`) {
			t.Errorf("events %+v, want the required field named", events)
		}
	})

	t.Run("ClosesTheTicketWhenTheSourceResolvesTheAlert", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{})
		at := b.clock.Now().Add(-time.Hour)
		inc := incidentAlert("i1", "c-1", "INC-7", at)
		ingestAlerts(t, b, inc)
		deliverOnce(t, b)
		ticket := ourTickets(b.sim)[0]
		ingestResolution(t, b, source.Resolution{Source: source.GravityZone, CustomerID: "c-1", Fingerprint: inc.Fingerprint,
			Reason: "GravityZone incident closed", ResolvedAt: at.Add(time.Minute), EventID: "r1"})
		if res := deliverOnce(t, b); res.Closed != 1 {
			t.Errorf("result %+v, want the ticket closed", res)
		}
		got, _ := b.sim.Ticket(ticket.ID)
		if got.StatusID != 9 || !got.HasBeenClosed {
			t.Errorf("ticket status %d, want the closing status 9", got.StatusID)
		}
		closing := notes(b.sim, ticket.ID)
		if len(closing) != 1 || !strings.Contains(closing[0].NoteHTML, "resolved in GravityZone at "+at.Add(time.Minute).Format("2006-01-02 15:04:05 UTC")+": GravityZone incident closed") {
			t.Errorf("closing notes %+v", closing)
		}
		ingestResolution(t, b, source.Resolution{Source: source.GravityZone, CustomerID: "c-1", Fingerprint: inc.Fingerprint,
			Reason: "GravityZone incident closed", ResolvedAt: at.Add(2 * time.Minute), EventID: "r2"})
		b.sim.ResetRequests()
		deliverOnce(t, b)
		if n := len(b.sim.Requests()); n != 0 {
			t.Errorf("closing twice sent %d requests, want none", n)
		}
	})

	t.Run("SnoozesOnTheRateLimitAndLosesNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{})
		b.sim.InjectFault(halosim.Fault{PathPrefix: "/api/Tickets", Status: http.StatusTooManyRequests, RetryAfter: 30 * time.Second, Times: 1})
		ingestAlerts(t, b, avAlert("e1", "c-1", "PC-01", "EICAR", b.clock.Now().Add(-time.Hour)))
		_, err := b.svc.Deliver(b.ctx, b.partner.ID)
		var limited *halo.RateLimitError
		if !errors.As(err, &limited) || limited.RetryAfter < 29*time.Second {
			t.Fatalf("err = %v, want a rate limit of about 30 s", err)
		}
		if _, err := b.store.TicketLink(b.ctx, b.partner.ID, "host/gravityzone/c-1/av/pc-01"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("link after the refused create: %v, want none", err)
		}
		later := deliver.New(b.store, &waitlessHalo{b}, deliver.Options{Now: b.clock.Now})
		if res, err := later.Deliver(b.ctx, b.partner.ID); err != nil || res.Created != 1 {
			t.Errorf("after the pause: %+v, %v; want the ticket", res, err)
		}
		if n := len(ourTickets(b.sim)); n != 1 {
			t.Errorf("%d tickets, want 1", n)
		}
	})

	t.Run("SkipsEverythingUntilAPolicyIsSaved", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{noPolicy: true})
		ids := ingestAlerts(t, b, avAlert("e1", "c-1", "PC-01", "EICAR", b.clock.Now().Add(-time.Hour)))
		if res := deliverOnce(t, b); res.Skipped != 1 {
			t.Errorf("result %+v", res)
		}
		if d, _ := b.store.AlertDelivery(b.ctx, ids[0]); !strings.Contains(d.Reason, "no ticket policy") {
			t.Errorf("reason %q", d.Reason)
		}
		if n := len(b.sim.Requests()); n != 0 {
			t.Errorf("%d requests to HaloPSA without a policy, want none", n)
		}
	})
}

// waitlessHalo is a fresh set of HaloPSA clients, as a later process has:
// its limiter does not remember the pause the 429 asked for.
type waitlessHalo struct{ b *testBundle }

func (w *waitlessHalo) Client(ctx context.Context, partnerID int64) (*halo.Client, error) {
	return (&connect.Halo{Outbound: outbound.Local(), Store: w.b.store, Budget: halo.NewLimiters(0, 0)}).Client(ctx, partnerID)
}

// incidentAlert is a GravityZone EDR incident; its type never reopens.
func incidentAlert(eventID, customer, incident string, at time.Time) source.Alert {
	return source.Alert{
		Source: source.GravityZone, CustomerID: customer, Type: "new-incident", Severity: source.SeverityCritical,
		HostName: "SRV-01", Facts: map[string]string{"incident_id": incident, "detection_name": "Ransom.LockBit"},
		OccurredAt: at, Fingerprint: "gravityzone|" + customer + "|new-incident|" + incident, EventID: eventID, Raw: json.RawMessage(`{}`),
	}
}

func TestNoticeClosed(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOptions{})
	at := b.clock.Now().Add(-time.Hour)
	ingestAlerts(t, b, avAlert("e1", "c-1", "PC-01", "EICAR", at), avAlert("e2", "c-1", "PC-02", "EICAR", at))
	deliverOnce(t, b)
	tickets := ourTickets(b.sim)
	if len(tickets) != 2 {
		t.Fatalf("%d tickets, want 2", len(tickets))
	}
	if err := b.sim.SetTicketStatus(tickets[0].ID, 9); err != nil {
		t.Fatal(err)
	}
	b.clock.Add(time.Minute)
	n, err := b.svc.NoticeClosed(b.ctx, b.partner.ID)
	if err != nil || n != 1 {
		t.Fatalf("NoticeClosed = %d, %v; want the one closed in HaloPSA", n, err)
	}
	links, _ := b.store.TicketLinks(b.ctx, b.partner.ID, store.TicketLinkQuery{State: store.LinkClosed})
	if len(links) != 1 || links[0].TicketID != tickets[0].ID {
		t.Errorf("closed links %+v, want the one of ticket %d", links, tickets[0].ID)
	}
}

func TestLease(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOptions{})
	ingestAlerts(t, b, avAlert("e1", "c-1", "PC-01", "EICAR", b.clock.Now().Add(-time.Hour)))
	// Another process is delivering for this partner.
	if ok, err := b.store.TakeDeliveryLease(b.ctx, b.partner.ID, "other-process", time.Minute); err != nil || !ok {
		t.Fatalf("TakeDeliveryLease = %v, %v", ok, err)
	}
	res := deliverOnce(t, b)
	if res.Again != 500*time.Millisecond || res.Created != 0 || len(b.sim.Requests()) != 0 {
		t.Errorf("while another holds the lease: %+v and %d requests, want only a retry in 500 ms", res, len(b.sim.Requests()))
	}
	if err := b.store.ReleaseDeliveryLease(b.ctx, b.partner.ID, "other-process"); err != nil {
		t.Fatal(err)
	}
	if res := deliverOnce(t, b); res.Created != 1 {
		t.Errorf("once the lease is free: %+v, want the ticket", res)
	}
	if ok, _ := b.store.TakeDeliveryLease(b.ctx, b.partner.ID, "next", time.Minute); !ok {
		t.Error("the pass kept the lease after it ended")
	}
}
