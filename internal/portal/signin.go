package portal

import (
	"log/slog"
	"net/http"

	"halobridge/internal/auth"
	"halobridge/internal/connect"
	"halobridge/internal/web"
)

// SignInPages draws the pages of signing in for auth (its Service.Pages)
// in the portal's layout and stylesheet, so that halobridge has one look
// before and after signing in. They are sent under web.SignInPolicy.
func SignInPages(logger *slog.Logger) auth.Pages {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &signInPages{views: parseViews(), logger: logger}
}

type signInPages struct {
	views  *views
	logger *slog.Logger
}

// loginView is the sign-in page's data: what auth gives, and the names of
// what the first HaloPSA sign-in creates.
type loginView struct {
	auth.LoginPage
	AgentName, ApplicationName string
}

func (p *signInPages) Login(w http.ResponseWriter, r *http.Request, status int, page auth.LoginPage) {
	p.write(w, r, status, viewLogin, "Sign in", loginView{LoginPage: page, AgentName: connect.IntegrationAgentName, ApplicationName: connect.ServiceApplicationName})
}

func (p *signInPages) Message(w http.ResponseWriter, r *http.Request, status int, message string) {
	p.write(w, r, status, viewMessage, http.StatusText(status), flash{Error: message})
}

func (p *signInPages) write(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	p.views.write(w, r, p.logger, web.SignInPolicy, status, name, "layout", view{Page: page{Title: title, SignIn: true}, Data: data})
}
