package twoway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"halobridge/internal/halo"
	"halobridge/internal/store"
)

// How halobridge learnt of a change.
const (
	viaWebhook = "webhook"
	viaPoll    = "poll"
)

// haloClosedStatusID is the status HaloPSA ships as "Closed".
const haloClosedStatusID = 9

// pendingBatch is how many stored deliveries one round acts on.
const pendingBatch = 100

// Process acts on the partner's stored webhook deliveries, oldest first, until none is
// left. A delivery about a ticket halobridge did not create, or one whose state halobridge
// already has, costs no HaloPSA request.
func (s *Service) Process(ctx context.Context, partnerID int64) error {
	for {
		pending, err := s.Store.PendingHaloDeliveries(ctx, partnerID, pendingBatch)
		if err != nil || len(pending) == 0 {
			return err
		}
		for _, d := range pending {
			if err := s.applyDelivery(ctx, partnerID, d); err != nil {
				return fmt.Errorf("act on HaloPSA's webhook delivery %s about ticket #%d: %w", d.DeliveryID, d.TicketID, err)
			}
			if err := s.Store.FinishHaloDelivery(ctx, partnerID, d.DeliveryID); err != nil {
				return err
			}
		}
	}
}

func (s *Service) applyDelivery(ctx context.Context, partnerID int64, d store.HaloDelivery) error {
	link, err := s.Store.TicketLinkByTicket(ctx, partnerID, d.TicketID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil || link.State == store.LinkPending {
		return err
	}
	if d.Ticket != nil {
		var t struct {
			HasBeenClosed *bool `json:"hasbeenclosed"`
			StatusID      *int  `json:"status_id"`
		}
		// A payload whose state halobridge already has needs nothing. One that differs is
		// confirmed by reading the ticket: deliveries arrive out of order, and only the
		// ticket as it is now says whether it is closed.
		if json.Unmarshal(d.Ticket, &t) == nil && (t.HasBeenClosed != nil || t.StatusID != nil) {
			closed := t.HasBeenClosed != nil && *t.HasBeenClosed || t.StatusID != nil && *t.StatusID == haloClosedStatusID
			if closed == (link.State == store.LinkClosed) {
				return nil
			}
		}
	}
	return s.settle(ctx, partnerID, link, nil, viaWebhook)
}

// settle records what happened to a link's ticket, read now unless t is given, and takes
// it back to the source unless halobridge made the change itself.
func (s *Service) settle(ctx context.Context, partnerID int64, link store.TicketLink, t *halo.Ticket, via string) error {
	client, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		return err
	}
	if t == nil {
		got, err := client.Ticket(ctx, link.TicketID)
		if halo.IsNotFound(err) {
			return nil // deleted in HaloPSA: the next alert opens a new ticket
		}
		if err != nil {
			return err
		}
		t = &got
	}
	closed := t.HasBeenClosed || t.StatusID == haloClosedStatusID
	var change string
	switch {
	case closed && link.State == store.LinkOpen:
		change = store.ChangeClosed
	case !closed && link.State == store.LinkClosed && link.TicketID == t.ID:
		change = store.ChangeReopened
	default:
		return nil
	}
	actions, err := client.Actions(ctx, t.ID)
	if err != nil {
		return err
	}
	author, echo, err := s.author(ctx, partnerID, actions, *t)
	if err != nil {
		return err
	}
	at := s.now()
	if change == store.ChangeClosed {
		at = closedAt(*t, at)
		_, err = s.Store.CloseTicketLink(ctx, partnerID, link.Key, at)
	} else {
		_, err = s.Store.ReopenTicketLink(ctx, partnerID, link.Key)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil // recorded meanwhile, by delivery or another replica
	}
	if err != nil {
		return err
	}
	c, err := s.Store.RecordTicketChange(ctx, store.TicketChange{
		PartnerID: partnerID, TicketID: t.ID, Key: link.Key, Change: change, By: author.name, Note: author.note, Via: via, ChangedAt: at,
	})
	if err != nil {
		return err
	}
	s.logger().Info("ticket changed in HaloPSA", "partner_id", partnerID, "ticket_id", t.ID, "change", change, "via", via, "echo", echo)
	if echo {
		return s.Store.SetChangeSource(ctx, c.ID, store.SourceSkipped, "halobridge made this change itself")
	}
	state, detail := s.toSource(ctx, partnerID, link, c)
	if state == store.SourcePending {
		return nil // recorded before its job was queued: the job may have recorded more since
	}
	return s.Store.SetChangeSource(ctx, c.ID, state, detail)
}

// changeAuthor is who changed the ticket's status, and what they wrote.
type changeAuthor struct {
	name, note string
}

// author finds the action that moved the ticket to its status: its agent and note. A change
// made by halobridge's own agent is an echo of what halobridge did. A status changed without
// an action (a ticket update) names the ticket's agent.
func (s *Service) author(ctx context.Context, partnerID int64, actions []halo.Action, t halo.Ticket) (changeAuthor, bool, error) {
	conn, err := s.Store.HaloConnection(ctx, partnerID)
	if err != nil {
		return changeAuthor{}, false, err
	}
	agentID := t.AgentID
	note := ""
	for i := len(actions) - 1; i >= 0; i-- {
		a := actions[i]
		if a.NewStatus == t.StatusID && a.OldStatus != a.NewStatus {
			agentID, note = a.ActionByAgentID, strings.TrimSpace(a.Note)
			if note == "" {
				note = strings.TrimSpace(a.NoteHTML)
			}
			if a.ActionByAgentID != 0 && a.ActionByAgentID == conn.AgentID {
				return changeAuthor{name: "halobridge"}, true, nil
			}
			break
		}
	}
	return changeAuthor{name: s.agentName(ctx, partnerID, agentID), note: note}, false, nil
}

// agentName names an agent from the catalog halobridge keeps of HaloPSA.
func (s *Service) agentName(ctx context.Context, partnerID int64, id int) string {
	if id <= 0 {
		return "an agent in HaloPSA"
	}
	if e, err := s.Store.CatalogEntry(ctx, partnerID, store.KindAgent, strconv.Itoa(id)); err == nil && e.Name != "" {
		return e.Name
	}
	return fmt.Sprintf("agent #%d", id)
}

// closedAt is when HaloPSA says the ticket closed, or now when it does not say (HaloPSA
// writes 1899-12-30 for "no date").
func closedAt(t halo.Ticket, now time.Time) time.Time {
	at, err := parseHaloTime(t.DateClosed)
	if err != nil || at.Year() < 2000 {
		return now
	}
	return at
}

// parseHaloTime reads a time as HaloPSA writes it: UTC without a zone, fractions optional.
func parseHaloTime(s string) (time.Time, error) {
	return time.Parse("2006-01-02T15:04:05.999999999", strings.TrimSuffix(s, "Z"))
}

// Poll reads the partner's tickets HaloPSA changed since the cursor, in one paged list
// request, and settles those of halobridge's links; the cursor moves to the latest change
// seen. It reports how many changes it recorded.
//
// The list asks HaloPSA only for tickets of the ticket types the ticket policy files tickets
// as (requesttype, API.md §3.10), so that an MSP's own tickets, changed all day, do not cost
// page after page. halobridge's key in third_party_id_string would be exact, but
// advanced_search only matches one whole value. A ticket of those types halobridge did not
// create is dropped by its missing link; one an agent moved to another type is learnt of by
// webhook, or at its next note.
func (s *Service) Poll(ctx context.Context, partnerID int64) (int, error) {
	rec, err := s.Store.HaloWebhook(ctx, partnerID)
	if err != nil {
		return 0, err
	}
	cursor := rec.PollCursor
	if cursor.IsZero() {
		if cursor, err = s.firstCursor(ctx, partnerID); err != nil {
			return 0, err
		}
	}
	policy, err := s.policy(ctx, partnerID)
	if err != nil {
		return 0, err
	}
	types := policy.TicketTypeIDs()
	if len(types) == 0 {
		// Without a ticket type halobridge files no ticket: nothing to ask HaloPSA about.
		return 0, s.Store.SavePollCursor(ctx, partnerID, cursor)
	}
	client, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		return 0, err
	}
	tickets, err := client.Tickets(ctx, halo.TicketQuery{Updated: halo.Updated{From: cursor}, TicketTypeIDs: types})
	if err != nil {
		return 0, fmt.Errorf("read the tickets HaloPSA changed since %s: %w", cursor.Format(time.RFC3339), err)
	}
	next, recorded := cursor, 0
	for _, t := range tickets {
		if lu, err := parseHaloTime(t.LastUpdate); err == nil && lu.After(next) {
			next = lu
		}
		link, err := s.Store.TicketLinkByTicket(ctx, partnerID, t.ID)
		if errors.Is(err, store.ErrNotFound) || err == nil && link.State == store.LinkPending {
			continue
		}
		if err != nil {
			return recorded, err
		}
		before := link.State
		if err := s.settle(ctx, partnerID, link, &t, viaPoll); err != nil {
			return recorded, err
		}
		if after, err := s.Store.TicketLink(ctx, partnerID, link.Key); err == nil && after.State != before {
			recorded++
		}
	}
	return recorded, s.Store.SavePollCursor(ctx, partnerID, next)
}

// firstCursor starts the poller at the oldest open ticket, so that none closed before the
// first poll is missed.
func (s *Service) firstCursor(ctx context.Context, partnerID int64) (time.Time, error) {
	open, err := s.Store.TicketLinks(ctx, partnerID, store.TicketLinkQuery{State: store.LinkOpen})
	if err != nil {
		return time.Time{}, err
	}
	first := s.now().Add(-s.interval())
	for _, l := range open {
		if !l.OpenedAt.IsZero() && l.OpenedAt.Before(first) {
			first = l.OpenedAt
		}
	}
	return first, nil
}
