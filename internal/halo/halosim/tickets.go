package halosim

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Ticket is a ticket (SW Faults). team is the team's name: the 2024 schema has no team_id.
type Ticket struct {
	ID                 int            `json:"id"`
	Summary            string         `json:"summary"`
	Details            string         `json:"details"`
	DetailsHTML        string         `json:"details_html"`
	ClientID           int            `json:"client_id"`
	ClientName         string         `json:"client_name"`
	SiteID             int            `json:"site_id"`
	SiteName           string         `json:"site_name"`
	UserID             int            `json:"user_id"`
	UserName           string         `json:"user_name"`
	UserEmail          string         `json:"user_email"`
	ReportedBy         string         `json:"reportedby"`
	TicketTypeID       int            `json:"tickettype_id"`
	TicketTypeName     string         `json:"tickettype_name"`
	StatusID           int            `json:"status_id"`
	StatusName         string         `json:"status_name"`
	AgentID            int            `json:"agent_id"`
	Team               string         `json:"team"`
	SLAID              int            `json:"sla_id"`
	PriorityID         int            `json:"priority_id"`
	Urgency            int            `json:"urgency"`
	Impact             int            `json:"impact"`
	Category1          string         `json:"category_1"`
	Category2          string         `json:"category_2"`
	Category3          string         `json:"category_3"`
	Category4          string         `json:"category_4"`
	Source             int            `json:"source"`
	DateOccurred       string         `json:"dateoccurred"`
	DateClosed         string         `json:"dateclosed"`
	HasBeenClosed      bool           `json:"hasbeenclosed"`
	OnHold             bool           `json:"onhold"`
	ParentID           int            `json:"parent_id"`
	CreatedFromID      int            `json:"createdfrom_id"`
	InventoryNumber    string         `json:"inventory_number"`
	ContractID         int            `json:"contract_id"`
	Reference          string         `json:"reference"`
	ThirdPartyID       int            `json:"third_party_id"`
	ThirdPartyIDString string         `json:"third_party_id_string"`
	ThirdPartyClientID string         `json:"third_party_client_id"`
	LastActionDate     string         `json:"lastactiondate"`
	LastUpdate         string         `json:"last_update"`
	CustomFields       []CustomField  `json:"customfields"`
	ExternalLinks      []ExternalLink `json:"external_links"`
	// Assets are the devices the ticket is about; a write sends [{"id": N}].
	Assets []TicketAsset `json:"assets"`
	Use    string        `json:"use"`
}

// Defaults for tickets that name neither a type nor a source.
const (
	defaultTicketTypeID = 1 // Incident
	manualSourceID      = 1 // request source "Manual", what API tickets show unless source is set
)

func (s *Sim) ticketView(t Ticket) Ticket {
	t.ClientName = s.db.clients[t.ClientID].Name
	t.SiteName = s.db.sites[t.SiteID].Name
	t.StatusName = s.db.statuses[t.StatusID].Name
	t.TicketTypeName = s.db.ticketTypes[t.TicketTypeID].Name
	t.CustomFields = nonNil(slices.Clone(t.CustomFields))
	t.ExternalLinks = s.linksFor(tableTicket, t.ID)
	t.Assets = s.ticketAssetViews(t.Assets)
	t.Use = "ticket"
	return t
}

func (s *Sim) listTickets(c *call) reply {
	ints := map[string]func(Ticket) int{
		"client_id": func(t Ticket) int { return t.ClientID }, "site_id": func(t Ticket) int { return t.SiteID },
		"user_id": func(t Ticket) int { return t.UserID }, "agent_id": func(t Ticket) int { return t.AgentID },
		"status_id": func(t Ticket) int { return t.StatusID }, "requesttype_id": func(t Ticket) int { return t.TicketTypeID },
		"parent_id": func(t Ticket) int { return t.ParentID },
	}
	rows := sortedValues(s.db.tickets)
	for name, get := range ints {
		if want, ok := c.q.int(name); ok {
			rows = filter(rows, func(t Ticket) bool { return get(t) == want })
		}
	}
	if ids := c.q.ints("ticketids"); len(ids) > 0 {
		rows = filter(rows, func(t Ticket) bool { return slices.Contains(ids, t.ID) })
	}
	// requesttype is an array of ticket type ids, sent comma-separated (SW GET /Tickets).
	if types := c.q.ints("requesttype"); len(types) > 0 {
		rows = filter(rows, func(t Ticket) bool { return slices.Contains(types, t.TicketTypeID) })
	}
	openOnly, closedOnly := c.q.flag("open_only", false), c.q.flag("closed_only", false)
	term := c.q.text("search")
	updated := c.q.updateWindow()
	rows = filter(rows, func(t Ticket) bool {
		closed := t.StatusID == closedStatusID
		return (!openOnly || !closed) && (!closedOnly || closed) && updated.keeps(t.LastUpdate) &&
			(term == "" || containsFold(t.Summary, term) || strings.TrimSpace(term) == strconv.Itoa(t.ID))
	})
	views := make([]Ticket, 0, len(rows))
	for _, t := range rows {
		views = append(views, s.ticketView(t))
	}
	views, rep, ok := advancedSearch(c.q, views)
	if !ok {
		return rep
	}
	return wrapped(c.q, "tickets", views, s.pageCap(true))
}

func (s *Sim) getTicket(_ *call, seg string) reply {
	id, _ := parseID(seg)
	t, ok := s.db.tickets[id]
	if !ok {
		return notFound("Ticket", seg)
	}
	return jsonReply(http.StatusOK, s.ticketView(t))
}

// postTickets creates tickets (validating client/site/user the way Halo does) and updates the
// fields sent on existing ones. _validate_only checks a new ticket without saving it.
func (s *Sim) postTickets(c *call, objs []object) reply {
	var out []Ticket
	for _, o := range objs {
		var t Ticket
		var rep reply
		var ok bool
		if id := o.id(); id > 0 {
			t, rep, ok = s.updateTicket(c, id, o)
		} else {
			t, rep, ok = s.createTicket(c, o)
		}
		if !ok {
			return rep
		}
		out = append(out, s.ticketView(t))
	}
	return saved(out)
}

func (s *Sim) createTicket(c *call, o object) (Ticket, reply, bool) {
	ref, rep, ok := customerRefOf(o)
	if !ok {
		return Ticket{}, rep, false
	}
	t, rep, ok := patch(Ticket{}, o)
	if !ok {
		return Ticket{}, rep, false
	}
	if strings.TrimSpace(t.Summary) == "" {
		return Ticket{}, badRequest("Please enter a Summary"), false
	}
	if t.TicketTypeID == 0 {
		t.TicketTypeID = defaultTicketTypeID
	}
	tt, ok := s.db.ticketTypes[t.TicketTypeID]
	if !ok {
		return Ticket{}, badRequest("Please select a valid Ticket Type (%d does not exist)", t.TicketTypeID), false
	}
	if rep, ok := s.resolveCustomer(&t, ref, o); !ok {
		return Ticket{}, rep, false
	}
	if tt.ApprovalProcessID > 0 {
		return Ticket{}, badRequest(msgCABApproval), false
	}
	if rep, ok := s.ticketAssets(&t); !ok {
		return Ticket{}, rep, false
	}
	s.applyTicketTypeDefaults(&t, tt, o)
	switch missing := missingMandatory(t, tt); len(missing) {
	case 0:
	case 1:
		return Ticket{}, badRequest(msgMandatoryField, missing[0]), false
	default:
		return Ticket{}, badRequest(msgMandatoryFields, strings.Join(missing[:len(missing)-1], ", "), missing[len(missing)-1]), false
	}
	if rep, ok := s.applyStatus(&t, 0); !ok {
		return Ticket{}, rep, false
	}
	now := s.stamp()
	if t.DateOccurred == "" {
		t.DateOccurred = now
	}
	t.LastActionDate, t.LastUpdate = now, now
	t.ExternalLinks = nil
	if validateOnly, _ := o.boolValue("_validate_only"); validateOnly {
		t.ID = 0
		return t, reply{}, true
	}
	t.ID = s.db.nextID("ticket")
	s.db.tickets[t.ID] = t
	s.addOpeningAction(t, c.caller)
	s.fireTicketEvent(EventNewTicket, t)
	if rep, ok := s.addNewLink(o, tableTicket, t.ID, t.Summary); !ok {
		return Ticket{}, rep, false
	}
	return t, reply{}, true
}

func (s *Sim) updateTicket(_ *call, id int, o object) (Ticket, reply, bool) {
	existing, ok := s.db.tickets[id]
	if !ok {
		return Ticket{}, notFound("Ticket", id), false
	}
	ref, rep, ok := customerRefOf(o)
	if !ok {
		return Ticket{}, rep, false
	}
	t, rep, ok := patch(existing, o)
	if !ok {
		return Ticket{}, rep, false
	}
	if _, ok := s.db.ticketTypes[t.TicketTypeID]; !ok {
		return Ticket{}, badRequest("Please select a valid Ticket Type (%d does not exist)", t.TicketTypeID), false
	}
	if ref.sent {
		if rep, ok := s.resolveCustomer(&t, ref, o); !ok {
			return Ticket{}, rep, false
		}
	}
	if rep, ok := s.ticketAssets(&t); !ok {
		return Ticket{}, rep, false
	}
	if rep, ok := s.applyStatus(&t, existing.StatusID); !ok {
		return Ticket{}, rep, false
	}
	t.LastUpdate = s.stamp()
	t.ExternalLinks = nil
	if validateOnly, _ := o.boolValue("_validate_only"); validateOnly {
		return t, reply{}, true
	}
	s.db.tickets[id] = t
	if rep, ok := s.addNewLink(o, tableTicket, id, t.Summary); !ok {
		return Ticket{}, rep, false
	}
	s.ticketChanged(t, existing.StatusID)
	return t, reply{}, true
}

// customerRef is who a ticket write names: client, site and a specific user (0 when none).
type customerRef struct {
	sent                     bool
	clientID, siteID, userID int
}

// customerRefOf reads client_id, site_id, user_id and userlookup.id. Halo insists on JSON
// integers for these: "57" (a string) or 57.0 gets the generic Client/Site/User refusal.
func customerRefOf(o object) (customerRef, reply, bool) {
	var ref customerRef
	for _, f := range []struct {
		key string
		dst *int
	}{{"client_id", &ref.clientID}, {"site_id", &ref.siteID}, {"user_id", &ref.userID}} {
		if _, present := o[f.key]; present {
			ref.sent = true
		}
		if !o.has(f.key) {
			continue
		}
		n, ok := o.intValue(f.key)
		if !ok {
			return customerRef{}, badRequest(msgInvalidClientSiteUser), false
		}
		*f.dst = n
	}
	if o.has("userlookup") {
		ref.sent = true
		if n, ok := o.unwrap("userlookup").intValue("id"); ok && n > 0 && ref.userID <= 0 {
			ref.userID = n
		}
	}
	return ref, reply{}, true
}

// resolveCustomer applies Halo's rules: a specific user needs its site; otherwise the ticket
// goes to the General User of the site given, or of the client's main site. Anything that
// does not resolve to an active client, site and user is "Please select a valid Client/Site/User".
func (s *Sim) resolveCustomer(t *Ticket, ref customerRef, o object) (reply, bool) {
	invalid := badRequest(msgInvalidClientSiteUser)
	var site Site
	var user User
	switch {
	case ref.userID > 0:
		if ref.siteID <= 0 {
			return invalid, false
		}
		u, okU := s.db.users[ref.userID]
		st, okS := s.db.sites[ref.siteID]
		if !okU || !okS || int(u.SiteID) != st.ID || u.Inactive {
			return invalid, false
		}
		site, user = st, u
	case ref.siteID > 0:
		st, ok := s.db.sites[ref.siteID]
		if !ok {
			return invalid, false
		}
		site = st
	case ref.clientID > 0:
		cl, ok := s.db.clients[ref.clientID]
		if !ok {
			return invalid, false
		}
		st, ok := s.db.sites[cl.MainSiteID]
		if !ok {
			return invalid, false
		}
		site = st
	default:
		return invalid, false
	}
	client, ok := s.db.clients[int(site.ClientID)]
	if !ok || client.Inactive || site.Inactive || (ref.clientID > 0 && ref.clientID != client.ID) {
		return invalid, false
	}
	if user.ID == 0 {
		gu, ok := s.generalUserOf(site.ID)
		if !ok {
			return invalid, false
		}
		user = gu
	}
	t.ClientID, t.SiteID, t.UserID = client.ID, site.ID, user.ID
	t.UserName, t.UserEmail = user.Name, user.EmailAddress
	if name, ok := o.text("user_name"); ok && strings.TrimSpace(name) != "" && isGeneralUser(user) {
		t.UserName = strings.TrimSpace(name)
	}
	return reply{}, true
}

// applyTicketTypeDefaults fills what the ticket did not say from its ticket type.
func (s *Sim) applyTicketTypeDefaults(t *Ticket, tt TicketType, o object) {
	if !o.has("status_id") {
		t.StatusID = tt.InitialStatus
	}
	if !o.has("sla_id") {
		t.SLAID = tt.DefaultSLA
	}
	if !o.has("priority_id") {
		t.PriorityID = tt.DefaultPriority
	}
	if t.Team == "" {
		t.Team = tt.DefaultTeam
	}
	if !o.has("agent_id") {
		t.AgentID = max(tt.DefaultAgent, unassignedAgentID)
	}
	if t.Category1 == "" {
		t.Category1 = tt.DefaultCategory1
	}
	if !o.has("source") {
		t.Source = manualSourceID
	}
}

// missingMandatory lists, by label, the mandatory fields of tt that the ticket leaves empty
// once the type's defaults are applied.
func missingMandatory(t Ticket, tt TicketType) []string {
	var missing []string
	for _, f := range tt.Fields {
		if f.mandatory() && !ticketHas(t, f.FieldInfo.FaultsFieldName) {
			missing = append(missing, cmp.Or(f.FieldInfo.Label, f.FieldName))
		}
	}
	return missing
}

// ticketHas reports whether the ticket fills its field name; a field the simulator does not
// keep (a custom field, say) is never filled.
func ticketHas(t Ticket, name string) bool {
	switch name {
	case "summary":
		return strings.TrimSpace(t.Summary) != ""
	case "details", "details_html":
		return strings.TrimSpace(t.Details+t.DetailsHTML) != ""
	case "category_1":
		return t.Category1 != ""
	case "category_2":
		return t.Category2 != ""
	case "category_3":
		return t.Category3 != ""
	case "category_4":
		return t.Category4 != ""
	case "impact":
		return t.Impact > 0
	case "urgency":
		return t.Urgency > 0
	case "priority_id":
		return t.PriorityID > 0
	case "sla_id":
		return t.SLAID > 0
	case "team":
		return t.Team != ""
	case "agent_id":
		return t.AgentID > unassignedAgentID
	case "status_id":
		return t.StatusID > 0
	}
	return false
}

// applyStatus validates the ticket's status and keeps the closure fields in step with it.
// hasbeenclosed follows the current status, which is how integrations read it.
func (s *Sim) applyStatus(t *Ticket, previous int) (reply, bool) {
	if !s.statusExists(t.StatusID) {
		return badRequest("Please select a valid Status (%d does not exist)", t.StatusID), false
	}
	switch {
	case t.StatusID == closedStatusID && previous != closedStatusID:
		t.HasBeenClosed, t.DateClosed = true, s.stamp()
	case t.StatusID != closedStatusID:
		t.HasBeenClosed, t.DateClosed = false, emptyDate
	}
	return reply{}, true
}

func (s *Sim) deleteTicket(_ *call, seg string) reply {
	id, _ := parseID(seg)
	t, ok := s.db.tickets[id]
	if !ok {
		return notFound("Ticket", seg)
	}
	view := s.ticketView(t)
	delete(s.db.tickets, id)
	delete(s.db.actions, id)
	s.dropLinks(tableTicket, id)
	return jsonReply(http.StatusOK, view)
}

// Ticket returns a ticket as GET /api/Tickets/{id} shows it.
func (s *Sim) Ticket(id int) (Ticket, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.db.tickets[id]
	if !ok {
		return Ticket{}, false
	}
	return s.ticketView(t), true
}

// Tickets returns every ticket ordered by id.
func (s *Sim) Tickets() []Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Ticket{}
	for _, t := range sortedValues(s.db.tickets) {
		out = append(out, s.ticketView(t))
	}
	return out
}

// SetTicketStatus moves a ticket as an agent would in Halo's UI (9 closes it).
func (s *Sim) SetTicketStatus(id, status int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.db.tickets[id]
	if !ok {
		return fmt.Errorf("halosim: ticket %d does not exist", id)
	}
	previous := t.StatusID
	t.StatusID = status
	if rep, ok := s.applyStatus(&t, previous); !ok {
		return errReply(rep)
	}
	t.LastUpdate = s.stamp()
	s.db.tickets[id] = t
	s.ticketChanged(t, previous)
	return nil
}
