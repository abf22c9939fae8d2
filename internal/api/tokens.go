package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"halobridge/internal/auth"
	"halobridge/internal/store"
)

// tokenView is an API token as the JSON API shows it: never its value.
type tokenView struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// createdTokenView adds the token itself, in the one answer that has it.
type createdTokenView struct {
	tokenView
	Token string `json:"token"`
}

type accountView struct {
	ID          int64      `json:"id"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Role        string     `json:"role"`
	HaloAgentID int        `json:"halo_agent_id,omitempty"`
	HasPassword bool       `json:"has_password"`
	CreatedAt   time.Time  `json:"created_at"`
	LastLoginAt *time.Time `json:"last_login_at"`
}

func viewToken(t store.APIToken) tokenView {
	return tokenView{ID: t.ID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt,
		LastUsedAt: optionalTime(t.LastUsedAt), RevokedAt: optionalTime(t.RevokedAt)}
}

func viewAccount(a store.Account) accountView {
	return accountView{ID: a.ID, Email: a.Email, Name: a.Name, Role: a.Role, HaloAgentID: a.HaloAgentID,
		HasPassword: a.PasswordHash != "", CreatedAt: a.CreatedAt, LastLoginAt: optionalTime(a.LastLoginAt)}
}

// admin answers 403, and returns false, unless the caller may manage the
// partner's accounts and tokens.
func (h *handler) admin(w http.ResponseWriter, r *http.Request) bool {
	if _, caller := callerOf(r); !caller.IsAdmin() {
		h.fail(w, r, http.StatusForbidden, "forbidden", "", "Only admins of this partner can manage its accounts and API tokens.")
		return false
	}
	return true
}

func (h *handler) listTokens(w http.ResponseWriter, r *http.Request, partnerID int64) {
	tokens, err := h.deps.Auth.ListTokens(r.Context(), partnerID)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	views := make([]tokenView, 0, len(tokens))
	for _, t := range tokens {
		views = append(views, viewToken(t))
	}
	h.json(w, http.StatusOK, map[string]any{"tokens": views})
}

func (h *handler) createToken(w http.ResponseWriter, r *http.Request, partnerID int64) {
	if !h.admin(w, r) {
		return
	}
	var body struct {
		Name string `json:"name"`
		// PartnerID is read and ignored: a token acts for the partner of
		// the caller who creates it, whatever a body names.
		PartnerID int64 `json:"partner_id"`
	}
	// A name is at most a few hundred bytes.
	if !h.decodeUpTo(w, r, &body, 4<<10) {
		return
	}
	plain, t, err := h.deps.Auth.CreateToken(r.Context(), partnerID, body.Name)
	if errors.Is(err, store.ErrInvalid) {
		h.badInput(w, r, "name", fmt.Sprintf("Give the token a name of 1 to %d characters that says what uses it.", auth.MaxTokenName))
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusCreated, createdTokenView{tokenView: viewToken(t), Token: plain})
}

func (h *handler) revokeToken(w http.ResponseWriter, r *http.Request, partnerID int64) {
	if !h.admin(w, r) {
		return
	}
	id, ok := h.pathID(w, r, "id")
	if !ok {
		return
	}
	t, err := h.deps.Auth.RevokeToken(r.Context(), partnerID, id)
	if errors.Is(err, store.ErrNotFound) {
		h.fail(w, r, http.StatusNotFound, "not_found", "", fmt.Sprintf("There is no API token %d.", id))
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, viewToken(t))
}

func (h *handler) listAccounts(w http.ResponseWriter, r *http.Request, partnerID int64) {
	accounts, err := h.deps.Store.Accounts(r.Context(), partnerID)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	views := make([]accountView, 0, len(accounts))
	for _, a := range accounts {
		views = append(views, viewAccount(a))
	}
	h.json(w, http.StatusOK, map[string]any{"accounts": views})
}

func (h *handler) deleteAccount(w http.ResponseWriter, r *http.Request, partnerID int64) {
	if !h.admin(w, r) {
		return
	}
	id, ok := h.pathID(w, r, "id")
	if !ok {
		return
	}
	if _, caller := callerOf(r); caller.AccountID() == id {
		h.fail(w, r, http.StatusConflict, "conflict", "", "You cannot delete your own account; ask another admin.")
		return
	}
	err := h.deps.Store.DeleteAccount(r.Context(), partnerID, id)
	if errors.Is(err, store.ErrNotFound) {
		h.fail(w, r, http.StatusNotFound, "not_found", "", fmt.Sprintf("There is no account %d.", id))
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.deps.Logger.Info("deleted an account", "partner_id", partnerID, "account_id", id)
	w.WriteHeader(http.StatusNoContent)
}
