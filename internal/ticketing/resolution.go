package ticketing

import (
	"fmt"
	"strings"

	"halobridge/internal/source"
)

// DecideResolution chooses what to do when the source resolves the alert
// behind link: close the ticket with the closing status and a note saying
// why, or skip. A ticket that groups several alerts of a host or customer
// only gets a note, since the other alerts are not resolved. Closing twice is
// harmless: a closed link is skipped.
func DecideResolution(r source.Resolution, link *Link, p Policy) Decision {
	if link == nil {
		return Decision{}.skip("no ticket is linked to this alert; nothing to close")
	}
	p = p.ForSource(r.Source)
	d := Decision{GroupKey: link.Key, TicketID: link.TicketID}
	switch link.State {
	case LinkClosed:
		return d.skip("ticket #%d is already closed", link.TicketID)
	case LinkOpen:
	default:
		d.Action = ActionReconcile
		d.Reason = "the ticket for this alert is not confirmed yet; reconcile the link, then decide again"
		return d
	}
	tp := p.Types[link.AlertType]
	switch {
	case !tp.AutoClose:
		return d.skip("auto-close is off for %s alerts; ticket #%d stays open", link.AlertType, link.TicketID)
	case p.ClosingStatusID <= 0:
		return d.skip("auto-close is on for %s alerts but the policy has no closing status; ticket #%d stays open", link.AlertType, link.TicketID)
	}

	why := resolvedWhy(r)
	note := NoteFields{HiddenFromUser: !p.showUpdates(), OutcomeID: p.NoteOutcomeID}
	if tp.Grouping.orDefault() != GroupByAlert && link.AlertCount > 1 {
		note.NoteHTML = fmt.Sprintf("<p>One of the %d alerts on this ticket was %s. The ticket stays open for the others.</p>", link.AlertCount, why)
		d.Action, d.Note = ActionNote, &note
		d.Reason = fmt.Sprintf("ticket #%d groups %d alerts and only one was resolved; adding a note and leaving it open", link.TicketID, link.AlertCount)
		return d
	}
	note.NoteHTML = fmt.Sprintf("<p>The alert was %s. Closed by halobridge.</p>", why)
	d.Action, d.Note, d.Status = ActionClose, &note, p.ClosingStatusID
	d.Reason = fmt.Sprintf("%s resolved the alert and auto-close is on for %s alerts; closing ticket #%d", sourceName(r.Source), link.AlertType, link.TicketID)
	return d
}

// resolvedWhy is the escaped "resolved in X at T: reason" part of a note.
func resolvedWhy(r source.Resolution) string {
	why := "resolved in " + escape(sourceName(r.Source))
	if !r.ResolvedAt.IsZero() {
		why += " at " + formatTime(r.ResolvedAt)
	}
	if reason := strings.TrimRight(strings.TrimSpace(r.Reason), "."); reason != "" {
		why += ": " + escape(reason)
	}
	return why
}
