package ticketing

// Catalog is what validation needs to know about the partner's HaloPSA, as
// read by the integration agent.
type Catalog struct {
	// IntegrationAgentID is halobridge's own (API-only) agent: tickets can
	// only go to its teams.
	IntegrationAgentID int
	TicketTypes        []TicketType
	Statuses           []Status
	Agents             []Agent
	Teams              []Team
	SLAs               []SLA
	// Categories are the values of the first category field (type_id 1).
	Categories     []Category
	Outcomes       []Outcome
	RequestSources []RequestSource
}

// TicketType is a HaloPSA ticket type with the defaults it offers; zero means
// it has none.
type TicketType struct {
	ID                int
	Name              string
	DefaultSLAID      int
	InitialStatusID   int
	DefaultPriorityID int
	DefaultAgentID    int
	DefaultTeam       string // a team name, as HaloPSA's default_team
	DefaultCategory   string // category_1 text, as HaloPSA's default_category_1
	DefaultImpact     int
}

// Status is a ticket status; Closed marks the statuses that close a ticket.
type Status struct {
	ID     int
	Name   string
	Closed bool
}

// Agent is a HaloPSA agent. API-only agents cannot be assigned tickets.
type Agent struct {
	ID       int
	Name     string
	APIOnly  bool     // HaloPSA isapiagent
	Disabled bool     // HaloPSA isdisabled
	Teams    []string // team names
}

// Team is a HaloPSA team.
type Team struct {
	ID   int
	Name string
}

// SLA is a service level agreement and the priorities that belong to it.
type SLA struct {
	ID         int
	Name       string
	Priorities []Priority
}

// Priority is a priority within one SLA; ID is what a ticket's priority_id
// holds (HaloPSA priorityid).
type Priority struct {
	ID   int
	Name string
}

// Category is one value of a ticket category field.
type Category struct {
	ID    int
	Value string
}

// Outcome is an action outcome. Hidden outcomes are not offered in HaloPSA;
// Restricted ones are refused to the integration agent ("You do not have
// access to this Action at the moment").
type Outcome struct {
	ID         int
	Name       string
	Hidden     bool
	Restricted bool
}

// RequestSource is a ticket source (HaloPSA lookup 22); 0 is Email.
type RequestSource struct {
	ID   int
	Name string
}

func (c Catalog) ticketType(id int) (TicketType, bool) {
	for _, t := range c.TicketTypes {
		if t.ID == id {
			return t, true
		}
	}
	return TicketType{}, false
}

func (c Catalog) status(id int) (Status, bool) {
	for _, s := range c.Statuses {
		if s.ID == id {
			return s, true
		}
	}
	return Status{}, false
}

func (c Catalog) agent(id int) (Agent, bool) {
	for _, a := range c.Agents {
		if a.ID == id {
			return a, true
		}
	}
	return Agent{}, false
}

// assignable reports whether tickets can be assigned to agent id.
func (c Catalog) assignable(id int) bool {
	if id == UnassignedAgentID {
		return true
	}
	a, ok := c.agent(id)
	return ok && !a.APIOnly && !a.Disabled
}

func (c Catalog) hasTeam(name string) bool {
	for _, t := range c.Teams {
		if t.Name == name {
			return true
		}
	}
	return false
}

func (c Catalog) sla(id int) (SLA, bool) {
	for _, s := range c.SLAs {
		if s.ID == id {
			return s, true
		}
	}
	return SLA{}, false
}

func (c Catalog) hasCategory(value string) bool {
	for _, cat := range c.Categories {
		if cat.Value == value {
			return true
		}
	}
	return false
}

func (c Catalog) outcome(id int) (Outcome, bool) {
	for _, o := range c.Outcomes {
		if o.ID == id {
			return o, true
		}
	}
	return Outcome{}, false
}

func (c Catalog) hasRequestSource(id int) bool {
	for _, s := range c.RequestSources {
		if s.ID == id {
			return true
		}
	}
	return false
}

func (s SLA) hasPriority(id int) bool {
	for _, p := range s.Priorities {
		if p.ID == id {
			return true
		}
	}
	return false
}
