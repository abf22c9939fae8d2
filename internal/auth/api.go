package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"halobridge/internal/store"
	"halobridge/internal/web"
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

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func viewToken(t store.APIToken) tokenView {
	return tokenView{ID: t.ID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt,
		LastUsedAt: optionalTime(t.LastUsedAt), RevokedAt: optionalTime(t.RevokedAt)}
}

func viewAccount(a store.Account) accountView {
	return accountView{ID: a.ID, Email: a.Email, Name: a.Name, Role: a.Role, HaloAgentID: a.HaloAgentID,
		HasPassword: a.PasswordHash != "", CreatedAt: a.CreatedAt, LastLoginAt: optionalTime(a.LastLoginAt)}
}

// adminCaller returns the caller when it may manage the partner's accounts
// and tokens, and answers 403 otherwise.
func adminCaller(w http.ResponseWriter, r *http.Request) (Caller, bool) {
	caller, _ := CallerFrom(r.Context())
	if !caller.IsAdmin() {
		writeError(w, r, http.StatusForbidden, "forbidden", "Only admins of this partner can manage its accounts and API tokens.")
		return Caller{}, false
	}
	return caller, true
}

// pathID reads the {id} of the route, answering 400 when it is not one.
func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, ok := web.ParseID(r.PathValue("id"))
	if !ok {
		writeError(w, r, http.StatusBadRequest, "invalid", fmt.Sprintf("%q is not an id: ids are whole numbers from 1 to %d.", r.PathValue("id"), web.MaxNumber))
		return 0, false
	}
	return id, true
}

func (s *Service) internalError(w http.ResponseWriter, r *http.Request, what string, err error) {
	writeError(w, r, http.StatusInternalServerError, "internal", "halobridge could not do this just now; try again in a moment. "+web.Fault(s.logger(), r, what, err))
}

func (s *Service) listTokens(w http.ResponseWriter, r *http.Request) {
	caller, _ := CallerFrom(r.Context())
	tokens, err := s.ListTokens(r.Context(), caller.PartnerID)
	if err != nil {
		s.internalError(w, r, "could not list API tokens", err)
		return
	}
	views := make([]tokenView, 0, len(tokens))
	for _, t := range tokens {
		views = append(views, viewToken(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": views})
}

func (s *Service) createToken(w http.ResponseWriter, r *http.Request) {
	caller, ok := adminCaller(w, r)
	if !ok {
		return
	}
	var body struct {
		Name string `json:"name"`
	}
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10)).Decode(&body)
	if msg, tooBig := web.TooLarge(err); tooBig {
		writeError(w, r, http.StatusRequestEntityTooLarge, "too_large", msg)
		return
	}
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "invalid", `Send {"name": "<what uses the token>"} as JSON.`)
		return
	}
	plain, t, err := s.CreateToken(r.Context(), caller.PartnerID, body.Name)
	if errors.Is(err, store.ErrInvalid) {
		writeError(w, r, http.StatusBadRequest, "invalid", fmt.Sprintf("Give the token a name of 1 to %d characters that says what uses it.", maxTokenNameLen))
		return
	}
	if err != nil {
		s.internalError(w, r, "could not create an API token", err)
		return
	}
	writeJSON(w, http.StatusCreated, createdTokenView{tokenView: viewToken(t), Token: plain})
}

func (s *Service) revokeToken(w http.ResponseWriter, r *http.Request) {
	caller, ok := adminCaller(w, r)
	if !ok {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	t, err := s.RevokeToken(r.Context(), caller.PartnerID, id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, r, http.StatusNotFound, "not_found", fmt.Sprintf("There is no API token %d.", id))
		return
	}
	if err != nil {
		s.internalError(w, r, "could not revoke an API token", err)
		return
	}
	writeJSON(w, http.StatusOK, viewToken(t))
}

func (s *Service) listAccounts(w http.ResponseWriter, r *http.Request) {
	caller, _ := CallerFrom(r.Context())
	accounts, err := s.Store.Accounts(r.Context(), caller.PartnerID)
	if err != nil {
		s.internalError(w, r, "could not list accounts", err)
		return
	}
	views := make([]accountView, 0, len(accounts))
	for _, a := range accounts {
		views = append(views, viewAccount(a))
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": views})
}

func (s *Service) deleteAccount(w http.ResponseWriter, r *http.Request) {
	caller, ok := adminCaller(w, r)
	if !ok {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if caller.Account != nil && caller.Account.ID == id {
		writeError(w, r, http.StatusConflict, "conflict", "You cannot delete your own account; ask another admin.")
		return
	}
	err := s.Store.DeleteAccount(r.Context(), caller.PartnerID, id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, r, http.StatusNotFound, "not_found", fmt.Sprintf("There is no account %d.", id))
		return
	}
	if err != nil {
		s.internalError(w, r, "could not delete an account", err)
		return
	}
	s.logger().Info("deleted an account", "partner_id", caller.PartnerID, "account_id", id)
	w.WriteHeader(http.StatusNoContent)
}
