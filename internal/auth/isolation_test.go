package auth_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"halobridge/internal/auth"
	"halobridge/internal/store"
)

// TestTenantIsolation calls every endpoint of this package as partner
// Beta, by session and by token, aimed at partner Acme's records: each
// answer is 404 or shows only Beta's, and names nothing of Acme's.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	acme, beta := b.createPartner(t, "acme"), b.createPartner(t, "beta")
	acmeAccount := b.addAccount(t, acme.ID, "ops@acme.example", store.RoleAdmin)
	acmePlain, acmeToken, err := b.svc.CreateToken(t.Context(), acme.ID, "acme-deploy")
	if err != nil {
		t.Fatal(err)
	}
	b.addAccount(t, beta.ID, "ops@beta.example", store.RoleAdmin)
	betaPlain, _, err := b.svc.CreateToken(t.Context(), beta.ID, "beta-deploy")
	if err != nil {
		t.Fatal(err)
	}
	betaBrowser := b.browser(t)
	wantStatus(t, "beta signs in", betaBrowser.passwordLogin(t, "ops@beta.example", testPassword), http.StatusOK)
	betaSession, _ := betaBrowser.whoami(t)
	acmeSecrets := []string{"acme", acmePlain, acmeToken.Prefix}

	callers := []struct {
		name   string
		client *http.Client
		header []string
	}{
		{"BetasSession", betaBrowser.follow, []string{auth.CSRFHeader, betaSession.CSRFToken}},
		{"BetasToken", nil, bearer(betaPlain)},
	}
	requests := []struct {
		name, method, path string
		want               int
	}{
		{"ListsOnlyItsOwnTokens", http.MethodGet, "/api/v1/tokens", http.StatusOK},
		{"CannotRevokeAnotherPartnersToken", http.MethodDelete, fmt.Sprintf("/api/v1/tokens/%d", acmeToken.ID), http.StatusNotFound},
		{"ListsOnlyItsOwnAccounts", http.MethodGet, "/api/v1/accounts", http.StatusOK},
		{"CannotDeleteAnotherPartnersAccount", http.MethodDelete, fmt.Sprintf("/api/v1/accounts/%d", acmeAccount.ID), http.StatusNotFound},
		{"SeesNoHaloPSASetupOfAnotherPartner", http.MethodGet, "/setup/created", http.StatusNotFound},
	}
	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			for _, r := range requests {
				t.Run(r.name, func(t *testing.T) {
					resp := b.apiCall(t, c.client, r.method, r.path, "", c.header...)
					if resp.status != r.want {
						t.Errorf("%s %s: %d, want %d\n%s", r.method, r.path, resp.status, r.want, resp.body)
					}
					for _, s := range acmeSecrets {
						if strings.Contains(resp.body, s) {
							t.Errorf("%s %s shows %q of partner acme:\n%s", r.method, r.path, s, resp.body)
						}
					}
				})
			}
		})
	}

	t.Run("LeavesTheOtherPartnersRecordsAlone", func(t *testing.T) {
		if _, err := b.store.Account(t.Context(), acme.ID, acmeAccount.ID); err != nil {
			t.Errorf("acme's account: %v", err)
		}
		who := b.apiCall(t, nil, http.MethodGet, "/api/v1/whoami", "", bearer(acmePlain)...)
		if who.status != http.StatusOK || decodeJSON[whoami](t, who).PartnerID != acme.ID {
			t.Errorf("acme's token after beta's attempts: %d %s", who.status, who.body)
		}
	})

	t.Run("ASessionActsOnlyForItsPartner", func(t *testing.T) {
		if betaSession.PartnerID != beta.ID {
			t.Errorf("beta's session acts for partner %d, want %d", betaSession.PartnerID, beta.ID)
		}
		list := b.apiCall(t, betaBrowser.follow, http.MethodGet, "/api/v1/accounts", "")
		if !strings.Contains(list.body, "ops@beta.example") || strings.Contains(list.body, "ops@acme.example") {
			t.Errorf("beta's account list: %s", list.body)
		}
	})
}
