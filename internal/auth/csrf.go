package auth

import (
	"crypto/subtle"
	"net/http"
	"net/url"
)

// Where a request carries its CSRF token: forms in a hidden input named
// CSRFField, scripts in the CSRFHeader.
const (
	CSRFField  = "csrf_token"
	CSRFHeader = "X-CSRF-Token"
)

// csrfCookie holds the CSRF token of the sign-in forms, which are used
// before there is a session to keep one in (the double-submit pattern).
const csrfCookie = "halobridge_csrf"

const csrfMessage = "This form has expired or did not come from halobridge. Go back, reload the page and send it again."

// crossOrigin refuses state-changing requests that a browser sends from
// another site. The public address is trusted even when a proxy in front
// of halobridge changes the Host header.
func (s *Service) crossOrigin() *http.CrossOriginProtection {
	p := http.NewCrossOriginProtection()
	if u, err := url.Parse(s.BaseURL); err == nil && u.Scheme != "" && u.Host != "" {
		// The origin is well formed, so AddTrustedOrigin cannot refuse it.
		_ = p.AddTrustedOrigin(u.Scheme + "://" + u.Host)
	}
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusForbidden, "cross_origin", "halobridge refused a request sent from another web site. Open halobridge itself and try again.")
	}))
	return p
}

// validCSRF checks the token a state-changing request carries against want.
func validCSRF(r *http.Request, want string) bool {
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		// Only form bodies are parsed; a JSON body stays unread for the handler.
		got = r.PostFormValue(CSRFField)
	}
	return want != "" && got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// formCSRF returns the CSRF token of the sign-in forms, setting its cookie
// when the browser has none yet.
func (s *Service) formCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	token := randomToken(32)
	http.SetCookie(w, s.cookie(csrfCookie, token, "/", 0))
	return token
}

// validFormCSRF checks a sign-in form against its cookie.
func validFormCSRF(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil {
		return false
	}
	return validCSRF(r, c.Value)
}
