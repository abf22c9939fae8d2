package auth_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"halobridge/internal/auth"
	"halobridge/internal/store"
)

// tokenAnswer is the JSON of one API token.
type tokenAnswer struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	Prefix     string  `json:"prefix"`
	Token      string  `json:"token"`
	LastUsedAt *string `json:"last_used_at"`
	RevokedAt  *string `json:"revoked_at"`
}

func decodeJSON[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
	return v
}

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

func TestAPITokens(t *testing.T) {
	t.Parallel()

	t.Run("AuthenticatesWithTheTokenUntilItIsRevoked", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		br, me := b.signedInAdmin(t)

		resp := b.apiCall(t, br.follow, http.MethodPost, "/api/v1/tokens", `{"name":"  deploy script "}`, auth.CSRFHeader, me.CSRFToken)
		wantStatus(t, "create a token", resp, http.StatusCreated)
		created := decodeJSON[tokenAnswer](t, resp)
		if !regexp.MustCompile(`^hb_[a-z2-7]{8}_[a-z2-7]{32}$`).MatchString(created.Token) || created.Name != "deploy script" ||
			!strings.HasPrefix(created.Token, created.Prefix+"_") || created.RevokedAt != nil || created.LastUsedAt != nil {
			t.Fatalf("created token = %+v", created)
		}

		who := b.apiCall(t, nil, http.MethodGet, "/api/v1/whoami", "", bearer(created.Token)...)
		wantStatus(t, "whoami with the token", who, http.StatusOK)
		if w := decodeJSON[whoami](t, who); w.PartnerID != me.PartnerID || w.TokenID != created.ID || w.Email != "" || w.CSRFToken != "" {
			t.Errorf("the token acts as %+v, want token %d of partner %d", w, created.ID, me.PartnerID)
		}
		list := b.apiCall(t, nil, http.MethodGet, "/api/v1/tokens", "", bearer(created.Token)...)
		wantStatus(t, "list with the token", list, http.StatusOK)
		tokens := decodeJSON[struct{ Tokens []tokenAnswer }](t, list).Tokens
		if len(tokens) != 1 || tokens[0].ID != created.ID || tokens[0].LastUsedAt == nil || tokens[0].Token != "" || strings.Contains(list.body, created.Token) {
			t.Errorf("token list = %s; want the token, used, without its value", list.body)
		}

		revoke := b.apiCall(t, nil, http.MethodDelete, fmt.Sprintf("/api/v1/tokens/%d", created.ID), "", bearer(created.Token)...)
		wantStatus(t, "revoke the token with itself", revoke, http.StatusOK)
		if decodeJSON[tokenAnswer](t, revoke).RevokedAt == nil {
			t.Errorf("revoke answered %s, want revoked_at set", revoke.body)
		}
		after := b.apiCall(t, nil, http.MethodGet, "/api/v1/whoami", "", bearer(created.Token)...)
		wantStatus(t, "whoami with the revoked token", after, http.StatusUnauthorized)
		if !strings.Contains(after.body, `"code":"unauthenticated"`) || !strings.Contains(after.body, "revoked") {
			t.Errorf("the revoked token's answer: %s", after.body)
		}
	})

	t.Run("RefusesTokensThatAreNotOnes", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := b.createPartner(t, "acme")
		plain, _, err := b.svc.CreateToken(t.Context(), p.ID, "ci")
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{
			"Bearer ",
			"Bearer nope",
			"Bearer " + plain + "x",
			"Bearer " + strings.ToUpper(plain),
			"Bearer hb_aaaaaaaa_" + strings.Repeat("a", 32),
			"Basic " + plain,
			plain,
		} {
			resp := b.apiCall(t, nil, http.MethodGet, "/api/v1/whoami", "", "Authorization", h)
			if resp.status != http.StatusUnauthorized {
				t.Errorf("Authorization %q: %d, want 401", h, resp.status)
			}
		}
		wantStatus(t, "the real token", b.apiCall(t, nil, http.MethodGet, "/api/v1/whoami", "", bearer(plain)...), http.StatusOK)
	})

	t.Run("LetsOnlyAdminsManageTokens", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := b.createPartner(t, "acme")
		b.addAccount(t, p.ID, "member@acme.example", store.RoleMember)
		_, tok, _ := b.svc.CreateToken(t.Context(), p.ID, "ci")
		br := b.browser(t)
		br.passwordLogin(t, "member@acme.example", testPassword)
		me, _ := br.whoami(t)
		wantStatus(t, "a member lists tokens", b.apiCall(t, br.follow, http.MethodGet, "/api/v1/tokens", ""), http.StatusOK)
		create := b.apiCall(t, br.follow, http.MethodPost, "/api/v1/tokens", `{"name":"mine"}`, auth.CSRFHeader, me.CSRFToken)
		if create.status != http.StatusForbidden || !strings.Contains(create.body, `"code":"forbidden"`) {
			t.Errorf("a member creates a token: %d %s, want 403 forbidden", create.status, create.body)
		}
		revoke := b.apiCall(t, br.follow, http.MethodDelete, fmt.Sprintf("/api/v1/tokens/%d", tok.ID), "", auth.CSRFHeader, me.CSRFToken)
		wantStatus(t, "a member revokes a token", revoke, http.StatusForbidden)
	})

	t.Run("RefusesATokenWithoutAName", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := b.createPartner(t, "acme")
		plain, _, _ := b.svc.CreateToken(t.Context(), p.ID, "admin script")
		for _, body := range []string{`{"name":"  "}`, `{"name":"` + strings.Repeat("n", 101) + `"}`, `not json`} {
			resp := b.apiCall(t, nil, http.MethodPost, "/api/v1/tokens", body, bearer(plain)...)
			if resp.status != http.StatusBadRequest || !strings.Contains(resp.body, `"code":"invalid_input"`) {
				t.Errorf("POST %s: %d %s, want 400 invalid_input", body, resp.status, resp.body)
			}
		}
	})
}
