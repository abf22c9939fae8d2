package auth

import "net/http"

// Pages draws the pages of signing in. The portal draws them
// (portal.SignInPages), in the layout and stylesheet of its own pages;
// Handler needs them.
type Pages interface {
	// Login is the sign-in page: both ways of signing in, with what went
	// wrong the last time.
	Login(w http.ResponseWriter, r *http.Request, status int, page LoginPage)
	// Message is a page that only says what went wrong.
	Message(w http.ResponseWriter, r *http.Request, status int, message string)
}

// LoginPage is what the sign-in page shows.
type LoginPage struct {
	// Error says what went wrong; "" when nothing did.
	Error string
	// CSRF is the token both forms carry.
	CSRF string
	// Next is where a password sign-in goes on to.
	Next string
	// HaloURL, ClientID and Email are what was typed, shown again.
	HaloURL, ClientID, Email string
	// RedirectURI is the Login Redirect to register in HaloPSA.
	RedirectURI string
}

// renderLogin shows the sign-in page with its CSRF token.
func (s *Service) renderLogin(w http.ResponseWriter, r *http.Request, status int, page LoginPage) {
	page.CSRF = s.formCSRF(w, r)
	page.RedirectURI = s.RedirectURI()
	s.Pages.Login(w, r, status, page)
}

// renderMessage shows a page that only explains something went wrong.
func (s *Service) renderMessage(w http.ResponseWriter, r *http.Request, status int, message string) {
	s.Pages.Message(w, r, status, message)
}
