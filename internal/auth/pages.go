package auth

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"

	"halobridge/internal/web"
)

//go:embed templates/*.html
var templateFiles embed.FS

// stylesheet is the sign-in pages' style, a file of its own since their
// policy allows no inline style.
//
//go:embed assets/signin.css
var stylesheet []byte

// stylesheetPath is where the pages load it from.
const stylesheetPath = "/auth/signin.css"

func serveStylesheet(w http.ResponseWriter, r *http.Request) {
	web.ServeAsset(w, r, "signin.css", stylesheet)
}

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
func (s *Service) render(w http.ResponseWriter, r *http.Request, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		http.Error(w, "halobridge could not show this page. "+web.Fault(s.logger(), r, "could not render a page", err, "template", t.Name()),
			http.StatusInternalServerError)
		return
	}
	web.PageHeaders(w.Header(), web.SignInPolicy)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// renderLogin shows the sign-in page with its CSRF token.
func (s *Service) renderLogin(w http.ResponseWriter, r *http.Request, status int, data loginData) {
	data.Title = "Sign in"
	data.CSRF = s.formCSRF(w, r)
	data.RedirectURI = s.RedirectURI()
	data.AgentName, data.ApplicationName = IntegrationAgentName, ServiceApplicationName
	s.render(w, r, status, s.views().login, data)
}

// renderMessage shows a page that only explains something went wrong.
func (s *Service) renderMessage(w http.ResponseWriter, r *http.Request, status int, message string) {
	s.render(w, r, status, s.views().message, messageData{Title: http.StatusText(status), Message: message})
}
