package halosim

import (
	"net/http"
	"slices"
	"strings"
)

// Action is a note, update or time entry on a ticket (SW Actions). Action ids count per
// ticket: a new ticket's opening action is id 1, which is why reading or deleting an action
// needs its ticket_id.
type Action struct {
	ID                    int           `json:"id"`
	TicketID              int           `json:"ticket_id"`
	Outcome               string        `json:"outcome"`
	OutcomeID             int           `json:"outcome_id"`
	Note                  string        `json:"note"`
	NoteHTML              string        `json:"note_html"`
	HiddenFromUser        bool          `json:"hiddenfromuser"`
	TimeTaken             float64       `json:"timetaken"`
	NewStatus             int           `json:"new_status"`
	OldStatus             int           `json:"old_status"`
	SendEmail             bool          `json:"sendemail"`
	Important             bool          `json:"important"`
	ActionIsResponse      bool          `json:"action_isresponse"`
	WhoType               int           `json:"who_type"`
	WhoAgentID            int           `json:"who_agentid"`
	DateTime              string        `json:"datetime"`
	ActionDateCreated     string        `json:"actiondatecreated"`
	ActionByAgentID       int           `json:"actionby_agent_id"`
	ActionByApplicationID string        `json:"actionby_application_id"`
	CustomFields          []CustomField `json:"customfields"`
}

// openingOutcomeID is the hidden system outcome of the action every new ticket starts with.
const openingOutcomeID = 1

// whoTypeAgent marks an action written by an agent.
const whoTypeAgent = 1

func (s *Sim) addOpeningAction(t Ticket, who caller) {
	s.storeAction(Action{
		ID: 1, TicketID: t.ID, OutcomeID: openingOutcomeID, Outcome: s.db.outcomes[openingOutcomeID].Outcome,
		Note: t.Details, NoteHTML: t.DetailsHTML, NewStatus: t.StatusID,
	}, who)
}

// storeAction stamps an action with its author and time and saves it.
func (s *Sim) storeAction(a Action, who caller) Action {
	now := s.stamp()
	a.WhoType, a.WhoAgentID, a.ActionByAgentID = whoTypeAgent, who.agent.ID, who.agent.ID
	if who.app != nil {
		a.ActionByApplicationID = who.app.Name
	}
	if a.DateTime == "" {
		a.DateTime = now
	}
	a.ActionDateCreated = now
	a.CustomFields = nonNil(a.CustomFields)
	if s.db.actions[a.TicketID] == nil {
		s.db.actions[a.TicketID] = map[int]Action{}
	}
	s.db.actions[a.TicketID][a.ID] = a
	return a
}

// listActions needs ticket_id: unscoped, Halo answers an empty list rather than every action.
func (s *Sim) listActions(c *call) reply {
	ticketID, ok := c.q.int("ticket_id")
	if !ok {
		return wrapped(c.q, "actions", []Action{}, 0)
	}
	excludePrivate := c.q.flag("excludeprivate", false)
	excludeSystem := c.q.flag("excludesys", false)
	rows := filter(sortedValues(s.db.actions[ticketID]), func(a Action) bool {
		return (!excludePrivate || !a.HiddenFromUser) && (!excludeSystem || s.db.outcomes[a.OutcomeID].SystemID == 0)
	})
	return wrapped(c.q, "actions", rows, 0)
}

func (s *Sim) getAction(c *call, seg string) reply {
	ticketID, ok := c.q.int("ticket_id")
	if !ok {
		return badRequest(msgActionGetNeedsTicket)
	}
	id, _ := parseID(seg)
	a, found := s.db.actions[ticketID][id]
	if !found {
		return notFound("Action", seg)
	}
	return jsonReply(http.StatusOK, a)
}

func (s *Sim) deleteAction(c *call, seg string) reply {
	ticketID, ok := c.q.int("ticket_id")
	if !ok {
		return badRequest(msgActionDeleteNeedsTicket)
	}
	id, _ := parseID(seg)
	a, found := s.db.actions[ticketID][id]
	if !found {
		return notFound("Action", seg)
	}
	delete(s.db.actions[ticketID], id)
	return jsonReply(http.StatusOK, a)
}

// postActions adds actions to tickets (or updates one named by id and ticket_id). An outcome
// is required; new_status, or the outcome's own new status, moves the ticket.
func (s *Sim) postActions(c *call, objs []object) reply {
	var out []Action
	for _, o := range objs {
		ticketID, ok := o.intValue("ticket_id")
		if !ok || ticketID <= 0 {
			return badRequest(msgActionNeedsTicket)
		}
		t, ok := s.db.tickets[ticketID]
		if !ok {
			return notFound("Ticket", ticketID)
		}
		base := Action{TicketID: ticketID}
		id := o.id()
		if id > 0 {
			existing, ok := s.db.actions[ticketID][id]
			if !ok {
				return notFound("Action", id)
			}
			base = existing
		}
		a, rep, ok := patch(base, o)
		if !ok {
			return rep
		}
		if id == 0 || o.has("outcome_id") || o.has("outcome") {
			outcome, rep, ok := s.resolveOutcome(o)
			if !ok {
				return rep
			}
			a.OutcomeID, a.Outcome = outcome.ID, outcome.Outcome
			if !o.has("hiddenfromuser") {
				a.HiddenFromUser = outcome.HideFromUser
			}
			if !o.has("new_status") && outcome.NewStatus > 0 {
				a.NewStatus = outcome.NewStatus
			}
		}
		previous := t.StatusID
		if id == 0 || o.has("new_status") {
			if rep, ok := s.moveTicket(&t, &a); !ok {
				return rep
			}
		}
		if id == 0 {
			a.ID = s.nextActionID(ticketID)
		}
		a.TicketID = ticketID
		t.LastActionDate = s.stamp()
		s.db.tickets[ticketID] = t
		out = append(out, s.storeAction(a, c.caller))
		if id == 0 {
			s.fireTicketEvent(EventActionAdded, t)
		}
		s.ticketChanged(t, previous)
	}
	return saved(out)
}

// resolveOutcome finds the outcome an action names by outcome_id, or else by outcome name.
func (s *Sim) resolveOutcome(o object) (Outcome, reply, bool) {
	var found Outcome
	ok := false
	if id, has := o.intValue("outcome_id"); has && id > 0 {
		found, ok = s.db.outcomes[id]
	}
	if name, has := o.text("outcome"); !ok && has && strings.TrimSpace(name) != "" {
		for _, candidate := range sortedValues(s.db.outcomes) {
			if strings.EqualFold(candidate.Outcome, strings.TrimSpace(name)) {
				found, ok = candidate, true
				break
			}
		}
	}
	switch {
	case !ok:
		return Outcome{}, badRequest(msgOutcomeRequired), false
	case found.restricted:
		return Outcome{}, badRequest(msgOutcomeNoAccess), false
	}
	return found, reply{}, true
}

// moveTicket applies an action's new_status to its ticket, recording the old one.
func (s *Sim) moveTicket(t *Ticket, a *Action) (reply, bool) {
	a.OldStatus = t.StatusID
	if a.NewStatus <= 0 {
		a.NewStatus = t.StatusID
		return reply{}, true
	}
	previous := t.StatusID
	t.StatusID = a.NewStatus
	if rep, ok := s.applyStatus(t, previous); !ok {
		return rep, false
	}
	t.LastUpdate = s.stamp()
	return reply{}, true
}

// nextActionID numbers actions within their ticket; deleted ids are not handed out again
// while a higher one exists.
func (s *Sim) nextActionID(ticketID int) int {
	next := 1
	for id := range s.db.actions[ticketID] {
		next = max(next, id+1)
	}
	return next
}

// Actions returns a ticket's actions ordered by id.
func (s *Sim) Actions(ticketID int) []Action {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Action{}
	for _, a := range sortedValues(s.db.actions[ticketID]) {
		a.CustomFields = slices.Clone(a.CustomFields)
		out = append(out, a)
	}
	return out
}
