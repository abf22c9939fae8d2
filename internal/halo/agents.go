package halo

import (
	"context"
	"errors"
	"net/url"
)

// Agent is a Halo agent (Halo's "Uname"). The integration's own agent is API-only
// (IsAPIAgent): it uses no licence and cannot be assigned tickets.
type Agent struct {
	ID         int         `json:"id,omitempty"`
	Name       string      `json:"name,omitempty"`
	Firstname  string      `json:"firstname,omitempty"`
	Surname    string      `json:"surname,omitempty"`
	Email      string      `json:"email,omitempty"`
	IsDisabled bool        `json:"isdisabled,omitempty"`
	IsAPIAgent bool        `json:"isapiagent,omitempty"`
	Team       string      `json:"team,omitempty"`
	Teams      []AgentTeam `json:"teams,omitempty"`
}

// AgentTeam is one team membership of an agent.
type AgentTeam struct {
	TeamID       int    `json:"team_id"`
	TeamName     string `json:"team_name,omitempty"`
	DepartmentID int    `json:"department_id,omitempty"`
}

// Application is an API application (Halo's "NHD_Identity_Application"); its id is a string.
type Application struct {
	ID           string `json:"id,omitempty"`
	ClientID     string `json:"clientId,omitempty"`
	ClientSecret string `json:"clientSecret,omitempty"`
	DisplayName  string `json:"displayName,omitempty"`
	Type         string `json:"type,omitempty"`
	// GrantType is "authorization_code" for a login application; otherwise Halo issues a
	// client secret.
	GrantType        string             `json:"grant_type,omitempty"`
	RedirectURI      string             `json:"redirecturi,omitempty"`
	LoginEntity      int                `json:"loginentity,omitempty"`
	LoginAsAgentID   int                `json:"loginas_agent_id,omitempty"`
	LoginAsAgentName string             `json:"loginas_agent_name,omitempty"`
	Inactive         bool               `json:"inactive,omitempty"`
	AllowAgents      bool               `json:"allowagents,omitempty"`
	Scopes           []ApplicationScope `json:"scopes,omitempty"`
}

// ApplicationScope is one permission of an application, e.g. Name "edit:tickets".
type ApplicationScope struct {
	ID            int    `json:"id,omitempty"`
	ApplicationID string `json:"application_id,omitempty"`
	Name          string `json:"name"`
}

// Me returns the agent the access token acts as.
func (c *Client) Me(ctx context.Context) (Agent, error) {
	var out Agent
	err := c.getJSON(ctx, "/Agent/me", "/Agent/me", nil, &out)
	return out, err
}

// Agents returns the agents; Halo leaves out API-only and disabled agents unless asked.
func (c *Client) Agents(ctx context.Context, includeAPIAgents, includeDisabled bool) ([]Agent, error) {
	query := url.Values{}
	if includeAPIAgents {
		query.Set("includeapiagents", "true")
	}
	if includeDisabled {
		query.Set("includedisabled", "true")
	}
	return readAll[Agent](ctx, c, list{template: "/Agent", query: query})
}

// Applications returns the API applications.
func (c *Client) Applications(ctx context.Context) ([]Application, error) {
	return readAll[Application](ctx, c, list{template: "/Application"})
}

// CreateAgent creates an agent; set IsAPIAgent for the integration's own agent.
func (c *Client) CreateAgent(ctx context.Context, agent Agent) (Agent, error) {
	if err := mustCreate("agent", agent.ID); err != nil {
		return Agent{}, err
	}
	return postOne(ctx, c, "/Agent", agent)
}

// CreateApplication creates an API application; the answer carries its client ID (and
// secret), which may differ from what was sent.
func (c *Client) CreateApplication(ctx context.Context, app Application) (Application, error) {
	if app.ID != "" {
		return Application{}, errors.New("create application: id is set, which would update that application instead")
	}
	return postOne(ctx, c, "/Application", app)
}
