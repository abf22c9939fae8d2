package ticketing_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
	"halobridge/internal/ticketing"
)

func TestDecideResolution(t *testing.T) {
	t.Parallel()

	const fp = "gz:c-1:av:pc-01:eicar"
	resolution := func() source.Resolution {
		return source.Resolution{Source: source.GravityZone, CustomerID: "c-1", Fingerprint: fp,
			Reason: "Threat removed.", ResolvedAt: t0.Add(2 * time.Hour), EventID: "e-9"}
	}
	openLink := func() *ticketing.Link {
		return &ticketing.Link{Key: fp, TicketID: 1234, State: ticketing.LinkOpen, AlertType: "av", OpenedAt: t0, AlertCount: 1}
	}
	closeNote := func(html string, hidden bool) *ticketing.NoteFields {
		return &ticketing.NoteFields{NoteHTML: html, HiddenFromUser: hidden, OutcomeID: 7}
	}
	const closedHTML = "<p>The alert was resolved in GravityZone at 2026-05-04 12:00:00 UTC: Threat removed. Closed by halobridge.</p>"
	const closeReason = "GravityZone resolved the alert and auto-close is on for av alerts; closing ticket #1234"

	tests := []struct {
		name string
		edit func(r *source.Resolution, l **ticketing.Link, p *ticketing.Policy)
		want ticketing.Decision
	}{
		{"ClosesWithTheClosingStatusAndSaysWhy", nil, ticketing.Decision{
			Action: ticketing.ActionClose, GroupKey: fp, TicketID: 1234, Status: 9,
			Note: closeNote(closedHTML, true), Reason: closeReason,
		}},
		{"SkipsWithoutLink", func(_ *source.Resolution, l **ticketing.Link, _ *ticketing.Policy) { *l = nil }, ticketing.Decision{
			Action: ticketing.ActionSkip, Reason: "no ticket is linked to this alert; nothing to close",
		}},
		{"SkipsAnAlreadyClosedTicket", func(_ *source.Resolution, l **ticketing.Link, _ *ticketing.Policy) {
			(*l).State = ticketing.LinkClosed
		}, ticketing.Decision{
			Action: ticketing.ActionSkip, GroupKey: fp, TicketID: 1234, Reason: "ticket #1234 is already closed",
		}},
		{"ReconcilesAPendingLinkFirst", func(_ *source.Resolution, l **ticketing.Link, _ *ticketing.Policy) {
			(*l).State, (*l).TicketID = ticketing.LinkPending, 0
		}, ticketing.Decision{
			Action: ticketing.ActionReconcile, GroupKey: fp,
			Reason: "the ticket for this alert is not confirmed yet; reconcile the link, then decide again",
		}},
		{"SkipsWhenAutoCloseIsOff", func(_ *source.Resolution, l **ticketing.Link, _ *ticketing.Policy) {
			(*l).AlertType = "uc"
		}, ticketing.Decision{
			Action: ticketing.ActionSkip, GroupKey: fp, TicketID: 1234, Reason: "auto-close is off for uc alerts; ticket #1234 stays open",
		}},
		{"SkipsATypeThePolicyNoLongerHas", func(_ *source.Resolution, l **ticketing.Link, _ *ticketing.Policy) {
			(*l).AlertType = "hd"
		}, ticketing.Decision{
			Action: ticketing.ActionSkip, GroupKey: fp, TicketID: 1234, Reason: "auto-close is off for hd alerts; ticket #1234 stays open",
		}},
		{"SkipsWithoutClosingStatus", func(_ *source.Resolution, _ **ticketing.Link, p *ticketing.Policy) {
			p.ClosingStatusID = 0
		}, ticketing.Decision{
			Action: ticketing.ActionSkip, GroupKey: fp, TicketID: 1234,
			Reason: "auto-close is on for av alerts but the policy has no closing status; ticket #1234 stays open",
		}},
		{"ClosesAPerAlertTicketThatSawRepeats", func(_ *source.Resolution, l **ticketing.Link, _ *ticketing.Policy) {
			(*l).AlertCount = 5
		}, ticketing.Decision{
			Action: ticketing.ActionClose, GroupKey: fp, TicketID: 1234, Status: 9,
			Note: closeNote(closedHTML, true), Reason: closeReason,
		}},
		{"OnlyNotesATicketGroupingSeveralAlerts", func(_ *source.Resolution, l **ticketing.Link, _ *ticketing.Policy) {
			**l = ticketing.Link{Key: "customer/gravityzone/c-1/new-incident", TicketID: 88, State: ticketing.LinkOpen,
				AlertType: "new-incident", AlertCount: 3}
		}, ticketing.Decision{
			Action: ticketing.ActionNote, GroupKey: "customer/gravityzone/c-1/new-incident", TicketID: 88,
			Note: closeNote("<p>One of the 3 alerts on this ticket was resolved in GravityZone at 2026-05-04 12:00:00 UTC: Threat removed. "+
				"The ticket stays open for the others.</p>", true),
			Reason: "ticket #88 groups 3 alerts and only one was resolved; adding a note and leaving it open",
		}},
		{"ClosesAGroupTicketWithOneAlert", func(_ *source.Resolution, l **ticketing.Link, _ *ticketing.Policy) {
			**l = ticketing.Link{Key: "customer/gravityzone/c-1/new-incident", TicketID: 88, State: ticketing.LinkOpen,
				AlertType: "new-incident", AlertCount: 1}
		}, ticketing.Decision{
			Action: ticketing.ActionClose, GroupKey: "customer/gravityzone/c-1/new-incident", TicketID: 88, Status: 9,
			Note:   closeNote(closedHTML, true),
			Reason: "GravityZone resolved the alert and auto-close is on for new-incident alerts; closing ticket #88",
		}},
		{"EscapesTheSourcesReason", func(r *source.Resolution, _ **ticketing.Link, _ *ticketing.Policy) {
			r.Reason = `<img src=x onerror="alert(1)">`
		}, ticketing.Decision{
			Action: ticketing.ActionClose, GroupKey: fp, TicketID: 1234, Status: 9, Reason: closeReason,
			Note: closeNote("<p>The alert was resolved in GravityZone at 2026-05-04 12:00:00 UTC: "+
				"&lt;img src=x onerror=&#34;alert(1)&#34;&gt;. Closed by halobridge.</p>", true),
		}},
		{"ReadsWellWithoutReasonOrTime", func(r *source.Resolution, _ **ticketing.Link, _ *ticketing.Policy) {
			r.Reason, r.ResolvedAt = " ", time.Time{}
		}, ticketing.Decision{
			Action: ticketing.ActionClose, GroupKey: fp, TicketID: 1234, Status: 9, Reason: closeReason,
			Note: closeNote("<p>The alert was resolved in GravityZone. Closed by halobridge.</p>", true),
		}},
		{"ShowsTheNoteWhenThePolicySaysSo", func(_ *source.Resolution, _ **ticketing.Link, p *ticketing.Policy) {
			p.ShowUpdatesToUser = ptr(true)
		}, ticketing.Decision{
			Action: ticketing.ActionClose, GroupKey: fp, TicketID: 1234, Status: 9,
			Note: closeNote(closedHTML, false), Reason: closeReason,
		}},
		{"FollowsTheSourceOverride", func(r *source.Resolution, l **ticketing.Link, p *ticketing.Policy) {
			p.Sources = map[source.Kind]ticketing.Policy{source.DefensX: {
				ClosingStatusID: 8,
				Types:           map[string]ticketing.TypePolicy{"user_request": {Enabled: true, AutoClose: true}},
			}}
			*r = source.Resolution{Source: source.DefensX, Fingerprint: "dx:1650", Reason: "Request approved"}
			**l = ticketing.Link{Key: "dx:1650", TicketID: 99, State: ticketing.LinkOpen, AlertType: "user_request", AlertCount: 1}
		}, ticketing.Decision{
			Action: ticketing.ActionClose, GroupKey: "dx:1650", TicketID: 99, Status: 8,
			Note:   closeNote("<p>The alert was resolved in DefensX: Request approved. Closed by halobridge.</p>", true),
			Reason: "DefensX resolved the alert and auto-close is on for user_request alerts; closing ticket #99",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, l, p := resolution(), openLink(), validPolicy()
			if tt.edit != nil {
				tt.edit(&r, &l, &p)
			}
			if diff := cmp.Diff(tt.want, ticketing.DecideResolution(r, l, p)); diff != "" {
				t.Errorf("DecideResolution (-want +got):\n%s", diff)
			}
		})
	}
}
