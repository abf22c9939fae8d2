package portal

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"path"
	"strings"
	"time"

	"halobridge/internal/api"
	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/store"
	"halobridge/internal/web"
)

//go:embed templates/*.html
var templateFiles embed.FS

// views are the portal's templates: each page is the layout and the shared
// partials around the page's own file, whose fragments htmx requests get
// on their own.
type views struct {
	pages map[string]*template.Template
}

// The pages, by the name of their file in templates/.
const (
	viewOverview  = "overview"
	viewSetup     = "setup"
	viewMapping   = "mapping"
	viewAssets    = "asset_mapping"
	viewTicketing = "ticketing"
	viewBilling   = "billing"
	viewEvents    = "events"
	viewSync      = "sync"
	viewMessage   = "message"
	viewSource    = "source"
	viewLogin     = "login"
	viewCreated   = "created"
)

func parseViews() *views {
	v := &views{pages: map[string]*template.Template{}}
	files, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err) // a constant pattern: cannot fail
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		// The templates are compiled into the binary: a parse error is a bug
		// that every test run shows at once.
		v.pages[name] = template.Must(template.New(name).Funcs(funcs()).ParseFS(templateFiles,
			"templates/layout.html", "templates/partials.html", f))
	}
	return v
}

func funcs() template.FuncMap {
	return template.FuncMap{
		"when":     formatTime,
		"percent":  percent,
		"duration": runDuration,
		"plural":   plural,
		"quantity": quantity,
		"dict":     dict,
		"score":    func(f float64) int { return int(math.Round(f * 100)) },
		"kind":     runKind,
		"haloPage": halo.AgentPage,
	}
}

// formatTime shows a time the way the portal's tables do, in UTC: every
// partner's staff may sit in a different zone than the server.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

func percent(done, total int) int {
	if total <= 0 {
		return 0
	}
	return min(max(done*100/total, 0), 100)
}

// runDuration says how long a run took, or has run so far.
func runDuration(started time.Time, finished *time.Time) string {
	end := time.Now()
	if finished != nil {
		end = *finished
	}
	d := end.Sub(started)
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// plural says "1 event", "3 events".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// quantity shows a licence quantity without needless decimals.
func quantity(q float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", q), "0"), ".")
}

// dict lets a template hand several values to a partial:
// {{template "x" dict "Page" .Page "Row" .}}.
func dict(pairs ...any) (map[string]any, error) {
	if len(pairs)%2 != 0 {
		return nil, errors.New("dict needs key and value pairs")
	}
	m := make(map[string]any, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		key, ok := pairs[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict key %v is not a string", pairs[i])
		}
		m[key] = pairs[i+1]
	}
	return m, nil
}

// page is what the layout shows around every page.
type page struct {
	Title string
	// Section is the menu item to highlight.
	Section string
	Partner string
	// User is who is signed in, for the header.
	User string
	CSRF string
	// OpenEvents is the menu's events counter.
	OpenEvents int
	// Active says the integration is activated: the menu's sections open.
	Active bool
	// SignIn marks a page of signing in: nobody is known yet, so the bar
	// shows no partner, menu or script (web.SignInPolicy allows none).
	SignIn bool
}

// view is what every template gets: the page around it and its own data.
type view struct {
	Page page
	Data any
}

// basePage reads what the layout shows for the caller's partner.
func (h *handler) basePage(r *http.Request, title, section string) (page, error) {
	c := callerOf(r)
	p := page{Title: title, Section: section, CSRF: c.auth.CSRFToken, User: c.name()}
	if c.auth.Account != nil {
		p.User = c.auth.Account.Email
	}
	partner, err := h.deps.Store.Partner(r.Context(), c.partnerID)
	if err != nil {
		return p, err
	}
	p.Partner = partner.Name
	progress, err := h.deps.Store.SetupProgress(r.Context(), c.partnerID)
	if err != nil {
		return p, err
	}
	p.Active = progress.Active()
	if p.OpenEvents, err = h.openEvents(r.Context(), c.partnerID); err != nil {
		return p, err
	}
	return p, nil
}

// openEvents counts the partner's open events, for the menu.
func (h *handler) openEvents(ctx context.Context, partnerID int64) (int, error) {
	open, err := h.deps.Store.Events(ctx, partnerID, store.EventQuery{State: store.EventOpen})
	if err != nil {
		return 0, err
	}
	return len(open), nil
}

// render writes a whole page: the layout around the view's "content".
func (h *handler) render(w http.ResponseWriter, r *http.Request, name, title, section string, data any) {
	p, err := h.basePage(r, title, section)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.write(w, r, http.StatusOK, name, "layout", view{Page: p, Data: data})
}

// fragment writes one template of a page on its own, for htmx to swap in.
func (h *handler) fragment(w http.ResponseWriter, r *http.Request, status int, name, tmpl string, data any) {
	h.write(w, r, status, name, tmpl, data)
}

// formFragment is a fragment that holds forms: it gets the data as a page
// does, with the CSRF token the forms carry.
func (h *handler) formFragment(w http.ResponseWriter, r *http.Request, status int, name, tmpl string, data any) {
	h.write(w, r, status, name, tmpl, view{Page: page{CSRF: callerOf(r).auth.CSRFToken}, Data: data})
}

func (h *handler) write(w http.ResponseWriter, r *http.Request, status int, name, tmpl string, data any) {
	h.views.write(w, r, h.deps.Logger, web.PagePolicy, status, name, tmpl, data)
}

// write executes a template in full first, so that an error gives a clean
// 500 rather than half a page, and sends it under policy.
func (v *views) write(w http.ResponseWriter, r *http.Request, logger *slog.Logger, policy string, status int, name, tmpl string, data any) {
	t, ok := v.pages[name]
	if !ok {
		http.Error(w, "halobridge could not show this page. "+web.Fault(logger, r, "no such view", errors.New(name)), http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, tmpl, data); err != nil {
		http.Error(w, "halobridge could not show this page. "+web.Fault(logger, r, "could not render a page", err, "view", name, "template", tmpl),
			http.StatusInternalServerError)
		return
	}
	web.PageHeaders(w.Header(), policy)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// isHTMX says whether htmx sent the request, which then wants a fragment.
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// fail answers an error of a service: what the person can act on is said,
// anything else is logged and answered with a generic 500.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, _ := api.StatusOf(err)
	var (
		input   *events.InputError
		limited *halo.RateLimitError
	)
	switch {
	case status == http.StatusNotFound:
		h.problem(w, r, status, "There is nothing here: it does not exist, or it belongs to another account.")
	case errors.As(err, &limited):
		web.RetryAfter(w, limited.RetryAfter)
		h.problem(w, r, status, capitalise(err.Error())+": HaloPSA takes only so many requests at a time. Try again then.")
	case status == http.StatusBadGateway:
		h.deps.Logger.Warn("HaloPSA failed a portal request", "request_id", web.RequestID(r), "path", r.URL.Path, "error", err)
		h.problem(w, r, status, "HaloPSA answered: "+err.Error()+". The Events page says how to fix what needs a person. "+web.Quote(r))
	case errors.As(err, &input):
		// What a person sent is at fault: 422 on a page, where the API
		// answers the same fault 400.
		h.problem(w, r, http.StatusUnprocessableEntity, capitalise(input.Message)+".")
	case status == http.StatusBadRequest:
		h.problem(w, r, http.StatusUnprocessableEntity, capitalise(err.Error())+".")
	case errors.Is(err, connect.ErrNotConnected):
		h.problem(w, r, status, "Connect HaloPSA first, in the setup's Integration step.")
	case status < 500:
		h.problem(w, r, status, capitalise(err.Error())+".")
	default:
		h.problem(w, r, status, "halobridge could not do this just now; try again in a moment. "+
			web.Fault(h.deps.Logger, r, "portal request failed", err, "partner_id", callerOf(r).partnerID))
	}
}

// problem answers with a message for a person: for htmx into the page's
// flash area, otherwise as a page of its own.
func (h *handler) problem(w http.ResponseWriter, r *http.Request, status int, message string) {
	if isHTMX(r) {
		w.Header().Set("HX-Retarget", "#flash")
		w.Header().Set("HX-Reswap", "innerHTML")
		h.fragment(w, r, status, viewMessage, "flash", flash{Error: message})
		return
	}
	p, err := h.basePage(r, http.StatusText(status), "")
	if err != nil {
		// The page around the message cannot be read either: say it plainly.
		http.Error(w, message, status)
		return
	}
	h.write(w, r, status, viewMessage, "layout", view{Page: p, Data: flash{Error: message}})
}

// problemCodes are the API's error codes of the statuses problem answers.
// flash is a message at the top of a page.
type flash struct {
	Error string
	OK    string
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
