package halo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Ticket is a Halo ticket (Halo's "Faults"). Zero fields are not sent, so an update carries
// only what changed. With a specific user, Halo needs SiteID too ("Please select a valid
// Client/Site/User"); a site's General User is the usual fallback (see GeneralUser).
type Ticket struct {
	ID           int    `json:"id,omitempty"`
	Summary      string `json:"summary,omitempty"`
	Details      string `json:"details,omitempty"`
	DetailsHTML  string `json:"details_html,omitempty"`
	ClientID     int    `json:"client_id,omitempty"`
	ClientName   string `json:"client_name,omitempty"`
	SiteID       int    `json:"site_id,omitempty"`
	SiteName     string `json:"site_name,omitempty"`
	UserID       int    `json:"user_id,omitempty"`
	UserName     string `json:"user_name,omitempty"`
	TicketTypeID int    `json:"tickettype_id,omitempty"`
	StatusID     int    `json:"status_id,omitempty"`
	AgentID      int    `json:"agent_id,omitempty"`
	// Team is the team's name: Halo's ticket has no team id field.
	Team       string `json:"team,omitempty"`
	SLAID      int    `json:"sla_id,omitempty"`
	PriorityID int    `json:"priority_id,omitempty"`
	Urgency    int    `json:"urgency,omitempty"`
	Impact     int    `json:"impact,omitempty"`
	Category1  string `json:"category_1,omitempty"`
	Category2  string `json:"category_2,omitempty"`
	Category3  string `json:"category_3,omitempty"`
	Category4  string `json:"category_4,omitempty"`
	// Source is the request source; a pointer because 0 (Email) is a real value.
	Source       *int   `json:"source,omitempty"`
	DateOccurred string `json:"dateoccurred,omitempty"`
	DateClosed   string `json:"dateclosed,omitempty"`
	// LastUpdate is when HaloPSA last changed the ticket, as it reads it back.
	LastUpdate    string `json:"last_update,omitempty"`
	HasBeenClosed bool   `json:"hasbeenclosed,omitempty"`
	// ThirdPartyIDString is free text for another system's key; halobridge keeps the alert
	// group's key there so that the ticket can be found again after a crash.
	ThirdPartyIDString string         `json:"third_party_id_string,omitempty"`
	CustomFields       []CustomField  `json:"customfields,omitempty"`
	ExternalLinks      []ExternalLink `json:"external_links,omitempty"`
	NewExternalLink    *ExternalLink  `json:"new_external_link,omitempty"`
	// DontDoRules skips Halo's ticket rules for this write.
	DontDoRules bool `json:"dont_do_rules,omitempty"`
	// DoNotApplyTemplate keeps the ticket type's template from overwriting the fields sent.
	DoNotApplyTemplate bool `json:"donotapplytemplateintheapi,omitempty"`
	// ValidateOnly asks Halo to check the ticket without saving it.
	ValidateOnly bool `json:"_validate_only,omitempty"`
	// AssetIDs are the assets the ticket is about, sent and read back as HaloPSA's
	// assets: [{"id": N}] (API.md §3.19).
	AssetIDs []int `json:"-"`
}

// ticketWire is a Ticket as HaloPSA's JSON carries it.
type ticketWire struct {
	ticketFields
	Assets []TicketAsset `json:"assets,omitempty"`
}

// ticketFields are a Ticket's fields without its methods, so that ticketWire's coding does
// not call them again.
type ticketFields Ticket

// MarshalJSON writes AssetIDs as assets. HTML is left unescaped, as the client sends notes.
func (t Ticket) MarshalJSON() ([]byte, error) {
	w := ticketWire{ticketFields: ticketFields(t)}
	for _, id := range t.AssetIDs {
		w.Assets = append(w.Assets, TicketAsset{ID: id})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads assets into AssetIDs, every field leniently (see decodeLenient).
func (t *Ticket) UnmarshalJSON(b []byte) error {
	var w ticketWire
	if err := decodeLenient(b, &w); err != nil {
		return err
	}
	*t = Ticket(w.ticketFields)
	t.AssetIDs = nil
	for _, a := range w.Assets {
		if a.ID > 0 {
			t.AssetIDs = append(t.AssetIDs, a.ID)
		}
	}
	return nil
}

// Action is a note, update or time entry on a ticket (Halo's "Actions"). Halo refuses an
// action without a ticket or an outcome.
type Action struct {
	ID       int    `json:"id,omitempty"`
	TicketID int    `json:"ticket_id,omitempty"`
	Outcome  string `json:"outcome,omitempty"`
	// OutcomeID is instance specific; 7 is "Internal Note" on a stock Halo.
	OutcomeID int    `json:"outcome_id,omitempty"`
	Note      string `json:"note,omitempty"`
	NoteHTML  string `json:"note_html,omitempty"`
	// HiddenFromUser is always sent: it decides whether the end user sees the note.
	HiddenFromUser bool    `json:"hiddenfromuser"`
	TimeTaken      float64 `json:"timetaken,omitempty"`
	// NewStatus changes the ticket's status with the action (e.g. to close it).
	NewStatus int `json:"new_status,omitempty"`
	// OldStatus is, in HaloPSA's answer, the ticket's status before the
	// action: a note learns from it that the ticket was closed meanwhile.
	OldStatus             int    `json:"old_status,omitempty"`
	SendEmail             bool   `json:"sendemail,omitempty"`
	Important             bool   `json:"important,omitempty"`
	DateTime              string `json:"datetime,omitempty"`
	ActionByAgentID       int    `json:"actionby_agent_id,omitempty"`
	ActionByApplicationID string `json:"actionby_application_id,omitempty"`
	DontDoRules           bool   `json:"dont_do_rules,omitempty"`
}

// ErrNoOutcome is returned before sending an action without an outcome, which Halo would
// refuse with "An Outcome must be entered for this Action".
var ErrNoOutcome = errors.New("an action needs an outcome (outcome_id or outcome): HaloPSA refuses actions without one")

// TicketQuery filters Tickets; zero fields do not filter.
type TicketQuery struct {
	ClientID int
	SiteID   int
	UserID   int
	StatusID int
	OpenOnly bool
	Search   string
	// ThirdPartyIDString keeps the tickets whose third_party_id_string equals it (an
	// advanced_search filter of type 2, "equals").
	ThirdPartyIDString string
	// Updated keeps the tickets HaloPSA last changed within it (lastupdatefromdate and
	// lastupdatetodate, which /Tickets declares too).
	Updated Updated
	// TicketTypeIDs keeps the tickets of these ticket types (requesttype, an array of ids
	// sent comma-separated).
	TicketTypeIDs []int
}

// advancedFilter is one condition of Halo's advanced_search list parameter.
type advancedFilter struct {
	Name  string `json:"filter_name"`
	Type  int    `json:"filter_type"`
	Value string `json:"filter_value"`
}

// filterEquals is the advanced_search filter_type that matches a field's whole value.
const filterEquals = 2

// Tickets returns every ticket matching q, 100 per request (Halo's maximum).
func (c *Client) Tickets(ctx context.Context, q TicketQuery) ([]Ticket, error) {
	query := url.Values{}
	setID(query, "client_id", q.ClientID)
	setID(query, "site_id", q.SiteID)
	setID(query, "user_id", q.UserID)
	setID(query, "status_id", q.StatusID)
	if q.OpenOnly {
		query.Set("open_only", "true")
	}
	if q.Search != "" {
		query.Set("search", q.Search)
	}
	if q.ThirdPartyIDString != "" {
		filter, err := json.Marshal([]advancedFilter{{Name: "third_party_id_string", Type: filterEquals, Value: q.ThirdPartyIDString}})
		if err != nil {
			return nil, fmt.Errorf("encode advanced_search: %w", err)
		}
		query.Set("advanced_search", string(filter))
	}
	q.Updated.set(query)
	if len(q.TicketTypeIDs) > 0 {
		ids := make([]string, len(q.TicketTypeIDs))
		for i, id := range q.TicketTypeIDs {
			ids[i] = strconv.Itoa(id)
		}
		query.Set("requesttype", strings.Join(ids, ","))
	}
	return readAll[Ticket](ctx, c, list{template: "/Tickets", key: "tickets", query: query, pageSize: pageSizeTickets})
}

// Ticket returns one ticket.
func (c *Client) Ticket(ctx context.Context, id int) (Ticket, error) {
	var out Ticket
	err := c.getJSON(ctx, "/Tickets/{id}", idPath("Tickets", id), nil, &out)
	return out, err
}

// Actions returns the actions of a ticket; Halo lists none without a ticket id.
func (c *Client) Actions(ctx context.Context, ticketID int) ([]Action, error) {
	return readAll[Action](ctx, c, list{
		template: "/Actions", key: "actions",
		query: url.Values{"ticket_id": {strconv.Itoa(ticketID)}},
	})
}

// CreateTicket creates one ticket; Halo answers 201 with the saved ticket.
func (c *Client) CreateTicket(ctx context.Context, t Ticket) (Ticket, error) {
	if err := mustCreate("ticket", t.ID); err != nil {
		return Ticket{}, err
	}
	return postOne(ctx, c, "/Tickets", t)
}

// CreateTickets creates several tickets in one request.
func (c *Client) CreateTickets(ctx context.Context, tickets []Ticket) ([]Ticket, error) {
	for _, t := range tickets {
		if err := mustCreate("ticket", t.ID); err != nil {
			return nil, err
		}
	}
	return post(ctx, c, "/Tickets", tickets)
}

// UpdateTicket changes the non-zero fields of t on ticket t.ID, e.g. {ID, StatusID: 9} to
// close it.
func (c *Client) UpdateTicket(ctx context.Context, t Ticket) (Ticket, error) {
	if t.ID <= 0 {
		return Ticket{}, errors.New("update ticket: the ticket id is required")
	}
	return postOne(ctx, c, "/Tickets", t)
}

// AddAction adds an action to a ticket. It refuses, before sending, an action Halo would
// reject for lack of a ticket or an outcome.
func (c *Client) AddAction(ctx context.Context, a Action) (Action, error) {
	if a.TicketID <= 0 {
		return Action{}, fmt.Errorf("add action: the ticket id is required (HaloPSA: An Action must be associated with a ticket_id)")
	}
	if a.OutcomeID <= 0 && a.Outcome == "" {
		return Action{}, fmt.Errorf("add action to ticket %d: %w", a.TicketID, ErrNoOutcome)
	}
	return postOne(ctx, c, "/Actions", a)
}
