package portal_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"halobridge/internal/portal/browsertest"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// After a dry run and "Bill now", the billing page shows what the run
// wrote for each client beside the dry run, which stays, and a chart per
// product in the unit it counts; on a laptop and on a phone.
func TestBrowserBillNow(t *testing.T) {
	t.Parallel()
	ctx := browsertest.Browser(t)
	b := setup(t)
	p, src := b.activePartner(t, "Northpoint IT")
	if _, err := b.store.SaveMapping(t.Context(), store.Mapping{PartnerID: p.ID, SourceID: src.ID, CustomerID: "c-1", ClientID: 109, Ticketing: true, Billing: true, Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	b.work(t)
	shots := browsertest.Artifacts(t)
	wait := 30 * time.Second
	month := source.MonthOf(time.Now().UTC()).Prev().Start().Format("January 2006")

	browsertest.Step(t, ctx, "sign in and dry-run last month", append(b.passwordSignIn(p),
		browsertest.WaitText("Alerts and tickets per day", wait),
		chromedp.EmulateViewport(1366, 768),
		browsertest.Navigate(b.srv.URL+"/billing"),
		browsertest.Ready(wait),
		chromedp.Click(browsertest.CSS(`form[action="/billing/dry-run"] button[type="submit"]:not([formaction])`)),
		browsertest.WaitText("Dry run for "+month, wait),
		browsertest.WaitText("would change", wait),
	)...)

	browsertest.Step(t, ctx, "bill now and see what was written",
		// Bill now asks for confirmation first; the person says yes.
		browsertest.JS(`window.confirm = () => true`),
		chromedp.Click(browsertest.CSS(`button[formaction="/billing/run"]`)),
		browsertest.WaitText("Billed for "+month, wait),
		browsertest.Ready(wait),
		browsertest.Until(`document.querySelector('#billed .billed-lines').innerText.includes('endpoint-protection: 12')`, wait),
		browsertest.Until(`document.querySelector('#billed a[href*="/recurringinvoice?id="]') !== null`, wait),
		// The dry run made before is still there, beside the result.
		browsertest.Until(`document.querySelector('#dry-run').innerText.includes('Dry run for `+month+`')`, wait),
		browsertest.WaitText("Licences on recurring invoices", wait),
		browsertest.Until(`document.documentElement.scrollWidth <= window.innerWidth`, wait),
		browsertest.Screenshot(shots, "billing-01-billed-1366"),
		chromedp.EmulateViewport(390, 844),
		browsertest.Navigate(b.srv.URL+"/billing"),
		browsertest.WaitText("Billed for "+month, wait),
		browsertest.Until(`document.documentElement.scrollWidth <= window.innerWidth`, wait),
		browsertest.Screenshot(shots, "billing-02-billed-390"),
	)
}
