package ticketing

import (
	"fmt"
	"time"

	"halobridge/internal/source"
)

// Action is what the delivery code must do in HaloPSA.
type Action string

const (
	// ActionCreate creates Decision.Ticket and links it to the group key,
	// replacing the link to a closed ticket when there was one.
	ActionCreate Action = "create"
	// ActionNote adds Decision.Note to the open ticket Decision.TicketID.
	ActionNote Action = "note"
	// ActionReopen sets ticket Decision.TicketID to Decision.Status and adds
	// Decision.Note.
	ActionReopen Action = "reopen"
	// ActionClose sets ticket Decision.TicketID to Decision.Status (the
	// closing status) and adds Decision.Note.
	ActionClose Action = "close"
	// ActionReconcile follows a crash between writing a pending link and
	// HaloPSA confirming the ticket: look for an open ticket whose
	// third_party_id_string is the group key. Found: confirm the link and
	// decide again. Not found: create Decision.Ticket.
	ActionReconcile Action = "reconcile"
	// ActionSkip does nothing in HaloPSA; Decision.Reason says why.
	ActionSkip Action = "skip"
)

// LinkState is the state of a ticket link as halobridge last knew it.
type LinkState string

const (
	LinkOpen   LinkState = "open"
	LinkClosed LinkState = "closed"
	// LinkPending is written before the ticket is posted to HaloPSA, and
	// replaced by LinkOpen once HaloPSA answers with the ticket id.
	LinkPending LinkState = "pending"
)

// Link is the ticket a group key points to.
type Link struct {
	Key      string
	TicketID int // 0 while pending
	State    LinkState
	// AlertType is the type of the alert that opened the ticket; resolutions
	// do not carry a type, so DecideResolution reads the policy through it.
	AlertType   string
	OpenedAt    time.Time
	ClosedAt    time.Time
	LastAlertAt time.Time
	AlertCount  int
}

// MappingState is the customer's mapping, as far as ticketing cares.
type MappingState struct {
	Mapped    bool
	ClientID  int
	SiteID    int // 0: let HaloPSA resolve the site through the General User
	Ticketing bool
}

// Input is everything Decide needs; the caller loads it.
type Input struct {
	Alert   source.Alert
	Mapping MappingState
	// FallbackClientID receives tickets of unmapped customers; 0 means the
	// partner has none and such alerts are skipped.
	FallbackClientID int
	// Endpoint is, for an alert that names no company, what the caller
	// found of its endpoint's company; nil when it looked for none.
	Endpoint *EndpointCompany
	Policy   Policy
	Link     *Link // nil: the group key has no ticket yet
	Now      time.Time
	// Names name the company, the HaloPSA client and the user in the
	// ticket's title, body and notes, where the alert carries only ids.
	Names Names
	// EndUsers are the HaloPSA users of the mapped client, which the
	// policy's MatchEndUser files the ticket on; the caller loads them only
	// when it is on.
	EndUsers []HaloUser
	// Asset is the HaloPSA asset the alert's endpoint is mapped to, nil
	// when it is mapped to none.
	Asset *Asset
}

// TicketFields are the fields of a ticket to create; the JSON names are
// HaloPSA's.
type TicketFields struct {
	Summary     string `json:"summary"`
	DetailsHTML string `json:"details_html"`
	ClientID    int    `json:"client_id"`
	SiteID      int    `json:"site_id,omitempty"`
	// UserID is the HaloPSA user the alert names, when the policy matches
	// end users and exactly one matches; SiteID is then that user's site.
	UserID int `json:"user_id,omitempty"`
	// UseGeneralUser asks for the site's General User as the ticket's user
	// (HaloPSA userlookup id -1): true unless UserID is set.
	UseGeneralUser bool `json:"use_general_user"`
	TicketTypeID   int  `json:"tickettype_id"`
	// AssetIDs are the HaloPSA assets the ticket is about: the asset the
	// alert's endpoint is mapped to.
	AssetIDs   []int  `json:"asset_ids,omitempty"`
	StatusID   int    `json:"status_id,omitempty"`
	AgentID    int    `json:"agent_id,omitempty"`
	Team       string `json:"team,omitempty"`
	SLAID      int    `json:"sla_id,omitempty"`
	PriorityID int    `json:"priority_id,omitempty"`
	Category1  string `json:"category_1,omitempty"`
	Urgency    int    `json:"urgency,omitempty"`
	Impact     int    `json:"impact,omitempty"`
	// Source is the request source; a pointer because 0 (Email) is real.
	Source *int `json:"source,omitempty"`
	// ThirdPartyIDString is the group key, so the ticket can be found again.
	ThirdPartyIDString string    `json:"third_party_id_string"`
	DateOccurred       time.Time `json:"dateoccurred,omitzero"`
}

// Decision is what to do and why.
type Decision struct {
	Action Action
	// Reason says why, in words for the partner's events page.
	Reason   string
	GroupKey string
	// TicketID is the existing ticket for Note, Reopen and Close.
	TicketID int
	Ticket   *TicketFields // for Create and Reconcile
	Note     *NoteFields   // for Note, Reopen and Close
	Status   int           // for Reopen and Close
	// Unmapped says the customer has no HaloPSA client: the caller records an
	// integration event, whether or not a fallback client took the ticket.
	Unmapped bool
}

// Decide chooses what to do in HaloPSA with one alert.
func Decide(in Input) Decision {
	a := in.Alert
	p := in.Policy.ForSource(a.Source)
	tp, configured := p.Types[a.Type]
	d := Decision{GroupKey: groupKey(a, tp, in.Now)}

	switch {
	case a.Test:
		// A test event proves the path from the source to us; a ticket for it
		// would land on a real client's board with made-up data.
		return d.skip("test event from %s: delivery works, and test events never open tickets", sourceName(a.Source))
	case !configured || !tp.Enabled:
		return d.skip("tickets for %s alerts (%s) are turned off in the ticket policy", reportType(a), a.Type)
	case d.GroupKey == "":
		return d.skip("the alert has no fingerprint, so it cannot be matched to a ticket; %s sent it without one", sourceName(a.Source))
	}

	_, mapping, viaEndpoint := route(in)
	clientID, siteID := mapping.ClientID, mapping.SiteID
	switch {
	case !mapping.Mapped || mapping.ClientID <= 0:
		d.Unmapped = true
		if in.FallbackClientID <= 0 {
			if a.CustomerID == "" {
				return d.skip("%s", noCompanySkip(a, in.Endpoint))
			}
			return d.skip("customer %s is not mapped to a HaloPSA client and no fallback client is configured; map the customer or choose a fallback client",
				quoted(a.CustomerID))
		}
		clientID, siteID = in.FallbackClientID, 0
	case !mapping.Ticketing && viaEndpoint:
		return d.skip("%s; its endpoint %s belongs to company %s (from its other events or its source's device list), whose mapping has ticketing off", NoCompany(a), quoted(EndpointName(a)), in.Endpoint.label())
	case !mapping.Ticketing:
		return d.skip("ticketing is off in the mapping of customer %s", quoted(a.CustomerID))
	}

	ticket := func() *TicketFields {
		names := in.Names
		asset := assetFor(in, clientID)
		if asset != nil && !d.Unmapped {
			names.Asset, names.AssetDetail = asset.label()
		}
		t := newTicket(a, names, p, tp, d.GroupKey, clientID, siteID, d.Unmapped)
		if asset != nil && !d.Unmapped {
			t.AssetIDs = []int{asset.ID}
		}
		if p.MatchEndUser && !d.Unmapped {
			fileOnEndUser(t, a, in.Names, in.EndUsers)
		}
		if a.CustomerID == "" {
			t.DetailsHTML = noCompanyNotice(a, in.Endpoint, d.Unmapped) + t.DetailsHTML
		}
		return t
	}
	note := func(lead string) *NoteFields {
		n := BuildNote([]source.Alert{in.Names.Apply(a)}, !p.showUpdates())
		n.NoteHTML = lead + n.NoteHTML
		n.OutcomeID = p.NoteOutcomeID
		return &n
	}
	scope := groupScope(a, tp)

	link := in.Link
	if link == nil {
		d.Action, d.Ticket = ActionCreate, ticket()
		d.Reason = fmt.Sprintf("no ticket yet for %s; creating one", scope)
		return d
	}
	switch link.State {
	case LinkOpen:
		d.Action, d.TicketID, d.Note = ActionNote, link.TicketID, note("")
		d.Reason = fmt.Sprintf("ticket #%d is open for %s; adding the alert as a note", link.TicketID, scope)
	case LinkClosed:
		since := in.Now.Sub(link.ClosedAt)
		switch {
		case tp.ReopenWindow <= 0:
			d.Reason = fmt.Sprintf("ticket #%d for %s is closed and reopening is off for %s alerts; creating a new ticket", link.TicketID, scope, reportType(a))
		case link.ClosedAt.IsZero():
			d.Reason = fmt.Sprintf("ticket #%d for %s is closed and its closing time is unknown; creating a new ticket", link.TicketID, scope)
		case since > tp.ReopenWindow:
			d.Reason = fmt.Sprintf("ticket #%d for %s was closed %s ago, beyond the %s reopen window; creating a new ticket",
				link.TicketID, scope, humanDuration(since), humanDuration(tp.ReopenWindow))
		default:
			lead := fmt.Sprintf("<p>Reopened by halobridge: a new alert arrived %s after this ticket was closed.</p>\n", humanDuration(since))
			d.Action, d.TicketID, d.Status, d.Note = ActionReopen, link.TicketID, p.InitialStatusID, note(lead)
			d.Reason = fmt.Sprintf("ticket #%d for %s was closed %s ago, within the %s reopen window; reopening it",
				link.TicketID, scope, humanDuration(since), humanDuration(tp.ReopenWindow))
			return d
		}
		d.Action, d.Ticket = ActionCreate, ticket()
	default:
		d.Action, d.TicketID, d.Ticket = ActionReconcile, link.TicketID, ticket()
		d.Reason = fmt.Sprintf("a ticket for %s was being created when delivery stopped; look for it by third_party_id_string %s before creating one",
			scope, quoted(d.GroupKey))
	}
	return d
}

func (d Decision) skip(format string, args ...any) Decision {
	d.Action = ActionSkip
	d.Reason = fmt.Sprintf(format, args...)
	return d
}

func newTicket(a source.Alert, names Names, p Policy, tp TypePolicy, key string, clientID, siteID int, unmapped bool) *TicketFields {
	summary, details := Title(p.TitleTemplate, names.Apply(a)), Details(p.DetailsTemplate, a, names)
	if unmapped {
		summary = capSummary(unmappedPrefix + summary)
		if a.CustomerID != "" {
			// An alert without a company says so in its own notice.
			details = unmappedNotice(a, names) + details
		}
	}
	var requestSource *int
	if p.SourceID != nil {
		id := *p.SourceID
		requestSource = &id
	}
	return &TicketFields{
		Summary:            summary,
		DetailsHTML:        details,
		ClientID:           clientID,
		SiteID:             siteID,
		UseGeneralUser:     true,
		TicketTypeID:       p.TicketTypeID,
		StatusID:           p.InitialStatusID,
		AgentID:            p.AgentID,
		Team:               p.teamFor(tp),
		SLAID:              tp.SLAID,
		PriorityID:         tp.priorityFor(a.Severity),
		Category1:          tp.Category,
		Urgency:            tp.Urgency,
		Impact:             tp.Impact,
		Source:             requestSource,
		ThirdPartyIDString: key,
		DateOccurred:       a.OccurredAt,
	}
}

// groupScope names, for a reason, which alerts share the ticket.
func groupScope(a source.Alert, tp TypePolicy) string {
	var scope string
	switch tp.Grouping.orDefault() {
	case GroupByHost:
		if host := hostOf(a); host != "" {
			scope = fmt.Sprintf("%s alerts on host %s", reportType(a), quoted(host))
		}
	case GroupByCustomer:
		scope = fmt.Sprintf("%s alerts of customer %s", reportType(a), quoted(a.CustomerID))
	}
	if scope == "" {
		scope = "this alert"
	}
	if tp.GroupWindow > 0 {
		scope += fmt.Sprintf(" in the current %s window", humanDuration(tp.GroupWindow))
	}
	return scope
}
