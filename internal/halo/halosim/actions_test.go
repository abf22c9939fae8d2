package halosim

import (
	"net/http"
	"testing"
	"time"
)

// newTicket creates a ticket through the API and returns it.
func newTicket(t *testing.T, b *testBundle, tok string) Ticket {
	t.Helper()
	client := activeClientWithGeneralUser(t, b)
	resp := b.send(t, "POST", "/api/Tickets", tok, []map[string]any{{"summary": "Alert", "client_id": client.ID}})
	wantStatus(t, resp, http.StatusCreated)
	return decode[Ticket](t, resp)
}

func TestActionRules(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	tok := b.token(t, "all")
	ticket := newTicket(t, b, tok)

	for _, tc := range []struct {
		name    string
		body    []map[string]any
		status  int
		message string
	}{
		{"RefusesActionWithoutTicketID", []map[string]any{{"note": "x", "outcome_id": 7}}, 400, "An Action must be associated with a ticket_id"},
		{"RefusesActionWithoutOutcome", []map[string]any{{"ticket_id": ticket.ID, "note": "x"}}, 400, "An Outcome must be entered for this Action."},
		{"RefusesUnknownOutcome", []map[string]any{{"ticket_id": ticket.ID, "outcome_id": 12345}}, 400, "An Outcome must be entered for this Action."},
		{"RefusesRestrictedOutcome", []map[string]any{{"ticket_id": ticket.ID, "outcome_id": RestrictedOutcomeID}}, 400, "You do not have access to this Action at the moment"},
		{"UnknownTicketIs404", []map[string]any{{"ticket_id": 99999, "outcome_id": 7}}, 404, "Ticket 99999 was not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wantHaloError(t, b.send(t, "POST", "/api/Actions", tok, tc.body), tc.status, tc.message)
		})
	}

	t.Run("GettingOneNeedsTicketID", func(t *testing.T) {
		t.Parallel()
		wantHaloError(t, b.send(t, "GET", "/api/Actions/1", tok, nil), http.StatusBadRequest, "ticket_id must be specified")
		wantStatus(t, b.send(t, "GET", "/api/Actions/1?ticket_id="+itoa(ticket.ID), tok, nil), http.StatusOK)
	})

	t.Run("DeletingOneNeedsTicketID", func(t *testing.T) {
		t.Parallel()
		wantHaloError(t, b.send(t, "DELETE", "/api/Actions/1", tok, nil), http.StatusBadRequest, "ticket_id must be included when deleting an Action")
	})
}

func TestActionEffects(t *testing.T) {
	t.Parallel()

	t.Run("InternalNoteIsHiddenFromTheUserByDefault", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		ticket := newTicket(t, b, tok)
		resp := b.send(t, "POST", "/api/Actions", tok, []map[string]any{{"ticket_id": ticket.ID, "outcome_id": 7, "note_html": "<p>seen</p>"}})
		wantStatus(t, resp, http.StatusCreated)
		got := decode[Action](t, resp)
		want := Action{ID: 2, TicketID: ticket.ID, OutcomeID: 7, Outcome: "Internal Note", HiddenFromUser: true, NoteHTML: "<p>seen</p>",
			ActionByApplicationID: "halobridge (simulator)", ActionByAgentID: 7}
		if got.ID != want.ID || got.TicketID != want.TicketID || got.Outcome != want.Outcome || got.HiddenFromUser != want.HiddenFromUser ||
			got.NoteHTML != want.NoteHTML || got.ActionByApplicationID != want.ActionByApplicationID || got.ActionByAgentID != want.ActionByAgentID {
			t.Fatalf("action = %+v, want %+v", got, want)
		}
	})

	t.Run("ExplicitVisibilityWins", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		ticket := newTicket(t, b, tok)
		got := decode[Action](t, b.send(t, "POST", "/api/Actions", tok, []map[string]any{{"ticket_id": ticket.ID, "outcome_id": 7, "hiddenfromuser": false}}))
		if got.HiddenFromUser {
			t.Fatal("hiddenfromuser = true, sent false")
		}
	})

	t.Run("OutcomeCanBeNamed", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		ticket := newTicket(t, b, tok)
		got := decode[Action](t, b.send(t, "POST", "/api/Actions", tok, []map[string]any{{"ticket_id": ticket.ID, "outcome": "private note"}}))
		if got.OutcomeID != 55 || got.Outcome != "Private Note" || !got.HiddenFromUser {
			t.Fatalf("action = %+v", got)
		}
	})

	t.Run("NewStatusNineClosesTheTicket", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		ticket := newTicket(t, b, tok)
		b.clock.Advance(10 * time.Minute)
		got := decode[Action](t, b.send(t, "POST", "/api/Actions", tok, []map[string]any{{"ticket_id": ticket.ID, "outcome_id": 7, "new_status": 9}}))
		if got.OldStatus != 1 || got.NewStatus != 9 {
			t.Fatalf("action statuses old %d new %d", got.OldStatus, got.NewStatus)
		}
		closed, _ := b.sim.Ticket(ticket.ID)
		if closed.StatusID != 9 || !closed.HasBeenClosed || closed.DateClosed != "2025-03-14T09:40:00" {
			t.Fatalf("ticket = status %d closed %v at %s", closed.StatusID, closed.HasBeenClosed, closed.DateClosed)
		}
	})

	t.Run("CloseTicketOutcomeClosesTheTicket", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		ticket := newTicket(t, b, tok)
		wantStatus(t, b.send(t, "POST", "/api/Actions", tok, []map[string]any{{"ticket_id": ticket.ID, "outcome_id": 21}}), http.StatusCreated)
		if closed, _ := b.sim.Ticket(ticket.ID); !closed.HasBeenClosed {
			t.Fatalf("ticket still open: %+v", closed)
		}
	})

	t.Run("UpdateKeepsTheFieldsNotSent", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		ticket := newTicket(t, b, tok)
		wantStatus(t, b.send(t, "POST", "/api/Actions", tok, []map[string]any{{"ticket_id": ticket.ID, "outcome_id": 7, "note": "first"}}), http.StatusCreated)
		got := decode[Action](t, b.send(t, "POST", "/api/Actions", tok, []map[string]any{{"id": 2, "ticket_id": ticket.ID, "note": "edited"}}))
		if got.ID != 2 || got.Note != "edited" || got.OutcomeID != 7 || !got.HiddenFromUser {
			t.Fatalf("action = %+v", got)
		}
		if n := len(b.sim.Actions(ticket.ID)); n != 2 {
			t.Fatalf("%d actions, want 2", n)
		}
	})

	t.Run("ExcludePrivateHidesHiddenActions", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		ticket := newTicket(t, b, tok)
		wantStatus(t, b.send(t, "POST", "/api/Actions", tok, []map[string]any{{"ticket_id": ticket.ID, "outcome_id": 7}}), http.StatusCreated)
		p, rows := decodePage(t, b.send(t, "GET", "/api/Actions?excludeprivate=true&ticket_id="+itoa(ticket.ID), tok, nil), "actions")
		if p.RecordCount != 1 || ids(rows)[0] != 1 {
			t.Fatalf("public actions = %v", rows)
		}
	})

	t.Run("DeleteAnswersTheDeletedAction", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		ticket := newTicket(t, b, tok)
		resp := b.send(t, "DELETE", "/api/Actions/1?ticket_id="+itoa(ticket.ID), tok, nil)
		wantStatus(t, resp, http.StatusOK)
		if got := decode[Action](t, resp); got.ID != 1 || got.TicketID != ticket.ID {
			t.Fatalf("deleted = %+v", got)
		}
		if n := len(b.sim.Actions(ticket.ID)); n != 0 {
			t.Fatalf("%d actions left", n)
		}
	})
}
