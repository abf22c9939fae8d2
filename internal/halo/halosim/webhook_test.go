package halosim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"halobridge/internal/wait"
)

// hookReceiver is a webhook endpoint on 127.0.0.1 that records what HaloPSA posts and
// answers with the statuses it is given, then 200.
type hookReceiver struct {
	srv *httptest.Server

	mu       sync.Mutex
	got      []receivedHook
	statuses []int
}

type receivedHook struct {
	auth string
	body []byte
}

func newHookReceiver(t *testing.T, statuses ...int) *hookReceiver {
	t.Helper()
	h := &hookReceiver{statuses: statuses}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.got = append(h.got, receivedHook{auth: r.Header.Get("Authorization"), body: body})
		status := http.StatusOK
		if len(h.statuses) > 0 {
			status, h.statuses = h.statuses[0], h.statuses[1:]
		}
		h.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) received() []receivedHook {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]receivedHook(nil), h.got...)
}

func (h *hookReceiver) waitFor(t *testing.T, n int) []receivedHook {
	t.Helper()
	wait.For(t, "the webhook to receive "+itoa(n)+" posts", func() bool { return len(h.received()) >= n })
	return h.received()
}

// webhookScene is a simulator that retries at once, with a ticket to change.
func webhookScene(t *testing.T, opts Options) (*testBundle, string, int) {
	t.Helper()
	opts.WebhookBackoff = time.Millisecond
	b := setup(t, opts)
	tok := b.token(t, "all")
	client := activeClientWithGeneralUser(t, b)
	resp := b.send(t, http.MethodPost, "/api/Tickets", tok, []map[string]any{{"summary": "Malware found", "client_id": client.ID}})
	wantStatus(t, resp, http.StatusCreated)
	return b, tok, decode[Ticket](t, resp).ID
}

func createWebhook(t *testing.T, b *testBundle, tok string, hook map[string]any) Webhook {
	t.Helper()
	resp := b.send(t, http.MethodPost, "/api/Webhook", tok, []map[string]any{hook})
	wantStatus(t, resp, http.StatusCreated)
	return decode[Webhook](t, resp)
}

func closeTicket(t *testing.T, b *testBundle, tok string, id int) {
	t.Helper()
	wantStatus(t, b.send(t, http.MethodPost, "/api/Tickets", tok, []map[string]any{{"id": id, "status_id": 9}}), http.StatusCreated)
}

func TestWebhookAPI(t *testing.T) {
	t.Parallel()

	t.Run("ManagingWebhooksNeedsAdminWebhooks", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		b.sim.SetScopes(DefaultClientID, "all:standard")
		tok := b.token(t, "all:standard")
		wantHaloError(t, b.send(t, http.MethodGet, "/api/Webhook", tok, nil), http.StatusForbidden,
			"You do not have permission to access this area (admin:webhooks)")
		wantHaloError(t, b.send(t, http.MethodPost, "/api/Webhook", tok, []map[string]any{{"name": "x", "url": "https://x.example"}}),
			http.StatusForbidden, "You do not have permission to access this area (admin:webhooks)")
		wantHaloError(t, b.send(t, http.MethodGet, "/api/WebhookEvent", tok, nil), http.StatusForbidden,
			"You do not have permission to access this area (admin:webhooks)")
	})

	t.Run("CreatesListsUpdatesAndDeletesAWebhookByItsGUID", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		created := createWebhook(t, b, tok, map[string]any{
			"name": "Ticket changes", "url": "https://bridge.example/halo/webhook/abc", "authentication_type": 1,
			"basic_username": "halo", "basic_password": "s3cret", "events": []map[string]any{{"eventno": 76}},
		})
		if len(created.ID) != 36 || created.BasicPassword != "" || !created.Active || created.Method != 0 {
			t.Fatalf("created = %+v, want a GUID id, the password not shown, active, method POST", created)
		}
		if len(created.Events) != 1 || created.Events[0].EventNo != 76 || created.Events[0].WebhookID != created.ID ||
			created.Events[0].Name != "Ticket Status Changed" {
			t.Fatalf("events = %+v", created.Events)
		}
		list := decode[[]Webhook](t, b.send(t, http.MethodGet, "/api/Webhook?type=0", tok, nil))
		if len(list) != 1 || list[0].ID != created.ID {
			t.Fatalf("list = %+v, want the one webhook as a bare array", list)
		}
		updated := createWebhook(t, b, tok, map[string]any{"id": created.ID, "url": "https://bridge.example/halo/webhook/def"})
		if updated.ID != created.ID || updated.Name != "Ticket changes" || updated.URL != "https://bridge.example/halo/webhook/def" || len(updated.Events) != 1 {
			t.Fatalf("updated = %+v, want only the URL changed", updated)
		}
		got := decode[Webhook](t, b.send(t, http.MethodGet, "/api/Webhook/"+created.ID, tok, nil))
		if got.URL != updated.URL {
			t.Fatalf("GET = %+v", got)
		}
		wantStatus(t, b.send(t, http.MethodDelete, "/api/Webhook/"+created.ID, tok, nil), http.StatusOK)
		wantHaloError(t, b.send(t, http.MethodGet, "/api/Webhook/"+created.ID, tok, nil), http.StatusNotFound, "Webhook "+created.ID+" was not found")
	})

	t.Run("RefusesAWebhookWithoutNameURLOrBasicCredentials", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		for _, tc := range []struct {
			hook map[string]any
			msg  string
		}{
			{map[string]any{"url": "https://x.example"}, "Please enter a Name"},
			{map[string]any{"name": "x", "url": "ftp://x.example"}, "Please enter a valid URL"},
			{map[string]any{"name": "x", "url": "https://x.example", "authentication_type": 1, "basic_username": "u"},
				"Please enter a Username and Password for Basic authentication"},
			{map[string]any{"id": "9b2c1e4e-0000-4000-8000-000000000000", "name": "x"}, "Webhook 9b2c1e4e-0000-4000-8000-000000000000 was not found"},
		} {
			status := http.StatusBadRequest
			if strings.HasSuffix(tc.msg, "not found") {
				status = http.StatusNotFound
			}
			wantHaloError(t, b.send(t, http.MethodPost, "/api/Webhook", tok, []map[string]any{tc.hook}), status, tc.msg)
		}
		if n := len(b.sim.Webhooks()); n != 0 {
			t.Fatalf("%d webhooks stored after refusals", n)
		}
	})
}

func TestWebhookDelivery(t *testing.T) {
	t.Parallel()

	t.Run("ClosingATicketPostsEveryPayloadTypeWithItsAuthentication", func(t *testing.T) {
		t.Parallel()
		b, tok, ticketID := webhookScene(t, Options{})
		full, small, info := newHookReceiver(t), newHookReceiver(t), newHookReceiver(t)
		fullHook := createWebhook(t, b, tok, map[string]any{"name": "full", "url": full.srv.URL, "authentication_type": 1,
			"basic_username": "halo", "basic_password": "pw", "payload_type": 0, "events": []map[string]any{{"eventno": 76}}})
		createWebhook(t, b, tok, map[string]any{"name": "small", "url": small.srv.URL, "authentication_type": 2,
			"authentication_header": "tok123", "payload_type": 3, "events": []map[string]any{{"eventno": 76}}})
		createWebhook(t, b, tok, map[string]any{"name": "info", "url": info.srv.URL, "payload_type": 4, "events": []map[string]any{{"eventno": 39}}})

		closeTicket(t, b, tok, ticketID)

		f := full.waitFor(t, 1)[0]
		if f.auth != "Basic aGFsbzpwdw==" { // base64("halo:pw")
			t.Errorf("full: Authorization = %q", f.auth)
		}
		var fp map[string]any
		if err := json.Unmarshal(f.body, &fp); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"id", "webhook_id", "notification_id", "escmsg_id", "event", "object_id", "timestamp", "ticket"} {
			if _, ok := fp[k]; !ok {
				t.Errorf("full payload lacks %q: %s", k, f.body)
			}
		}
		ticket, _ := fp["ticket"].(map[string]any)
		if fp["event"] != "Ticket Status Changed" || fp["webhook_id"] != fullHook.ID || fp["object_id"] != float64(ticketID) ||
			ticket["status_id"] != float64(9) || ticket["hasbeenclosed"] != true || ticket["summary"] != "Malware found" || ticket["client_name"] == nil {
			t.Errorf("full payload = %s", f.body)
		}

		s := small.waitFor(t, 1)[0]
		var sp map[string]any
		_ = json.Unmarshal(s.body, &sp)
		st, _ := sp["ticket"].(map[string]any)
		if s.auth != "Bearer tok123" || st["status_id"] != float64(9) || st["hasbeenclosed"] != true || st["client_name"] != nil {
			t.Errorf("small: auth %q payload %s, want the bearer token and a ticket without the full object's fields", s.auth, s.body)
		}

		i := info.waitFor(t, 1)[0]
		var ip map[string]any
		_ = json.Unmarshal(i.body, &ip)
		if _, has := ip["ticket"]; has || ip["event"] != "Closed" || ip["object_id"] != float64(ticketID) || i.auth != "" {
			t.Errorf("event info only: auth %q payload %s, want no object and no authentication", i.auth, i.body)
		}
	})

	t.Run("ReopeningAndAddingAnActionFireTheirEvents", func(t *testing.T) {
		t.Parallel()
		b, tok, ticketID := webhookScene(t, Options{})
		rec := newHookReceiver(t)
		createWebhook(t, b, tok, map[string]any{"name": "all", "url": rec.srv.URL, "payload_type": 3,
			"events": []map[string]any{{"eventno": 76}, {"eventno": 9001}}})
		if err := b.sim.SetTicketStatus(ticketID, 9); err != nil {
			t.Fatal(err)
		}
		rec.waitFor(t, 1)
		wantStatus(t, b.send(t, http.MethodPost, "/api/Actions", tok, []map[string]any{{"ticket_id": ticketID, "outcome_id": 7, "note": "back", "new_status": 1}}),
			http.StatusCreated)
		got := rec.waitFor(t, 3)
		var events []string
		var last map[string]any
		for _, g := range got {
			var p map[string]any
			_ = json.Unmarshal(g.body, &p)
			events = append(events, p["event"].(string))
			if p["event"] == "Ticket Status Changed" {
				last = p
			}
		}
		if strings.Join(events, ",") != "Ticket Status Changed,Action Added,Ticket Status Changed" {
			t.Errorf("events = %v", events)
		}
		if tk := last["ticket"].(map[string]any); tk["hasbeenclosed"] != false || tk["status_id"] != float64(1) {
			t.Errorf("reopen payload ticket = %v", tk)
		}
	})

	t.Run("RetriesAFailedDeliveryWithTheSameIDAndLogsEveryAttempt", func(t *testing.T) {
		t.Parallel()
		b, tok, ticketID := webhookScene(t, Options{})
		rec := newHookReceiver(t, http.StatusInternalServerError, http.StatusServiceUnavailable)
		hook := createWebhook(t, b, tok, map[string]any{"name": "r", "url": rec.srv.URL, "events": []map[string]any{{"eventno": 76}}})
		closeTicket(t, b, tok, ticketID)
		got := rec.waitFor(t, 3)
		ids := map[string]bool{}
		for _, g := range got {
			var p WebhookPayload
			_ = json.Unmarshal(g.body, &p)
			ids[p.ID] = true
		}
		if len(ids) != 1 {
			t.Errorf("the retries carried %d delivery ids, want the same one", len(ids))
		}
		wait.For(t, "the third attempt to be logged", func() bool { return len(b.sim.WebhookLog()) == 3 })
		log := decode[[]WebhookEvent](t, b.send(t, http.MethodGet, "/api/WebhookEvent?webhook_id="+hook.ID, tok, nil))
		if len(log) != 3 || !log[2].Error || log[2].ResponseStatus != 500 || log[1].ResponseStatus != 503 || log[0].Error || log[0].ResponseStatus != 200 {
			t.Fatalf("log (newest first) = %+v, want 500, 503, then 200", log)
		}
		if w := b.sim.Webhooks()[0]; w.Disabled || w.LastStatus != 1 {
			t.Errorf("webhook = %+v, want enabled and its last delivery a success", w)
		}
	})

	t.Run("DisablesTheWebhookAfterRepeatedFailedDeliveries", func(t *testing.T) {
		t.Parallel()
		b, tok, ticketID := webhookScene(t, Options{WebhookAttempts: 1})
		rec := newHookReceiver(t, 500, 500, 500, 500)
		createWebhook(t, b, tok, map[string]any{"name": "d", "url": rec.srv.URL, "auto_disable_attempts": 2, "events": []map[string]any{{"eventno": 76}}})
		closeTicket(t, b, tok, ticketID)
		rec.waitFor(t, 1)
		wantStatus(t, b.send(t, http.MethodPost, "/api/Tickets", tok, []map[string]any{{"id": ticketID, "status_id": 1}}), http.StatusCreated)
		rec.waitFor(t, 2)
		wait.For(t, "the webhook to be disabled", func() bool { return b.sim.Webhooks()[0].Disabled })
		closeTicket(t, b, tok, ticketID)
		// Sent after the disabling: the next change must not reach the receiver. A fresh
		// webhook on the same receiver proves the change was fired and delivered.
		createWebhook(t, b, tok, map[string]any{"name": "probe", "url": rec.srv.URL, "payload_type": 4, "events": []map[string]any{{"eventno": 76}}})
		wantStatus(t, b.send(t, http.MethodPost, "/api/Tickets", tok, []map[string]any{{"id": ticketID, "status_id": 1}}), http.StatusCreated)
		got := rec.waitFor(t, 3)
		var p map[string]any
		_ = json.Unmarshal(got[2].body, &p)
		if len(got) != 3 || p["ticket"] != nil {
			t.Fatalf("after disabling, the receiver got %d posts (third %s), want only the probe's", len(got), got[2].body)
		}
	})

	t.Run("CountBatchingSendsSeveralEventsAsOneArray", func(t *testing.T) {
		t.Parallel()
		b, tok, ticketID := webhookScene(t, Options{})
		rec := newHookReceiver(t)
		createWebhook(t, b, tok, map[string]any{"name": "b", "url": rec.srv.URL, "batch_method": 2, "batch_limit": 2,
			"batch_delay_seconds": 3600, "payload_type": 3, "events": []map[string]any{{"eventno": 76}}})
		closeTicket(t, b, tok, ticketID)
		wantStatus(t, b.send(t, http.MethodPost, "/api/Tickets", tok, []map[string]any{{"id": ticketID, "status_id": 1}}), http.StatusCreated)
		got := rec.waitFor(t, 1)
		var batch []WebhookPayload
		if err := json.Unmarshal(got[0].body, &batch); err != nil || len(batch) != 2 || batch[0].ID == batch[1].ID {
			t.Fatalf("batch = %s (%v), want an array of two deliveries", got[0].body, err)
		}
	})
}
