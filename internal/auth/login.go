package auth

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"halobridge/internal/halo"
	"halobridge/internal/outbound"
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
		data.Error = sentence(err.Error())
		s.renderLogin(w, r, http.StatusBadRequest, data)
		return
	}
	http.SetCookie(w, s.cookie(haloStateCookie, state, callbackPath, loginStateTTL))
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// haloCallback is where HaloPSA sends the browser back. Whatever went
// wrong, the sign-in page shows the HaloPSA address and Client ID again,
// once the browser is known to be the one that started the sign-in.
func (s *Service) haloCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	http.SetCookie(w, s.expiredCookie(haloStateCookie, callbackPath))
	state := q.Get("state")
	c, err := r.Cookie(haloStateCookie)
	ours := err == nil && state != "" && subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) == 1
	if code := q.Get("error"); code != "" {
		page := LoginPage{Error: haloRefusal(code, q.Get("error_description"))}
		if ours {
			page.HaloURL, page.ClientID = s.AbandonHaloLogin(r.Context(), state)
		}
		s.renderLogin(w, r, http.StatusUnauthorized, page)
		return
	}
	if !ours {
		s.renderLogin(w, r, http.StatusBadRequest, LoginPage{Error: "This HaloPSA sign-in did not start in this browser, or took too long. Start again."})
		return
	}
	login, err := s.FinishHaloLogin(r.Context(), state, q.Get("code"))
	var (
		page     LoginPage
		typed    *AttemptError
		notAdmin *NotAdministratorError
		refused  *halo.OAuthError
	)
	if errors.As(err, &typed) {
		page.HaloURL, page.ClientID = typed.HaloURL, typed.ClientID
	}
	switch {
	case errors.As(err, &notAdmin):
		page.Error = notAdmin.Error()
		s.renderLogin(w, r, http.StatusForbidden, page)
		return
	case errors.Is(err, ErrLoginExpired):
		page.Error = capitalise(err.Error()) + "."
		s.renderLogin(w, r, http.StatusBadRequest, page)
		return
	case errors.As(err, &refused):
		// HaloPSA refused the code the browser brought back (made up,
		// used already or too old) or the application it was for.
		page.Error = "HaloPSA did not sign you in: " + refused.Error() + ". Start again."
		s.renderLogin(w, r, http.StatusBadRequest, page)
		return
	case err != nil:
		s.logger().Warn("HaloPSA sign-in failed", "request_id", web.RequestID(r), "error", err)
		page.Error = "HaloPSA sign-in failed: " + err.Error() + ". " + web.Quote(r)
		s.renderLogin(w, r, http.StatusBadGateway, page)
		return
	}
	next := "/"
	if login.SetUp {
		next = "/setup/created"
	}
	s.signIn(w, r, login, next)
}

// haloRefusal says why HaloPSA sent the browser back without signing it
// in (RFC 6749 §4.1.2.1), in HaloPSA's words where it gave some.
func haloRefusal(code, desc string) string {
	code, desc = outbound.Excerpt(code), outbound.Excerpt(desc)
	if code == "access_denied" {
		return "You chose Deny on HaloPSA's page, so HaloPSA did not let halobridge in. To sign in, press Log in with HaloPSA again and choose Approve."
	}
	msg := "HaloPSA did not sign you in"
	if desc != "" {
		msg += ": " + desc
	}
	return fmt.Sprintf("%s (%s). Check your halobridge application in HaloPSA (Configuration > Integrations > HaloPSA API > View Applications) and start again.", msg, code)
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

// sentence makes an error a sentence of the page: capitalised, with its
// full stop, and never starting with an address.
func sentence(s string) string {
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		s = "The address " + s
	}
	return capitalise(strings.TrimSuffix(s, ".")) + "."
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
