package portal_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"halobridge/internal/portal/browsertest"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/source/gravityzone/gzsim"
)

func TestBrowserWalkthrough(t *testing.T) {
	t.Parallel()
	ctx := browsertest.Browser(t)
	b := setup(t)
	b.work(t)
	shots := browsertest.Artifacts(t)
	wait := 30 * time.Second

	browsertest.Step(t, ctx, "log in with HaloPSA",
		browsertest.Navigate(b.srv.URL+"/"),
		chromedp.WaitVisible(browsertest.CSS(`input[name="halo_url"]`)),
		chromedp.SendKeys(browsertest.CSS(`input[name="halo_url"]`), b.haloURL),
		chromedp.SendKeys(browsertest.CSS(`input[name="client_id"]`), halosim.DefaultPublicClientID),
		browsertest.Screenshot(shots, "01-login"),
		chromedp.Click(browsertest.CSS(`form[action="/login/halo"] button[type="submit"]`)),
		chromedp.WaitVisible(browsertest.CSS(`select[name="agent_id"]`)),
		chromedp.SetValue(browsertest.CSS(`select[name="agent_id"]`), "2"),
		chromedp.Click(browsertest.CSS(`button[value="approve"]`)),
		browsertest.WaitText("halobridge in your HaloPSA", wait),
		browsertest.Screenshot(shots, "02-halo-setup-created"),
		browsertest.Fits(shots, "02-halo-setup-created-fit"),
		chromedp.EmulateViewport(1280, 900),
		chromedp.Click(browsertest.CSS(`a[href="/"]`)),
		browsertest.WaitText("Set up halobridge", wait),
		browsertest.Ready(wait),
	)

	browsertest.Step(t, ctx, "test the connection and connect GravityZone",
		chromedp.Click(browsertest.CSS(`button[hx-post="/setup/halo/test"]`)),
		browsertest.WaitText("Connection successful.", wait),
		chromedp.SendKeys(browsertest.CSS(`form[action="/setup/sources"] input[name="name"]`), "GravityZone EU"),
		chromedp.SendKeys(browsertest.CSS(`form[action="/setup/sources"] input[name="api_url"]`), b.gzURL),
		chromedp.SendKeys(browsertest.CSS(`form[action="/setup/sources"] input[name="api_key"]`), gzsim.DefaultAPIKey),
		chromedp.Click(browsertest.CSS(`form[action="/setup/sources"] button[type="submit"]`)),
		browsertest.WaitText(`"GravityZone EU" is connected.`, wait),
		browsertest.Screenshot(shots, "03-integration"),
		chromedp.Click(browsertest.CSS(`input[name="consent"]`)),
		chromedp.Click(browsertest.CSS(`form[action="/setup/integration"] button[type="submit"]`)),
	)

	browsertest.Step(t, ctx, "billing: create the items of the protection models",
		browsertest.WaitText("HaloPSA item", wait),
		browsertest.JS(`document.querySelectorAll('select[name^="products."]').forEach(s => {
			const row = s.closest('tr');
			if (row.innerText.includes('Protection model (mandatory)') && s.querySelector('option[value="new"]')) { s.value = 'new'; }
		})`),
		browsertest.Screenshot(shots, "04-billing"),
		chromedp.Click(browsertest.CSS(`form[action="/setup/billing"] button[type="submit"]`)),
		browsertest.WaitText("Alert types", wait),
		browsertest.Ready(wait),
	)

	browsertest.Step(t, ctx, "ticketing: choose the ticket type and fill each alert type",
		browsertest.JS(`const tt = document.querySelector('select[name="tickettype_id"]'); tt.value = '21'; tt.dispatchEvent(new Event('change', {bubbles: true}));`),
		browsertest.Until(`document.querySelector('select[name="initial_status_id"]').value === '1'`, wait),
		// htmx may still be swapping this part of the form: act through the
		// page itself, not through a node handle that a swap leaves stale.
		browsertest.JS(`document.querySelector('input[name="show_updates_to_user"][value="no"]').click()`),
		// GravityZone's alert types share one SLA, priority and category.
		browsertest.JS(`const sla = document.querySelector('select[name="groups.gravityzone.sla_id"]'); sla.value = '3'; sla.dispatchEvent(new Event('change', {bubbles: true}));`),
		browsertest.Until(`document.querySelector('.htmx-request') === null && document.querySelector('select[name="groups.gravityzone.priority_id"] option[value="2"]') !== null`, wait),
		browsertest.JS(`document.querySelector('select[name="groups.gravityzone.priority_id"]').value = '2'`),
		chromedp.SendKeys(browsertest.CSS(`input[name="title_template"]`), "{{report_type}} on {{hostname}}"),
		browsertest.WaitText("Antimalware on WS-0042", wait),
		browsertest.JS(`document.querySelector('select[name="groups.gravityzone.category_1"]').value = 'Security';
			document.querySelector('select[name="team"]').value = 'Security Operations';`),
		// With the usual GravityZone types on, the step still fits a
		// laptop and a phone.
		browsertest.Fits(shots, "05-ticketing-fit"),
		chromedp.EmulateViewport(1280, 900),
		browsertest.Screenshot(shots, "05-ticketing"),
		chromedp.Click(browsertest.CSS(`#ticket-policy > .actions button[type="submit"]`)),
		browsertest.WaitText("Save configuration", wait),
		browsertest.Screenshot(shots, "06-finalize"),
		chromedp.Click(browsertest.CSS(`form[action="/setup/activate"] button[type="submit"]`)),
		browsertest.WaitText("The integration is active", wait),
		browsertest.Screenshot(shots, "07-overview"),
	)

	browsertest.Step(t, ctx, "accept the suggestion for Brightwater Dental",
		browsertest.Navigate(b.srv.URL+"/mapping"),
		browsertest.WaitText("Brightwater Dental LLC", wait),
		browsertest.Ready(wait),
		browsertest.JS(`[...document.querySelectorAll('li.suggested')].find(r => r.innerText.includes('Brightwater Dental')).querySelector('form[action="/mapping/accept"] button').click()`),
		browsertest.WaitText("Accepted", wait),
		browsertest.Screenshot(shots, "08-mapping"),
	)
	partnerID := b.onlyPartner(t)

	ev, err := b.gz.NewEvent("av", "gz-bright")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.gz.Push(t.Context(), ev); err != nil {
		t.Fatalf("GravityZone push: %v", err)
	}
	browsertest.Step(t, ctx, "see the alert's ticket",
		// Delivery runs in the background: look again until the ticket shows.
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			deadline := time.Now().Add(wait)
			for {
				if _, err := browsertest.Navigate(b.srv.URL+"/ticketing")(ctx, t); err != nil {
					return err
				}
				text, err := chromedp.Evaluate[string]("document.body.innerText")(ctx, t)
				if err == nil && strings.Contains(text, "created") && strings.Contains(text, "Ticket #") {
					return nil
				}
				if time.Now().After(deadline) {
					return errors.New("no ticket appeared on the ticketing page")
				}
				time.Sleep(300 * time.Millisecond)
			}
		}),
		browsertest.Screenshot(shots, "09-ticketing"),
	)
	tickets := b.halo.Tickets()
	if len(tickets) == 0 || tickets[len(tickets)-1].ClientID != 109 {
		t.Errorf("the simulated HaloPSA has no ticket for Brightwater Dental LLC (client 109): %d tickets", len(tickets))
	}

	browsertest.Step(t, ctx, "Sync now and watch its progress",
		browsertest.Navigate(b.srv.URL+"/sync"),
		browsertest.Ready(wait),
		chromedp.Click(browsertest.CSS(`form[action="/sync"] button[type="submit"]`)),
		chromedp.WaitVisible(browsertest.CSS(`#sync-now .progress`)),
		browsertest.Screenshot(shots, "10-sync-running"),
		browsertest.Until(`document.querySelectorAll('tbody .badge.succeeded').length >= 2 && document.querySelector('#sync-now .progress[hx-trigger]') === null`, wait),
		browsertest.Screenshot(shots, "11-sync-done"),
	)
	runs, err := b.store.SyncRuns(t.Context(), partnerID, "catalog", 10)
	if err != nil || len(runs) < 2 || runs[0].State != "succeeded" {
		t.Errorf("sync runs after Sync now: %+v, %v", runs, err)
	}

	browsertest.Step(t, ctx, "the pages fit a phone",
		chromedp.EmulateViewport(390, 844),
		browsertest.Navigate(b.srv.URL+"/mapping"),
		browsertest.WaitText("Client mapping", wait),
		browsertest.Screenshot(shots, "12-mapping-phone"),
		browsertest.Navigate(b.srv.URL+"/"),
		browsertest.WaitText("Overview", wait),
		browsertest.Screenshot(shots, "13-overview-phone"),
	)
}

// onlyPartner is the partner the HaloPSA sign-in created.
func (b *testBundle) onlyPartner(t *testing.T) int64 {
	t.Helper()
	partners, err := b.store.Partners(t.Context())
	if err != nil || len(partners) != 1 {
		t.Fatalf("partners: %+v, %v", partners, err)
	}
	return partners[0].ID
}

// TestBrowserCredentialsRevoked is a partner whose HaloPSA application is
// revoked after setup, in a real Chromium: the Overview's banner leads to
// the fix, and saving a working application makes it go away.
func TestBrowserCredentialsRevoked(t *testing.T) {
	t.Parallel()
	ctx := browsertest.Browser(t)
	b := setup(t)
	p, src := b.activePartner(t, "Northpoint IT")
	b.mapForTickets(t, p, src)
	shots := browsertest.Artifacts(t)
	wait := 30 * time.Second

	browsertest.Step(t, ctx, "sign in with a password and see no banner", append(b.passwordSignIn(p),
		browsertest.WaitText("Alerts and tickets per day", wait),
		browsertest.Until(`document.getElementById('credentials-revoked') === null`, wait),
	)...)

	b.revokeBeforeDelivery(t, p, src)

	browsertest.Step(t, ctx, "the Overview's banner leads to the fix",
		browsertest.Navigate(b.srv.URL+"/"),
		browsertest.WaitText("HaloPSA no longer accepts halobridge's credentials", wait),
		browsertest.Screenshot(shots, "credentials-01-banner"),
		chromedp.Click(browsertest.CSS(`#credentials-revoked a[href^="/events#event-"]`)),
		browsertest.WaitText(`choose "Use another application's Client ID and Secret"`, wait),
		browsertest.Screenshot(shots, "credentials-02-event"),
	)

	b.halo.AddApplication(halosim.Application{ClientID: "halobridge-new", Secret: "a-fresh-secret", Scopes: []string{"all"}})
	browsertest.Step(t, ctx, "save a working application in Setup",
		browsertest.Navigate(b.srv.URL+"/setup?step=integration"),
		browsertest.Ready(wait),
		chromedp.Click(browsertest.CSS(`details > summary`)),
		chromedp.WaitVisible(browsertest.CSS(`form[action="/setup/halo"] input[name="client_id"]`)),
		chromedp.SendKeys(browsertest.CSS(`form[action="/setup/halo"] input[name="client_id"]`), "halobridge-new"),
		chromedp.SendKeys(browsertest.CSS(`form[action="/setup/halo"] input[name="client_secret"]`), "a-fresh-secret"),
		chromedp.Click(browsertest.CSS(`form[action="/setup/halo"] button[type="submit"]`)),
		browsertest.WaitText("HaloPSA connection saved.", wait),
		browsertest.Screenshot(shots, "credentials-03-saved"),
		browsertest.Navigate(b.srv.URL+"/"),
		browsertest.WaitText("Alerts and tickets per day", wait),
		browsertest.Until(`document.getElementById('credentials-revoked') === null`, wait),
		browsertest.Screenshot(shots, "credentials-04-overview"),
	)
}

// TestBrowserResolveSiteWithoutGeneralUser resolves, on the events page,
// the event of a ticket HaloPSA refused for want of a General User: the
// user is created in HaloPSA and the held alert's ticket follows.
func TestBrowserResolveSiteWithoutGeneralUser(t *testing.T) {
	t.Parallel()
	ctx := browsertest.Browser(t)
	b := setup(t)
	p, src := b.activePartner(t, "Northpoint IT")
	bare, event := b.refusedForTheGeneralUser(t, p, src)
	shots := browsertest.Artifacts(t)
	wait := 30 * time.Second
	resolve := fmt.Sprintf(`button[hx-post="/events/%d/resolve"]`, event.ID)

	browsertest.Step(t, ctx, "the events page names the site without a General User", append(b.passwordSignIn(p),
		browsertest.WaitText("Alerts and tickets per day", wait),
		browsertest.Navigate(b.srv.URL+"/events"),
		browsertest.WaitText("has no General User", wait),
		browsertest.Screenshot(shots, "general-user-01-event"),
	)...)
	browsertest.Step(t, ctx, "Resolve creates the General User",
		chromedp.Click(browsertest.CSS(resolve)),
		browsertest.WaitText("Created the General User", wait),
		browsertest.Screenshot(shots, "general-user-02-resolved"),
	)
	eventually(t, wait, "the held alert's ticket", func() bool { return b.hasTicketFor(bare.ID) })
}
