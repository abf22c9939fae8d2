package ticketing

import (
	"maps"
	"slices"
	"time"

	"halobridge/internal/source"
)

// UnassignedAgentID is HaloPSA's "Unassigned" agent, always a valid default.
const UnassignedAgentID = 1

// Grouping says which alerts share one ticket.
type Grouping string

const (
	// GroupByAlert gives every alert fingerprint its own ticket (the default).
	GroupByAlert Grouping = "alert"
	// GroupByHost gives each host one ticket per customer and alert type.
	GroupByHost Grouping = "host"
	// GroupByCustomer gives each customer one ticket per alert type.
	GroupByCustomer Grouping = "customer"
)

// Policy is a partner's ticket configuration. It is stored as JSON; Sources
// holds per-source overrides of the same shape (see ForSource).
type Policy struct {
	TicketTypeID int `json:"tickettype_id,omitempty"`
	// ShowUpdatesToUser is mandatory, so nil means "not chosen yet". When
	// false, notes are hidden from the end user.
	ShowUpdatesToUser *bool `json:"show_updates_to_user,omitempty"`
	// AgentID is the default agent, or UnassignedAgentID.
	AgentID int `json:"agent_id,omitempty"`
	// Team is a team name: HaloPSA tickets, ticket types and agents all name
	// teams rather than number them.
	Team            string `json:"team,omitempty"`
	InitialStatusID int    `json:"initial_status_id,omitempty"`
	// ClosingStatusID is needed as soon as one alert type closes automatically.
	ClosingStatusID int `json:"closing_status_id,omitempty"`
	// SourceID is the request source (HaloPSA lookup 22) so tickets do not show
	// as "Manual"; a pointer because 0 (Email) is a real source.
	SourceID *int `json:"source_id,omitempty"`
	// NoteOutcomeID is the outcome of every note halobridge adds: HaloPSA
	// refuses an action without one.
	NoteOutcomeID int `json:"note_outcome_id,omitempty"`
	// TitleTemplate is the ticket summary with {{variables}}; blank uses the
	// alert type's default title.
	TitleTemplate string `json:"title_template,omitempty"`
	// DetailsTemplate is the ticket body (HTML) with {{variables}}; blank
	// lists every fact of the alert.
	DetailsTemplate string `json:"details_template,omitempty"`
	// MatchEndUser files a ticket on the HaloPSA user the alert names (by
	// e-mail or login, then by name, among the mapped client's users)
	// instead of the site's General User. Off unless chosen, for existing
	// and new policies alike; it applies to every source and cannot be set
	// in a source override.
	MatchEndUser bool `json:"match_end_user,omitempty"`
	// Types holds the settings per alert type ("av", "new-incident",
	// "user_request"…). A type that is missing or disabled raises no ticket.
	Types map[string]TypePolicy `json:"types,omitempty"`
	// Sources overrides fields for alerts of one source; overrides cannot
	// nest.
	Sources map[source.Kind]Policy `json:"sources,omitempty"`
}

// TypePolicy is the ticket configuration of one alert type.
type TypePolicy struct {
	Enabled bool `json:"enabled"`
	SLAID   int  `json:"sla_id,omitempty"`
	// PriorityID must belong to SLAID: a HaloPSA priority only means
	// something within its SLA.
	PriorityID int `json:"priority_id,omitempty"`
	// PriorityBySeverity overrides PriorityID for the severities it lists.
	PriorityBySeverity map[source.Severity]int `json:"priority_by_severity,omitempty"`
	// Category is the text of the ticket's first category (HaloPSA category_1).
	Category string `json:"category_1,omitempty"`
	Urgency  int    `json:"urgency,omitempty"`
	Impact   int    `json:"impact,omitempty"`
	// Team overrides the policy's default team for this type.
	Team     string   `json:"team,omitempty"`
	Grouping Grouping `json:"grouping,omitempty"`
	// GroupWindow, when set, starts a new ticket for each window of this
	// length (stored in nanoseconds); zero keeps one ticket per group.
	GroupWindow time.Duration `json:"group_window,omitempty"`
	// AutoClose closes the ticket when the source resolves the alert.
	AutoClose bool `json:"auto_close,omitempty"`
	// ReopenWindow reopens a ticket closed less than this long ago instead of
	// creating a new one (stored in nanoseconds); zero never reopens.
	ReopenWindow time.Duration `json:"reopen_window,omitempty"`
	// SourceLoop is what a ticket of this type closed or reopened in HaloPSA does at
	// its GravityZone incident; empty means LoopNoteAndStatus.
	SourceLoop SourceLoop `json:"source_loop,omitempty"`
}

// SourceLoop is how a change made in HaloPSA goes back to a GravityZone incident.
type SourceLoop string

// The ways a change goes back to the incident.
const (
	// LoopOff leaves the incident as it is.
	LoopOff SourceLoop = "off"
	// LoopNote adds the agent's note to the incident, leaving its status.
	LoopNote SourceLoop = "note"
	// LoopNoteAndStatus adds the note and resolves the incident (or sets it back to
	// open when the ticket is reopened): the default.
	LoopNoteAndStatus SourceLoop = "note_and_status"
)

// Loop is tp's SourceLoop, the default when unset.
func (tp TypePolicy) Loop() SourceLoop {
	if tp.SourceLoop == "" {
		return LoopNoteAndStatus
	}
	return tp.SourceLoop
}

// ForSource returns the policy that applies to alerts of k: p with the
// non-zero fields of its override for k, and the override's alert types
// replacing p's type by type. A field cannot be reset to zero by an override.
func (p Policy) ForSource(k source.Kind) Policy {
	out := p
	out.Sources = nil
	o, ok := p.Sources[k]
	if !ok {
		return out
	}
	overrideInt(&out.TicketTypeID, o.TicketTypeID)
	overrideInt(&out.AgentID, o.AgentID)
	overrideInt(&out.InitialStatusID, o.InitialStatusID)
	overrideInt(&out.ClosingStatusID, o.ClosingStatusID)
	overrideInt(&out.NoteOutcomeID, o.NoteOutcomeID)
	if o.ShowUpdatesToUser != nil {
		out.ShowUpdatesToUser = o.ShowUpdatesToUser
	}
	if o.SourceID != nil {
		out.SourceID = o.SourceID
	}
	if o.Team != "" {
		out.Team = o.Team
	}
	if o.TitleTemplate != "" {
		out.TitleTemplate = o.TitleTemplate
	}
	if o.DetailsTemplate != "" {
		out.DetailsTemplate = o.DetailsTemplate
	}
	if len(o.Types) > 0 {
		out.Types = maps.Clone(p.Types)
		if out.Types == nil {
			out.Types = make(map[string]TypePolicy, len(o.Types))
		}
		maps.Copy(out.Types, o.Types)
	}
	return out
}

// TicketTypeIDs are the HaloPSA ticket types p files tickets as: its own and those of its
// source overrides, each once, in ascending order.
func (p Policy) TicketTypeIDs() []int {
	var ids []int
	add := func(id int) {
		if id > 0 && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	add(p.TicketTypeID)
	for k := range p.Sources {
		add(p.ForSource(k).TicketTypeID)
	}
	slices.Sort(ids)
	return ids
}

func overrideInt(dst *int, v int) {
	if v != 0 {
		*dst = v
	}
}

// showUpdates reads the mandatory switch; an unset switch hides notes, the
// safer reading for a policy that skipped validation.
func (p Policy) showUpdates() bool {
	return p.ShowUpdatesToUser != nil && *p.ShowUpdatesToUser
}

// orDefault reads the empty grouping as GroupByAlert.
func (g Grouping) orDefault() Grouping {
	if g == "" {
		return GroupByAlert
	}
	return g
}

// teamFor is the team tickets of this type go to.
func (p Policy) teamFor(tp TypePolicy) string {
	if tp.Team != "" {
		return tp.Team
	}
	return p.Team
}

// priorityFor picks the priority for an alert of severity s.
func (tp TypePolicy) priorityFor(s source.Severity) int {
	if id := tp.PriorityBySeverity[s]; id > 0 {
		return id
	}
	return tp.PriorityID
}
