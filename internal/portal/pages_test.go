package portal_test

import (
	"net/http"
	"strings"
	"testing"
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
		{"MappingListsEveryHaloClient", "/mapping", http.StatusOK, []string{"<h1>Client mapping</h1>", "Map a company…"}},
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
