package auth

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pages are the server-rendered pages of signing in, each the layout
// around its own content.
type pages struct {
	login, created, message *template.Template
}

func parsePages() *pages {
	page := func(name string) *template.Template {
		// The templates are compiled into the binary: a parse error is a
		// bug that every test run shows at once.
		return template.Must(template.ParseFS(templateFiles, "templates/layout.html", "templates/"+name))
	}
	return &pages{login: page("login.html"), created: page("created.html"), message: page("message.html")}
}

func (s *Service) views() *pages {
	s.pagesOnce.Do(func() { s.pages = parsePages() })
	return s.pages
}

type loginData struct {
	Title, Error, CSRF, Next   string
	HaloURL, ClientID, Email   string
	RedirectURI                string
	AgentName, ApplicationName string
}

type createdData struct {
	Title string
	Setup Setup
	CSRF  string
}

type messageData struct {
	Title, Message string
}

// render writes a page; it is rendered in full first, so that a template
// error gives a clean 500 rather than half a page.
func (s *Service) render(w http.ResponseWriter, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.logger().Error("could not render a page", "template", t.Name(), "error", err)
		http.Error(w, "halobridge could not show this page.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// No scripts, no framing (clickjacking), styles only from the page itself.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// renderLogin shows the sign-in page with its CSRF token.
func (s *Service) renderLogin(w http.ResponseWriter, r *http.Request, status int, data loginData) {
	data.Title = "Sign in"
	data.CSRF = s.formCSRF(w, r)
	data.RedirectURI = s.RedirectURI()
	data.AgentName, data.ApplicationName = IntegrationAgentName, ServiceApplicationName
	s.render(w, status, s.views().login, data)
}

// renderMessage shows a page that only explains something went wrong.
func (s *Service) renderMessage(w http.ResponseWriter, status int, message string) {
	s.render(w, status, s.views().message, messageData{Title: http.StatusText(status), Message: message})
}
