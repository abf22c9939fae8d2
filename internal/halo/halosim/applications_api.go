package halosim

import (
	"crypto/rand"
	"net/http"
	"slices"
	"strings"
)

// APIApplication is an application as /api/Application shows it (SW NHD_Identity_Application).
// Its id is a string. clientSecret is only ever shown in the answer that created it.
type APIApplication struct {
	ID               string             `json:"id"`
	ClientID         string             `json:"clientId"`
	ClientSecret     string             `json:"clientSecret"`
	DisplayName      string             `json:"displayName"`
	Type             string             `json:"type"`
	GrantType        string             `json:"grant_type"`
	LoginEntity      int                `json:"loginentity"`
	LoginAsAgentID   int                `json:"loginas_agent_id"`
	LoginAsAgentName string             `json:"loginas_agent_name"`
	Inactive         bool               `json:"inactive"`
	RedirectURI      string             `json:"redirecturi"`
	Scopes           []ApplicationScope `json:"scopes"`
	Permissions      string             `json:"permissions"`
	AllowAgents      bool               `json:"allowagents"`
	IsSystem         bool               `json:"_issystem"`
}

// ApplicationScope is one scope granted to an application.
type ApplicationScope struct {
	ID            int    `json:"id"`
	ApplicationID string `json:"application_id"`
	Name          string `json:"name"`
}

// Grant types as /api/Application names them.
const (
	grantClientCredentials = "client_credentials"
	grantAuthorizationCode = "authorization_code"
)

// loginEntityAgent: applications log in as an agent (there is no "log in as the application").
const loginEntityAgent = 1

func (s *Sim) applicationView(a Application) APIApplication {
	v := APIApplication{
		ID: a.ID, ClientID: a.ClientID, DisplayName: a.Name, Type: "confidential", GrantType: grantClientCredentials,
		LoginEntity: loginEntityAgent, LoginAsAgentID: a.AgentID, LoginAsAgentName: s.db.agents[a.AgentID].Name,
		Inactive: a.Inactive, RedirectURI: strings.Join(a.RedirectURIs, ","), Permissions: strings.Join(a.Scopes, " "),
		AllowAgents: true, Scopes: []ApplicationScope{},
	}
	if a.Secret == "" {
		v.Type = "public"
	}
	if a.AuthorizationCode {
		v.GrantType = grantAuthorizationCode
	}
	for i, sc := range a.Scopes {
		v.Scopes = append(v.Scopes, ApplicationScope{ID: i + 1, ApplicationID: a.ID, Name: sc})
	}
	return v
}

func (s *Sim) listApplications(c *call) reply {
	var rows []APIApplication
	for _, a := range s.auth.apps {
		rows = append(rows, s.applicationView(*a))
	}
	slices.SortFunc(rows, func(a, b APIApplication) int { return strings.Compare(a.DisplayName, b.DisplayName) })
	return bare(c.q, rows)
}

func (s *Sim) appByID(id string) (*Application, bool) {
	for _, a := range s.auth.apps {
		if strings.EqualFold(a.ID, id) {
			return a, true
		}
	}
	return nil, false
}

func (s *Sim) getApplication(_ *call, id string) reply {
	a, ok := s.appByID(id)
	if !ok {
		return notFound("Application", id)
	}
	return jsonReply(http.StatusOK, s.applicationView(*a))
}

// postApplications creates applications (a client-credentials one gets a generated client id
// and secret and can ask for tokens at once) and updates name, scopes, agent and inactive.
func (s *Sim) postApplications(_ *call, objs []object) reply {
	var out []APIApplication
	for _, o := range objs {
		id, _ := o.text("id")
		app := Application{}
		if id != "" {
			existing, ok := s.appByID(id)
			if !ok {
				return notFound("Application", id)
			}
			app = existing.clone()
		}
		in, rep, ok := patch(s.applicationView(app), o)
		if !ok {
			return rep
		}
		app.Name = strings.TrimSpace(in.DisplayName)
		if app.Name == "" {
			return badRequest("Please enter a name for the Application")
		}
		authCode := app.AuthorizationCode || id == "" && strings.EqualFold(in.GrantType, grantAuthorizationCode)
		if agent, ok := s.db.agents[in.LoginAsAgentID]; !authCode && (!ok || agent.ID == unassignedAgentID || agent.IsDisabled) {
			return badRequest("Please select a valid Agent to log in as")
		}
		app.AgentID = in.LoginAsAgentID
		if o.has("scopes") || o.has("permissions") {
			scopes, rep, ok := requestedAppScopes(o, in)
			if !ok {
				return rep
			}
			app.Scopes = scopes
		}
		if o.has("inactive") {
			app.Inactive = in.Inactive
			if app.Inactive {
				s.auth.revokeTokens(app.ClientID)
			}
		}
		secret := ""
		if id == "" {
			app.ID, app.ClientID = newGUID(), newGUID()
			if authCode {
				app.AuthorizationCode = true
				app.RedirectURIs = strings.FieldsFunc(in.RedirectURI, func(r rune) bool { return r == ',' || r == ' ' })
			} else {
				secret = rand.Text() + rand.Text()
				app.Secret = secret
			}
		}
		s.auth.apps[app.ClientID] = &app
		view := s.applicationView(app)
		view.ClientSecret = secret
		out = append(out, view)
	}
	return saved(out)
}

// requestedAppScopes reads scopes[].name, or else the space-separated permissions string.
func requestedAppScopes(o object, in APIApplication) ([]string, reply, bool) {
	var names []string
	if o.has("scopes") {
		for _, sc := range in.Scopes {
			names = append(names, sc.Name)
		}
	} else {
		names = strings.Fields(in.Permissions)
	}
	for _, n := range names {
		if !isKnownScope(n) {
			return nil, badRequest("Unknown permission %q", n), false
		}
	}
	return names, reply{}, true
}

func (s *Sim) deleteApplication(_ *call, id string) reply {
	a, ok := s.appByID(id)
	if !ok {
		return notFound("Application", id)
	}
	view := s.applicationView(*a)
	s.auth.revokeTokens(a.ClientID)
	delete(s.auth.apps, a.ClientID)
	return jsonReply(http.StatusOK, view)
}
