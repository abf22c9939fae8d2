package portal_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
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
		for _, want := range []string{`<a href="` + b.haloURL + `/customers?clientid=109" target="_blank" rel="noopener">Brightwater Dental LLC</a>`, "would change", `<td class="num">0</td><td class="num">12</td>`, "add"} {
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
		// The API says what the run billed in all and item by item, with
		// the unit each item's quantity counts: a push product's are
		// licences (billing.Describe).
		activity := b.apiCall(t, b.token(t, p), http.MethodGet, "/api/v1/activity", "")
		var act struct {
			Billed []struct {
				Month    string  `json:"month"`
				Quantity float64 `json:"quantity"`
			} `json:"billed"`
			BilledItems []struct {
				ItemID int      `json:"item_id"`
				Units  []string `json:"units"`
				Months []struct {
					Month    string  `json:"month"`
					Quantity float64 `json:"quantity"`
				} `json:"months"`
			} `json:"billed_items"`
		}
		if err := json.Unmarshal([]byte(activity.body), &act); err != nil || activity.status != http.StatusOK {
			t.Fatalf("activity: %d %v\n%s", activity.status, err, activity.body)
		}
		if len(act.Billed) != 1 || act.Billed[0].Month != lastMonth.String() || act.Billed[0].Quantity != 12 ||
			len(act.BilledItems) != 1 || act.BilledItems[0].ItemID == 0 || fmt.Sprint(act.BilledItems[0].Units) != "[licences]" ||
			len(act.BilledItems[0].Months) != 1 || act.BilledItems[0].Months[0].Quantity != 12 {
			t.Errorf("activity billed %+v, items %+v; want 12 licences billed on one item for %s", act.Billed, act.BilledItems, lastMonth)
		}
		page := b.get(t, p, "/billing").body
		if !strings.Contains(page, "<td>billed</td>") || !strings.Contains(page, `<rect `) {
			t.Errorf("the billing page does not show the run and its bar:\n%s", page)
		}
		// What the run wrote, client by client, with the invoice in
		// HaloPSA; the dry run made before stays beside it.
		var invoice int
		for _, inv := range b.halo.RecurringInvoices() {
			if inv.ClientID == 109 {
				invoice = inv.ID
			}
		}
		billed := between(t, page, `<section class="card" id="billed">`, "</section>")
		for _, want := range []string{"Billed for " + lastMonth.Start().Format("January 2006"),
			`<a href="` + b.haloURL + `/recurringinvoice?id=` + strconv.Itoa(invoice) + `" target="_blank" rel="noopener">recurring invoice ` + strconv.Itoa(invoice) + `</a>`,
			`<span class="badge succeeded">added</span> endpoint-protection: <strong>12</strong>`, "0 lines unchanged."} {
			if !strings.Contains(billed, want) {
				t.Errorf("the run's result lacks %q:\n%s", want, billed)
			}
		}
		if dry := between(t, page, `<section class="card" id="dry-run">`, "</section>"); !strings.Contains(dry, "Dry run for "+lastMonth.Start().Format("January 2006")) || !strings.Contains(dry, "would change") {
			t.Errorf("the last dry run is not kept beside the run:\n%s", dry)
		}
		// One chart per product, in the unit a push product counts.
		if !strings.Contains(page, `<h3>endpoint-protection <span class="muted">(licences)</span></h3>`) || !strings.Contains(page, "Licences on recurring invoices") {
			t.Errorf("the chart does not name the product and its unit:\n%s", page)
		}
	})

	t.Run("ARunChosenFromTheListIsShown", func(t *testing.T) {
		runs, err := b.store.BillingRuns(t.Context(), p.ID, 10)
		if err != nil || len(runs) < 2 {
			t.Fatalf("runs: %+v, %v", runs, err)
		}
		oldest := runs[len(runs)-1] // the first dry run
		page := b.get(t, p, "/billing?run="+strconv.FormatInt(oldest.ID, 10)).body
		if !strings.Contains(page, `<a href="/billing?run=`+strconv.FormatInt(oldest.ID, 10)+`">`) || !strings.Contains(page, "Dry run for ") {
			t.Errorf("the chosen run is not shown:\n%s", page)
		}
		other, _ := b.activePartner(t, "Elsewhere IT")
		if got := b.get(t, other, "/billing?run="+strconv.FormatInt(oldest.ID, 10)); got.status != http.StatusNotFound {
			t.Errorf("another partner's run: %d, want 404", got.status)
		}
		if got := b.get(t, p, "/billing?run=x%3Cscript%3E"); got.status != http.StatusNotFound || strings.Contains(got.body, "<script>") {
			t.Errorf("a made-up run id: %d\n%s", got.status, got.body)
		}
	})

	t.Run("TheBillingStepSetsHowFractionsAreBilled", func(t *testing.T) {
		step := b.get(t, p, "/setup?step=billing").body
		if !strings.Contains(step, `<select name="rounding.push"`) || strings.Contains(step, `name="rounding.gravityzone"`) {
			t.Fatalf("the billing step does not offer the push source's rounding alone:\n%s", step)
		}
		form := formValues(step)
		if form.Get("rounding.push") != "decimal" || form.Get("mode") != "create" {
			t.Fatalf("the billing step's values: %v", form)
		}
		form.Set("rounding.push", "ceiling")
		got := b.post(t, p, "/setup/billing", form, false)
		if got.status != http.StatusUnprocessableEntity || !strings.Contains(got.body, `Must be &#34;decimal&#34;, &#34;up&#34;, &#34;nearest&#34; or &#34;down&#34;, not &#34;ceiling&#34;`) {
			t.Errorf("an unknown rounding: %d\n%s", got.status, got.body)
		}
		form.Set("rounding.push", "up")
		if got := b.post(t, p, "/setup/billing", form, false); got.status != http.StatusSeeOther {
			t.Fatalf("saving rounding up: %d\n%s", got.status, got.body)
		}
		policy, err := b.billing.Policy(t.Context(), p.ID)
		if err != nil || policy.RoundingOf(source.Push) != "up" || policy.Mode != "create" {
			t.Errorf("the saved policy: %+v, %v", policy, err)
		}
		if page := b.get(t, p, "/billing").body; !strings.Contains(page, "Push API fractional usage: <strong>rounded up to whole licences</strong></li>") {
			t.Errorf("the billing page does not show the rounding:\n%s", page)
		}
		form.Set("rounding.push", "decimal")
		if got := b.post(t, p, "/setup/billing", form, false); got.status != http.StatusSeeOther {
			t.Fatalf("saving decimal again: %d\n%s", got.status, got.body)
		}
	})

	t.Run("AUsageCorrectedAfterTheRunIsShownAndRecorded", func(t *testing.T) {
		page := b.get(t, p, "/billing").body
		for _, want := range []string{"Push API fractional usage: <strong>billed as a decimal quantity</strong>",
			"No usage was corrected after it was billed."} {
			if !strings.Contains(page, want) {
				t.Errorf("the billing page lacks %q:\n%s", want, page)
			}
		}
		// The vendor pushes 15 for the month billed at 12.
		if err := b.store.SaveUsage(t.Context(), src.ID, []source.Usage{{CustomerID: "c-1", Month: lastMonth, Product: "endpoint-protection", Quantity: 15}}, nil); err != nil {
			t.Fatal(err)
		}
		said := lastMonth.Month.String() + " corrected from 12 to 15 before it was invoiced: the line now bills 15 for it"
		got := b.post(t, p, "/billing/dry-run", url.Values{"month": {lastMonth.String()}}, true)
		for _, want := range []string{"would change", `<td class="num">12</td><td class="num">15</td>`, "Corrected: " + said} {
			if !strings.Contains(got.body, want) {
				t.Errorf("the dry run lacks %q:\n%s", want, got.body)
			}
		}
		if _, err := b.billing.Run(t.Context(), p.ID, lastMonth, false); err != nil {
			t.Fatal(err)
		}
		page = b.get(t, p, "/billing").body
		for _, want := range []string{"Brightwater Dental LLC", "<td>" + lastMonth.String() + "</td>", `<td class="num">12</td><td class="num">15</td><td>` + said + "</td>"} {
			if !strings.Contains(page, want) {
				t.Errorf("the billing page's corrections lack %q:\n%s", want, page)
			}
		}
	})
}
