package halo

import (
	"context"
	"encoding/json"
	"maps"
	"net/url"
	"strings"
)

// InstanceInfo describes the Halo instance.
type InstanceInfo struct {
	AppName            string `json:"app_name"`
	AppVersion         string `json:"app_version"`
	DatabaseVersion    string `json:"database_version"`
	AgentCount         int    `json:"agent_count"`
	LicensedAgentCount int    `json:"licensed_agent_count"`
	AgentURL           string `json:"agent_url"`
	PortalURL          string `json:"portal_url"`
	AuthURL            string `json:"auth_url"`
}

// OwnName is the name the instance gives itself, or "" when app_name is
// only the product's name, "Halo PSA", as in every tenant seen so far.
func (i InstanceInfo) OwnName() string {
	name := strings.TrimSpace(i.AppName)
	switch strings.ToLower(strings.ReplaceAll(name, " ", "")) {
	case "", "halopsa", "halo", "haloitsm", "haloservicedesk", "halocrm":
		return ""
	}
	return name
}

// Team is a Halo team (Halo's "SectionDetail").
type Team struct {
	ID             int    `json:"id"`
	Name           string `json:"name"`
	Inactive       bool   `json:"inactive"`
	DepartmentID   int    `json:"department_id"`
	DepartmentName string `json:"department_name"`
	ForRequests    bool   `json:"forrequests"`
}

// Status is a ticket status; integrations treat id 9 as Closed on a stock Halo.
type Status struct {
	ID        int    `json:"id"`
	Name      string `json:"name"`
	ShortName string `json:"shortname"`
	Type      int    `json:"type"`
	Sequence  int    `json:"sequence"`
}

// TicketType is a ticket type (Halo's "RequestType").
type TicketType struct {
	ID              int    `json:"id"`
	Name            string `json:"name"`
	DefaultPriority int    `json:"default_priority"`
	InitialStatus   int    `json:"initial_status"`
	WorkflowID      int    `json:"workflow_id"`
	AgentsCanSelect bool   `json:"agentscanselect"`
	Visible         bool   `json:"visible"`
	// DefaultSLAID is the type's default SLA, 0 when it has none (Halo writes -1).
	DefaultSLAID int `json:"default_sla"`
	// The type's other defaults, offered when a policy chooses the type:
	// the team by name, as Halo's tickets carry it; 0 or "" when none.
	DefaultTeam      string `json:"default_team,omitempty"`
	DefaultAgent     int    `json:"default_agent,omitempty"`
	DefaultCategory1 string `json:"default_category_1,omitempty"`
	DefaultImpact    int    `json:"default_impact,omitempty"`
}

// UnmarshalJSON finds the default SLA the way CIPP does: Halo versions put it in different
// fields, so the first of default_sla, default_sla_id, sla_id, slaid, sla above 0 wins.
// Numeric defaults are read leniently: -1 ("none"), text and absent are 0.
func (t *TicketType) UnmarshalJSON(b []byte) error {
	type plain TicketType
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	lenient := maps.Clone(fields)
	for _, name := range []string{"default_sla", "default_agent", "default_impact"} {
		delete(lenient, name)
	}
	rest, err := json.Marshal(lenient)
	if err != nil {
		return err
	}
	if err := decodeLenient(rest, (*plain)(t)); err != nil {
		return err
	}
	t.DefaultAgent, t.DefaultImpact = positiveInt(fields["default_agent"]), positiveInt(fields["default_impact"])
	t.DefaultSLAID = 0
	for _, name := range []string{"default_sla", "default_sla_id", "sla_id", "slaid", "sla"} {
		if id := positiveInt(fields[name]); id > 0 {
			t.DefaultSLAID = id
			break
		}
	}
	return nil
}

// SLA is a service level agreement with its priorities (Halo's "SlaHead").
type SLA struct {
	ID         int        `json:"id"`
	Name       string     `json:"name"`
	Priorities []Priority `json:"priorities"`
}

// Priority is a priority within one SLA (Halo's "Policy"): a ticket's priority_id is
// PriorityID, and it only means something together with the SLA.
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
}

// Category is a ticket category value; TypeID says which of the four category fields.
type Category struct {
	ID           int    `json:"id"`
	Value        string `json:"value"`
	CategoryName string `json:"category_name"`
	TypeID       int    `json:"type_id"`
	SLAID        int    `json:"sla_id"`
	PriorityID   int    `json:"priority_id"`
}

// Outcome is an action outcome; on a stock Halo 7 is "Internal Note".
type Outcome struct {
	ID         int    `json:"id"`
	Outcome    string `json:"outcome"`
	ButtonName string `json:"buttonname"`
	LabelLong  string `json:"labellong"`
	Hidden     bool   `json:"hidden"`
	SystemID   int    `json:"systemid"`
	NewStatus  int    `json:"newstatus"`
}

// RequestSource is a ticket source (lookup 22): 0 is Email, negatives are built-in
// integrations.
type RequestSource struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// requestSourceLookup is the lookup type holding request sources.
const requestSourceLookup = "22"

// InstanceInfo describes the Halo instance.
func (c *Client) InstanceInfo(ctx context.Context) (InstanceInfo, error) {
	var out InstanceInfo
	err := c.getJSON(ctx, "/InstanceInfo", "/InstanceInfo", nil, &out)
	return out, err
}

// Teams returns every team.
func (c *Client) Teams(ctx context.Context) ([]Team, error) {
	return readAll[Team](ctx, c, list{template: "/Team"})
}

// Statuses returns every ticket status.
func (c *Client) Statuses(ctx context.Context) ([]Status, error) {
	return readAll[Status](ctx, c, list{template: "/Status"})
}

// TicketTypes returns every ticket type with its default SLA.
func (c *Client) TicketTypes(ctx context.Context) ([]TicketType, error) {
	return readAll[TicketType](ctx, c, list{template: "/TicketType"})
}

// SLAs returns every SLA with its priorities, in one request (showpriorities).
func (c *Client) SLAs(ctx context.Context) ([]SLA, error) {
	return readAll[SLA](ctx, c, list{template: "/SLA", query: url.Values{"showpriorities": {"true"}}})
}

// Priorities returns the priorities of slaID, or of every SLA when slaID is 0.
func (c *Client) Priorities(ctx context.Context, slaID int) ([]Priority, error) {
	query := url.Values{}
	setID(query, "slaid", slaID)
	return readAll[Priority](ctx, c, list{template: "/Priority", query: query})
}

// Categories returns every ticket category value.
func (c *Client) Categories(ctx context.Context) ([]Category, error) {
	return readAll[Category](ctx, c, list{template: "/Category"})
}

// Outcomes returns every action outcome.
func (c *Client) Outcomes(ctx context.Context) ([]Outcome, error) {
	return readAll[Outcome](ctx, c, list{template: "/Outcome"})
}

// RequestSources returns the ticket sources (lookup 22).
func (c *Client) RequestSources(ctx context.Context) ([]RequestSource, error) {
	return readAll[RequestSource](ctx, c, list{
		template: "/Lookup", key: "lookups",
		query: url.Values{"lookupid": {requestSourceLookup}},
	})
}
