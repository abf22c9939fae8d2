package portal_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"halobridge/internal/web"
)

func TestPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p, _ := b.activePartner(t, "Northpoint IT")
	cases := []struct {
		name       string
		path       string
		wantStatus int
		want       []string
	}{
		{"OverviewShowsWhereThingsStand", "/", http.StatusOK, []string{"<h1>Overview</h1>", "Alerts and tickets per day", "Quantities billed per month"}},
		{"MappingListsEveryHaloClient", "/mapping", http.StatusOK, []string{"<h1>Client mapping</h1>", "Company to map…"}},
		{"TicketingShowsThePolicy", "/ticketing", http.StatusOK, []string{"<h1>Ticketing</h1>", "Security Alert", "Security Operations", "Tickets for: malware"}},
		{"BillingOffersADryRun", "/billing", http.StatusOK, []string{"<h1>Billing</h1>", "Dry run", "endpoint-protection → <strong>endpoint-protection</strong>"}},
		{"EventsListsProblems", "/events", http.StatusOK, []string{"<h1>Events</h1>"}},
		{"SyncShowsTheHistory", "/sync", http.StatusOK, []string{"<h1>Sync</h1>", "succeeded"}},
		{"SetupIsTheSettingsOnceActive", "/setup", http.StatusOK, []string{"<h1>Settings</h1>", "Connected to <strong>" + b.haloURL}},
		{"SetupShowsTheBillingStep", "/setup?step=billing", http.StatusOK, []string{"HaloPSA item", "endpoint-protection", "Product (mandatory)"}},
		{"SetupShowsTheTicketingStep", "/setup?step=ticketing", http.StatusOK, []string{"Ticket type", `value="21" selected`}},
		{"SetupShowsTheFinalizeStep", "/setup?step=finalize", http.StatusOK, []string{"The integration is active"}},
		{"AssetsServeHtmx", "/assets/htmx-2.0.11.min.js", http.StatusOK, []string{`version:"2.0.11"`}},
		{"AssetsServeTheStylesheet", "/assets/portal.css", http.StatusOK, []string{"@media"}},
		{"AnUnknownAssetIsNotFound", "/assets/nope.js", http.StatusNotFound, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := b.get(t, p, tc.path)
			if got.status != tc.wantStatus {
				t.Fatalf("GET %s: status %d, want %d\n%s", tc.path, got.status, tc.wantStatus, got.body)
			}
			for _, want := range tc.want {
				if !strings.Contains(got.body, want) {
					t.Errorf("GET %s lacks %q", tc.path, want)
				}
			}
		})
	}
}

var (
	// scriptTag is a script element's start tag and what it holds inline.
	scriptTag = regexp.MustCompile(`<script[^>]*>[^<]*`)
	ownScript = regexp.MustCompile(`^<script src="/assets/[a-z0-9.-]+\.js" defer>$`)
)

// TestPagesAllowOnlyHalobridgesOwnScriptsAndStyles reads the headers of
// every page and of an htmx fragment: scripts and styles from halobridge
// only, nothing inline, no framing, no sniffing, no referrer to other
// sites, and the request id.
func TestPagesAllowOnlyHalobridgesOwnScriptsAndStyles(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p, _ := b.activePartner(t, "Northpoint IT")
	pages := []response{}
	for _, path := range []string{"/", "/mapping", "/ticketing", "/billing", "/events", "/sync", "/setup", "/nothing-here"} {
		pages = append(pages, b.get(t, p, path))
	}
	pages = append(pages, b.post(t, p, "/setup/ticketing/preview", url.Values{"title_template": {"{{hostname}}"}, "type": {pushType}}, true))
	for _, page := range pages {
		h := page.header
		csp := h.Get("Content-Security-Policy")
		if h.Get("Content-Type") == "text/html; charset=utf-8" && csp != web.PagePolicy {
			t.Errorf("a page (%d) has the policy %q, want %q", page.status, csp, web.PagePolicy)
		}
		for _, want := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
			if h.Get("Content-Type") == "text/html; charset=utf-8" && !strings.Contains(csp, want) {
				t.Errorf("the policy %q lacks %s", csp, want)
			}
		}
		if strings.Contains(csp, "unsafe") || !strings.Contains(csp, "frame-ancestors 'none'") || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Referrer-Policy") != "same-origin" || h.Get(web.RequestIDHeader) == "" {
			t.Errorf("an answer (%d, %s) has the headers %v", page.status, h.Get("Content-Type"), h)
		}
		for _, inline := range []string{"<style", " style=", " onclick=", " onload=", " onchange=", "javascript:"} {
			if strings.Contains(page.body, inline) {
				t.Errorf("an answer (%d) has %q, which its policy blocks", page.status, inline)
			}
		}
		for _, script := range scriptTag.FindAllString(page.body, -1) {
			if !ownScript.MatchString(script) {
				t.Errorf("an answer (%d) has the script %q, not one of halobridge's files", page.status, script)
			}
		}
	}
}
