package portal

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"halobridge/internal/twoway"
)

// webhookView is the health of the partner's webhook in HaloPSA, its times in words.
type webhookView struct {
	Health twoway.Health
	// CheckedAt, LastDelivery, LastErrorAt and PolledAt say when, and how long ago; ""
	// when never.
	CheckedAt, LastDelivery, LastErrorAt, PolledAt string
	// Interval is how often the poller reads, in words.
	Interval string
	// Flash says what the button just did.
	Flash flash
}

func (h *handler) webhookView(ctx context.Context, partnerID int64) (webhookView, error) {
	now := h.deps.Now()
	health, err := twoway.HealthOf(ctx, h.deps.Store, partnerID, now)
	if err != nil {
		return webhookView{}, err
	}
	return webhookView{
		Health: health, CheckedAt: whenAgo(health.CheckedAt, now), LastDelivery: whenAgo(health.LastDeliveryAt, now),
		LastErrorAt: whenAgo(health.LastErrorAt, now), PolledAt: whenAgo(health.PolledAt, now), Interval: windowText(twoway.DefaultInterval),
	}, nil
}

// whenAgo says a time and how long ago it was: "7 Dec 2026 12:40 UTC, 3 minutes ago".
func whenAgo(t *time.Time, now time.Time) string {
	if t == nil {
		return ""
	}
	return formatTime(*t) + ", " + ago(now.Sub(*t))
}

// ago says an elapsed time in the largest whole unit.
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	}
	return plural(int(d/(24*time.Hour)), "day") + " ago"
}

// ensureWebhook is the Sync page's button: it creates halobridge's webhook in HaloPSA, or
// enables it again, as Resolve does for the webhook's events, and shows what HaloPSA then
// holds.
func (h *handler) ensureWebhook(w http.ResponseWriter, r *http.Request) {
	if _, ok := parseForm(w, r); !ok {
		return
	}
	partnerID := callerOf(r).partnerID
	done, err := h.deps.Events.EnsureWebhook(r.Context(), partnerID)
	v, verr := h.webhookView(r.Context(), partnerID)
	if verr != nil {
		h.fail(w, r, verr)
		return
	}
	if err != nil {
		v.Flash.Error = fmt.Sprintf("halobridge could not set its webhook up in HaloPSA: %v.", err)
		h.deps.Logger.Warn("webhook not set up from the sync page", "partner_id", partnerID, "error", err)
	} else {
		v.Flash.OK = done
	}
	if !isHTMX(r) {
		page, err := h.syncView(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		page.Webhook = v
		h.render(w, r, viewSync, "Sync", "sync", page)
		return
	}
	h.formFragment(w, r, http.StatusOK, viewSync, "webhook-health", v)
}
