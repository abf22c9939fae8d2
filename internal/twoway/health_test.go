package twoway_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"halobridge/internal/store"
	"halobridge/internal/twoway"
)

func TestHealthOf(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	ctx := t.Context()
	p, err := st.CreatePartner(ctx, store.Partner{Name: "Northpoint IT"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()

	none, err := twoway.HealthOf(ctx, st, p.ID, now)
	if err != nil || none != (twoway.Health{State: store.WebhookNone}) {
		t.Fatalf("without a record = %+v, %v; want state none and nothing else", none, err)
	}

	rec, err := st.EnsureHaloWebhook(ctx, p.ID, "tok-health", "s3cret-of-the-webhook")
	if err != nil {
		t.Fatal(err)
	}
	failedAt := now.Add(-time.Hour).UTC().Truncate(time.Second)
	rec.WebhookID, rec.URL, rec.State, rec.Problem = "5f0c", "https://bridge.example/halo/webhook/tok-health", store.WebhookDisabled, "HaloPSA had disabled it"
	rec.LogEntries, rec.LogFailures, rec.LastError, rec.LastErrorAt = 20, 5, "status 503: down", failedAt
	if err := st.SaveHaloWebhookState(ctx, rec); err != nil {
		t.Fatal(err)
	}
	h, err := twoway.HealthOf(ctx, st, p.ID, now)
	if err != nil || !h.Exists || !h.Enabled || !h.DisabledByHaloPSA || h.URL != rec.URL || h.Failures != 5 || h.LogEntries != 20 ||
		h.LastError != "status 503: down" || h.LastErrorAt == nil || !h.LastErrorAt.Equal(failedAt) || h.CheckedAt == nil ||
		!h.Polling || h.LastDeliveryAt != nil || h.PolledAt != nil || h.Problem != "HaloPSA had disabled it" {
		t.Fatalf("disabled by HaloPSA, never delivered = %+v, %v", h, err)
	}
	if b, _ := json.Marshal(h); strings.Contains(string(b), "s3cret") {
		t.Errorf("the health shows the secret: %s", b)
	}

	// A delivery just came: the poller stands down until an interval passes without one.
	if _, err := st.RecordHaloDeliveries(ctx, p.ID, []store.HaloDelivery{{DeliveryID: "d-1", TicketID: 4, Event: "Ticket Status Changed"}}); err != nil {
		t.Fatal(err)
	}
	if h, _ := twoway.HealthOf(ctx, st, p.ID, time.Now()); h.Polling || h.LastDeliveryAt == nil {
		t.Errorf("after a delivery = %+v, want the poller not running", h)
	}
	if h, _ := twoway.HealthOf(ctx, st, p.ID, time.Now().Add(twoway.DefaultInterval)); !h.Polling {
		t.Errorf("an interval after the delivery = %+v, want the poller running", h)
	}

	// A quiet tenant: the webhook found enabled at the last check, HaloPSA's log without a
	// failure, and no delivery for hours because no ticket changed. It is healthy: no poll.
	rec.State, rec.Problem, rec.LogEntries, rec.LogFailures = store.WebhookActive, "", 3, 0
	if err := st.SaveHaloWebhookState(ctx, rec); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(3 * twoway.DefaultInterval)
	if h, _ := twoway.HealthOf(ctx, st, p.ID, later); h.Polling {
		t.Errorf("a healthy webhook on a quiet tenant = %+v, want the poller not running", h)
	}
	// HaloPSA's log shows a failed delivery: the poller runs until the webhook works again.
	rec.LogFailures = 1
	if err := st.SaveHaloWebhookState(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if h, _ := twoway.HealthOf(ctx, st, p.ID, later); !h.Polling {
		t.Errorf("a webhook whose deliveries fail = %+v, want the poller running", h)
	}
	// Not checked for longer than checks come: not known to be healthy any more.
	rec.LogFailures = 0
	if err := st.SaveHaloWebhookState(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if h, _ := twoway.HealthOf(ctx, st, p.ID, time.Now().Add(3*time.Hour)); !h.Polling {
		t.Errorf("a webhook unchecked for three hours = %+v, want the poller running", h)
	}

	rec.State, rec.Problem = store.WebhookNoPermission, "add admin:webhooks"
	if err := st.SaveHaloWebhookState(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if h, _ := twoway.HealthOf(ctx, st, p.ID, time.Now()); h.Exists || h.Enabled || h.DisabledByHaloPSA {
		t.Errorf("without the permission = %+v, want it not known to exist", h)
	}
}
