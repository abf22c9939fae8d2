package halosim

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// authRequest is a validated GET /auth/authorize request.
type authRequest struct {
	app         *Application
	redirectURI string
	state       string
	challenge   string
	requested   []string
	offline     bool
}

// parseAuthorize validates an authorization request. Problems that make the redirect URI
// untrustworthy answer 400 here; the rest go back to the client by redirect (RFC 6749 §4.1.2.1).
func (s *Sim) parseAuthorize(q url.Values) (authRequest, reply, bool) {
	app, ok := s.auth.apps[q.Get("client_id")]
	if !ok || app.Inactive {
		return authRequest{}, oauthError(http.StatusBadRequest, "invalid_client", "The specified 'client_id' is invalid or the application is inactive."), false
	}
	if !app.AuthorizationCode {
		return authRequest{}, oauthError(http.StatusBadRequest, "unauthorized_client", "This application is not allowed to use the authorization_code grant."), false
	}
	ar := authRequest{app: app, redirectURI: q.Get("redirect_uri"), state: q.Get("state"), challenge: q.Get("code_challenge")}
	if !redirectAllowed(app.RedirectURIs, ar.redirectURI) {
		return authRequest{}, oauthError(http.StatusBadRequest, "invalid_request", "The specified 'redirect_uri' is not registered for this application."), false
	}
	if rt := q.Get("response_type"); rt != "code" {
		return authRequest{}, ar.redirectError("unsupported_response_type", "Only response_type=code is supported."), false
	}
	if ar.challenge == "" {
		return authRequest{}, ar.redirectError("invalid_request", "The mandatory 'code_challenge' parameter is missing."), false
	}
	if m := q.Get("code_challenge_method"); m != "S256" {
		return authRequest{}, ar.redirectError("invalid_request", "The specified 'code_challenge_method' is not allowed; use S256."), false
	}
	names := strings.Fields(q.Get("scope"))
	for _, n := range names {
		if n != scopeOfflineAccess && !isKnownScope(n) {
			return authRequest{}, ar.redirectError("invalid_scope", fmt.Sprintf("The specified scope %q is not supported.", n)), false
		}
	}
	ar.requested = names
	ar.offline = slices.Contains(names, scopeOfflineAccess)
	return ar, reply{}, true
}

// redirectAllowed matches registered URIs as prefixes ending at a URL boundary, so
// "http://localhost" admits "http://localhost:8080/callback" but not "http://localhost.evil".
func redirectAllowed(registered []string, uri string) bool {
	for _, reg := range registered {
		if uri == reg {
			return true
		}
		if rest, ok := strings.CutPrefix(uri, reg); ok && rest != "" && strings.ContainsRune(":/?", rune(rest[0])) {
			return true
		}
	}
	return false
}

func (ar authRequest) redirectTo(params url.Values) string {
	u, err := url.Parse(ar.redirectURI)
	if err != nil {
		return ar.redirectURI
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	if ar.state != "" {
		q.Set("state", ar.state)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func (ar authRequest) redirectError(code, desc string) reply {
	return redirect(ar.redirectTo(url.Values{"error": {code}, "error_description": {desc}}))
}

func redirect(location string) reply {
	return reply{status: http.StatusFound, header: http.Header{"Location": {location}}}
}

// approve issues a single-use authorization code for agentID and returns the redirect.
func (s *Sim) approve(ar authRequest, agentID int) (string, error) {
	agent, ok := s.db.agents[agentID]
	switch {
	case !ok:
		return "", fmt.Errorf("agent %d does not exist", agentID)
	case agent.IsDisabled || agent.IsAPIAgent || agentID == unassignedAgentID:
		return "", fmt.Errorf("agent %d (%s) cannot log in interactively", agentID, agent.Name)
	}
	code := rand.Text() + rand.Text()
	s.auth.codes[code] = &authCode{
		grant: grant{
			clientID: ar.app.ClientID, agentID: agentID, requested: ar.requested, offline: ar.offline,
			scopes: expandScopes(ar.requested).intersect(expandScopes(ar.app.Scopes)),
		},
		redirectURI: ar.redirectURI,
		challenge:   ar.challenge,
		expires:     s.now().Add(codeTTL),
	}
	return ar.redirectTo(url.Values{"code": {code}}), nil
}

// authorize serves GET /auth/authorize (the approval page) and POST (the page's form).
func (s *Sim) authorize(r *http.Request, body []byte) reply {
	if rep, ok := s.checkTenant(r); !ok {
		return rep
	}
	ar, rep, ok := s.parseAuthorize(r.URL.Query())
	if !ok {
		return rep
	}
	switch r.Method {
	case http.MethodGet:
		return s.approvalPage(r, ar)
	case http.MethodPost:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return textReply(http.StatusBadRequest, "the approval form could not be read")
		}
		if form.Get("decision") != "approve" {
			return ar.redirectError("access_denied", "The agent denied the authorization request.")
		}
		agentID, _ := strconv.Atoi(form.Get("agent_id"))
		location, err := s.approve(ar, agentID)
		if err != nil {
			return textReply(http.StatusBadRequest, err.Error())
		}
		return redirect(location)
	default:
		return textReply(http.StatusMethodNotAllowed, "use GET or POST")
	}
}

// ApproveURL does what approving the page at authorizeURL as agentID would do and returns
// the redirect the browser would follow (with code and state).
func (s *Sim) ApproveURL(authorizeURL string, agentID int) (string, error) {
	u, err := url.Parse(authorizeURL)
	if err != nil {
		return "", fmt.Errorf("parsing the authorize URL: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.Tenant != "" && !strings.EqualFold(u.Query().Get("tenant"), s.opts.Tenant) {
		return "", fmt.Errorf("authorize URL has tenant %q, want %q", u.Query().Get("tenant"), s.opts.Tenant)
	}
	ar, rep, ok := s.parseAuthorize(u.Query())
	if !ok {
		if loc := rep.header.Get("Location"); loc != "" {
			return loc, errors.New("the authorization request was refused: " + loc)
		}
		return "", errors.New("the authorization request was refused: " + string(rep.body))
	}
	return s.approve(ar, agentID)
}

// approvalPageData feeds approvalTemplate.
type approvalPageData struct {
	AppName string
	Scopes  []string
	Action  string
	Agents  []Agent
}

const approvalTemplate = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Halo - Authorise application</title></head>
<body>
<h1>{{.AppName}} wants to access your Halo</h1>
<p>Requested permissions:</p>
<ul>{{range .Scopes}}<li>{{.}}</li>{{else}}<li>(none)</li>{{end}}</ul>
<form method="post" action="{{.Action}}">
<label>Log in as <select name="agent_id">{{range .Agents}}<option value="{{.ID}}">{{.Name}}</option>{{end}}</select></label>
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
</body></html>
`

func (s *Sim) approvalPage(r *http.Request, ar authRequest) reply {
	data := approvalPageData{AppName: ar.app.Name, Scopes: ar.requested, Action: r.URL.RequestURI()}
	for _, a := range sortedValues(s.db.agents) {
		if !a.IsDisabled && !a.IsAPIAgent && a.ID != unassignedAgentID {
			data.Agents = append(data.Agents, a)
		}
	}
	var buf bytes.Buffer
	if err := s.approvalTmpl.Execute(&buf, data); err != nil {
		return textReply(http.StatusInternalServerError, fmt.Sprintf("rendering the approval page: %v", err))
	}
	return reply{status: http.StatusOK, body: buf.Bytes(), contentType: "text/html; charset=utf-8"}
}

func parseApprovalTemplate() *template.Template {
	return template.Must(template.New("approve").Parse(approvalTemplate))
}
