package halosim

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// oauthErr is the RFC 6749 error body of the authorisation server.
type oauthErr struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func TestClientCredentialsGrant(t *testing.T) {
	t.Parallel()

	t.Run("IssuesBearerTokenForTheApplicationsAgent", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		resp := b.postForm(t, "/auth/token", url.Values{"grant_type": {"client_credentials"},
			"client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}, "scope": {"all"}})
		wantStatus(t, resp, http.StatusOK)
		tok := decode[tokenResponse](t, resp)
		if tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 || tok.Scope != "all" || tok.AccessToken == "" || tok.RefreshToken == "" || tok.IDToken == "" {
			t.Fatalf("token response = %+v", tok)
		}
		claims := jwtClaims(t, tok.IDToken)
		if claims["name"] != "Halo Integrator" || claims["email"] != "halointegrator@northpoint-it.example" || claims["agent_id"] != float64(7) {
			t.Fatalf("id_token claims = %v", claims)
		}
	})

	t.Run("AcceptsHTTPBasicClientAuthentication", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		req, _ := http.NewRequest(http.MethodPost, b.srv.URL+"/auth/token", strings.NewReader("grant_type=client_credentials&scope=all"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(DefaultClientID, DefaultClientSecret)
		wantStatus(t, b.roundTrip(t, req), http.StatusOK)
	})

	t.Run("RejectsUnknownClientWith401InvalidClient", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		resp := b.postForm(t, "/auth/token", url.Values{"grant_type": {"client_credentials"},
			"client_id": {"nobody"}, "client_secret": {"x"}, "scope": {"all"}})
		wantStatus(t, resp, http.StatusUnauthorized)
		if e := decode[oauthErr](t, resp); e.Error != "invalid_client" {
			t.Fatalf("error = %q", e.Error)
		}
	})

	t.Run("RejectsWrongSecretWith401InvalidClient", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		resp := b.postForm(t, "/auth/token", url.Values{"grant_type": {"client_credentials"},
			"client_id": {DefaultClientID}, "client_secret": {"wrong"}, "scope": {"all"}})
		wantStatus(t, resp, http.StatusUnauthorized)
		if e := decode[oauthErr](t, resp); e.Error != "invalid_client" {
			t.Fatalf("error = %q", e.Error)
		}
	})

	t.Run("RejectsReadActionsAsInvalidScope", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		resp := b.postForm(t, "/auth/token", url.Values{"grant_type": {"client_credentials"},
			"client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}, "scope": {"read:tickets read:actions"}})
		wantStatus(t, resp, http.StatusBadRequest)
		if e := decode[oauthErr](t, resp); e.Error != "invalid_scope" || !strings.Contains(e.Description, "read:actions") {
			t.Fatalf("error = %+v", e)
		}
	})

	t.Run("GrantsOnlyScopesTheApplicationHas", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		b.sim.SetScopes(DefaultClientID, "edit:tickets", "read:customers")
		resp := b.postForm(t, "/auth/token", url.Values{"grant_type": {"client_credentials"},
			"client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}, "scope": {"all"}})
		wantStatus(t, resp, http.StatusOK)
		if got := decode[tokenResponse](t, resp).Scope; got != "edit:tickets read:customers read:tickets" {
			t.Fatalf("scope = %q", got)
		}
	})

	t.Run("GrantsNothingWhenNoScopeIsRequested", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "")
		wantHaloError(t, b.send(t, "GET", "/api/Client", tok, nil), http.StatusForbidden,
			"You do not have permission to access this area (read:customers)")
	})

	// Hosted HaloPSA answers a client-credentials grant with all six fields, a refresh
	// token among them, whether or not offline_access was asked for (issue 19: an
	// integration in production validates all six as required).
	t.Run("GivesARefreshTokenAsHostedHaloPSADoes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		for _, scope := range []string{"all", "all offline_access"} {
			resp := b.postForm(t, "/auth/token", url.Values{"grant_type": {"client_credentials"},
				"client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}, "scope": {scope}})
			wantStatus(t, resp, http.StatusOK)
			fields := decode[map[string]any](t, resp)
			for _, name := range []string{"access_token", "token_type", "expires_in", "scope", "refresh_token", "id_token"} {
				if v, ok := fields[name]; !ok || v == "" {
					t.Errorf("scope %q: the token answer lacks %s: %v", scope, name, fields)
				}
			}
			if fields["scope"] != "all" {
				t.Errorf("scope %q: granted %v, want all", scope, fields["scope"])
			}
		}
	})

	t.Run("RejectsJSONTokenRequests", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		resp := b.send(t, "POST", "/auth/token", "", map[string]string{"grant_type": "client_credentials"})
		wantStatus(t, resp, http.StatusBadRequest)
		if e := decode[oauthErr](t, resp); e.Error != "invalid_request" {
			t.Fatalf("error = %q", e.Error)
		}
	})

	t.Run("RejectsUnknownGrantType", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		resp := b.postForm(t, "/auth/token", url.Values{"grant_type": {"password"}})
		wantStatus(t, resp, http.StatusBadRequest)
		if e := decode[oauthErr](t, resp); e.Error != "unsupported_grant_type" {
			t.Fatalf("error = %q", e.Error)
		}
	})
}

func TestTenant(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{Tenant: "northpoint"})
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID},
		"client_secret": {DefaultClientSecret}, "scope": {"all"}}

	t.Run("RejectsTokenRequestWithoutTenant", func(t *testing.T) {
		resp := b.postForm(t, "/auth/token", form)
		wantStatus(t, resp, http.StatusBadRequest)
		if e := decode[oauthErr](t, resp); e.Error != "invalid_request" {
			t.Fatalf("error = %q", e.Error)
		}
	})
	t.Run("RejectsTokenRequestForAnotherTenant", func(t *testing.T) {
		resp := b.postForm(t, "/auth/token?tenant=other", form)
		wantStatus(t, resp, http.StatusBadRequest)
		if e := decode[oauthErr](t, resp); e.Error != "invalid_request" {
			t.Fatalf("error = %q", e.Error)
		}
	})
	t.Run("IssuesTokenForItsTenant", func(t *testing.T) {
		wantStatus(t, b.postForm(t, "/auth/token?tenant=northpoint", form), http.StatusOK)
	})
	t.Run("AuthInfoNamesTheTenantAnonymously", func(t *testing.T) {
		resp := b.send(t, "GET", "/api/authinfo", "", nil)
		wantStatus(t, resp, http.StatusOK)
		want := map[string]string{"auth_url": b.srv.URL + "/auth", "tenant_id": "northpoint"}
		if got := decode[map[string]string](t, resp); got["auth_url"] != want["auth_url"] || got["tenant_id"] != want["tenant_id"] {
			t.Fatalf("authinfo = %v, want %v", got, want)
		}
	})
}

func TestBearerToken(t *testing.T) {
	t.Parallel()

	t.Run("RejectsMissingToken", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		resp := b.send(t, "GET", "/api/Client", "", nil)
		wantStatus(t, resp, http.StatusUnauthorized)
		if !strings.HasPrefix(resp.header.Get("WWW-Authenticate"), "Bearer") {
			t.Fatalf("WWW-Authenticate = %q", resp.header.Get("WWW-Authenticate"))
		}
	})

	t.Run("RejectsUnknownToken", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		wantStatus(t, b.send(t, "GET", "/api/Client", "made-up", nil), http.StatusUnauthorized)
	})

	t.Run("RejectsExpiredToken", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{TokenTTL: time.Minute})
		tok := b.token(t, "all")
		wantStatus(t, b.send(t, "GET", "/api/Status", tok, nil), http.StatusOK)
		b.clock.Advance(time.Minute)
		wantStatus(t, b.send(t, "GET", "/api/Status", tok, nil), http.StatusUnauthorized)
	})
}

func TestScopeModel(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})

	cases := []struct {
		name, scope, method, path string
		body                      any
		status                    int
		missing                   string
	}{
		{"ReadTicketsCannotListClients", "read:tickets", "GET", "/api/Client", nil, 403, "read:customers"},
		{"SitesAreGatedByCustomers", "read:tickets", "GET", "/api/Site", nil, 403, "read:customers"},
		{"EditCustomersImpliesRead", "edit:customers", "GET", "/api/Users", nil, 200, ""},
		{"ReadCustomersCannotWrite", "read:customers", "POST", "/api/Client", []map[string]any{{"name": "X"}}, 403, "edit:customers"},
		{"ActionsAreGatedByTickets", "read:customers", "GET", "/api/Actions?ticket_id=1", nil, 403, "read:tickets"},
		{"LookupsAreGatedByTickets", "read:customers", "GET", "/api/Lookup?lookupid=22", nil, 403, "read:tickets"},
		{"ItemsNeedReadItems", "read:invoices", "GET", "/api/Item", nil, 403, "read:items"},
		{"InvoicesNeedReadInvoices", "read:items", "GET", "/api/RecurringInvoice", nil, 403, "read:invoices"},
		{"AgentsNeedTeamsOrAdmin", "all:standard", "GET", "/api/Agent", nil, 403, "all:teams or admin"},
		{"AllTeamsListsAgents", "all:teams", "GET", "/api/Team", nil, 200, ""},
		{"AllStandardCannotCreateAgents", "all:standard", "POST", "/api/Agent", []map[string]any{{"name": "X"}}, 403, "admin"},
		{"ApplicationsNeedAdmin", "all:standard", "GET", "/api/Application", nil, 403, "admin"},
		{"AnyTokenReadsAgentMe", "", "GET", "/api/Agent/me", nil, 200, ""},
		{"AnyTokenReadsInstanceInfo", "", "GET", "/api/InstanceInfo", nil, 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := b.send(t, tc.method, tc.path, b.token(t, tc.scope), tc.body)
			if tc.missing == "" {
				wantStatus(t, resp, tc.status)
				return
			}
			wantHaloError(t, resp, tc.status, "You do not have permission to access this area ("+tc.missing+")")
		})
	}

	t.Run("NewScopesApplyToLiveTokens", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		wantStatus(t, b.send(t, "GET", "/api/Client", tok, nil), http.StatusOK)
		b.sim.SetScopes(DefaultClientID, "read:tickets")
		wantHaloError(t, b.send(t, "GET", "/api/Client", tok, nil), http.StatusForbidden,
			"You do not have permission to access this area (read:customers)")
	})

	t.Run("AdminNeedsAnAdministratorAgent", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		b.sim.AddApplication(Application{ClientID: "tech-app", Secret: "s", Scopes: []string{"all"}, AgentID: 3, Name: "Technician app"})
		tok := b.tokenFor(t, "tech-app", "s", "all")
		wantHaloError(t, b.send(t, "GET", "/api/Application", tok, nil), http.StatusForbidden,
			"You do not have permission to access this area (admin)")
		wantStatus(t, b.send(t, "GET", "/api/Agent", tok, nil), http.StatusOK)
	})
}

// pkce returns a verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	return verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
}

func authorizeURL(b *testBundle, redirect, scope, state, challenge, method string) string {
	q := url.Values{"response_type": {"code"}, "client_id": {DefaultPublicClientID}, "redirect_uri": {redirect},
		"scope": {scope}, "state": {state}, "code_challenge": {challenge}, "code_challenge_method": {method}}
	return b.srv.URL + "/auth/authorize?" + q.Encode()
}

// approveInBrowser fetches the approval page and submits its form like a browser would.
func approveInBrowser(t *testing.T, b *testBundle, authURL, decision, agentID string) *url.URL {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, authURL, nil)
	page := b.roundTrip(t, req)
	wantStatus(t, page, http.StatusOK)
	m := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindSubmatch(page.body)
	if m == nil {
		t.Fatalf("no form in the approval page: %s", page.body)
	}
	action := html.UnescapeString(string(m[1]))
	form := url.Values{"decision": {decision}, "agent_id": {agentID}}
	post, _ := http.NewRequest(http.MethodPost, b.srv.URL+action, strings.NewReader(form.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp := b.roundTrip(t, post)
	wantStatus(t, resp, http.StatusFound)
	loc, err := url.Parse(resp.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func exchangeCode(t *testing.T, b *testBundle, code, redirect, verifier string) response {
	t.Helper()
	return b.postForm(t, "/auth/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {DefaultPublicClientID},
		"code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}})
}

func TestAuthorizationCodeGrant(t *testing.T) {
	t.Parallel()
	const redirect = "http://127.0.0.1:53682/callback"
	verifier, challenge := pkce()

	t.Run("ApprovingInTheBrowserYieldsTokensForTheApprovingAgent", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		loc := approveInBrowser(t, b, authorizeURL(b, redirect, "all offline_access", "st4te", challenge, "S256"), "approve", "3")
		if loc.Scheme+"://"+loc.Host+loc.Path != redirect || loc.Query().Get("state") != "st4te" || loc.Query().Get("code") == "" {
			t.Fatalf("redirect = %s", loc)
		}
		resp := exchangeCode(t, b, loc.Query().Get("code"), redirect, verifier)
		wantStatus(t, resp, http.StatusOK)
		tok := decode[tokenResponse](t, resp)
		if tok.Scope != "all offline_access" || tok.RefreshToken == "" {
			t.Fatalf("token = %+v", tok)
		}
		me := decode[Agent](t, b.send(t, "GET", "/api/Agent/me", tok.AccessToken, nil))
		if me.ID != 3 || me.Name != "Sarah Mitchell" {
			t.Fatalf("agent/me = %d %q", me.ID, me.Name)
		}
	})

	t.Run("DenyingRedirectsWithAccessDenied", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		loc := approveInBrowser(t, b, authorizeURL(b, redirect, "all", "s", challenge, "S256"), "deny", "3")
		if loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "s" || loc.Query().Has("code") {
			t.Fatalf("redirect = %s", loc)
		}
	})

	t.Run("RefreshTokensRotateAndAreSingleUse", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		redirectTo, err := b.sim.ApproveURL(authorizeURL(b, redirect, "all offline_access", "s", challenge, "S256"), 2)
		if err != nil {
			t.Fatal(err)
		}
		loc, _ := url.Parse(redirectTo)
		first := decode[tokenResponse](t, exchangeCode(t, b, loc.Query().Get("code"), redirect, verifier))
		refresh := func(rt string) response {
			return b.postForm(t, "/auth/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {DefaultPublicClientID}, "refresh_token": {rt}})
		}
		resp := refresh(first.RefreshToken)
		wantStatus(t, resp, http.StatusOK)
		second := decode[tokenResponse](t, resp)
		if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
			t.Fatalf("refresh did not rotate: %+v", second)
		}
		reused := refresh(first.RefreshToken)
		wantStatus(t, reused, http.StatusBadRequest)
		if e := decode[oauthErr](t, reused); e.Error != "invalid_grant" {
			t.Fatalf("error = %q", e.Error)
		}
		wantStatus(t, refresh(second.RefreshToken), http.StatusOK)
	})

	t.Run("GivesNoRefreshTokenWithoutOfflineAccess", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		redirectTo, err := b.sim.ApproveURL(authorizeURL(b, redirect, "all", "s", challenge, "S256"), 2)
		if err != nil {
			t.Fatal(err)
		}
		loc, _ := url.Parse(redirectTo)
		if tok := decode[tokenResponse](t, exchangeCode(t, b, loc.Query().Get("code"), redirect, verifier)); tok.RefreshToken != "" {
			t.Fatalf("refresh token issued without offline_access")
		}
	})

	codeErrors := []struct {
		name   string
		mutate func(t *testing.T, b *testBundle, code string) (redirectURI, verifier string)
	}{
		{"RejectsWrongCodeVerifier", func(*testing.T, *testBundle, string) (string, string) { return redirect, "not-the-verifier" }},
		{"RejectsDifferentRedirectURI", func(*testing.T, *testBundle, string) (string, string) { return "http://127.0.0.1:1/other", verifier }},
		{"RejectsReusedCode", func(t *testing.T, b *testBundle, code string) (string, string) {
			wantStatus(t, exchangeCode(t, b, code, redirect, verifier), http.StatusOK)
			return redirect, verifier
		}},
		{"RejectsCodeOlderThanFiveMinutes", func(_ *testing.T, b *testBundle, _ string) (string, string) {
			b.clock.Advance(5 * time.Minute)
			return redirect, verifier
		}},
	}
	for _, tc := range codeErrors {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Options{})
			redirectTo, err := b.sim.ApproveURL(authorizeURL(b, redirect, "all", "s", challenge, "S256"), 2)
			if err != nil {
				t.Fatal(err)
			}
			loc, _ := url.Parse(redirectTo)
			code := loc.Query().Get("code")
			redirectURI, v := tc.mutate(t, b, code)
			resp := exchangeCode(t, b, code, redirectURI, v)
			wantStatus(t, resp, http.StatusBadRequest)
			if e := decode[oauthErr](t, resp); e.Error != "invalid_grant" {
				t.Fatalf("error = %q", e.Error)
			}
		})
	}

	for _, tc := range []struct{ name, challenge, method string }{
		{"RejectsPlainCodeChallenge", verifier, "plain"},
		{"RejectsMissingCodeChallenge", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Options{})
			req, _ := http.NewRequest(http.MethodGet, authorizeURL(b, redirect, "all", "s", tc.challenge, tc.method), nil)
			resp := b.roundTrip(t, req)
			wantStatus(t, resp, http.StatusFound)
			loc, _ := url.Parse(resp.header.Get("Location"))
			if loc.Query().Get("error") != "invalid_request" || loc.Query().Get("state") != "s" {
				t.Fatalf("redirect = %s", loc)
			}
		})
	}

	t.Run("RejectsUnregisteredRedirectWithoutRedirecting", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		req, _ := http.NewRequest(http.MethodGet, authorizeURL(b, "http://localhost.evil.example/cb", "all", "s", challenge, "S256"), nil)
		resp := b.roundTrip(t, req)
		wantStatus(t, resp, http.StatusBadRequest)
		if e := decode[oauthErr](t, resp); e.Error != "invalid_request" {
			t.Fatalf("error = %q", e.Error)
		}
	})

	t.Run("ConfidentialClientCannotUseAuthorizationCode", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		resp := b.postForm(t, "/auth/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {DefaultClientID},
			"client_secret": {DefaultClientSecret}, "code": {"x"}, "redirect_uri": {redirect}, "code_verifier": {verifier}})
		wantStatus(t, resp, http.StatusBadRequest)
		if e := decode[oauthErr](t, resp); e.Error != "unauthorized_client" {
			t.Fatalf("error = %q", e.Error)
		}
	})
}

func TestRevokeApplication(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	verifier, challenge := pkce()
	const redirect = "http://localhost:8080/cb"
	redirectTo, err := b.sim.ApproveURL(authorizeURL(b, redirect, "all offline_access", "s", challenge, "S256"), 2)
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := url.Parse(redirectTo)
	login := decode[tokenResponse](t, exchangeCode(t, b, loc.Query().Get("code"), redirect, verifier))
	service := b.token(t, "all")

	b.sim.RevokeApplication(DefaultPublicClientID)
	b.sim.RevokeApplication(DefaultClientID)

	t.Run("LiveAccessTokensStopWorking", func(t *testing.T) {
		wantStatus(t, b.send(t, "GET", "/api/Status", service, nil), http.StatusUnauthorized)
		wantStatus(t, b.send(t, "GET", "/api/Status", login.AccessToken, nil), http.StatusUnauthorized)
	})
	t.Run("NewClientCredentialsTokensAreInvalidClient", func(t *testing.T) {
		resp := b.postForm(t, "/auth/token", url.Values{"grant_type": {"client_credentials"},
			"client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}, "scope": {"all"}})
		wantStatus(t, resp, http.StatusUnauthorized)
		if e := decode[oauthErr](t, resp); e.Error != "invalid_client" {
			t.Fatalf("error = %q", e.Error)
		}
	})
	t.Run("RefreshTokensAreInvalidGrant", func(t *testing.T) {
		resp := b.postForm(t, "/auth/token", url.Values{"grant_type": {"refresh_token"},
			"client_id": {DefaultPublicClientID}, "refresh_token": {login.RefreshToken}})
		wantStatus(t, resp, http.StatusBadRequest)
		if e := decode[oauthErr](t, resp); e.Error != "invalid_grant" {
			t.Fatalf("error = %q", e.Error)
		}
	})
}

// jwtClaims decodes (without verifying) the payload of a JWT.
func jwtClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("id_token %q is not a JWT", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}
