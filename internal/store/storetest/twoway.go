package storetest

import (
	"errors"
	"testing"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

func testTwoWay(t *testing.T, setup func(t *testing.T) *testBundle) {
	t.Run("KeepsOneWebhookPerPartnerWithItsSecretAndFindsItByToken", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		first, err := b.store.EnsureHaloWebhook(b.ctx, p.ID, "tok-1", "secret-1")
		if err != nil {
			t.Fatalf("EnsureHaloWebhook: %v", err)
		}
		again, err := b.store.EnsureHaloWebhook(b.ctx, p.ID, "tok-2", "secret-2")
		if err != nil {
			t.Fatalf("EnsureHaloWebhook again: %v", err)
		}
		if first.Token != "tok-1" || first.Secret != "secret-1" || first.State != store.WebhookNone ||
			again.Token != "tok-1" || again.Secret != "secret-1" {
			t.Fatalf("first %+v, again %+v: want the first token and secret kept", first, again)
		}
		byToken, err := b.store.HaloWebhookByToken(b.ctx, "tok-1")
		if err != nil || byToken.PartnerID != p.ID {
			t.Fatalf("HaloWebhookByToken = %+v, %v", byToken, err)
		}
		if _, err := b.store.HaloWebhookByToken(b.ctx, "tok-2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown token: %v, want ErrNotFound", err)
		}
		var sealed string
		if err := b.store.DB().QueryRowContext(b.ctx, "SELECT secret FROM halo_webhooks WHERE partner_id = $1", p.ID).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if sealed == "secret-1" || sealed == "" {
			t.Errorf("the secret is stored as %q, want it sealed", sealed)
		}
		first.WebhookID, first.URL, first.State, first.Problem = "9b2c", "https://h.example/halo/webhook/tok-1", store.WebhookNoPermission, "add admin:webhooks"
		failedAt := time.Date(2026, 5, 4, 9, 58, 0, 0, time.UTC)
		first.LogEntries, first.LogFailures, first.LastError, first.LastErrorAt = 20, 3, "status 502: Bad Gateway", failedAt
		if err := b.store.SaveHaloWebhookState(b.ctx, first); err != nil {
			t.Fatalf("SaveHaloWebhookState: %v", err)
		}
		cursor := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
		if err := b.store.SavePollCursor(b.ctx, p.ID, cursor); err != nil {
			t.Fatal(err)
		}
		got, err := b.store.HaloWebhook(b.ctx, p.ID)
		if err != nil || got.WebhookID != "9b2c" || got.State != store.WebhookNoPermission || got.Problem != "add admin:webhooks" ||
			!got.PollCursor.Equal(cursor) || got.PolledAt.IsZero() || got.CheckedAt.IsZero() ||
			got.LogEntries != 20 || got.LogFailures != 3 || got.LastError != "status 502: Bad Gateway" || !got.LastErrorAt.Equal(failedAt) {
			t.Fatalf("HaloWebhook = %+v, %v", got, err)
		}
		if err := b.store.SaveHaloWebhookState(b.ctx, store.HaloWebhook{PartnerID: p.ID, State: "sideways"}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("unknown state: %v, want ErrInvalid", err)
		}
	})

	t.Run("StoresEachDeliveryOnceAndListsThoseNotActedOn", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		if _, err := b.store.EnsureHaloWebhook(b.ctx, p.ID, "tok", "s"); err != nil {
			t.Fatal(err)
		}
		n, err := b.store.RecordHaloDeliveries(b.ctx, p.ID, []store.HaloDelivery{
			{DeliveryID: "d1", TicketID: 10, Event: "Ticket Status Changed", Ticket: []byte(`{"id":10}`)},
			{DeliveryID: "d2", TicketID: 11, Event: "Closed"},
		})
		if err != nil || n != 2 {
			t.Fatalf("RecordHaloDeliveries = %d, %v; want 2 new", n, err)
		}
		n, err = b.store.RecordHaloDeliveries(b.ctx, p.ID, []store.HaloDelivery{{DeliveryID: "d1", TicketID: 99, Event: "replayed"}})
		if err != nil || n != 0 {
			t.Fatalf("replayed delivery: %d new, %v; want 0", n, err)
		}
		pending, err := b.store.PendingHaloDeliveries(b.ctx, p.ID, 10)
		if err != nil || len(pending) != 2 || pending[0].DeliveryID != "d1" || pending[0].TicketID != 10 || string(pending[0].Ticket) != `{"id":10}` || pending[1].Ticket != nil {
			t.Fatalf("PendingHaloDeliveries = %+v, %v", pending, err)
		}
		if err := b.store.FinishHaloDelivery(b.ctx, p.ID, "d1"); err != nil {
			t.Fatal(err)
		}
		pending, _ = b.store.PendingHaloDeliveries(b.ctx, p.ID, 10)
		if len(pending) != 1 || pending[0].DeliveryID != "d2" {
			t.Fatalf("after finishing d1: %+v", pending)
		}
		w, _ := b.store.HaloWebhook(b.ctx, p.ID)
		if w.LastDeliveryAt.IsZero() {
			t.Error("the last delivery time was not recorded")
		}
	})

	t.Run("FindsALinkByTicketClosesAndReopensItAndRecordsTheChanges", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		ids := storeAlerts(t, b, src, sampleAlert("e1", "fp-1"))
		const key = "incident/1"
		if _, err := b.store.StartTicket(b.ctx, store.TicketLink{PartnerID: p.ID, Key: key, AlertType: "new-incident"}, ids); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.OpenTicket(b.ctx, p.ID, key, 4001, time.Now(), done(p.ID, key, 4001, "create", ids...)); err != nil {
			t.Fatal(err)
		}
		l, err := b.store.TicketLinkByTicket(b.ctx, p.ID, 4001)
		if err != nil || l.Key != key {
			t.Fatalf("TicketLinkByTicket = %+v, %v", l, err)
		}
		if a, err := b.store.LatestAlertOfLink(b.ctx, p.ID, key); err != nil || a.ID != ids[0] || a.EventID != "e1" {
			t.Errorf("LatestAlertOfLink = %+v, %v; want alert %d", a, err, ids[0])
		}
		if _, err := b.store.LatestAlertOfLink(b.ctx, p.ID, "other"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("latest alert of an unknown key: %v", err)
		}
		if _, err := b.store.TicketLinkByTicket(b.ctx, p.ID, 4002); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown ticket: %v", err)
		}
		if _, err := b.store.ReopenTicketLink(b.ctx, p.ID, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("reopening an open link: %v, want ErrNotFound", err)
		}
		closedAt := time.Date(2026, 5, 4, 11, 0, 0, 0, time.UTC)
		if _, err := b.store.CloseTicketLink(b.ctx, p.ID, key, closedAt); err != nil {
			t.Fatal(err)
		}
		reopened, err := b.store.ReopenTicketLink(b.ctx, p.ID, key)
		if err != nil || reopened.State != store.LinkOpen || !reopened.ClosedAt.IsZero() || reopened.TicketID != 4001 {
			t.Fatalf("ReopenTicketLink = %+v, %v", reopened, err)
		}
		c, err := b.store.RecordTicketChange(b.ctx, store.TicketChange{PartnerID: p.ID, TicketID: 4001, Key: key, Change: store.ChangeClosed,
			By: "Ann Agent", Note: "cleaned", Via: "webhook", ChangedAt: closedAt})
		if err != nil || c.ID == 0 {
			t.Fatalf("RecordTicketChange = %+v, %v", c, err)
		}
		if err := b.store.SetChangeSource(b.ctx, c.ID, store.SourceDone, "incident resolved"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.RecordTicketChange(b.ctx, store.TicketChange{PartnerID: p.ID, TicketID: 4001, Key: key, Change: "moved", Via: "poll"}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("unknown change: %v, want ErrInvalid", err)
		}
		changes, err := b.store.TicketChanges(b.ctx, p.ID, 4001, 10)
		if err != nil || len(changes) != 1 || changes[0].By != "Ann Agent" || changes[0].SourceState != store.SourceDone ||
			changes[0].SourceDetail != "incident resolved" || !changes[0].ChangedAt.Equal(closedAt) {
			t.Fatalf("TicketChanges = %+v, %v", changes, err)
		}
		if all, _ := b.store.TicketChanges(b.ctx, p.ID, 0, 10); len(all) != 1 {
			t.Errorf("every ticket's changes = %+v", all)
		}
	})
}
