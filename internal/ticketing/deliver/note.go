package deliver

import (
	"context"
	"errors"
	"strings"
	"time"

	"halobridge/internal/halo"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// note adds the group's alerts to its open ticket as one note: one
// request. Alerts wait until the ticket's flush window (longer the more
// tickets are open) has passed since HaloPSA last heard of it, so a
// steady trickle costs one note per window, not one per alert. HaloPSA's
// answer says whether the ticket had been closed meanwhile: then the
// alerts follow the policy (reopen, or a new ticket) after all.
func (p *pass) note(ctx context.Context, g *group) error {
	link := p.links[g.key]
	window, err := p.flushWindow(ctx)
	if err != nil {
		return err
	}
	if wait := link.NotedAt.Add(window).Sub(p.now); wait > 0 {
		p.hold(g, wait)
		return nil
	}
	client, err := p.haloClient(ctx)
	if err != nil {
		return err
	}
	n := p.batchNote(g)
	saved, err := p.addAction(halo.WithRequestPriority(ctx, halo.PriorityNotes), client,
		halo.Action{TicketID: link.TicketID, NoteHTML: n.NoteHTML, HiddenFromUser: n.HiddenFromUser, OutcomeID: n.OutcomeID})
	switch {
	case halo.IsNotFound(err):
		// Deleted in HaloPSA: treated as closed at an unknown time, which
		// the policy answers with a new ticket.
		return p.closedInHalo(ctx, g, time.Time{})
	case err != nil:
		return err
	case closesTicket(saved.OldStatus, p.policy):
		// The note went to a ticket closed in HaloPSA since halobridge last
		// looked; it stays there as a trace, and the alerts go where the
		// policy sends alerts of a closed ticket.
		return p.closedInHalo(ctx, g, p.now)
	}
	l, err := p.svc.store.NoteTicket(ctx, p.partnerID, g.key, p.now, false,
		p.deliveries(g.alerts, store.DeliveryDone, ticketing.ActionNote, g.decision.Reason, g.key, link.TicketID))
	if err != nil {
		return err
	}
	p.setLink(l)
	p.res.Noted++
	return nil
}

// closedInHalo records that the group's ticket was closed in HaloPSA, then
// lets the policy choose between reopening it and a new ticket.
func (p *pass) closedInHalo(ctx context.Context, g *group, at time.Time) error {
	l, err := p.svc.store.CloseTicketLink(ctx, p.partnerID, g.key, at)
	if err != nil {
		return err
	}
	p.setLink(l)
	return p.redecide(ctx, g, g.alerts)
}

// reopen sets the closed ticket back to the initial status with a note
// listing the alerts, in one action.
func (p *pass) reopen(ctx context.Context, g *group) error {
	client, err := p.haloClient(ctx)
	if err != nil {
		return err
	}
	n := p.batchNote(g)
	_, err = p.addAction(ctx, client, halo.Action{TicketID: g.decision.TicketID, NoteHTML: n.NoteHTML, HiddenFromUser: n.HiddenFromUser,
		OutcomeID: n.OutcomeID, NewStatus: g.decision.Status})
	if halo.IsNotFound(err) {
		// Deleted since it closed: nothing to reopen, so a new ticket.
		gone := p.links[g.key]
		gone.ClosedAt = time.Time{}
		p.setLink(gone)
		return p.redecide(ctx, g, g.alerts)
	}
	if err != nil {
		return err
	}
	l, err := p.svc.store.NoteTicket(ctx, p.partnerID, g.key, p.now, true,
		p.deliveries(g.alerts, store.DeliveryDone, ticketing.ActionReopen, g.decision.Reason, g.key, g.decision.TicketID))
	if err != nil {
		return err
	}
	p.setLink(l)
	p.res.Reopened++
	return nil
}

// addAction posts an action and returns what HaloPSA saved. When the
// answer was lost it looks at the ticket's actions before trying again, so
// a note is never doubled (what it returns then is the action as sent). A
// refusal raises its event and comes back as *refusedError.
func (p *pass) addAction(ctx context.Context, client *halo.Client, a halo.Action) (halo.Action, error) {
	saved, err := client.AddAction(ctx, a)
	switch {
	case err == nil:
		return saved, nil
	case halo.IsMaybeApplied(err):
		landed, lerr := actionLanded(ctx, client, a)
		if lerr != nil || !landed {
			return a, errors.Join(err, lerr)
		}
		return a, nil
	case halo.IsNotFound(err) || !refused(err):
		return a, err
	}
	problem := explainAction(err)
	if rerr := p.raise(ctx, problem); rerr != nil {
		return a, rerr
	}
	return a, &refusedError{problem: problem, err: err}
}

// actionLanded reports whether the ticket already has an action with a's note.
func actionLanded(ctx context.Context, client *halo.Client, a halo.Action) (bool, error) {
	actions, err := client.Actions(ctx, a.TicketID)
	if err != nil {
		return false, err
	}
	for _, got := range actions {
		if strings.TrimSpace(got.NoteHTML) == strings.TrimSpace(a.NoteHTML) {
			return true, nil
		}
	}
	return false, nil
}

// batchNote is the decision's note for every alert of the group: the lead
// the decision wrote (why the ticket reopens) above one list of them all.
func (p *pass) batchNote(g *group) ticketing.NoteFields {
	n := *g.decision.Note
	single := ticketing.BuildNote(p.named(g.alerts[:1]), n.HiddenFromUser).NoteHTML
	lead := strings.TrimSuffix(n.NoteHTML, single)
	n.NoteHTML = lead + ticketing.BuildNote(p.named(g.alerts), n.HiddenFromUser).NoteHTML
	return n
}
