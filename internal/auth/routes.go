package auth

import (
	"net/http"

	"halobridge/internal/web"
)

// Patterns are the routes Handler serves, for mounting it on a larger
// ServeMux: register each with the same Handler.
func Patterns() []string { return web.Patterns((&Service{}).table()) }

// Handler serves signing in and out, with the pages Pages draws (see
// Patterns); the JSON API of API tokens and accounts is package api's.
// Every state-changing request must come from halobridge's own pages.
func (s *Service) Handler() http.Handler {
	s.handlerOnce.Do(func() { s.handler = s.routes() })
	return s.handler
}

// table lists every route in one place.
func (s *Service) table() []web.Route {
	signedIn := func(h http.HandlerFunc) http.Handler { return s.Middleware(h) }
	return []web.Route{
		{Pattern: "GET /login", Handler: http.HandlerFunc(s.loginPage)},
		{Pattern: "POST /login", Handler: http.HandlerFunc(s.passwordLoginForm)},
		{Pattern: "POST /login/halo", Handler: http.HandlerFunc(s.haloLoginForm)},
		{Pattern: "GET " + callbackPath, Handler: http.HandlerFunc(s.haloCallback)},
		{Pattern: "POST /logout", Handler: signedIn(s.logout)},
	}
}

func (s *Service) routes() http.Handler {
	if s.Pages == nil {
		panic("auth: Service.Pages is nil: Handler draws the sign-in pages with it")
	}
	mux := http.NewServeMux()
	for _, r := range s.table() {
		mux.Handle(r.Pattern, r.Handler)
	}
	return s.crossOrigin().Handler(mux)
}
