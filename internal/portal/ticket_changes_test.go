package portal_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"halobridge/internal/store"
)

func TestTicketChanges(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p, _ := b.activePartner(t, "Northpoint IT")
	ctx := t.Context()

	t.Run("WithoutAWebhookThePageSaysItIsNotSetUpYet", func(t *testing.T) {
		page := b.get(t, p, "/ticketing").body
		if !strings.Contains(page, "Changes made in HaloPSA") || !strings.Contains(page, "Not set up yet") ||
			!strings.Contains(page, "No ticket of halobridge's has been closed or reopened in HaloPSA yet.") {
			t.Fatalf("ticketing page:\n%s", page)
		}
	})

	t.Run("TheLoopShowsWhoClosedTheTicketAndWhatTheSourceDid", func(t *testing.T) {
		rec, err := b.store.EnsureHaloWebhook(ctx, p.ID, "tok-portal", "secret")
		if err != nil {
			t.Fatal(err)
		}
		rec.State, rec.Problem = store.WebhookNoPermission, "HaloPSA does not let halobridge manage webhooks"
		if err := b.store.SaveHaloWebhookState(ctx, rec); err != nil {
			t.Fatal(err)
		}
		c, err := b.store.RecordTicketChange(ctx, store.TicketChange{PartnerID: p.ID, TicketID: 4321, Key: "k", Change: store.ChangeClosed,
			By: "Sarah Mitchell", Note: "Reimaged <b>the laptop</b>", Via: "poll", ChangedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.store.SetChangeSource(ctx, c.ID, store.SourceDone, "GravityZone incident 66a resolved, with the note"); err != nil {
			t.Fatal(err)
		}
		page := b.get(t, p, "/ticketing").body
		for _, want := range []string{
			fmt.Sprintf(`href="%s/ticket?id=4321"`, b.haloURL), "Closed <span class=\"muted\">(poll)</span>", "Sarah Mitchell",
			"Reimaged &lt;b&gt;the laptop&lt;/b&gt;", "GravityZone incident 66a resolved, with the note",
			"HaloPSA does not let halobridge manage webhooks", "every few minutes",
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the ticketing page lacks %q", want)
			}
		}
	})
}
