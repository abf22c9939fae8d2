package auth_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"halobridge/internal/auth"
	"halobridge/internal/store"
	"halobridge/internal/web/routetest"
)

// TestTenantIsolation calls every route of this package as partner Beta,
// by session and by token, aimed at the records of partners Acme (signed
// in with a password) and Northpoint (signed in with HaloPSA): each answer
// is 404, or refuses, or shows only Beta's, names nothing of the others',
// and leaves their records as they were.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	acme, beta := b.createPartner(t, "acme"), b.createPartner(t, "beta")
	acmeAccount := b.addAccount(t, acme.ID, "ops@acme.example", store.RoleAdmin)
	acmePlain, acmeToken, err := b.svc.CreateToken(ctx, acme.ID, "acme-deploy")
	if err != nil {
		t.Fatal(err)
	}
	acmeBrowser := b.browser(t)
	wantStatus(t, "acme signs in", acmeBrowser.passwordLogin(t, "ops@acme.example", testPassword), http.StatusOK)
	// Northpoint's first sign-in with HaloPSA created an agent and a service
	// application there, which its setup page shows.
	wantStatus(t, "northpoint signs in with HaloPSA", b.browser(t).haloLogin(t, simAdmin), http.StatusOK)
	northpoint, err := b.store.Partner(ctx, b.partnerLogin(t).PartnerID)
	if err != nil {
		t.Fatal(err)
	}
	_, apps := created(t, b.sim)
	app := apps[0]
	// A sign-in with HaloPSA that someone's browser started and HaloPSA
	// approved, sending that browser back here.
	pending, err := url.Parse(b.browser(t).startedCallback(t))
	if err != nil {
		t.Fatal(err)
	}

	b.addAccount(t, beta.ID, "ops@beta.example", store.RoleAdmin)
	betaPlain, _, err := b.svc.CreateToken(ctx, beta.ID, "beta-deploy")
	if err != nil {
		t.Fatal(err)
	}
	betaBrowser := b.browser(t)
	wantStatus(t, "beta signs in", betaBrowser.passwordLogin(t, "ops@beta.example", testPassword), http.StatusOK)
	betaSession, _ := betaBrowser.whoami(t)
	// Northpoint is named after its HaloPSA's address; its admin's email
	// comes from HaloPSA.
	others := []string{"acme", acmePlain, acmeToken.Prefix, northpoint.Name, "admin@northpoint-it.example",
		"••••" + app.ClientID[len(app.ClientID)-4:], "••••" + app.Secret[len(app.Secret)-4:]}

	callers := []struct {
		name   string
		client *http.Client
		header []string
	}{
		{"BetasSession", betaBrowser.follow, []string{auth.CSRFHeader, betaSession.CSRFToken}},
		{"BetasToken", nil, bearer(betaPlain)},
	}
	requests := []struct {
		name, method, path, body string
		want                     int
	}{
		{"ListsOnlyItsOwnTokens", http.MethodGet, "/api/v1/tokens", "", http.StatusOK},
		{"CannotRevokeAnotherPartnersToken", http.MethodDelete, fmt.Sprintf("/api/v1/tokens/%d", acmeToken.ID), "", http.StatusNotFound},
		{"CreatesATokenForItselfWhateverTheBodyNames", http.MethodPost, "/api/v1/tokens", fmt.Sprintf(`{"name": "beta-made", "partner_id": %d}`, acme.ID), http.StatusCreated},
		{"ListsOnlyItsOwnAccounts", http.MethodGet, "/api/v1/accounts", "", http.StatusOK},
		{"CannotDeleteAnotherPartnersAccount", http.MethodDelete, fmt.Sprintf("/api/v1/accounts/%d", acmeAccount.ID), "", http.StatusNotFound},
		{"CannotFinishASignInStartedInAnotherBrowser", http.MethodGet, pending.RequestURI(), "", http.StatusBadRequest},
	}
	routes := routetest.New(auth.Patterns())
	// The JSON API's routes are package api's, whose own isolation test
	// covers every one; those of tokens and accounts are called here too.
	reach := func(method, path string) {
		if !strings.HasPrefix(path, "/api/") {
			routes.Reach(method, path)
		}
	}
	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			for _, r := range requests {
				t.Run(r.name, func(t *testing.T) {
					reach(r.method, r.path)
					resp := b.apiCall(t, c.client, r.method, r.path, r.body, c.header...)
					if resp.status != r.want {
						t.Errorf("%s %s: %d, want %d\n%s", r.method, r.path, resp.status, r.want, resp.body)
					}
					for _, s := range others {
						if strings.Contains(resp.body, s) {
							t.Errorf("%s %s shows %q of another partner:\n%s", r.method, r.path, s, resp.body)
						}
					}
				})
			}
		})
	}

	t.Run("LeavesTheOtherPartnersRecordsAlone", func(t *testing.T) {
		if _, err := b.store.Account(ctx, acme.ID, acmeAccount.ID); err != nil {
			t.Errorf("acme's account: %v", err)
		}
		who := b.apiCall(t, nil, http.MethodGet, "/api/v1/whoami", "", bearer(acmePlain)...)
		if who.status != http.StatusOK || decodeJSON[whoami](t, who).PartnerID != acme.ID {
			t.Errorf("acme's token after beta's attempts: %d %s", who.status, who.body)
		}
		if tokens, err := b.svc.ListTokens(ctx, acme.ID); err != nil || len(tokens) != 1 || tokens[0].ID != acmeToken.ID || !tokens[0].RevokedAt.IsZero() {
			t.Errorf("acme's tokens: %+v, %v; want acme-deploy alone, not revoked", tokens, err)
		}
		if tokens, err := b.svc.ListTokens(ctx, beta.ID); err != nil || len(tokens) != 3 {
			t.Errorf("beta's tokens: %+v, %v; want beta-deploy and the two beta-made", tokens, err)
		}
		if login := b.partnerLogin(t); login.PartnerID != northpoint.ID || login.ApplicationID != app.ID {
			t.Errorf("northpoint's HaloPSA sign-in: %+v", login)
		}
	})

	t.Run("ASessionActsOnlyForItsPartner", func(t *testing.T) {
		if betaSession.PartnerID != beta.ID {
			t.Errorf("beta's session acts for partner %d, want %d", betaSession.PartnerID, beta.ID)
		}
		if me, _ := betaBrowser.whoami(t); me.PartnerID != beta.ID {
			t.Errorf("after the calls beta's browser acts for partner %d, want %d", me.PartnerID, beta.ID)
		}
		list := b.apiCall(t, betaBrowser.follow, http.MethodGet, "/api/v1/accounts", "")
		if !strings.Contains(list.body, "ops@beta.example") || strings.Contains(list.body, "ops@acme.example") {
			t.Errorf("beta's account list: %s", list.body)
		}
	})

	t.Run("LogoutEndsOnlyTheCallersSession", func(t *testing.T) {
		routes.Reach(http.MethodPost, "/logout")
		out := b.apiCall(t, betaBrowser.follow, http.MethodPost, "/logout", "", auth.CSRFHeader, betaSession.CSRFToken)
		if out.status != http.StatusOK || out.url.Path != "/login" {
			t.Errorf("beta's logout: %d at %s, want the sign-in page", out.status, out.url)
		}
		if _, status := betaBrowser.whoami(t); status != http.StatusUnauthorized {
			t.Errorf("beta's session after its logout: %d, want 401", status)
		}
		if me, status := acmeBrowser.whoami(t); status != http.StatusOK || me.PartnerID != acme.ID {
			t.Errorf("acme's session after beta's logout: %+v (%d), want acme's", me, status)
		}
	})

	t.Run("CallsEveryRoute", func(t *testing.T) {
		routes.Check(t, map[string]string{
			"GET /login": "the sign-in page: the same for everyone, before anyone is known",
			"POST /login": "names no record: it signs in to the account whose email and password it is given " +
				"(TestPasswordLogin refuses a wrong one and an unknown email alike)",
			"POST /login/halo": "only sends the browser to the HaloPSA it names; nothing of a partner is read " +
				"until HaloPSA sends the browser back to the callback, which is called above",
		})
	})
}
