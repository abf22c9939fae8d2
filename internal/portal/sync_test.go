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
