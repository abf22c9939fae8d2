package halosim

import (
	"cmp"
	"crypto/rand"
	"fmt"
	"slices"
)

// Credentials of the applications New registers.
const (
	// DefaultClientID is a confidential client-credentials application with every scope,
	// logging in as the seeded API-only agent.
	DefaultClientID     = "halobridge-sim"
	DefaultClientSecret = "sim-secret-do-not-use-in-production"
	// DefaultPublicClientID is a public authorization-code application (no secret, PKCE S256
	// required) whose redirect URIs are matched by the prefixes in DefaultPublicRedirectPrefixes.
	DefaultPublicClientID = "halobridge-sim-login"
)

// DefaultPublicRedirectPrefixes are the redirect URIs registered for DefaultPublicClientID.
func DefaultPublicRedirectPrefixes() []string {
	return []string{"http://127.0.0.1", "http://localhost"}
}

// Application is an API application registered in Halo's authorisation server.
type Application struct {
	ID                string // record id in /api/Application (a GUID); generated when empty
	ClientID          string
	Secret            string // "" for a public application
	Scopes            []string
	AgentID           int  // the agent it logs in as (0: the seeded API agent); auth-code apps use the approving agent
	AuthorizationCode bool // allows the authorization_code grant (with PKCE S256)
	RedirectURIs      []string
	Name              string
	Inactive          bool
}

func (a Application) clone() Application {
	a.Scopes = slices.Clone(a.Scopes)
	a.RedirectURIs = slices.Clone(a.RedirectURIs)
	return a
}

func (s *Sim) registerDefaultApplications() {
	s.AddApplication(Application{
		ClientID: DefaultClientID, Secret: DefaultClientSecret, Scopes: []string{"all"},
		AgentID: s.db.apiAgentID, Name: "halobridge (simulator)",
	})
	s.AddApplication(Application{
		ClientID: DefaultPublicClientID, Scopes: []string{"all"}, AuthorizationCode: true,
		RedirectURIs: DefaultPublicRedirectPrefixes(), Name: "halobridge login (simulator)",
	})
}

// AddApplication registers a, replacing any application with the same client ID.
func (s *Sim) AddApplication(a Application) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.ID == "" {
		a.ID = newGUID()
	}
	if a.AgentID == 0 && !a.AuthorizationCode {
		a.AgentID = s.db.apiAgentID
	}
	a = a.clone()
	s.auth.apps[a.ClientID] = &a
}

// SetScopes replaces the scopes granted to an application, taking effect on its live tokens
// too: Halo checks permissions on every request.
func (s *Sim) SetScopes(clientID string, scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.auth.apps[clientID]; ok {
		a.Scopes = slices.Clone(scopes)
	}
}

// RevokeApplication deactivates an application and revokes its tokens: its access tokens
// get 401, its refresh tokens invalid_grant, and new token requests invalid_client.
func (s *Sim) RevokeApplication(clientID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.auth.apps[clientID]; ok {
		a.Inactive = true
		s.auth.revokeTokens(clientID)
	}
}

// Applications returns the registered applications ordered by client ID.
func (s *Sim) Applications() []Application {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Application, 0, len(s.auth.apps))
	for _, a := range s.auth.apps {
		out = append(out, a.clone())
	}
	slices.SortFunc(out, func(a, b Application) int { return cmp.Compare(a.ClientID, b.ClientID) })
	return out
}

// newGUID returns a random RFC 4122 version 4 identifier, the shape Halo uses for record GUIDs.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
