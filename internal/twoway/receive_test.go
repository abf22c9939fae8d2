package twoway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"halobridge/internal/store"
	"halobridge/internal/twoway"
)

func TestReceiver(t *testing.T) {
	t.Parallel()

	type bundle struct {
		store   *store.Store
		url     string
		rec     store.HaloWebhook
		mu      sync.Mutex
		started []int64
	}
	setupReceiver := func(t *testing.T) *bundle {
		t.Helper()
		b := &bundle{store: openStore(t)}
		p, err := b.store.CreatePartner(t.Context(), store.Partner{Name: "Northpoint IT"})
		if err != nil {
			t.Fatal(err)
		}
		if b.rec, err = b.store.EnsureHaloWebhook(t.Context(), p.ID, "tok-northpoint", "the-secret"); err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.Handle("POST /halo/webhook/{token}", &twoway.Receiver{Store: b.store, MaxBody: 64 << 10, MaxDeliveries: 3,
			OnStored: func(_ context.Context, id int64) { b.mu.Lock(); b.started = append(b.started, id); b.mu.Unlock() }})
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		b.url = srv.URL + "/halo/webhook/"
		return b
	}
	send := func(t *testing.T, b *bundle, token, user, pass, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, b.url+token, strings.NewReader(body))
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		return resp.StatusCode, out
	}
	const one = `{"id":"6f1c2a34-0000-4000-8000-000000000001","webhook_id":"w","notification_id":4,"escmsg_id":"e","event":"Ticket Status Changed","object_id":3001,"timestamp":"2026-12-07T10:00:00","ticket":{"id":3001,"status_id":9,"hasbeenclosed":true,"agent_id":3,"team":"Security Operations","brand_new_field":{"x":1}},"also_new":true}`

	for _, tc := range []struct {
		name, token, user, pass, body string
		status                        int
		errorSays                     string
		stored                        int
	}{
		{"AcceptsAFullObjectIgnoringFieldsItDoesNotKnow", "tok-northpoint", "halobridge", "the-secret", one, 200, "", 1},
		{"AcceptsEventInfoOnlyWithTheIDAsAString", "tok-northpoint", "halobridge", "the-secret",
			`{"id":"a1","event":"Closed","object_id":"3002","timestamp":"2026-12-07T10:00:00"}`, 200, "", 1},
		{"AcceptsABatch", "tok-northpoint", "halobridge", "the-secret",
			`[{"id":"b1","object_id":1},{"id":"b2","ticket":{"id":2,"status_id":1}}]`, 200, "", 2},
		{"CountsADuplicateInTheBatchOnce", "tok-northpoint", "halobridge", "the-secret",
			`[{"id":"c1","object_id":1},{"id":"c1","object_id":1}]`, 200, "", 1},
		{"RefusesAnUnknownAddress", "tok-other", "halobridge", "the-secret", one, 404, "no HaloPSA webhook", 0},
		{"RefusesAWrongPassword", "tok-northpoint", "halobridge", "the-secreT", one, 401, "Basic credentials", 0},
		{"RefusesAWrongUser", "tok-northpoint", "halo", "the-secret", one, 401, "Basic credentials", 0},
		{"RefusesNoCredentials", "tok-northpoint", "", "", one, 401, "Basic credentials", 0},
		{"RefusesWhatIsNotJSON", "tok-northpoint", "halobridge", "the-secret", `ticket closed`, 400, "not a HaloPSA webhook payload", 0},
		{"RefusesAPayloadWithoutID", "tok-northpoint", "halobridge", "the-secret", `{"object_id":5}`, 400, "id, the delivery's GUID", 0},
		{"RefusesAPayloadWithoutTicket", "tok-northpoint", "halobridge", "the-secret", `{"id":"x"}`, 400, "object_id", 0},
		{"RefusesANegativeTicket", "tok-northpoint", "halobridge", "the-secret", `{"id":"x","object_id":-4}`, 400, "object_id", 0},
		{"RefusesATicketThatIsNotAnObject", "tok-northpoint", "halobridge", "the-secret", `{"id":"x","object_id":4,"ticket":[1]}`, 400, "ticket", 0},
		{"RefusesDisagreeingIDs", "tok-northpoint", "halobridge", "the-secret", `{"id":"x","object_id":4,"ticket":{"id":5}}`, 400, "differ", 0},
		{"RefusesTheWholeBatchForOneBadPayload", "tok-northpoint", "halobridge", "the-secret",
			`[{"id":"d1","object_id":1},{"object_id":2}]`, 400, "payload 2", 0},
		{"RefusesAnEmptyBatch", "tok-northpoint", "halobridge", "the-secret", `[]`, 400, "empty", 0},
		{"RefusesTooManyDeliveries", "tok-northpoint", "halobridge", "the-secret",
			`[{"id":"e1","object_id":1},{"id":"e2","object_id":1},{"id":"e3","object_id":1},{"id":"e4","object_id":1}]`, 413, "more than 3", 0},
		{"RefusesABodyTooLarge", "tok-northpoint", "halobridge", "the-secret",
			`{"id":"f1","object_id":1,"pad":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "larger than", 0},
		{"RefusesAHugeToken", strings.Repeat("t", 200), "halobridge", "the-secret", one, 404, "no HaloPSA webhook", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setupReceiver(t)
			status, out := send(t, b, tc.token, tc.user, tc.pass, tc.body)
			if status != tc.status {
				t.Fatalf("status %d (%v), want %d", status, out, tc.status)
			}
			if said, _ := out["error"].(string); !strings.Contains(said, tc.errorSays) || (tc.errorSays == "") != (said == "") {
				t.Errorf("error %q, want one saying %q", said, tc.errorSays)
			}
			pending, err := b.store.PendingHaloDeliveries(t.Context(), b.rec.PartnerID, 10)
			if err != nil || len(pending) != tc.stored {
				t.Errorf("%d deliveries stored (%v), want %d", len(pending), err, tc.stored)
			}
			b.mu.Lock()
			started := len(b.started)
			b.mu.Unlock()
			if (started > 0) != (tc.stored > 0) {
				t.Errorf("the job was started %d times for %d stored", started, tc.stored)
			}
		})
	}

	t.Run("ADeliverySentAgainIsADuplicateAndStartsNothing", func(t *testing.T) {
		t.Parallel()
		b := setupReceiver(t)
		if status, out := send(t, b, "tok-northpoint", "halobridge", "the-secret", one); status != 200 || out["received"] != float64(1) {
			t.Fatalf("first: %d %v", status, out)
		}
		status, out := send(t, b, "tok-northpoint", "halobridge", "the-secret", one)
		if status != 200 || out["received"] != float64(0) || out["duplicates"] != float64(1) {
			t.Fatalf("again: %d %v, want a duplicate", status, out)
		}
		pending, _ := b.store.PendingHaloDeliveries(t.Context(), b.rec.PartnerID, 10)
		if len(pending) != 1 || pending[0].TicketID != 3001 || !strings.Contains(string(pending[0].Ticket), `"hasbeenclosed":true`) {
			t.Fatalf("stored %+v", pending)
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if len(b.started) != 1 {
			t.Errorf("the job was started %d times, want once", len(b.started))
		}
	})
}
