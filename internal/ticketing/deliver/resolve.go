package deliver

import (
	"context"
	"errors"
	"fmt"

	"halobridge/internal/halo"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// resolve acts on the resolutions the partner's sources sent: it closes
// the linked ticket with the closing status and a note saying why, or
// notes a grouped ticket, as the policy says. A resolution of an alert
// still waiting for its ticket waits too, and one whose ticket HaloPSA
// failed to close waits for its group's retry without holding back the
// others.
func (p *pass) resolve(ctx context.Context) error {
	pending, err := p.svc.store.PendingResolutions(ctx, p.partnerID, p.svc.opts.BatchSize)
	if err != nil || len(pending) == 0 {
		return err
	}
	undelivered, err := p.svc.store.UndeliveredFingerprints(ctx, p.partnerID)
	if err != nil {
		return err
	}
	for fp := range undelivered {
		p.heldPrints[fp] = true
	}
	for _, r := range pending {
		if p.paused {
			return nil
		}
		if err := p.resolveOne(ctx, r); err != nil {
			return fmt.Errorf("resolution %s: %w", r.EventID, err)
		}
	}
	return nil
}

// record stores what was done with resolution r.
func (p *pass) record(ctx context.Context, r store.StoredResolution, d ticketing.Decision, reason string) error {
	return p.svc.store.RecordResolution(ctx, store.ResolutionDelivery{
		ResolutionID: r.ID, PartnerID: p.partnerID, Action: string(d.Action), Reason: reason, TicketID: d.TicketID,
	})
}

func (p *pass) resolveOne(ctx context.Context, r store.StoredResolution) error {
	record := func(d ticketing.Decision, reason string) error { return p.record(ctx, r, d, reason) }
	if !p.hasPolicy {
		return record(ticketing.Decision{Action: ticketing.ActionSkip}, noPolicyReason)
	}
	stored, err := p.svc.store.LinkForFingerprint(ctx, p.partnerID, r.Fingerprint)
	var link *ticketing.Link
	switch {
	case errors.Is(err, store.ErrNotFound):
		if p.heldPrints[r.Fingerprint] {
			return nil
		}
	case err != nil:
		return err
	default:
		link = decisionLink(stored)
	}
	d := ticketing.DecideResolution(r.Resolution, link, p.policy)
	switch d.Action {
	case ticketing.ActionSkip:
		return record(d, d.Reason)
	case ticketing.ActionReconcile:
		// The alert pass reconciles pending links; the resolution waits.
		p.res.again(p.svc.opts.Gather)
		return nil
	}
	if b, ok := p.waiting(stored.Key); ok {
		p.res.again(b.RetryAt.Sub(p.now))
		return nil
	}
	if err := p.closeOrNote(ctx, r, stored, d); err != nil {
		return p.fail(ctx, stored.Key, d.Action, nil, err)
	}
	return p.succeed(ctx, stored.Key)
}

// closeOrNote closes or notes the resolution's ticket in HaloPSA, as d
// says, and records it.
func (p *pass) closeOrNote(ctx context.Context, r store.StoredResolution, stored store.TicketLink, d ticketing.Decision) error {
	record := func(d ticketing.Decision, reason string) error { return p.record(ctx, r, d, reason) }
	if d.Action == ticketing.ActionNote {
		ctx = halo.WithRequestPriority(ctx, halo.PriorityNotes)
	}
	client, err := p.haloClient(ctx)
	if err != nil {
		return err
	}
	action := halo.Action{TicketID: d.TicketID, NoteHTML: d.Note.NoteHTML, HiddenFromUser: d.Note.HiddenFromUser, OutcomeID: d.Note.OutcomeID, NewStatus: d.Status}
	_, err = client.AddAction(ctx, action)
	switch {
	case halo.IsNotFound(err):
		// The ticket was deleted in HaloPSA: there is nothing left to close.
		if d.Action == ticketing.ActionClose {
			if _, err := p.svc.store.CloseTicketLink(ctx, p.partnerID, stored.Key, p.now); err != nil {
				return err
			}
		}
		return record(ticketing.Decision{Action: ticketing.ActionSkip, TicketID: d.TicketID},
			fmt.Sprintf("ticket #%d no longer exists in HaloPSA; nothing to close", d.TicketID))
	case halo.IsMaybeApplied(err):
		landed, lerr := actionLanded(ctx, client, action)
		if lerr != nil || !landed {
			return errors.Join(err, lerr)
		}
	case refused(err):
		problem := explainAction(err)
		if rerr := p.raise(ctx, problem); rerr != nil {
			return rerr
		}
		return record(ticketing.Decision{Action: "failed", TicketID: d.TicketID}, problem.Message)
	case err != nil:
		return err
	}
	if d.Action == ticketing.ActionClose {
		l, err := p.svc.store.CloseTicketLink(ctx, p.partnerID, stored.Key, p.now)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil {
			p.setLink(l)
		}
		p.res.Closed++
	} else {
		p.res.Noted++
	}
	return record(d, d.Reason)
}
