package portal_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

func TestBilling(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p, src := b.activePartner(t, "Northpoint IT")
	if _, err := b.store.SaveMapping(t.Context(), store.Mapping{PartnerID: p.ID, SourceID: src.ID, CustomerID: "c-1", ClientID: 109, Ticketing: true, Billing: true, Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	lastMonth := source.MonthOf(time.Now().UTC()).Prev()

	t.Run("TheDryRunShowsEachLineAndWritesNothing", func(t *testing.T) {
		invoices := len(b.halo.RecurringInvoices())
		got := b.post(t, p, "/billing/dry-run", url.Values{"month": {lastMonth.String()}}, true)
		if got.status != http.StatusOK {
			t.Fatalf("dry run: %d\n%s", got.status, got.body)
		}
		for _, want := range []string{"Brightwater Dental LLC", "would change", `<td class="num">0</td><td class="num">12</td>`, "add"} {
			if !strings.Contains(got.body, want) {
				t.Errorf("the dry run lacks %q:\n%s", want, got.body)
			}
		}
		if n := len(b.halo.RecurringInvoices()); n != invoices {
			t.Errorf("a dry run changed HaloPSA's recurring invoices: %d, was %d", n, invoices)
		}
	})

	t.Run("AMonthNotOverYetIsRefused", func(t *testing.T) {
		got := b.post(t, p, "/billing/dry-run", url.Values{"month": {source.MonthOf(time.Now().UTC()).String()}}, true)
		if got.status != http.StatusUnprocessableEntity || !strings.Contains(got.body, "is not over yet") {
			t.Errorf("this month: %d\n%s", got.status, got.body)
		}
	})

	t.Run("BillNowWritesTheInvoiceLinesInTheBackground", func(t *testing.T) {
		got := b.post(t, p, "/billing/run", url.Values{"month": {lastMonth.String()}}, true)
		poll := regexp.MustCompile(`hx-get="(/sync/jobs/\d+\?then=%2Fbilling)"`).FindStringSubmatch(got.body)
		if got.status != http.StatusOK || poll == nil {
			t.Fatalf("bill now: %d\n%s", got.status, got.body)
		}
		b.work(t)
		eventually(t, 30*time.Second, "the billing run", func() bool {
			req, _ := http.NewRequest(http.MethodGet, b.srv.URL+strings.ReplaceAll(poll[1], "&amp;", "&"), nil)
			req.Header.Set("HX-Request", "true")
			return b.do(t, p, req).header.Get("HX-Redirect") == "/billing"
		})
		quantity := 0.0
		for _, inv := range b.halo.RecurringInvoices() {
			if inv.ClientID != 109 {
				continue
			}
			full, _ := b.halo.RecurringInvoice(inv.ID)
			for _, l := range full.Lines {
				quantity += l.QtyOrder
			}
		}
		if quantity != 12 {
			t.Errorf("client 109's recurring invoices bill %v, want 12", quantity)
		}
		page := b.get(t, p, "/billing").body
		if !strings.Contains(page, "<td>billed</td>") || !strings.Contains(page, `<rect `) {
			t.Errorf("the billing page does not show the run and its bar:\n%s", page)
		}
	})
}
