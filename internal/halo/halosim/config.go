package halosim

import (
	"net/http"
	"slices"
	"strconv"
)

// Status is a ticket status (SW TStatus). Status 9 is Closed.
type Status struct {
	ID        int    `json:"id"`
	Name      string `json:"name"`
	ShortName string `json:"shortname"`
	Type      int    `json:"type"`
	Sequence  int    `json:"sequence"`
	Colour    string `json:"colour"`
}

// closedStatusID is the stock "Closed" status integrations rely on (API.md §3.6).
const closedStatusID = 9

// TicketType is a kind of ticket with its defaults (SW RequestType). A type with an approval
// process needs CAB members chosen, which the API cannot do.
type TicketType struct {
	ID                  int    `json:"id"`
	Name                string `json:"name"`
	GroupID             int    `json:"group_id"`
	Visible             bool   `json:"visible"`
	AgentsCanSelect     bool   `json:"agentscanselect"`
	EndUsersCanSelect   bool   `json:"enduserscanselect"`
	ITILRequestType     int    `json:"itilrequesttype"`
	WorkflowID          int    `json:"workflow_id"`
	InitialStatus       int    `json:"initial_status"`
	DefaultSLA          int    `json:"default_sla"`
	DefaultPriority     int    `json:"default_priority"`
	DefaultTeam         string `json:"default_team"`
	DefaultAgent        int    `json:"default_agent"`
	DefaultCategory1    string `json:"default_category_1"`
	DefaultImpact       int    `json:"default_impact"`
	ApprovalProcessID   int    `json:"approval_process_id"`
	ApprovalProcessName string `json:"approval_process_name"`
	// HasMandatoryTechFields says an agent's new ticket of this type must fill fields;
	// Fields, which lists them, is answered only with includedetails=true.
	HasMandatoryTechFields bool               `json:"hasmandatorytechfields"`
	Fields                 []RequestTypeField `json:"fields,omitempty"`
}

// RequestTypeField is one field of a ticket type's form (SW RequestTypeField). TechNew is the
// field's setting on the agent's new-ticket screen: 0 hidden, 1 optional, 2 recommended,
// 3 mandatory (API.md §3.20, from one client's comment).
type RequestTypeField struct {
	ID        int       `json:"id"`
	RTID      int       `json:"rtid"`
	FieldID   int       `json:"fieldid"`
	FieldName string    `json:"fieldname"`
	Seq       int       `json:"seq"`
	TechNew   int       `json:"technew"`
	FieldInfo FieldInfo `json:"fieldinfo"`
}

// techNewMandatory is the agent new-ticket setting that makes a field mandatory.
const techNewMandatory = 3

// FieldInfo describes a field (SW FieldInfo); FaultsFieldName is the ticket's JSON field it fills.
type FieldInfo struct {
	ID              int    `json:"id"`
	Name            string `json:"name"`
	Label           string `json:"label"`
	Mandatory       bool   `json:"mandatory"`
	DefaultValue    string `json:"defaultvalue"`
	FaultsFieldName string `json:"faults_field_name"`
}

// mandatory reports whether a new ticket must carry the field: HaloPSA fills it when it has a
// default value, so only a mandatory field without one can be missing.
func (f RequestTypeField) mandatory() bool {
	return (f.TechNew == techNewMandatory || f.FieldInfo.Mandatory) && f.FieldInfo.DefaultValue == ""
}

// SLA is a service level agreement with its own priorities (SW SlaHead).
type SLA struct {
	ID                   int        `json:"id"`
	GUID                 string     `json:"guid"`
	Name                 string     `json:"name"`
	WorkdayID            int        `json:"workday_id"`
	WorkdayName          string     `json:"workday_name"`
	TrackSLAResponseTime bool       `json:"trackslaresponsetime"`
	TrackSLAFixByTime    bool       `json:"trackslafixbytime"`
	Priorities           []Priority `json:"priorities,omitzero"`
}

// Priority is a priority within one SLA (SW Policy): its id is a GUID, and priorityid is the
// number a ticket's priority_id refers to.
type Priority struct {
	ID            string  `json:"id"`
	SLAID         int     `json:"slaid"`
	PriorityID    int     `json:"priorityid"`
	Name          string  `json:"name"`
	ResponseTime  float64 `json:"responsetime"`
	ResponseUnits string  `json:"responseunits"`
	FixTime       float64 `json:"fixtime"`
	FixUnits      string  `json:"fixunits"`
	IsHidden      bool    `json:"ishidden"`
	Colour        string  `json:"colour"`
}

// Category is a value of one of a ticket's four category fields (SW CategoryDetail).
type Category struct {
	ID         int    `json:"id"`
	Value      string `json:"value"`
	TypeID     int    `json:"type_id"`
	SLAID      int    `json:"sla_id"`
	PriorityID int    `json:"priority_id"`
	Note       string `json:"note"`
}

// Outcome is a kind of action (SW TOutcome); hidefromuser makes its actions private by
// default and newstatus moves the ticket.
type Outcome struct {
	ID           int    `json:"id"`
	Outcome      string `json:"outcome"`
	ButtonName   string `json:"buttonname"`
	LabelLong    string `json:"labellong"`
	Sequence     int    `json:"sequence"`
	Hidden       bool   `json:"hidden"`
	SystemID     int    `json:"systemid"`
	NewStatus    int    `json:"newstatus"`
	SendEmail    int    `json:"sendemail"`
	HideFromUser bool   `json:"hidefromuser"`
	Colour       string `json:"colour"`
	restricted   bool
}

// RestrictedOutcomeID is the seeded outcome API applications may not use, the situation of
// "You do not have access to this Action at the moment".
const RestrictedOutcomeID = 99

// Lookup is one row of a lookup list (SW Lookup); lookup 22 lists request sources.
type Lookup struct {
	ID       int    `json:"id"`
	LookupID int    `json:"lookupid"`
	Name     string `json:"name"`
	Value2   string `json:"value2"`
	Inactive bool   `json:"inactive"`
}

// lookupRequestSources is the lookup id of ticket request sources.
const lookupRequestSources = 22

func (s *Sim) listStatuses(c *call) reply {
	excludeClosed := c.q.flag("excludeclosed", false)
	return bare(c.q, filter(sortedValues(s.db.statuses), func(st Status) bool {
		return !excludeClosed || st.ID != closedStatusID
	}))
}

func (s *Sim) getStatus(_ *call, seg string) reply {
	id, _ := parseID(seg)
	st, ok := s.db.statuses[id]
	if !ok {
		return notFound("Status", seg)
	}
	return jsonReply(http.StatusOK, st)
}

func (s *Sim) listTicketTypes(c *call) reply {
	rows := sortedValues(s.db.ticketTypes)
	for i := range rows {
		rows[i].Fields = nil
	}
	return bare(c.q, rows)
}

// getTicketType answers the type's fields only with includedetails=true, as HaloPSA does.
func (s *Sim) getTicketType(c *call, seg string) reply {
	id, _ := parseID(seg)
	tt, ok := s.db.ticketTypes[id]
	if !ok {
		return notFound("TicketType", seg)
	}
	if c.q.flag("includedetails", false) {
		tt.Fields = slices.Clone(tt.Fields)
	} else {
		tt.Fields = nil
	}
	return jsonReply(http.StatusOK, tt)
}

// listSLAs omits each SLA's priorities unless showpriorities=true.
func (s *Sim) listSLAs(c *call) reply {
	rows := sortedValues(s.db.slas)
	for i := range rows {
		if c.q.flag("showpriorities", false) {
			rows[i].Priorities = slices.Clone(rows[i].Priorities)
		} else {
			rows[i].Priorities = nil
		}
	}
	return bare(c.q, rows)
}

func (s *Sim) getSLA(_ *call, seg string) reply {
	id, _ := parseID(seg)
	sla, ok := s.db.slas[id]
	if !ok {
		return notFound("SLA", seg)
	}
	sla.Priorities = nonNil(slices.Clone(sla.Priorities))
	return jsonReply(http.StatusOK, sla)
}

// listPriorities lists the priorities of every SLA, or of one with slaid.
func (s *Sim) listPriorities(c *call) reply {
	slaID, bySLA := c.q.int("slaid")
	var rows []Priority
	for _, sla := range sortedValues(s.db.slas) {
		if !bySLA || sla.ID == slaID {
			rows = append(rows, sla.Priorities...)
		}
	}
	return bare(c.q, rows)
}

func (s *Sim) listCategories(c *call) reply {
	typeID, byType := c.q.int("type_id")
	return bare(c.q, filter(sortedValues(s.db.categories), func(cat Category) bool {
		return !byType || cat.TypeID == typeID
	}))
}

func (s *Sim) getCategory(_ *call, seg string) reply {
	id, _ := parseID(seg)
	cat, ok := s.db.categories[id]
	if !ok {
		return notFound("Category", seg)
	}
	return jsonReply(http.StatusOK, cat)
}

// listOutcomes hides hidden (system) outcomes unless showhidden=true.
func (s *Sim) listOutcomes(c *call) reply {
	showHidden := c.q.flag("showhidden", false)
	return bare(c.q, filter(sortedValues(s.db.outcomes), func(o Outcome) bool { return showHidden || !o.Hidden }))
}

func (s *Sim) getOutcome(_ *call, seg string) reply {
	id, _ := parseID(seg)
	o, ok := s.db.outcomes[id]
	if !ok {
		return notFound("Outcome", seg)
	}
	return jsonReply(http.StatusOK, o)
}

// listLookups answers the rows of one lookup (lookupid); without it there is nothing to list.
func (s *Sim) listLookups(c *call) reply {
	lookupID, ok := c.q.int("lookupid")
	return bare(c.q, filter(slices.Clone(s.db.lookups), func(l Lookup) bool { return ok && l.LookupID == lookupID }))
}

// statusExists reports whether id is a ticket status.
func (s *Sim) statusExists(id int) bool {
	_, ok := s.db.statuses[id]
	return ok
}

// MarshalJSON writes slaid and priorityid as text, as /Priority answers on the HaloPSA
// versions integrations have met (issue 19): a client must read ids in every form.
func (p Priority) MarshalJSON() ([]byte, error) {
	type plain Priority
	return marshalJSON(struct {
		plain
		SLAID      string `json:"slaid"`
		PriorityID string `json:"priorityid"`
	}{plain(p), strconv.Itoa(p.SLAID), strconv.Itoa(p.PriorityID)})
}
