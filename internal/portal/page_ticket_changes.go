package portal

import (
	"context"
	"errors"

	"halobridge/internal/halo"
	"halobridge/internal/store"
)

// recentChanges is how many ticket changes the ticketing page lists.
const recentChanges = 20

// loopView is what HaloPSA told halobridge of its tickets, how it tells it,
// and what halobridge did at the sources.
type loopView struct {
	// Webhook says how HaloPSA tells halobridge; Problem what is wrong with it.
	Webhook, Problem string
	LastDelivery     string
	Changes          []changeRow
}

// changeRow is one change made in HaloPSA and what was done at its source.
type changeRow struct {
	store.TicketChange
	TicketURL string
	AtSource  string
}

func (h *handler) loopView(ctx context.Context, partnerID int64, root string) (loopView, error) {
	var v loopView
	rec, err := h.deps.Store.HaloWebhook(ctx, partnerID)
	switch {
	case errors.Is(err, store.ErrNotFound), err == nil && rec.State == store.WebhookNone:
		v.Webhook = "Not set up yet: halobridge creates its webhook in HaloPSA at its next check, within minutes."
	case err != nil:
		return v, err
	case rec.State == store.WebhookActive:
		v.Webhook = "HaloPSA tells halobridge at once, through halobridge's webhook."
	default:
		v.Webhook, v.Problem = "halobridge reads the tickets HaloPSA changed every few minutes, as HaloPSA's webhook does not reach it.", rec.Problem
	}
	if err == nil && !rec.LastDeliveryAt.IsZero() {
		v.LastDelivery = formatTime(rec.LastDeliveryAt)
	}
	changes, err := h.deps.Store.TicketChanges(ctx, partnerID, 0, recentChanges)
	if err != nil {
		return v, err
	}
	for _, c := range changes {
		v.Changes = append(v.Changes, changeRow{TicketChange: c, TicketURL: halo.AgentPage(root, "ticket", c.TicketID), AtSource: atSource(c)})
	}
	return v, nil
}

// atSource says what halobridge did at the source about a change.
func atSource(c store.TicketChange) string {
	switch c.SourceState {
	case store.SourceFailed:
		return "Could not tell the source: " + c.SourceDetail
	case store.SourceSkipped:
		return "Nothing: " + c.SourceDetail
	case store.SourceDone, store.SourceNotPossible:
		return c.SourceDetail
	}
	if c.SourceDetail != "" {
		return c.SourceDetail
	}
	return "Nothing to do at the source"
}
