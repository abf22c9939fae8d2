package portal_test

import (
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"halobridge/internal/halo"
	"halobridge/internal/store"
)

func TestSyncNow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p, _ := b.activePartner(t, "Northpoint IT")
	before, err := b.store.SyncRuns(t.Context(), p.ID, store.SyncCatalog, 10)
	if err != nil {
		t.Fatal(err)
	}

	got := b.post(t, p, "/sync", nil, true)
	if got.status != http.StatusOK || !strings.Contains(got.body, "The sync is queued") {
		t.Fatalf("Sync now: %d\n%s", got.status, got.body)
	}
	poll := regexp.MustCompile(`hx-get="(/sync/jobs/\d+)"`).FindStringSubmatch(got.body)
	if poll == nil || !strings.Contains(got.body, `hx-trigger="every 1s"`) {
		t.Fatalf("the answer does not poll its job every second:\n%s", got.body)
	}
	again := b.post(t, p, "/sync", nil, true)
	if !strings.Contains(again.body, `hx-get="`+poll[1]+`"`) {
		t.Errorf("Sync now pressed twice queued a second sync:\n%s", again.body)
	}

	b.work(t)
	var last response
	eventually(t, 30*time.Second, "the sync to finish", func() bool {
		req, _ := http.NewRequest(http.MethodGet, b.srv.URL+poll[1], nil)
		req.Header.Set("HX-Request", "true")
		last = b.do(t, p, req)
		if last.status != http.StatusOK {
			t.Fatalf("progress: %d\n%s", last.status, last.body)
		}
		return strings.Contains(last.body, `badge succeeded`)
	})
	for _, want := range []string{"HaloPSA catalog", "Sync of HaloPSA and sources"} {
		if !strings.Contains(last.body, want) {
			t.Errorf("the finished progress lacks %q:\n%s", want, last.body)
		}
	}
	if strings.Contains(last.body, "hx-trigger") {
		t.Error("a finished run still polls")
	}
	after, err := b.store.SyncRuns(t.Context(), p.ID, store.SyncCatalog, 10)
	if err != nil || len(after) != len(before)+1 {
		t.Errorf("runs before %d, after %d (%v): want one more", len(before), len(after), err)
	}
	history := b.get(t, p, "/sync").body
	if strings.Count(history, `<span class="badge succeeded">succeeded</span>`) != len(after) {
		t.Errorf("the history does not list the %d runs:\n%s", len(after), history)
	}
}

func TestSyncPageShowsTheHaloPSABudget(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p, _ := b.activePartner(t, "Northpoint IT")
	page := html.UnescapeString(b.get(t, p, "/sync").body)
	spent := regexp.MustCompile(`HaloPSA allows 100000 requests every 5 minutes\. In the last 5 minutes halobridge used (\d+), from every server and command together; (\d+) are left\.`).FindStringSubmatch(page)
	if spent == nil {
		t.Fatalf("the sync page does not show the budget:\n%s", page)
	}
	used, _ := strconv.Atoi(spent[1])
	left, _ := strconv.Atoi(spent[2])
	// Setting the partner up synced HaloPSA's catalog and created items.
	if used == 0 || used+left != 100000 {
		t.Errorf("used %d and %d left of 100000", used, left)
	}
	for _, want := range []string{"<li>tickets: ", "<li>notes: ", "<li>syncs and billing: "} {
		if !strings.Contains(page, want) {
			t.Errorf("the budget does not say what %q spent", want)
		}
	}
	conn, err := b.store.HaloConnection(t.Context(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	b.budget.Pause(t.Context(), halo.TenantKey(conn.ResourceURL, conn.Tenant), time.Now().Add(time.Hour))
	if page := html.UnescapeString(b.get(t, p, "/sync").body); !strings.Contains(page, `HaloPSA answered "too many requests": halobridge waits until`) {
		t.Errorf("the sync page does not show HaloPSA's pause:\n%s", page)
	}
}

func TestSyncPageShowsTheHaloPSAWebhook(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p, _ := b.activePartner(t, "Northpoint IT")
	ctx := t.Context()

	page := html.UnescapeString(b.get(t, p, "/sync").body)
	for _, want := range []string{"HaloPSA webhook", "Not set up yet", "None yet", "Re-create or re-enable the webhook"} {
		if !strings.Contains(page, want) {
			t.Errorf("before any check, the sync page lacks %q", want)
		}
	}

	// HaloPSA logged failures at the last check, and a delivery came since.
	rec, err := b.store.EnsureHaloWebhook(ctx, p.ID, "tok-sync", "the-webhook-secret")
	if err != nil {
		t.Fatal(err)
	}
	failedAt := time.Now().Add(-2 * time.Hour)
	rec.WebhookID, rec.URL, rec.State = "5f0c", "https://bridge.example/halo/webhook/tok-sync", store.WebhookFailing
	rec.Problem = "HaloPSA's latest delivery to https://bridge.example/halo/webhook/tok-sync failed"
	rec.LogEntries, rec.LogFailures, rec.LastError, rec.LastErrorAt = 20, 3, "status 502: Bad Gateway", failedAt
	if err := b.store.SaveHaloWebhookState(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.RecordHaloDeliveries(ctx, p.ID, []store.HaloDelivery{{DeliveryID: "d-1", TicketID: 1, Event: "Ticket Status Changed"}}); err != nil {
		t.Fatal(err)
	}
	page = html.UnescapeString(b.get(t, p, "/sync").body)
	for _, want := range []string{
		"The webhook exists and is enabled", "<code>https://bridge.example/halo/webhook/tok-sync</code>",
		"3 of the latest 20 deliveries failed", "in HaloPSA's words: <q>status 502: Bad Gateway</q>", "2 hours ago",
		"Not running: deliveries arrive", "See <a href=\"/events\">Events</a>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the sync page lacks %q", want)
		}
	}
	if strings.Contains(page, "the-webhook-secret") {
		t.Error("the sync page shows the webhook's secret")
	}

	// The button does what Resolve does for the webhook's events: HaloPSA holds the
	// webhook afterwards, and the card says so.
	got := b.post(t, p, "/sync/webhook", nil, true)
	if got.status != http.StatusOK || !strings.Contains(got.body, `id="halo-webhook"`) ||
		!strings.Contains(html.UnescapeString(got.body), "halobridge's webhook is in HaloPSA and enabled") {
		t.Fatalf("the button answered %d:\n%s", got.status, got.body)
	}
	hooks := b.halo.Webhooks()
	if len(hooks) != 1 || !strings.HasSuffix(hooks[0].URL, "/halo/webhook/tok-sync") || hooks[0].Disabled {
		t.Fatalf("HaloPSA's webhooks after the button = %+v, want halobridge's, enabled", hooks)
	}
	again := b.post(t, p, "/sync/webhook", nil, false)
	if len(b.halo.Webhooks()) != 1 || again.status != http.StatusOK || !strings.Contains(again.body, "<h1>Sync</h1>") {
		t.Errorf("pressed again without htmx: %d webhooks, status %d; want the same one and the sync page", len(b.halo.Webhooks()), again.status)
	}
}
