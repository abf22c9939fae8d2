package cli

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/outbound"
	"halobridge/internal/portal/browsertest"
	"halobridge/internal/source/gravityzone/gzsim"
)

// TestDemoWalkthrough is a first-time user of `halobridge demo`: sign in
// with the simulated HaloPSA, go through the wizard, accept the suggested
// mappings, and see tickets and invoice lines appear in the simulated HaloPSA.
func TestDemoWalkthrough(t *testing.T) {
	t.Parallel()
	ctx := browsertest.Browser(t)
	shots := browsertest.Artifacts(t)
	addr := freeAddr(t)
	b := setup(t, nil)
	demoCtx, stop := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- Main(demoCtx, []string{"demo", "--listen", addr, "--data-dir", t.TempDir(), "--push-every", "2s"}, b.env)
	}()
	t.Cleanup(func() { stop(); <-done })
	waitFor(t, "http://"+addr+"/healthz")
	printed := func(re string) string {
		t.Helper()
		m := regexp.MustCompile(re).FindStringSubmatch(b.stdout.String())
		if m == nil {
			t.Fatalf("the demo did not print %s:\n%s", re, b.stdout)
		}
		return m[1]
	}
	haloURL, gzURL := printed(`HaloPSA URL:  (\S+)`), printed(`access URL (\S+),`)
	base, wait := "http://"+addr, 30*time.Second
	css, text, js, shot := browsertest.CSS, browsertest.WaitText, browsertest.JS, browsertest.Screenshot

	browsertest.Step(t, ctx, "log in with the simulated HaloPSA",
		browsertest.Navigate(base+"/"),
		chromedp.WaitVisible(css(`input[name="halo_url"]`)),
		chromedp.SendKeys(css(`input[name="halo_url"]`), haloURL),
		chromedp.SendKeys(css(`input[name="client_id"]`), halosim.DefaultPublicClientID),
		chromedp.Click(css(`form[action="/login/halo"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`select[name="agent_id"]`)),
		chromedp.SetValue(css(`select[name="agent_id"]`), "2"),
		chromedp.Click(css(`button[value="approve"]`)),
		text("halobridge in your HaloPSA", wait),
		shot(shots, "demo-01-created"),
		chromedp.Click(css(`a[href="/"]`)),
		text("Set up halobridge", wait),
		browsertest.Ready(wait),
	)
	browsertest.Step(t, ctx, "connect the simulated GravityZone",
		chromedp.Click(css(`button[hx-post="/setup/halo/test"]`)),
		text("Connection successful.", wait),
		chromedp.SendKeys(css(`form[action="/setup/sources"] input[name="name"]`), "GravityZone"),
		chromedp.SendKeys(css(`form[action="/setup/sources"] input[name="api_url"]`), gzURL),
		chromedp.SendKeys(css(`form[action="/setup/sources"] input[name="api_key"]`), gzsim.DefaultAPIKey),
		chromedp.Click(css(`form[action="/setup/sources"] button[type="submit"]`)),
		text(`"GravityZone" is connected.`, wait),
		chromedp.Click(css(`input[name="consent"]`)),
		chromedp.Click(css(`form[action="/setup/integration"] button[type="submit"]`)),
	)
	browsertest.Step(t, ctx, "billing: create items for the protection models",
		text("HaloPSA item", wait),
		js(`document.querySelectorAll('select[name^="products."]').forEach(s => {
			const row = s.closest('tr');
			if (row.innerText.includes('Protection model (mandatory)') && s.querySelector('option[value="new"]')) { s.value = 'new'; }
		})`),
		chromedp.Click(css(`form[action="/setup/billing"] button[type="submit"]`)),
		text("Alert types", wait),
		browsertest.Ready(wait),
	)
	browsertest.Step(t, ctx, "ticketing, then save the configuration",
		js(`const tt = document.querySelector('select[name="tickettype_id"]'); tt.value = '21'; tt.dispatchEvent(new Event('change', {bubbles: true}));`),
		browsertest.Until(`document.querySelector('select[name="initial_status_id"]').value === '1'`, wait),
		chromedp.Click(css(`input[name="show_updates_to_user"][value="no"]`)),
		// Each source's alert types share one SLA and category.
		js(`document.querySelectorAll('select[name^="groups."][name$=".sla_id"]').forEach(s => { s.value = '3'; });
			document.querySelectorAll('select[name^="groups."][name$=".category_1"]').forEach(s => { s.value = 'Security'; });
			document.querySelector('select[name="team"]').value = 'Security Operations';`),
		chromedp.Click(css(`#ticket-policy > .actions button[type="submit"]`)),
		text("Save configuration", wait),
		chromedp.Click(css(`form[action="/setup/activate"] button[type="submit"]`)),
		text("The integration is active", wait),
	)
	browsertest.Step(t, ctx, "accept the suggested mappings",
		browsertest.Navigate(base+"/mapping"),
		browsertest.Ready(wait),
		chromedp.Click(css(`form[action="/mapping/accept-all"] button`)),
		text("Accepted", wait),
		shot(shots, "demo-02-mapping"),
	)
	browsertest.Step(t, ctx, "sync again: the mapped clients' assets are read and matched to the endpoints",
		browsertest.Navigate(base+"/sync"),
		browsertest.Ready(wait),
		chromedp.Click(css(`form[action="/sync"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`#sync-now .progress`)),
		browsertest.Until(`document.querySelectorAll('tbody .badge.succeeded').length >= 2 && document.querySelector('#sync-now .progress[hx-trigger]') === null`, wait),
		browsertest.Navigate(base+"/asset-mapping"),
		text("Accept all suggestions", wait),
		shot(shots, "demo-02-assets"),
	)

	sim, err := halo.New(halo.Config{Outbound: outbound.Local(), ResourceURL: haloURL + "/api", AuthURL: haloURL + "/auth",
		ClientID: halosim.DefaultClientID, ClientSecret: halosim.DefaultClientSecret, HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("AlertsBecomeTicketsInTheSimulatedHaloPSA", func(t *testing.T) {
		deadline := time.Now().Add(wait)
		for {
			tickets, err := sim.Tickets(t.Context(), halo.TicketQuery{})
			if err == nil && len(tickets) > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no ticket in the simulated HaloPSA after %s (%v)", wait, err)
			}
			// Each look costs HaloPSA requests, within its rate limit.
			time.Sleep(2 * time.Second)
		}
		browsertest.Step(t, ctx, "see the alerts and their tickets", browsertest.Navigate(base+"/ticketing"), text("Latest alerts", wait), shot(shots, "demo-03-tickets"))

		// A ticket's link opens HaloPSA's page for it: here, the simulated
		// HaloPSA's. The test ticket's link is the one sure to be on the
		// page while alerts keep arriving.
		link := `document.querySelector('#test-result a[href^="` + haloURL + `/ticket?id="]')`
		browsertest.Step(t, ctx, "create a test ticket",
			browsertest.Ready(wait),
			chromedp.Click(css(`form[action="/ticketing/test"] button[type="submit"]`)),
			text("HaloPSA created", wait),
			browsertest.Until(link+` !== null`, wait),
		)
		href, err := chromedp.Run(ctx, chromedp.Evaluate[string](link+`.href`))
		if err != nil {
			t.Fatal(err)
		}
		id, err := strconv.Atoi(strings.TrimPrefix(href, haloURL+"/ticket?id="))
		if err != nil {
			t.Fatalf("the ticket link %q does not end in a ticket id", href)
		}
		tickets, err := sim.Tickets(t.Context(), halo.TicketQuery{})
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(tickets, func(tk halo.Ticket) bool { return tk.ID == id })
		if i < 0 {
			t.Fatalf("the ticket link %q names no ticket of the simulated HaloPSA", href)
		}
		browsertest.Step(t, ctx, "follow the link to the ticket in HaloPSA",
			js(link+`.removeAttribute('target'); `+link+`.click();`),
			browsertest.Until(`location.href === `+strconv.Quote(href), wait),
			text(fmt.Sprintf("#%d %s", id, tickets[i].Summary), wait),
			text(tickets[i].ClientName, wait),
			shot(shots, "demo-03-halopsa-ticket"),
		)

		// The first-time user's question about a ticket an alert opened: as
		// HaloPSA holds it, its title has no empty brackets, its body names
		// the company, and halobridge's link to it opens HaloPSA's page.
		alertLink := `[...document.querySelectorAll('a[href^="` + haloURL + `/ticket?id="]')].find(a => !a.closest('#test-result'))`
		deadline = time.Now().Add(wait)
		for {
			browsertest.Step(t, ctx, "look for an alert's ticket on the ticketing page", browsertest.Navigate(base+"/ticketing"), text("Latest alerts", wait))
			found, err := chromedp.Run(ctx, chromedp.Evaluate[bool](alertLink+` !== undefined`))
			if err != nil {
				t.Fatal(err)
			}
			if found {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no alert on the ticketing page links to its ticket after %s", wait)
			}
			time.Sleep(2 * time.Second)
		}
		alertHref, err := chromedp.Run(ctx, chromedp.Evaluate[string](alertLink+`.href`))
		if err != nil {
			t.Fatal(err)
		}
		alertID, err := strconv.Atoi(strings.TrimPrefix(alertHref, haloURL+"/ticket?id="))
		if err != nil {
			t.Fatalf("the alert's ticket link %q does not end in a ticket id", alertHref)
		}
		var held halo.Ticket
		for {
			held, err = sim.Ticket(t.Context(), alertID)
			if !halo.IsRateLimited(err) {
				break
			}
			time.Sleep(5 * time.Second)
		}
		if err != nil {
			t.Fatalf("the simulated HaloPSA has no ticket %d: %v", alertID, err)
		}
		for _, empty := range []string{"()", "[]", "( )", `""`, "\u201c\u201d", " :", "  "} {
			if strings.Contains(held.Summary, empty) {
				t.Errorf("ticket #%d is titled %q, with %q left by an empty variable", alertID, held.Summary, empty)
			}
		}
		company := regexp.MustCompile(`<tr><th>Company</th><td>([^<]+)`).FindStringSubmatch(held.DetailsHTML)
		if company == nil || strings.Contains(company[1], "company id") {
			t.Errorf("ticket #%d does not name its company:\n%s", alertID, held.DetailsHTML)
		}
		browsertest.Step(t, ctx, "follow halobridge's link to the alert's ticket in HaloPSA",
			js(`const a = `+alertLink+`; a.removeAttribute('target'); a.click();`),
			browsertest.Until(`location.href === `+strconv.Quote(alertHref), wait),
			text(fmt.Sprintf("#%d %s", alertID, held.Summary), wait),
			shot(shots, "demo-03-halopsa-alert-ticket"),
		)
	})

	t.Run("BillNowWritesInvoiceLinesInTheSimulatedHaloPSA", func(t *testing.T) {
		// lines counts the lines of every recurring invoice, or -1 when the
		// simulated HaloPSA's rate limit, which these reads share with the
		// demo's billing, says to look later.
		lines := func() int {
			invoices, err := sim.RecurringInvoices(t.Context(), halo.RecurringInvoiceQuery{})
			if halo.IsRateLimited(err) {
				return -1
			}
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, inv := range invoices {
				full, err := sim.RecurringInvoice(t.Context(), inv.ID)
				if halo.IsRateLimited(err) {
					return -1
				}
				if err != nil {
					t.Fatal(err)
				}
				n += len(full.Lines)
			}
			return n
		}
		before := lines()
		for before < 0 {
			time.Sleep(5 * time.Second)
			before = lines()
		}
		browsertest.Step(t, ctx, "bill now",
			browsertest.Navigate(base+"/billing"),
			browsertest.Ready(wait),
			js(`window.confirm = () => true;`),
			chromedp.Click(css(`button[formaction="/billing/run"]`)),
		)
		deadline := time.Now().Add(wait)
		for lines() <= before {
			if time.Now().After(deadline) {
				browsertest.Step(t, ctx, "show the billing page", browsertest.Navigate(base+"/billing"), shot(shots, "demo-04-billing-failed"))
				t.Fatalf("no new invoice line in the simulated HaloPSA after %s (%d lines)", wait, before)
			}
			// Each look costs HaloPSA requests that the demo's billing needs too.
			time.Sleep(5 * time.Second)
		}
		browsertest.Step(t, ctx, "see the run", browsertest.Navigate(base+"/billing"), shot(shots, "demo-04-billing"))
	})
}
