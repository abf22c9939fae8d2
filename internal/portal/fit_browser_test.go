package portal_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"halobridge/internal/portal/browsertest"
)

// TestBrowserEveryPageFits shows every portal page, in a real Chromium, on
// a laptop (1366x768) and a phone (390x844) with a partner that has both a
// GravityZone and a push source: no page scrolls sideways and no control
// cuts its text. The screenshots of each page at each size are kept as
// test artifacts.
func TestBrowserEveryPageFits(t *testing.T) {
	t.Parallel()
	ctx := browsertest.Browser(t)
	b := setup(t)
	p, push := b.activePartner(t, "Northpoint IT")
	gz := b.connectGravityZone(t, p)
	b.syncNow(t, p)
	b.mapForTickets(t, p, push)
	b.failingWebhook(t, p)
	shots := browsertest.Artifacts(t)
	wait := 30 * time.Second

	browsertest.Step(t, ctx, "the sign-in page fits",
		browsertest.Navigate(b.srv.URL+"/login"),
		chromedp.WaitVisible(browsertest.CSS(`form[action="/login"] input[name="email"]`)),
		browsertest.Fits(shots, "fit-login"),
	)
	browsertest.Step(t, ctx, "sign in", append(b.passwordSignIn(p), browsertest.WaitText("Alerts and tickets per day", wait))...)

	pages := []struct{ name, path, text string }{
		{"overview", "/", "Alerts and tickets per day"},
		{"setup-integration", "/setup?step=integration", "GravityZone EU"},
		{"setup-billing", "/setup?step=billing", "HaloPSA item"},
		{"setup-ticketing", "/setup?step=ticketing", "Alert types"},
		{"setup-finalize", "/setup?step=finalize", "Finalize"},
		{"source", fmt.Sprintf("/setup/sources/%d", gz.ID), "Test and save"},
		{"mapping", "/mapping", "Client mapping"},
		{"ticketing", "/ticketing", "Latest alerts"},
		{"billing", "/billing", "Billing"},
		{"events", "/events", "Events"},
		{"sync", "/sync", "Sync"},
		{"assets", "/asset-mapping", "Smart match"},
	}
	for _, pg := range pages {
		err := chromedp.Do(ctx,
			browsertest.Navigate(b.srv.URL+pg.path),
			browsertest.WaitText(pg.text, wait),
			browsertest.Ready(wait),
			browsertest.Fits(shots, "fit-"+pg.name),
		)
		if err != nil {
			t.Errorf("page %s: %v", pg.path, err)
		}
	}
}

// TestBrowserTicketingStepVariables inserts a variable into the title
// where the cursor is, finds one by searching, and sees the title of each
// type switched on, and of an alert without host or user, as HaloPSA will
// show them.
func TestBrowserTicketingStepVariables(t *testing.T) {
	t.Parallel()
	ctx := browsertest.Browser(t)
	b := setup(t)
	p, _ := b.activePartner(t, "Northpoint IT")
	shots := browsertest.Artifacts(t)
	wait := 30 * time.Second
	title := browsertest.CSS(`input[name="title_template"]`)

	browsertest.Step(t, ctx, "open the ticketing step", append(b.passwordSignIn(p),
		browsertest.WaitText("Alerts and tickets per day", wait),
		browsertest.Navigate(b.srv.URL+"/setup?step=ticketing"),
		browsertest.WaitText("Alert types", wait),
		browsertest.Ready(wait),
	)...)
	browsertest.Step(t, ctx, "search the variables and insert one where the cursor is",
		chromedp.SendKeys(title, "Threat on PC"),
		// The cursor goes back before " on PC", after "Threat".
		browsertest.JS(`const f = document.querySelector('input[name="title_template"]'); f.focus(); f.setSelectionRange(6, 6);`),
		chromedp.SendKeys(browsertest.CSS(`.variable-search`), "host"),
		browsertest.Until(`document.querySelector('code[data-variable="user"]').closest('li').hidden && !document.querySelector('code[data-variable="hostname"]').closest('li').hidden`, wait),
		chromedp.Click(browsertest.CSS(`code[data-variable="hostname"]`)),
		browsertest.Until(`document.querySelector('input[name="title_template"]').value === 'Threat{{hostname}} on PC'`, wait),
		// The preview follows: the push API's type, then the same without
		// its host.
		browsertest.WaitText("ThreatWS-0042 on PC", wait),
		browsertest.Until(`[...document.querySelectorAll('[data-testid="title-preview"] li')].some(li => li.innerText.includes('without hostname') && li.innerText.includes('Threat on PC'))`, wait),
		browsertest.Screenshot(shots, "ticketing-variables"),
	)
}
