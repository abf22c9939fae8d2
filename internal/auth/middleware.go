package auth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"halobridge/internal/store"
	"halobridge/internal/web"
)

// Caller is who sent a request: a person signed in to the portal, or a
// program with an API token.
type Caller struct {
	PartnerID int64
	// Account is the signed-in person; nil for API token callers.
	Account *store.Account
	// Token is the API token used; nil for sessions.
	Token *store.APIToken
	// CSRFToken is what every form of the session carries in its CSRFField
	// (or a script in the CSRFHeader); "" for API token callers, who need none.
	CSRFToken string
}

// IsAdmin says whether the caller may manage the partner's accounts and API
// tokens: admin accounts, and API tokens, which act for the whole partner.
func (c Caller) IsAdmin() bool {
	return c.Token != nil || c.Account != nil && c.Account.Role == store.RoleAdmin
}

// Name says who the caller is in words, for the records that keep who did
// what (consent, activation) and the log.
func (c Caller) Name() string {
	switch {
	case c.Account != nil && c.Account.Name != "":
		return c.Account.Name + " <" + c.Account.Email + ">"
	case c.Account != nil:
		return c.Account.Email
	case c.Token != nil:
		return "API token " + c.Token.Name
	}
	return "unknown"
}

// AccountID is the signed-in person's account; 0 for API token callers.
func (c Caller) AccountID() int64 {
	if c.Account != nil {
		return c.Account.ID
	}
	return 0
}

type callerKey struct{}

// CallerFrom returns the caller Middleware authenticated.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// Middleware lets through requests that carry a valid session cookie or an
// "Authorization: Bearer <API token>" header, with the caller's partner
// (WithPartner) and the caller (CallerFrom) in the context. Others get 401
// JSON under /api/ and are sent to /login elsewhere. Requests that change
// something must come from halobridge's own pages, and with a session they
// must carry the session's CSRF token; API token requests need neither.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return s.crossOrigin().Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		caller, err := s.authenticate(r)
		switch {
		case errors.Is(err, errNoSession), errors.Is(err, ErrInvalidToken):
			s.unauthenticated(w, r, err)
			return
		case err != nil:
			s.fail(w, r, http.StatusInternalServerError, "internal", "halobridge could not check who you are; try again in a moment. "+
				web.Fault(s.logger(), r, "could not authenticate a request", err))
			return
		}
		if caller.Token == nil && !safeMethod(r.Method) && !validCSRF(r, caller.CSRFToken) {
			s.fail(w, r, http.StatusForbidden, "csrf", csrfMessage)
			return
		}
		ctx := WithPartner(context.WithValue(r.Context(), callerKey{}, caller), caller.PartnerID)
		next.ServeHTTP(w, r.WithContext(ctx))
	}))
}

// authenticate finds the caller from the bearer token, or else the session
// cookie. A request with an Authorization header is judged by that header
// alone: a program that sends a wrong token must hear so, not be signed in
// by a cookie it happens to carry.
func (s *Service) authenticate(r *http.Request) (Caller, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return Caller{}, ErrInvalidToken
		}
		return s.tokenCaller(r.Context(), strings.TrimSpace(token))
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return Caller{}, errNoSession
	}
	ses, err := s.session(r.Context(), c.Value)
	if err != nil {
		return Caller{}, err
	}
	account, err := s.Store.Account(r.Context(), ses.PartnerID, ses.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		return Caller{}, errNoSession
	}
	if err != nil {
		return Caller{}, err
	}
	return Caller{PartnerID: ses.PartnerID, Account: &account, CSRFToken: ses.CSRFSecret}, nil
}

// unauthenticated answers a request without a valid session or token.
func (s *Service) unauthenticated(w http.ResponseWriter, r *http.Request, err error) {
	if web.IsAPI(r) {
		msg := "Sign in first: send a session cookie or an 'Authorization: Bearer <API token>' header."
		if errors.Is(err, ErrInvalidToken) {
			msg = "The API token is not valid: it is malformed, unknown or revoked. Create a new one under API tokens."
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="halobridge"`)
		web.WriteError(w, r, http.StatusUnauthorized, web.Problem{Code: "unauthenticated", Message: msg})
		return
	}
	target := "/login"
	if r.Method == http.MethodGet {
		target += "?" + url.Values{"next": {r.URL.RequestURI()}}.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// fail answers an error as JSON under /api/ and as a page elsewhere.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	if web.IsAPI(r) {
		web.WriteError(w, r, status, web.Problem{Code: code, Message: message})
		return
	}
	s.renderMessage(w, r, status, message)
}

func safeMethod(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}
