package deliver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"halobridge/internal/halo"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// create writes the pending link, then posts the ticket. The link comes
// first so that a crash after the post leaves a trace to reconcile from,
// and so that the unique key stops any other delivery from creating a
// second ticket for the group meanwhile.
func (p *pass) create(ctx context.Context, g *group) error {
	client, err := p.haloClient(ctx)
	if err != nil {
		return err
	}
	link, err := p.svc.store.StartTicket(ctx, store.TicketLink{PartnerID: p.partnerID, Key: g.key, AlertType: g.input.Alert.Type}, alertIDs(g.alerts))
	if errors.Is(err, store.ErrConflict) {
		// Another delivery is creating this group's ticket; its link
		// will be there on the next pass.
		p.hold(g, p.svc.opts.Gather)
		return nil
	}
	if err != nil {
		return err
	}
	p.setLink(link)
	return p.post(ctx, client, g)
}

// post creates the ticket for a group whose link is pending and confirms
// the link, or leaves it pending when HaloPSA may have created it.
func (p *pass) post(ctx context.Context, client *halo.Client, g *group) error {
	fields, err := p.ticketFields(ctx, g)
	if err != nil {
		return err
	}
	created, err := client.CreateTicket(ctx, haloTicket(fields))
	switch {
	case err == nil:
		p.res.Created++
		return p.open(ctx, g.key, created.ID, g.alerts, ticketing.ActionCreate, g.decision.Reason)
	case halo.IsMaybeApplied(err):
		// The ticket may exist: look for it before anything is created
		// again. Not finding it yet proves nothing (HaloPSA may still be
		// saving it), so the link stays pending for the next pass.
		p.svc.opts.Logger.Warn("ticket creation may have reached HaloPSA; reconciling", "partner", p.partnerID, "key", g.key, "error", err)
		found, ferr := p.find(ctx, client, g.key, p.links[g.key].ReplacesTicketID)
		if ferr != nil || found == nil {
			return errors.Join(err, ferr)
		}
		return p.adopt(ctx, g, *found)
	}
	// Nothing was created: the link goes back to what it was, and the
	// alerts wait for their retry (the pass's failure handling).
	if aerr := p.svc.store.AbandonTicket(ctx, p.partnerID, g.key, nil); aerr != nil {
		return fmt.Errorf("give the ticket up after HaloPSA failed (%v): %w", err, aerr)
	}
	delete(p.links, g.key)
	if !refused(err) {
		return err
	}
	known, nerr := p.svc.catalogClientName(ctx, p.partnerID, fields.ClientID)
	if nerr != nil {
		return errors.Join(err, nerr)
	}
	problem := explainTicket(ctx, client, fields, known, err)
	if rerr := p.raise(ctx, problem); rerr != nil {
		return rerr
	}
	return &refusedError{problem: problem, err: err}
}

// open confirms the pending link with ticketID.
func (p *pass) open(ctx context.Context, key string, ticketID int, alerts []store.PendingAlert, action ticketing.Action, reason string) error {
	l, err := p.svc.store.OpenTicket(ctx, p.partnerID, key, ticketID, p.now, p.deliveries(alerts, store.DeliveryDone, action, reason, key, ticketID))
	if err != nil {
		return err
	}
	p.setLink(l)
	return nil
}

// reconcile follows a crash between writing a pending link and HaloPSA
// confirming the ticket: the ticket carries the group key, so it is looked
// up before anything is created again.
func (p *pass) reconcile(ctx context.Context, g *group) error {
	client, err := p.haloClient(ctx)
	if err != nil {
		return err
	}
	found, err := p.find(ctx, client, g.key, p.links[g.key].ReplacesTicketID)
	if err != nil {
		return err
	}
	if found != nil {
		return p.adopt(ctx, g, *found)
	}
	// No ticket was made: create it now with every alert of the group,
	// marking the ones that join late pending too.
	var late []store.AlertDelivery
	for _, a := range g.alerts {
		if a.Delivery == nil || a.Delivery.State != store.DeliveryPending {
			late = append(late, p.delivery(a, store.DeliveryPending, ticketing.ActionCreate, "the ticket is being created in HaloPSA", g.key, 0))
		}
	}
	if len(late) > 0 {
		if err := p.svc.store.RecordDeliveries(ctx, late); err != nil {
			return err
		}
	}
	in := g.input
	in.Link = nil
	retry := &group{key: g.key, input: in, decision: ticketing.Decide(in), alerts: g.alerts}
	return p.post(ctx, client, retry)
}

// adopt confirms the link with a ticket found in HaloPSA: the alerts that
// were on their way in it are done, the others are decided again.
func (p *pass) adopt(ctx context.Context, g *group, t halo.Ticket) error {
	var carried, rest []store.PendingAlert
	for _, a := range g.alerts {
		if carriedBy(g, a) {
			carried = append(carried, a)
		} else {
			rest = append(rest, a)
		}
	}
	reason := "found ticket #" + strconv.Itoa(t.ID) + " in HaloPSA by its third_party_id_string after delivery was interrupted"
	p.res.Reconciled++
	if err := p.open(ctx, g.key, t.ID, carried, ticketing.ActionReconcile, reason); err != nil {
		return err
	}
	if closed(t, p.policy) {
		l, err := p.svc.store.CloseTicketLink(ctx, p.partnerID, g.key, closedAt(t, p.now))
		if err != nil {
			return err
		}
		p.setLink(l)
	}
	return p.redecide(ctx, g, rest)
}

// carriedBy reports whether alert a was in the ticket g posted: every
// alert of a group this pass created, or those a crashed pass had marked.
func carriedBy(g *group, a store.PendingAlert) bool {
	if g.decision.Action == ticketing.ActionCreate {
		return true
	}
	return a.Delivery != nil && a.Delivery.State == store.DeliveryPending && a.Delivery.Key == g.key
}

// find looks for the newest ticket carrying key, newer than the closed
// ticket the link replaces; nil when there is none.
func (p *pass) find(ctx context.Context, client *halo.Client, key string, replaces int) (*halo.Ticket, error) {
	tickets, err := client.Tickets(ctx, halo.TicketQuery{ThirdPartyIDString: key})
	if err != nil {
		return nil, err
	}
	tickets = slices.DeleteFunc(tickets, func(t halo.Ticket) bool { return t.ThirdPartyIDString != key || t.ID <= replaces })
	if len(tickets) == 0 {
		return nil, nil
	}
	newest := slices.MaxFunc(tickets, func(a, b halo.Ticket) int { return a.ID - b.ID })
	return &newest, nil
}

// ticketFields are the fields of the group's ticket: the first alert's,
// with every alert of the group listed when a storm put several in it, and
// the first alert's raw event folded away at the foot. Pending alerts are
// read without their raw payload, so it is read here, for the tickets
// created only.
func (p *pass) ticketFields(ctx context.Context, g *group) (ticketing.TicketFields, error) {
	fields := *g.decision.Ticket
	if len(g.alerts) > 1 {
		fields.DetailsHTML += "\n" + ticketing.BuildNote(p.named(g.alerts), false).NoteHTML
	}
	first, err := p.svc.store.Alert(ctx, g.alerts[0].ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Pruned meanwhile: the ticket goes without it.
	case err != nil:
		return fields, fmt.Errorf("read the raw event of alert %d: %w", g.alerts[0].ID, err)
	default:
		if raw := ticketing.RawEvent(first.Alert); raw != "" {
			fields.DetailsHTML += "\n" + raw
		}
	}
	return fields, nil
}

// haloLayout is how HaloPSA writes times: UTC without a zone.
const haloLayout = "2006-01-02T15:04:05"

func haloTicket(f ticketing.TicketFields) halo.Ticket {
	t := halo.Ticket{
		Summary: f.Summary, DetailsHTML: f.DetailsHTML, ClientID: f.ClientID, SiteID: f.SiteID, UserID: f.UserID,
		TicketTypeID: f.TicketTypeID, StatusID: f.StatusID, AgentID: f.AgentID, Team: f.Team,
		SLAID: f.SLAID, PriorityID: f.PriorityID, Category1: f.Category1, Urgency: f.Urgency, Impact: f.Impact,
		Source: f.Source, ThirdPartyIDString: f.ThirdPartyIDString, AssetIDs: f.AssetIDs,
		// The policy chose every field: the ticket type's template must not
		// overwrite them.
		DoNotApplyTemplate: true,
	}
	if !f.DateOccurred.IsZero() {
		t.DateOccurred = f.DateOccurred.UTC().Format(haloLayout)
	}
	return t
}

// haloClosedStatusID is the status HaloPSA ships as "Closed".
const haloClosedStatusID = 9

// closed reports whether a ticket read from HaloPSA is closed.
func closed(t halo.Ticket, p ticketing.Policy) bool {
	return t.HasBeenClosed || closesTicket(t.StatusID, p)
}

// closesTicket reports whether a ticket in status is closed: HaloPSA's
// Closed, or the policy's closing status.
func closesTicket(status int, p ticketing.Policy) bool {
	return status == haloClosedStatusID || (p.ClosingStatusID > 0 && status == p.ClosingStatusID)
}

// closedAt is when HaloPSA says the ticket closed, or now when it does not
// say (HaloPSA writes 1899-12-30 for "no date").
func closedAt(t halo.Ticket, now time.Time) time.Time {
	at, err := time.Parse(haloLayout, t.DateClosed)
	if err != nil || at.Year() < 2000 {
		return now
	}
	return at.UTC()
}
