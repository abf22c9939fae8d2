package halosim

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// authState is the authorisation server's memory: applications and the tokens and codes issued.
type authState struct {
	apps    map[string]*Application // by client ID
	access  map[string]*accessToken
	refresh map[string]*refreshToken
	codes   map[string]*authCode
}

func newAuthState() *authState {
	return &authState{
		apps:    map[string]*Application{},
		access:  map[string]*accessToken{},
		refresh: map[string]*refreshToken{},
		codes:   map[string]*authCode{},
	}
}

// grant is what a token carries: who it acts as and what it was granted.
type grant struct {
	clientID  string
	agentID   int
	scopes    scopeSet
	requested []string
	offline   bool
	// clientCredentials marks a grant to an application acting as its own agent.
	clientCredentials bool
}

type accessToken struct {
	grant
	expires time.Time
}

type refreshToken struct {
	grant
	used bool
}

type authCode struct {
	grant
	redirectURI string
	challenge   string
	expires     time.Time
	used        bool
}

// codeTTL is how long an authorization code stays valid.
const codeTTL = 5 * time.Minute

func (a *authState) revokeTokens(clientID string) {
	for k, t := range a.access {
		if t.clientID == clientID {
			delete(a.access, k)
		}
	}
	for k, t := range a.refresh {
		if t.clientID == clientID {
			delete(a.refresh, k)
		}
	}
}

// sweep forgets expired access tokens and codes, so a long-running simulator stays small.
func (a *authState) sweep(now time.Time) {
	for k, t := range a.access {
		if !now.Before(t.expires) {
			delete(a.access, k)
		}
	}
	for k, c := range a.codes {
		if !now.Before(c.expires) {
			delete(a.codes, k)
		}
	}
}

// tokenResponse is the token endpoint's success body (API.md §1.5).
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token"`
}

// checkTenant enforces Options.Tenant on the authorisation endpoints (query parameter only:
// whether Halo also reads a form field is unverified).
func (s *Sim) checkTenant(r *http.Request) (reply, bool) {
	if s.opts.Tenant == "" {
		return reply{}, true
	}
	got := r.URL.Query().Get("tenant")
	if got == "" {
		return oauthError(http.StatusBadRequest, "invalid_request", "The tenant parameter is missing; add ?tenant=<your tenant> to the URL."), false
	}
	if !strings.EqualFold(got, s.opts.Tenant) && s.opts.WrongTenant500 && !strings.EqualFold(r.URL.Path, "/auth/authorize") {
		return textReply(http.StatusInternalServerError, "An error has occurred. Please contact your administrator."), false
	}
	if !strings.EqualFold(got, s.opts.Tenant) {
		return oauthError(http.StatusBadRequest, "invalid_request", fmt.Sprintf("The tenant %q is unknown.", got)), false
	}
	return reply{}, true
}

// token serves POST /auth/token.
func (s *Sim) token(r *http.Request, body []byte) reply {
	if r.Method != http.MethodPost {
		return oauthError(http.StatusMethodNotAllowed, "invalid_request", "The token endpoint only accepts POST.")
	}
	if rep, ok := s.checkTenant(r); !ok {
		return rep
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return oauthError(http.StatusBadRequest, "invalid_request", "The token request must be sent as application/x-www-form-urlencoded.")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return oauthError(http.StatusBadRequest, "invalid_request", "The token request body is not valid form data.")
	}
	switch grantType := form.Get("grant_type"); grantType {
	case "client_credentials":
		return s.clientCredentialsGrant(r, form)
	case "authorization_code":
		return s.authorizationCodeGrant(r, form)
	case "refresh_token":
		return s.refreshTokenGrant(r, form)
	case "":
		return oauthError(http.StatusBadRequest, "invalid_request", "The mandatory 'grant_type' parameter is missing.")
	default:
		return oauthError(http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("The grant type %q is not supported.", grantType))
	}
}

// clientCredentials reads the client's id and secret from HTTP Basic auth or the form.
func clientCredentials(r *http.Request, form url.Values) (id, secret string) {
	if u, p, ok := r.BasicAuth(); ok {
		return u, p
	}
	return form.Get("client_id"), form.Get("client_secret")
}

// authenticateClient checks the calling application; a public application sends no secret.
func (s *Sim) authenticateClient(r *http.Request, form url.Values) (*Application, reply, bool) {
	id, secret := clientCredentials(r, form)
	app, ok := s.auth.apps[id]
	if id == "" || !ok || app.Inactive {
		return nil, oauthError(http.StatusUnauthorized, "invalid_client", "The specified 'client_id' is invalid or the application is inactive."), false
	}
	if app.Secret != "" && subtle.ConstantTimeCompare([]byte(secret), []byte(app.Secret)) != 1 {
		return nil, oauthError(http.StatusUnauthorized, "invalid_client", "The specified client credentials are invalid."), false
	}
	return app, reply{}, true
}

// parseScopes splits a scope parameter and rejects names the server does not know.
func parseScopes(raw string) ([]string, reply, bool) {
	names := strings.Fields(raw)
	for _, n := range names {
		if n != scopeOfflineAccess && !isKnownScope(n) {
			return nil, oauthError(http.StatusBadRequest, "invalid_scope", fmt.Sprintf("The specified scope %q is not supported.", n)), false
		}
	}
	return names, reply{}, true
}

func isKnownScope(n string) bool {
	for _, k := range knownScopes {
		if k == n {
			return true
		}
	}
	return false
}

func (s *Sim) clientCredentialsGrant(r *http.Request, form url.Values) reply {
	app, rep, ok := s.authenticateClient(r, form)
	if !ok {
		return rep
	}
	if app.Secret == "" {
		return oauthError(http.StatusBadRequest, "unauthorized_client", "This public application cannot use the client_credentials grant.")
	}
	requested, rep, ok := parseScopes(form.Get("scope"))
	if !ok {
		return rep
	}
	g := grant{
		clientID: app.ClientID, agentID: app.AgentID, requested: requested,
		scopes: expandScopes(requested).intersect(expandScopes(app.Scopes)), clientCredentials: true,
	}
	return s.issue(r, g)
}

func (s *Sim) authorizationCodeGrant(r *http.Request, form url.Values) reply {
	app, rep, ok := s.authenticateClient(r, form)
	if !ok {
		return rep
	}
	if !app.AuthorizationCode {
		return oauthError(http.StatusBadRequest, "unauthorized_client", "This application is not allowed to use the authorization_code grant.")
	}
	code, found := s.auth.codes[form.Get("code")]
	switch {
	case !found || code.clientID != app.ClientID:
		return oauthError(http.StatusBadRequest, "invalid_grant", "The specified authorization code is invalid.")
	case code.used:
		return oauthError(http.StatusBadRequest, "invalid_grant", "The specified authorization code has already been redeemed.")
	case !s.now().Before(code.expires):
		return oauthError(http.StatusBadRequest, "invalid_grant", "The specified authorization code is no longer valid.")
	case form.Get("redirect_uri") != code.redirectURI:
		return oauthError(http.StatusBadRequest, "invalid_grant", "The specified 'redirect_uri' does not match the one used in the authorization request.")
	case s256(form.Get("code_verifier")) != code.challenge:
		return oauthError(http.StatusBadRequest, "invalid_grant", "The specified 'code_verifier' is invalid.")
	}
	code.used = true
	return s.issue(r, code.grant)
}

// refreshTokenGrant checks the refresh token before the client, so a revoked application's
// refresh token answers invalid_grant, not invalid_client.
func (s *Sim) refreshTokenGrant(r *http.Request, form url.Values) reply {
	rt, found := s.auth.refresh[form.Get("refresh_token")]
	if !found {
		return oauthError(http.StatusBadRequest, "invalid_grant", "The specified refresh token is invalid.")
	}
	if rt.used {
		return oauthError(http.StatusBadRequest, "invalid_grant", "The specified refresh token has already been redeemed.")
	}
	app, rep, ok := s.authenticateClient(r, form)
	if !ok {
		return rep
	}
	if app.ClientID != rt.clientID {
		return oauthError(http.StatusBadRequest, "invalid_grant", "The specified refresh token was not issued to this client.")
	}
	rt.used = true
	return s.issue(r, rt.grant)
}

// issue mints an access token (and a new refresh token when offline access was granted).
func (s *Sim) issue(r *http.Request, g grant) reply {
	now := s.now()
	s.auth.sweep(now)
	access := rand.Text() + rand.Text()
	s.auth.access[access] = &accessToken{grant: g, expires: now.Add(s.opts.TokenTTL)}
	resp := tokenResponse{
		AccessToken: access,
		TokenType:   "Bearer",
		ExpiresIn:   int(s.opts.TokenTTL / time.Second),
		Scope:       grantedScopeString(g.requested, g.scopes, g.offline),
		IDToken:     s.idToken(r, g, now),
	}
	if g.offline || g.clientCredentials {
		// Hosted HaloPSA answers a client-credentials grant with a refresh token too.
		resp.RefreshToken = rand.Text() + rand.Text()
		s.auth.refresh[resp.RefreshToken] = &refreshToken{grant: g}
	}
	rep := jsonReply(http.StatusOK, resp)
	rep.header = http.Header{"Cache-Control": {"no-store"}, "Pragma": {"no-cache"}}
	return rep
}

// idToken is an HS256 JWT naming the agent the token acts as (name, email and Halo agent id).
func (s *Sim) idToken(r *http.Request, g grant, now time.Time) string {
	agent := s.db.agents[g.agentID]
	claims := map[string]any{
		"iss":      baseURL(r) + "/auth",
		"sub":      fmt.Sprint(g.agentID),
		"aud":      g.clientID,
		"iat":      now.Unix(),
		"exp":      now.Add(s.opts.TokenTTL).Unix(),
		"name":     agent.Name,
		"email":    agent.Email,
		"agent_id": g.agentID,
	}
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT"})
	payload, _ := json.Marshal(claims)
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	mac := hmac.New(sha256.New, s.signKey)
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// caller is the identity behind an authenticated /api request.
type caller struct {
	app    *Application
	agent  Agent
	scopes scopeSet // effective: token ∩ application's current scopes ∩ agent's rights
}

// authenticate resolves the bearer token of an /api request.
func (s *Sim) authenticate(r *http.Request) (caller, reply, bool) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return caller{}, unauthorized("The request has no bearer access token."), false
	}
	at, ok := s.auth.access[strings.TrimSpace(tok)]
	if !ok {
		return caller{}, unauthorized("The access token is invalid."), false
	}
	if !s.now().Before(at.expires) {
		return caller{}, unauthorized("The access token is expired."), false
	}
	app, ok := s.auth.apps[at.clientID]
	if !ok || app.Inactive {
		return caller{}, unauthorized("The application behind this access token is no longer active."), false
	}
	agent := s.db.agents[at.agentID]
	scopes := at.scopes.intersect(expandScopes(app.Scopes))
	if !agent.IsAdmin {
		delete(scopes, "admin")
	}
	return caller{app: app, agent: agent, scopes: scopes}, reply{}, true
}

// callerClientID names the application behind a request for the request log.
func (s *Sim) callerClientID(r *http.Request, body []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok {
		if at, found := s.auth.access[strings.TrimSpace(tok)]; found {
			return at.clientID
		}
	}
	if u, _, ok := r.BasicAuth(); ok {
		return u
	}
	if id := r.URL.Query().Get("client_id"); id != "" {
		return id
	}
	if !strings.EqualFold(r.URL.Path, "/auth/token") {
		return ""
	}
	form, _ := url.ParseQuery(string(body))
	return form.Get("client_id")
}

// baseURL is the scheme and host the client used to reach the simulator.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		scheme = p
	}
	return scheme + "://" + r.Host
}
