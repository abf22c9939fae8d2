package portal_test

import (
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

func TestTicketing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p, src := b.activePartner(t, "Northpoint IT")
	ctx := t.Context()
	if _, err := b.store.SaveMapping(ctx, store.Mapping{PartnerID: p.ID, SourceID: src.ID, CustomerID: "c-1", ClientID: 109, Ticketing: true, Billing: true, Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	company := strconv.FormatInt(src.ID, 10) + "/c-1"

	t.Run("TheTestTicketIsCreatedInHaloPSA", func(t *testing.T) {
		got := b.post(t, p, "/ticketing/test", url.Values{"company": {company}}, true)
		if got.status != http.StatusOK || !strings.Contains(got.body, "HaloPSA created") {
			t.Fatalf("test ticket: %d\n%s", got.status, got.body)
		}
		tickets := b.halo.Tickets()
		last := tickets[len(tickets)-1]
		if !strings.HasPrefix(last.Summary, "[Test] ") || last.ClientID != 109 {
			t.Errorf("HaloPSA's newest ticket: %q for client %d", last.Summary, last.ClientID)
		}
		if want := fmt.Sprintf(`href="%s/ticket?id=%d"`, b.haloURL, last.ID); !strings.Contains(got.body, want) {
			t.Errorf("the answer does not link the ticket (%s):\n%s", want, got.body)
		}
		resp, err := http.Get(fmt.Sprintf("%s/ticket?id=%d", b.haloURL, last.ID))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		page, _ := io.ReadAll(resp.Body)
		if want := fmt.Sprintf("<h1>#%d %s</h1>", last.ID, template.HTMLEscapeString(last.Summary)); resp.StatusCode != http.StatusOK || !strings.Contains(string(page), want) {
			t.Errorf("following the link: %d, want a page with %s:\n%s", resp.StatusCode, want, page)
		}
	})

	t.Run("ATestTicketForAnUnmappedCompanySaysWhy", func(t *testing.T) {
		got := b.post(t, p, "/ticketing/test", url.Values{"company": {strconv.FormatInt(src.ID, 10) + "/c-3"}}, true)
		if got.status != http.StatusOK || !strings.Contains(got.body, "Test ticket: customer &#34;c-3&#34; is not mapped") {
			t.Errorf("test ticket for c-3: %d\n%s", got.status, got.body)
		}
	})

	t.Run("AlertsShowTheTicketsTheyBecame", func(t *testing.T) {
		now := time.Now().UTC()
		alert := func(id, customer string) source.Alert {
			return source.Alert{Source: source.Push, CustomerID: customer, Type: pushType, Severity: source.SeverityHigh, HostName: "WS-" + id,
				OccurredAt: now, Fingerprint: "fp-" + id, EventID: id}
		}
		_, err := b.store.StoreInbound(ctx, []store.InboundBatch{{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: now,
			Alerts: []source.Alert{alert("a1", "c-1"), alert("a2", "c-3")}}})
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, 10*time.Second, "delivery", func() bool {
			res, err := b.tickets.Deliver(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			return res.Again == 0 && res.Created > 0
		})
		page := b.get(t, p, "/ticketing").body
		tickets := b.halo.Tickets()
		created := tickets[len(tickets)-1]
		for _, want := range []string{
			fmt.Sprintf(`<a href="%s/ticket?id=%d" target="_blank" rel="noopener">Ticket #%d created</a>`, b.haloURL, created.ID, created.ID),
			"Brightwater Dental", "WS-a1", "No ticket:", "<rect ",
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the ticketing page lacks %q", want)
			}
		}
	})
}
