package auth

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"halobridge/internal/halo"
	"halobridge/internal/web"
)

// haloStateCookie binds a "Log in with HaloPSA" to the browser that began
// it, so that a callback link sent to someone else signs nobody in.
const haloStateCookie = "halobridge_halo_state"

func (s *Service) loginPage(w http.ResponseWriter, r *http.Request) {
	s.renderLogin(w, r, http.StatusOK, LoginPage{Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *Service) passwordLoginForm(w http.ResponseWriter, r *http.Request) {
	data := LoginPage{Email: r.PostFormValue("email"), Next: safeNext(r.PostFormValue("next"))}
	if !validFormCSRF(r) {
		data.Error = csrfMessage
		s.renderLogin(w, r, http.StatusForbidden, data)
		return
	}
	login, err := s.PasswordLogin(r.Context(), data.Email, r.PostFormValue("password"), web.ClientAddr(r))
	var tooMany *TooManyAttemptsError
	switch {
	case errors.As(err, &tooMany):
		s.tooMany(w, r, tooMany, data)
		return
	case errors.Is(err, ErrWrongPassword):
		data.Error = "Wrong email or password."
		s.renderLogin(w, r, http.StatusUnauthorized, data)
		return
	case err != nil:
		data.Error = "halobridge could not sign you in just now; try again in a moment. " + web.Fault(s.logger(), r, "password sign-in failed", err)
		s.renderLogin(w, r, http.StatusInternalServerError, data)
		return
	}
	s.signIn(w, r, login, data.Next)
}

// tooMany refuses a sign-in attempt for now: 429, with when to try again.
func (s *Service) tooMany(w http.ResponseWriter, r *http.Request, err *TooManyAttemptsError, data LoginPage) {
	web.RetryAfter(w, err.RetryAfter)
	data.Error = capitalise(err.Error()) + "."
	s.renderLogin(w, r, http.StatusTooManyRequests, data)
}

func (s *Service) haloLoginForm(w http.ResponseWriter, r *http.Request) {
	data := LoginPage{HaloURL: r.PostFormValue("halo_url"), ClientID: r.PostFormValue("client_id")}
	if !validFormCSRF(r) {
		data.Error = csrfMessage
		s.renderLogin(w, r, http.StatusForbidden, data)
		return
	}
	// Each start writes a login state and sends requests to the address
	// given, for anyone who asks: the limit is per client address.
	if wait := s.attempts.startHaloLogin(s.now(), web.ClientAddr(r)); wait > 0 {
		s.logger().Warn("HaloPSA sign-in start refused: too many from one address", "client_ip", web.ClientAddr(r), "retry_after", wait.String())
		s.tooMany(w, r, &TooManyAttemptsError{What: "too many HaloPSA sign-ins started from your address", RetryAfter: wait}, data)
		return
	}
	target, state, err := s.StartHaloLogin(r.Context(), data.HaloURL, data.ClientID)
	if err != nil {
		data.Error = capitalise(err.Error()) + "."
		s.renderLogin(w, r, http.StatusBadRequest, data)
		return
	}
	http.SetCookie(w, s.cookie(haloStateCookie, state, callbackPath, loginStateTTL))
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (s *Service) haloCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	http.SetCookie(w, s.expiredCookie(haloStateCookie, callbackPath))
	if code := q.Get("error"); code != "" {
		msg := "HaloPSA did not sign you in"
		if desc := q.Get("error_description"); desc != "" {
			msg += ": " + desc
		}
		s.renderLogin(w, r, http.StatusUnauthorized, LoginPage{Error: fmt.Sprintf("%s (%s).", msg, code)})
		return
	}
	state := q.Get("state")
	c, err := r.Cookie(haloStateCookie)
	if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
		s.renderLogin(w, r, http.StatusBadRequest, LoginPage{Error: "This HaloPSA sign-in did not start in this browser, or took too long. Start again."})
		return
	}
	login, err := s.FinishHaloLogin(r.Context(), state, q.Get("code"))
	var (
		notAdmin *NotAdministratorError
		refused  *halo.OAuthError
	)
	switch {
	case errors.As(err, &notAdmin):
		s.renderLogin(w, r, http.StatusForbidden, LoginPage{Error: notAdmin.Error()})
		return
	case errors.Is(err, ErrLoginExpired):
		s.renderLogin(w, r, http.StatusBadRequest, LoginPage{Error: capitalise(err.Error()) + "."})
		return
	case errors.As(err, &refused):
		// HaloPSA refused the code the browser brought back (made up,
		// used already or too old) or the application it was for.
		s.renderLogin(w, r, http.StatusBadRequest, LoginPage{Error: "HaloPSA did not sign you in: " + err.Error() + ". Start again."})
		return
	case err != nil:
		s.logger().Warn("HaloPSA sign-in failed", "request_id", web.RequestID(r), "error", err)
		s.renderLogin(w, r, http.StatusBadGateway, LoginPage{Error: "HaloPSA sign-in failed: " + err.Error() + ". " + web.Quote(r)})
		return
	}
	next := "/"
	if login.SetUp {
		next = "/setup/created"
	}
	s.signIn(w, r, login, next)
}

// signIn ends the session the browser had and starts the new one.
func (s *Service) signIn(w http.ResponseWriter, r *http.Request, login Login, next string) {
	if err := s.endRequestSession(r); err != nil {
		s.logger().Warn("could not end the previous session", "error", err)
	}
	http.SetCookie(w, login.Cookie)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Service) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.endRequestSession(r); err != nil {
		s.renderMessage(w, r, http.StatusInternalServerError, "halobridge could not sign you out; try again in a moment. "+web.Fault(s.logger(), r, "log out failed", err))
		return
	}
	http.SetCookie(w, s.expiredCookie(SessionCookie, "/"))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps the page to return to after signing in on this site: a
// sign-in link must not be able to send people elsewhere.
func safeNext(next string) string {
	if p := web.LocalPath(next); p != "" {
		return p
	}
	return "/"
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
