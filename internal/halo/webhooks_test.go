package halo

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/wait"
)

func TestWebhooks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("SavesFindsAndUpdatesAWebhookAndReadsItsDeliveryLog", func(t *testing.T) {
		t.Parallel()
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}))
		t.Cleanup(receiver.Close)
		c, b := setupSim(t, halosim.Options{Seed: 7, WebhookAttempts: 1}, nil)
		created, err := c.SaveWebhook(ctx, Webhook{
			Name: "halobridge", URL: receiver.URL + "/halo/webhook/t", Type: WebhookTypeOutbound, Method: WebhookMethodPost,
			AuthenticationType: WebhookAuthBasic, BasicUsername: "halobridge", BasicPassword: "pw", Active: true,
			Events: []WebhookSubscription{{EventNo: EventTicketStatusChanged}},
		})
		mustNoErr(t, "SaveWebhook", err)
		hooks, err := c.Webhooks(ctx)
		mustNoErr(t, "Webhooks", err)
		if len(hooks) != 1 || hooks[0].ID != created.ID || hooks[0].URL != receiver.URL+"/halo/webhook/t" || hooks[0].BasicPassword != "" {
			t.Fatalf("Webhooks = %+v, want the one created, its password not read back", hooks)
		}
		updated, err := c.SaveWebhook(ctx, Webhook{ID: created.ID, Name: "halobridge", URL: receiver.URL + "/halo/webhook/u", Active: true,
			AuthenticationType: WebhookAuthBasic, BasicUsername: "halobridge", BasicPassword: "pw2"})
		mustNoErr(t, "SaveWebhook update", err)
		if updated.ID != created.ID || len(updated.Events) != 1 {
			t.Fatalf("update = %+v, want the same webhook, its events kept", updated)
		}

		site, _ := pickSite(t, ctx, c)
		ticket, err := c.CreateTicket(ctx, Ticket{Summary: "x", SiteID: site.ID, ClientID: site.ClientID})
		mustNoErr(t, "CreateTicket", err)
		mustNoErr(t, "close", b.sim.SetTicketStatus(ticket.ID, 9))
		wait.For(t, "the failed delivery to be logged", func() bool { return len(b.sim.WebhookLog()) == 1 })
		log, err := c.WebhookEvents(ctx, created.ID, 10)
		mustNoErr(t, "WebhookEvents", err)
		if len(log) != 1 || !log[0].Error || log[0].ResponseStatus != http.StatusServiceUnavailable || log[0].EntityID != ticket.ID {
			t.Fatalf("delivery log = %+v, want one failed attempt answered 503 for ticket %d", log, ticket.ID)
		}
	})

	t.Run("MissingAdminWebhooksIsAForbiddenNamingIt", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{Seed: 7}, nil)
		b.sim.SetScopes(halosim.DefaultClientID, "all:standard", "all:teams")
		_, err := c.Webhooks(ctx)
		if !IsForbidden(err) {
			t.Fatalf("Webhooks without admin:webhooks: %v, want 403", err)
		}
		if want := "it needs the admin:webhooks permission"; !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	})

	t.Run("ListsTheTicketsChangedSinceACursor", func(t *testing.T) {
		t.Parallel()
		clock := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		now := clock
		c, b := setupSim(t, halosim.Options{Seed: 7, Now: func() time.Time { return now }}, nil)
		site, _ := pickSite(t, ctx, c)
		old, err := c.CreateTicket(ctx, Ticket{Summary: "old", SiteID: site.ID, ClientID: site.ClientID})
		mustNoErr(t, "CreateTicket", err)
		fresh, err := c.CreateTicket(ctx, Ticket{Summary: "fresh", SiteID: site.ID, ClientID: site.ClientID})
		mustNoErr(t, "CreateTicket", err)
		now = clock.Add(10 * time.Minute)
		mustNoErr(t, "close", b.sim.SetTicketStatus(fresh.ID, 9))
		changed, err := c.Tickets(ctx, TicketQuery{Updated: Updated{From: clock.Add(5 * time.Minute)}})
		mustNoErr(t, "Tickets", err)
		if len(changed) != 1 || changed[0].ID != fresh.ID || !changed[0].HasBeenClosed || changed[0].ID == old.ID {
			t.Fatalf("changed since the cursor = %+v, want only ticket %d, closed", changed, fresh.ID)
		}
		if q := b.sent(http.MethodGet, "/api/Tickets")[0].URL; !strings.Contains(q, "lastupdatefromdate=2026-03-01T10%3A05%3A00") {
			t.Errorf("request %s does not carry the cursor", q)
		}
	})
}
