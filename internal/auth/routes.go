package auth

import "net/http"

// Patterns are the routes Handler serves, for mounting it on a larger
// ServeMux: register each with the same Handler.
func Patterns() []string {
	return []string{
		"GET /login",
		"GET " + stylesheetPath,
		"POST /login",
		"POST /login/halo",
		"GET " + callbackPath,
		"POST /logout",
		"GET /setup/created",
		"GET /api/v1/tokens",
		"POST /api/v1/tokens",
		"DELETE /api/v1/tokens/{id}",
		"GET /api/v1/accounts",
		"DELETE /api/v1/accounts/{id}",
	}
}

// Handler serves signing in and out, the page of what the first HaloPSA
// sign-in created, and the JSON API of API tokens and accounts (see
// Patterns). Pages and the API after sign-in are behind Middleware, and
// every state-changing request must come from halobridge's own pages.
func (s *Service) Handler() http.Handler {
	s.handlerOnce.Do(func() { s.handler = s.routes() })
	return s.handler
}

// routes lists every route in one place.
func (s *Service) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("GET "+stylesheetPath, serveStylesheet)
	mux.HandleFunc("POST /login", s.passwordLoginForm)
	mux.HandleFunc("POST /login/halo", s.haloLoginForm)
	mux.HandleFunc("GET "+callbackPath, s.haloCallback)
	signedIn := func(h http.HandlerFunc) http.Handler { return s.Middleware(h) }
	mux.Handle("POST /logout", signedIn(s.logout))
	mux.Handle("GET /setup/created", signedIn(s.setupPage))
	mux.Handle("GET /api/v1/tokens", signedIn(s.listTokens))
	mux.Handle("POST /api/v1/tokens", signedIn(s.createToken))
	mux.Handle("DELETE /api/v1/tokens/{id}", signedIn(s.revokeToken))
	mux.Handle("GET /api/v1/accounts", signedIn(s.listAccounts))
	mux.Handle("DELETE /api/v1/accounts/{id}", signedIn(s.deleteAccount))
	return s.crossOrigin().Handler(mux)
}
