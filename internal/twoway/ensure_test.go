package twoway_test

import (
	"net/http"
	"strings"
	"testing"

	"halobridge/internal/events"
	"halobridge/internal/store"
	"halobridge/internal/wait"
)

func TestEnsure(t *testing.T) {
	t.Parallel()

	t.Run("FindsItsWebhookAgainByAddressThenByNameAndNeverCreatesASecond", func(t *testing.T) {
		t.Parallel()
		s := setup(t, sceneOptions{})
		first, err := s.svc.Ensure(s.ctx, s.partner.ID)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.svc.Ensure(s.ctx, s.partner.ID)
		if err != nil || again.WebhookID != first.WebhookID || again.Secret != first.Secret || len(s.sim.Webhooks()) != 1 {
			t.Fatalf("again = %+v, %v with %d webhooks; want the same one", again, err, len(s.sim.Webhooks()))
		}
		// The base URL changed (a new domain): the webhook named halobridge's is moved there.
		s.svc.BaseURL = "https://bridge.example"
		moved, err := s.svc.Ensure(s.ctx, s.partner.ID)
		hooks := s.sim.Webhooks()
		if err != nil || moved.WebhookID != first.WebhookID || len(hooks) != 1 || hooks[0].URL != "https://bridge.example/halo/webhook/"+first.Token {
			t.Fatalf("after the move: %+v, %v, HaloPSA holds %+v", moved, err, hooks)
		}
		// A creation whose id was never saved, then another move: found by
		// its name and the partner's own path.
		moved.WebhookID = ""
		if err := s.store.SaveHaloWebhookState(s.ctx, moved); err != nil {
			t.Fatal(err)
		}
		s.svc.BaseURL = "https://bridge2.example"
		adopted, err := s.svc.Ensure(s.ctx, s.partner.ID)
		hooks = s.sim.Webhooks()
		if err != nil || adopted.WebhookID != first.WebhookID || len(hooks) != 1 || hooks[0].URL != "https://bridge2.example/halo/webhook/"+first.Token {
			t.Fatalf("after the unsaved id and a move: %+v, %v, HaloPSA holds %+v", adopted, err, hooks)
		}
	})

	t.Run("TwoPartnersOnOneHaloPSATenantKeepAWebhookEach", func(t *testing.T) {
		t.Parallel()
		s := setup(t, sceneOptions{})
		first, err := s.svc.Ensure(s.ctx, s.partner.ID)
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.store.CreatePartner(s.ctx, store.Partner{Name: "Southpoint IT"})
		if err != nil {
			t.Fatal(err)
		}
		conn, err := s.store.HaloConnection(s.ctx, s.partner.ID)
		if err != nil {
			t.Fatal(err)
		}
		conn.PartnerID = other.ID
		if _, err := s.store.SaveHaloConnection(s.ctx, conn); err != nil {
			t.Fatal(err)
		}
		second, err := s.svc.Ensure(s.ctx, other.ID)
		if err != nil {
			t.Fatal(err)
		}
		urls := map[string]bool{}
		for _, h := range s.sim.Webhooks() {
			urls[h.URL] = true
		}
		if second.WebhookID == first.WebhookID || len(urls) != 2 || !urls[first.URL] || !urls[second.URL] {
			t.Fatalf("webhooks %v (ids %s and %s); want one at each partner's address", urls, first.WebhookID, second.WebhookID)
		}
		// Each check finds its own again and moves nothing.
		for _, id := range []int64{s.partner.ID, other.ID, s.partner.ID} {
			if _, err := s.svc.Ensure(s.ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		if hooks := s.sim.Webhooks(); len(hooks) != 2 || !urls[hooks[0].URL] || !urls[hooks[1].URL] || hooks[0].URL == hooks[1].URL {
			t.Errorf("after checking both again: %+v", hooks)
		}
	})

	t.Run("EnablesAWebhookHaloPSADisabledAndSaysSo", func(t *testing.T) {
		t.Parallel()
		s := setup(t, sceneOptions{})
		rec, err := s.svc.Ensure(s.ctx, s.partner.ID)
		if err != nil {
			t.Fatal(err)
		}
		body := `[{"id":"` + rec.WebhookID + `","disabled":true}]`
		req, _ := http.NewRequest(http.MethodPost, s.haloURL+"/api/Webhook", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+s.tokenOf(t))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("disable: %v %v", resp, err)
		}
		resp.Body.Close()
		rec, err = s.svc.Ensure(s.ctx, s.partner.ID)
		if err != nil || rec.State != store.WebhookDisabled || s.sim.Webhooks()[0].Disabled {
			t.Fatalf("Ensure = %+v, %v; HaloPSA's webhook %+v; want it enabled again and the state saying it was disabled", rec, err, s.sim.Webhooks()[0])
		}
		evs, _ := s.store.Events(s.ctx, s.partner.ID, store.EventQuery{State: store.EventOpen, Kind: events.EventHaloWebhook})
		if len(evs) != 1 || !strings.Contains(evs[0].Message, "disabled") || !strings.Contains(evs[0].Fix, s.bridgeURL) {
			t.Fatalf("events = %+v", evs)
		}
	})

	t.Run("ReadsFailedDeliveriesFromHaloPSAsLog", func(t *testing.T) {
		t.Parallel()
		s := setup(t, sceneOptions{})
		closed := "http://127.0.0.1:1" // nothing listens: every delivery fails
		s.svc.BaseURL = closed
		if _, err := s.svc.Ensure(s.ctx, s.partner.ID); err != nil {
			t.Fatal(err)
		}
		_, link := s.incidentTicket(t)
		if err := s.sim.SetTicketStatus(link.TicketID, 9); err != nil {
			t.Fatal(err)
		}
		wait.For(t, "HaloPSA to log the failed attempts", func() bool { return len(s.sim.WebhookLog()) >= 3 })
		rec, err := s.svc.Ensure(s.ctx, s.partner.ID)
		if err != nil || rec.State != store.WebhookFailing || !strings.Contains(rec.Problem, "no answer") {
			t.Fatalf("Ensure = %+v, %v; want failing, in the log's words", rec, err)
		}
		saved, err := s.store.HaloWebhook(s.ctx, s.partner.ID)
		if err != nil || saved.LogEntries < 3 || saved.LogEntries > 20 || saved.LogFailures != saved.LogEntries || !strings.HasPrefix(saved.LastError, "no answer") ||
			saved.LastErrorAt.IsZero() {
			t.Fatalf("recorded %+v, %v; want the failed entries of HaloPSA's log counted (at most 20) and the latest in its words", saved, err)
		}
	})
}
