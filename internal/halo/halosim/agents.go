package halosim

import (
	"net/http"
	"slices"
	"strings"
)

// Agent is a technician account (SW Uname). API-only agents (isapiagent) log in through API
// applications only and hold no licence.
type Agent struct {
	ID         int         `json:"id"`
	Name       string      `json:"name"`
	FirstName  string      `json:"firstname"`
	Surname    string      `json:"surname"`
	Initials   string      `json:"initials"`
	Email      string      `json:"email"`
	JobTitle   string      `json:"jobtitle"`
	Colour     string      `json:"colour"`
	IsDisabled bool        `json:"isdisabled"`
	IsAgent    bool        `json:"is_agent"`
	IsAPIAgent bool        `json:"isapiagent"`
	IsAdmin    bool        `json:"is_admin"`
	Team       string      `json:"team"` // default team, by name
	Teams      []AgentTeam `json:"teams"`
	Use        string      `json:"use"`
}

// AgentTeam is an agent's membership of a team (SW UnameSection).
type AgentTeam struct {
	AgentID      int    `json:"agent_id"`
	AgentName    string `json:"agent_name"`
	TeamID       int    `json:"team_id"`
	TeamName     string `json:"team_name"`
	DepartmentID int    `json:"department_id"`
	IsManager    bool   `json:"is_manager"`
}

// Team is a group of agents tickets are routed to (SW SectionDetail).
type Team struct {
	ID             int         `json:"id"`
	GUID           string      `json:"guid"`
	Name           string      `json:"name"`
	Sequence       int         `json:"sequence"`
	ForRequests    bool        `json:"forrequests"`
	ForOpps        bool        `json:"foropps"`
	ForProjects    bool        `json:"forprojects"`
	DepartmentID   int         `json:"department_id"`
	DepartmentName string      `json:"department_name"`
	Inactive       bool        `json:"inactive"`
	EmailAddress   string      `json:"emailaddress"`
	Agents         []AgentTeam `json:"agents,omitzero"`
	Use            string      `json:"use"`
}

// unassignedAgentID is Halo's "Unassigned" pseudo-agent.
const unassignedAgentID = 1

func (s *Sim) agentView(a Agent) Agent {
	teams := make([]AgentTeam, 0, len(a.Teams))
	for _, m := range a.Teams {
		t, ok := s.db.teams[m.TeamID]
		if !ok {
			continue
		}
		m.AgentID, m.AgentName, m.TeamName, m.DepartmentID = a.ID, a.Name, t.Name, t.DepartmentID
		teams = append(teams, m)
	}
	a.Teams = teams
	a.Use = "agent"
	return a
}

func (s *Sim) listAgents(c *call) reply {
	apiAgents := c.q.flag("includeapiagents", false)
	disabled := c.q.flag("includedisabled", false)
	enabled := c.q.flag("includeenabled", true)
	unassigned := c.q.flag("includeunassigned", false)
	term := c.q.text("search")
	teamID, byTeam := c.q.int("team_id")
	rows := filter(sortedValues(s.db.agents), func(a Agent) bool {
		return (apiAgents || !a.IsAPIAgent) &&
			keepActive(enabled, disabled, a.IsDisabled) &&
			(unassigned || a.ID != unassignedAgentID) &&
			(term == "" || containsFold(a.Name, term) || containsFold(a.Email, term)) &&
			(!byTeam || slices.ContainsFunc(a.Teams, func(m AgentTeam) bool { return m.TeamID == teamID }))
	})
	views := make([]Agent, 0, len(rows))
	for _, a := range rows {
		views = append(views, s.agentView(a))
	}
	return bare(c.q, views)
}

func (s *Sim) getAgent(_ *call, seg string) reply {
	id, _ := parseID(seg)
	a, ok := s.db.agents[id]
	if !ok {
		return notFound("Agent", seg)
	}
	return jsonReply(http.StatusOK, s.agentView(a))
}

func (s *Sim) agentMe(c *call) reply {
	return jsonReply(http.StatusOK, s.agentView(c.caller.agent))
}

// postAgents creates and updates agents; a team given by name joins the agent to that team.
func (s *Sim) postAgents(_ *call, objs []object) reply {
	var out []Agent
	for _, o := range objs {
		base := Agent{IsAgent: true, Colour: "#2bd3c6"}
		id := o.id()
		if id > 0 {
			existing, ok := s.db.agents[id]
			if !ok {
				return notFound("Agent", id)
			}
			base = existing
		}
		a, rep, ok := patch(base, o)
		if !ok {
			return rep
		}
		a.Name = strings.TrimSpace(a.Name)
		if a.Name == "" {
			return badRequest("Please enter a name for the Agent")
		}
		if t, ok := s.teamByName(a.Team); ok && !slices.ContainsFunc(a.Teams, func(m AgentTeam) bool { return m.TeamID == t.ID }) {
			a.Teams = append(a.Teams, AgentTeam{TeamID: t.ID})
		}
		if id == 0 {
			a.ID = s.db.nextID("agent")
		}
		s.db.agents[a.ID] = a
		out = append(out, s.agentView(a))
	}
	return saved(out)
}

func (s *Sim) teamByName(name string) (Team, bool) {
	for _, t := range sortedValues(s.db.teams) {
		if name != "" && strings.EqualFold(t.Name, name) {
			return t, true
		}
	}
	return Team{}, false
}

func (s *Sim) listTeams(c *call) reply {
	disabled := c.q.flag("includedisabled", false)
	enabled := c.q.flag("includeenabled", true)
	rows := filter(sortedValues(s.db.teams), func(t Team) bool { return keepActive(enabled, disabled, t.Inactive) })
	for i := range rows {
		rows[i].Use = "team"
	}
	return bare(c.q, rows)
}

// getTeam answers one team; includeagents=true lists its members.
func (s *Sim) getTeam(c *call, seg string) reply {
	id, _ := parseID(seg)
	t, ok := s.db.teams[id]
	if !ok {
		return notFound("Team", seg)
	}
	t.Use = "team"
	if c.q.flag("includeagents", false) {
		t.Agents = []AgentTeam{}
		for _, a := range sortedValues(s.db.agents) {
			for _, m := range s.agentView(a).Teams {
				if m.TeamID == id {
					t.Agents = append(t.Agents, m)
				}
			}
		}
	}
	return jsonReply(http.StatusOK, t)
}

// Agents returns every agent, API-only and disabled ones included, ordered by id.
func (s *Sim) Agents() []Agent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Agent{}
	for _, a := range sortedValues(s.db.agents) {
		out = append(out, s.agentView(a))
	}
	return out
}

// Teams returns every team ordered by id.
func (s *Sim) Teams() []Team {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedValues(s.db.teams)
}

func (s *Sim) postTeams(_ *call, objs []object) reply {
	var out []Team
	for _, o := range objs {
		base := Team{ForRequests: true}
		id := o.id()
		if id > 0 {
			existing, ok := s.db.teams[id]
			if !ok {
				return notFound("Team", id)
			}
			base = existing
		}
		t, rep, ok := patch(base, o)
		if !ok {
			return rep
		}
		t.Name = strings.TrimSpace(t.Name)
		if t.Name == "" {
			return badRequest("Please enter a name for the Team")
		}
		if id == 0 {
			t.ID, t.GUID = s.db.nextID("team"), newGUID()
		}
		t.Agents, t.Use = nil, "team"
		s.db.teams[t.ID] = t
		out = append(out, t)
	}
	return saved(out)
}
