package halosim

import (
	"bytes"
	"embed"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The web view: what an agent sees of this HaloPSA in a browser, read-only. It lives at the
// root, where a hosted Halo serves its agent UI, beside /api and /auth.
//
// HaloPSA's own addresses: /ticket?id=N, /customers?clientid=N and /recurringinvoice?id=N.
// The simulator's choices: / (the ticket list), /customers (the client list) and
// /recurringinvoices (the recurring-invoice list).

//go:embed view
var viewFiles embed.FS

// viewPages are the web view's paths, lower-cased as Halo's are matched.
var viewPages = map[string]func(*Sim, *http.Request) (viewPage, bool){
	"/":                  (*Sim).ticketListPage,
	"/ticket":            (*Sim).ticketPage,
	"/customers":         (*Sim).customersPage,
	"/recurringinvoices": (*Sim).invoiceListPage,
	"/recurringinvoice":  (*Sim).invoicePage,
}

// viewPage is one page to render: the template to use, its title and what it shows. A page
// that is not there keeps Missing, which is answered 404.
type viewPage struct {
	Template string
	Title    string
	Missing  string
	Data     any
}

func parseViewTemplates() *template.Template {
	css, err := viewFiles.ReadFile("view/halo.css")
	if err != nil {
		panic(err)
	}
	funcs := template.FuncMap{
		"css":   func() template.CSS { return template.CSS(css) },
		"money": func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) },
		"qty":   func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) },
		"when":  func(v string) string { return strings.TrimSuffix(strings.Replace(v, "T", " ", 1), "Z") },
		"text":  noteText,
	}
	return template.Must(template.New("view").Funcs(funcs).ParseFS(viewFiles, "view/*.html"))
}

// isViewPath says whether a (lower-cased) path is one of the web view's pages.
func isViewPath(path string) bool {
	_, ok := viewPages[path]
	return ok
}

// serveView answers a web view page. It is neither logged nor rate limited, needs no
// token (a simulator's window, not Halo's sign-in) and ignores faults and trouble, so the
// state can be seen while the API misbehaves.
func (s *Sim) serveView(w http.ResponseWriter, r *http.Request, path string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "this page is read-only", http.StatusMethodNotAllowed)
		return
	}
	s.mu.Lock()
	page, ok := viewPages[path](s, r)
	s.mu.Unlock()
	status := http.StatusOK
	if !ok {
		status = http.StatusNotFound
		page.Template = "missing"
		page.Title = page.Missing
	}
	var buf bytes.Buffer
	if err := s.viewTmpl.ExecuteTemplate(&buf, page.Template, page); err != nil {
		http.Error(w, fmt.Sprintf("rendering %s: %v", path, err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// record is the record a page's id parameter names.
func record[T any](table map[int]T, id string) (T, bool) {
	n, err := strconv.Atoi(id)
	v, ok := table[n]
	return v, ok && err == nil
}

// ticketRow is a ticket with the names Halo shows beside its ids.
type ticketRow struct {
	Ticket
	PriorityName, AgentName, UserName string
}

func (s *Sim) ticketRow(t Ticket) ticketRow {
	row := ticketRow{Ticket: s.ticketView(t), AgentName: s.db.agents[t.AgentID].Name, UserName: s.db.users[t.UserID].Name}
	if i := slices.IndexFunc(s.db.slas[t.SLAID].Priorities, func(p Priority) bool { return p.PriorityID == t.PriorityID }); i >= 0 {
		row.PriorityName = s.db.slas[t.SLAID].Priorities[i].Name
	}
	return row
}

// ticketListPage lists the tickets, newest first.
func (s *Sim) ticketListPage(*http.Request) (viewPage, bool) {
	rows := make([]ticketRow, 0, len(s.db.tickets))
	for _, t := range slices.Backward(sortedValues(s.db.tickets)) {
		rows = append(rows, s.ticketRow(t))
	}
	return viewPage{Template: "tickets", Title: "Tickets", Data: rows}, true
}

// actionRow is an action with its outcome's and author's names.
type actionRow struct {
	Action
	AgentName string
}

func (s *Sim) ticketPage(r *http.Request) (viewPage, bool) {
	id := r.URL.Query().Get("id")
	t, ok := record(s.db.tickets, id)
	if !ok {
		return viewPage{Missing: "Ticket " + id + " does not exist"}, false
	}
	var actions []actionRow
	for _, a := range sortedValues(s.db.actions[t.ID]) {
		actions = append(actions, actionRow{Action: a, AgentName: s.db.agents[a.WhoAgentID].Name})
	}
	row := s.ticketRow(t)
	return viewPage{Template: "ticket", Title: fmt.Sprintf("#%d %s", t.ID, t.Summary), Data: struct {
		ticketRow
		Actions []actionRow
	}{row, actions}}, true
}

// clientRow is a client with its sites (each with its users), tickets and recurring invoices.
type clientRow struct {
	Client
	Sites    []siteRow
	Tickets  []ticketRow
	Invoices []RecurringInvoice
}

type siteRow struct {
	Site
	Users []User
}

// customersPage is the client list, or one client with ?clientid=.
func (s *Sim) customersPage(r *http.Request) (viewPage, bool) {
	id := r.URL.Query().Get("clientid")
	if id == "" {
		var rows []Client
		for _, c := range sortedValues(s.db.clients) {
			rows = append(rows, s.clientView(c))
		}
		return viewPage{Template: "customers", Title: "Customers", Data: rows}, true
	}
	c, ok := record(s.db.clients, id)
	if !ok {
		return viewPage{Missing: "Customer " + id + " does not exist"}, false
	}
	row := clientRow{Client: s.clientView(c)}
	for _, st := range sortedValues(s.db.sites) {
		if int(st.ClientID) == c.ID {
			row.Sites = append(row.Sites, siteRow{Site: s.siteView(st)})
		}
	}
	for _, u := range sortedValues(s.db.users) {
		for i := range row.Sites {
			if int(u.SiteID) == row.Sites[i].ID {
				row.Sites[i].Users = append(row.Sites[i].Users, u)
			}
		}
	}
	for _, t := range sortedValues(s.db.tickets) {
		if t.ClientID == c.ID {
			row.Tickets = append(row.Tickets, s.ticketRow(t))
		}
	}
	for _, inv := range sortedValues(s.db.invoices) {
		if inv.ClientID == c.ID {
			row.Invoices = append(row.Invoices, s.invoiceView(inv, true))
		}
	}
	return viewPage{Template: "customer", Title: c.Name, Data: row}, true
}

// invoiceListPage lists the recurring invoices by id, as the API does.
func (s *Sim) invoiceListPage(*http.Request) (viewPage, bool) {
	var rows []RecurringInvoice
	for _, inv := range sortedValues(s.db.invoices) {
		rows = append(rows, s.invoiceView(inv, true))
	}
	return viewPage{Template: "invoices", Title: "Recurring Invoices", Data: rows}, true
}

func (s *Sim) invoicePage(r *http.Request) (viewPage, bool) {
	id := r.URL.Query().Get("id")
	inv, ok := record(s.db.invoices, id)
	if !ok {
		return viewPage{Missing: "Recurring invoice " + id + " does not exist"}, false
	}
	return viewPage{Template: "invoice", Title: fmt.Sprintf("Recurring invoice %d", inv.ID), Data: s.invoiceView(inv, true)}, true
}

var (
	spaces        = regexp.MustCompile(`\s+`)
	lineBreakTags = regexp.MustCompile(`(?i)<br\s*/?>|</(p|div|li|tr|h[1-6]|table)>`)
	cellEndTags   = regexp.MustCompile(`(?i)</t[dh]>`)
	anyTag        = regexp.MustCompile(`<[^>]*>`)
	blankLines    = regexp.MustCompile(`[ \t]*\n[ \t\n]*`)
)

// noteText is a note or ticket body as text: the plain version when it has one, else its
// HTML read as a browser lays it out (spaces collapsed, a line per paragraph, row or item,
// cells apart), tags taken out. Showing it as text, escaped, keeps a hostile alert's markup
// from running in the page, where Halo would sanitise it.
func noteText(plain, htmlBody string) string {
	if strings.TrimSpace(plain) != "" {
		return plain
	}
	text := spaces.ReplaceAllString(htmlBody, " ")
	text = lineBreakTags.ReplaceAllString(text, "\n")
	text = cellEndTags.ReplaceAllString(text, " ")
	text = anyTag.ReplaceAllString(text, "")
	text = blankLines.ReplaceAllString(html.UnescapeString(text), "\n")
	return strings.TrimSpace(text)
}
