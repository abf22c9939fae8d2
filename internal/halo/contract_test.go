package halo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"halobridge/internal/halo/halosim"
)

// The contract test holds every request the client sends against HaloPSA's published OpenAPI
// document (reference/halopsa/openapi.json): the path and method exist, every query parameter
// is declared for that operation, and every top-level body field is a property of the
// operation's request schema. The document covers the resource server only, so /auth
// requests are not checked.

// openAPIDoc is the part of the document the checks read.
type openAPIDoc struct {
	Paths      map[string]map[string]openAPIOperation `json:"paths"`
	Components struct {
		Schemas map[string]openAPISchema `json:"schemas"`
	} `json:"components"`
}

type openAPIOperation struct {
	Parameters []struct {
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema openAPISchema `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
}

type openAPISchema struct {
	Ref        string                   `json:"$ref"`
	Type       string                   `json:"type"`
	Items      *openAPISchema           `json:"items"`
	Properties map[string]openAPISchema `json:"properties"`
	AllOf      []openAPISchema          `json:"allOf"`
}

// loadOpenAPI reads HaloPSA's published document (see testdata/README.md).
func loadOpenAPI(t *testing.T) *openAPIDoc {
	t.Helper()
	const path = "testdata/openapi.json"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("HaloPSA's OpenAPI document is missing: %v", err)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return &doc
}

// operation finds the document's operation for method and an /api path, matching segments
// case-insensitively; a literal segment beats a {placeholder} ("/Agent/me" over "/Agent/{id}").
func (d *openAPIDoc) operation(method, apiPath string) (string, *openAPIOperation) {
	segs := strings.Split(strings.Trim(apiPath, "/"), "/")
	bestScore, bestPath := -1, ""
	for docPath, ops := range d.Paths {
		if _, ok := ops[strings.ToLower(method)]; !ok {
			continue
		}
		docSegs := strings.Split(strings.Trim(docPath, "/"), "/")
		if len(docSegs) != len(segs) {
			continue
		}
		score := 0
		for i, s := range docSegs {
			switch {
			case strings.EqualFold(s, segs[i]):
				score += 2
			case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
				score++
			default:
				score = -1
			}
			if score < 0 {
				break
			}
		}
		if score > bestScore {
			bestScore, bestPath = score, docPath
		}
	}
	if bestScore < 0 {
		return "", nil
	}
	op := d.Paths[bestPath][strings.ToLower(method)]
	return bestPath, &op
}

// properties resolves s to the set of property names of its object schema.
func (d *openAPIDoc) properties(s openAPISchema) map[string]bool {
	props := map[string]bool{}
	var walk func(s openAPISchema, depth int)
	walk = func(s openAPISchema, depth int) {
		if depth > 10 {
			return
		}
		if s.Ref != "" {
			walk(d.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")], depth+1)
		}
		for name := range s.Properties {
			props[name] = true
		}
		for _, part := range s.AllOf {
			walk(part, depth+1)
		}
	}
	walk(s, 0)
	return props
}

// check returns what in one request the document does not allow.
func (d *openAPIDoc) check(method, rawURL string, body []byte) []string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return []string{fmt.Sprintf("%s %s: bad URL: %v", method, rawURL, err)}
	}
	idx := strings.Index(strings.ToLower(u.Path), "/api/")
	if idx < 0 {
		return []string{fmt.Sprintf("%s %s: not under /api", method, u.Path)}
	}
	apiPath := u.Path[idx+len("/api"):]
	docPath, op := d.operation(method, apiPath)
	if op == nil {
		return []string{fmt.Sprintf("%s %s: no such operation in the document", method, apiPath)}
	}
	var problems []string
	declared := map[string]bool{}
	for _, p := range op.Parameters {
		if p.In == "query" {
			declared[strings.ToLower(p.Name)] = true
		}
	}
	for name := range u.Query() {
		if !declared[strings.ToLower(name)] {
			problems = append(problems, fmt.Sprintf("%s %s: query parameter %q is not declared", method, docPath, name))
		}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return problems
	}
	if op.RequestBody == nil {
		return append(problems, fmt.Sprintf("%s %s: sends a body, the document declares none", method, docPath))
	}
	var schema openAPISchema
	for _, ct := range []string{"application/json", "application/json-patch+json"} {
		if c, ok := op.RequestBody.Content[ct]; ok {
			schema = c.Schema
			break
		}
	}
	var elems []json.RawMessage
	if bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")) {
		if schema.Type != "array" || schema.Items == nil {
			return append(problems, fmt.Sprintf("%s %s: sends an array, the document wants an object", method, docPath))
		}
		if err := json.Unmarshal(body, &elems); err != nil {
			return append(problems, fmt.Sprintf("%s %s: body: %v", method, docPath, err))
		}
		schema = *schema.Items
	} else {
		if schema.Type == "array" {
			return append(problems, fmt.Sprintf("%s %s: sends an object, the document wants an array", method, docPath))
		}
		elems = []json.RawMessage{body}
	}
	props := d.properties(schema)
	for _, e := range elems {
		var fields map[string]json.RawMessage
		if json.Unmarshal(e, &fields) != nil {
			continue // not an object: nothing named to check
		}
		for name := range fields {
			if !props[name] {
				problems = append(problems, fmt.Sprintf("%s %s: body field %q is not a property of the request schema", method, docPath, name))
			}
		}
	}
	return problems
}

// recorder is an http.RoundTripper that keeps a copy of every request it passes on.
type recorder struct {
	base http.RoundTripper

	mu   sync.Mutex
	sent []sentRequest
}

type sentRequest struct {
	Method string
	URL    string
	Body   []byte
	At     time.Time
	Status int // 0 when no answer came
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	sent := sentRequest{Method: req.Method, URL: req.URL.String(), Body: body, At: time.Now()}
	resp, err := r.base.RoundTrip(req)
	if err == nil {
		sent.Status = resp.StatusCode
	}
	r.mu.Lock()
	r.sent = append(r.sent, sent)
	r.mu.Unlock()
	return resp, err
}

func (r *recorder) requests() []sentRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.sent)
}

func TestContractChecker(t *testing.T) {
	t.Parallel()

	doc := loadOpenAPI(t)
	tests := []struct {
		name   string
		method string
		url    string
		body   string
		want   []string
	}{
		{
			name: "AcceptsADeclaredListRead", method: "GET",
			url: "https://x/api/Client?pageinate=true&page_size=1000&page_no=1&includeinactive=true",
		},
		{
			name: "MatchesPathsWithoutRegardToCase", method: "GET", url: "https://x/api/tickets/12",
		},
		{
			name: "AcceptsAValidTicketBody", method: "POST", url: "https://x/api/Tickets",
			body: `[{"summary":"x","client_id":57,"site_id":95,"_validate_only":true}]`,
		},
		{
			name: "ReportsAWrongBodyField", method: "POST", url: "https://x/api/Tickets",
			body: `[{"summary":"x","clientid":57}]`,
			want: []string{`POST /Tickets: body field "clientid" is not a property of the request schema`},
		},
		{
			name: "ReportsAnUndeclaredQueryParameter", method: "GET", url: "https://x/api/Lookup?lookupid=22&showall=true",
			want: []string{`GET /Lookup: query parameter "showall" is not declared`},
		},
		{
			name: "ReportsAnUnknownPath", method: "POST", url: "https://x/api/Tickets/12/close",
			want: []string{`POST /Tickets/12/close: no such operation in the document`},
		},
		{
			name: "ReportsAnObjectWhereAnArrayIsDeclared", method: "POST", url: "https://x/api/Actions",
			body: `{"ticket_id":1}`,
			want: []string{`POST /Actions: sends an object, the document wants an array`},
		},
	}
	t.Run("PrefersALiteralSegmentToAPlaceholder", func(t *testing.T) {
		t.Parallel()
		for apiPath, want := range map[string]string{"/agent/ME": "/Agent/me", "/Agent/12": "/Agent/{id}"} {
			if got, _ := doc.operation("GET", apiPath); got != want {
				t.Errorf("operation(GET %s) = %q, want %q", apiPath, got, want)
			}
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := doc.check(tt.method, tt.url, []byte(tt.body))
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestContract(t *testing.T) {
	t.Parallel()

	doc := loadOpenAPI(t)
	ctx := context.Background()
	c, b := setupSim(t, halosim.Options{}, nil)

	// Every read and write the client offers, in an order where each finds what it needs.
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	_, err := c.InstanceInfo(ctx)
	must("InstanceInfo", err)
	_, err = c.Me(ctx)
	must("Me", err)
	updated := Updated{From: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Now().Add(time.Hour)}
	clients, err := c.Clients(ctx, ClientQuery{IncludeInactive: true, Search: "a", TopLevelID: 1, Updated: updated})
	must("Clients", err)
	_, err = c.CountClients(ctx, ClientQuery{IncludeInactive: true, Updated: updated})
	must("CountClients", err)
	_, err = c.Client(ctx, clients[0].ID)
	must("Client", err)
	site, gu := pickSite(t, ctx, c)
	_, err = c.Sites(ctx, SiteQuery{ClientID: site.ClientID, Updated: updated})
	must("Sites", err)
	_, err = c.CountSites(ctx, SiteQuery{Updated: updated})
	must("CountSites", err)
	_, err = c.Users(ctx, UserQuery{ClientID: site.ClientID, SiteID: site.ID, IncludeInactive: true, Search: "e", Updated: updated})
	must("Users", err)
	_, err = c.CountUsers(ctx, UserQuery{Search: GeneralUserName, Updated: updated})
	must("CountUsers", err)
	_, err = c.Agents(ctx, true, true)
	must("Agents", err)
	for name, read := range map[string]func(context.Context) error{
		"Teams":          func(ctx context.Context) error { _, err := c.Teams(ctx); return err },
		"Statuses":       func(ctx context.Context) error { _, err := c.Statuses(ctx); return err },
		"TicketTypes":    func(ctx context.Context) error { _, err := c.TicketTypes(ctx); return err },
		"SLAs":           func(ctx context.Context) error { _, err := c.SLAs(ctx); return err },
		"Priorities":     func(ctx context.Context) error { _, err := c.Priorities(ctx, 1); return err },
		"Categories":     func(ctx context.Context) error { _, err := c.Categories(ctx); return err },
		"Outcomes":       func(ctx context.Context) error { _, err := c.Outcomes(ctx); return err },
		"RequestSources": func(ctx context.Context) error { _, err := c.RequestSources(ctx); return err },
		"Items":          func(ctx context.Context) error { _, err := c.Items(ctx); return err },
		"Suppliers":      func(ctx context.Context) error { _, err := c.Suppliers(ctx); return err },
		"Applications":   func(ctx context.Context) error { _, err := c.Applications(ctx); return err },
	} {
		must(name, read(ctx))
	}
	_, err = c.Tickets(ctx, TicketQuery{ClientID: site.ClientID, SiteID: site.ID, UserID: gu.ID, StatusID: 1, OpenOnly: true, Search: "x", TicketTypeIDs: []int{21, 3}})
	must("Tickets", err)
	src := 5
	tk, err := c.CreateTicket(ctx, Ticket{
		Summary: "contract", Details: "d", DetailsHTML: "<p>d</p>", ClientID: site.ClientID, SiteID: site.ID, UserID: gu.ID,
		TicketTypeID: 21, StatusID: 1, AgentID: 1, Team: "Security Operations", SLAID: 3, PriorityID: 2, Urgency: 2, Impact: 2,
		Category1: "Security", Category2: "Workstation", Source: &src, DateOccurred: "2026-05-01T10:00:00",
		CustomFields: []CustomField{{ID: 1, Value: "x"}}, DontDoRules: true, DoNotApplyTemplate: true,
		NewExternalLink: &ExternalLink{ModuleID: 301, ThirdPartyID: "alert-1", ThirdPartyDesc: "GravityZone"},
	})
	must("CreateTicket", err)
	_, err = c.CreateTickets(ctx, []Ticket{{Summary: "a", SiteID: site.ID}, {Summary: "b", SiteID: site.ID}})
	must("CreateTickets", err)
	_, err = c.UpdateTicket(ctx, Ticket{ID: tk.ID, StatusID: 9, AgentID: 1})
	must("UpdateTicket", err)
	_, err = c.Ticket(ctx, tk.ID)
	must("Ticket", err)
	_, err = c.AddAction(ctx, Action{TicketID: tk.ID, OutcomeID: 7, Outcome: "Internal Note", Note: "n", NoteHTML: "<p>n</p>",
		HiddenFromUser: true, TimeTaken: 0.25, NewStatus: 2, SendEmail: false, Important: true, DateTime: "2026-05-01T10:05:00", DontDoRules: true})
	must("AddAction", err)
	_, err = c.Actions(ctx, tk.ID)
	must("Actions", err)
	invoices, err := c.RecurringInvoices(ctx, RecurringInvoiceQuery{ClientID: 0})
	must("RecurringInvoices", err)
	inv, err := c.RecurringInvoice(ctx, invoices[0].ID)
	must("RecurringInvoice", err)
	_, err = c.SaveRecurringInvoiceLines(ctx, inv.ID, inv.Lines)
	must("SaveRecurringInvoiceLines", err)
	created, err := c.SaveRecurringInvoice(ctx, RecurringInvoice{ClientID: site.ClientID, Reference: "Security", Notes1: "n", Currency: "£", Period: 2})
	must("SaveRecurringInvoice", err)
	_, err = c.AddRecurringInvoiceLines(ctx, []InvoiceLine{{IHID: created.ID, ItemID: 1401, ShortDescription: "x", Quantity: 3, UnitPrice: 4.5, TaxCode: "5"}})
	must("AddRecurringInvoiceLines", err)
	_, err = c.CreateClient(ctx, ClientRecord{Name: "Contract Test Ltd", Ref: "CT", Website: "https://ct.example", Notes: "n"})
	must("CreateClient", err)
	_, err = c.CreateUser(ctx, User{Name: "Jo Bloggs", Firstname: "Jo", Surname: "Bloggs", EmailAddress: "jo@ct.example", SiteID: site.ID})
	must("CreateUser", err)
	supplier, err := c.CreateSupplier(ctx, Supplier{Name: "Bitdefender"})
	must("CreateSupplier", err)
	_, err = c.CreateItem(ctx, Item{Name: "GravityZone", Description: "d", RecurringPrice: 3, RecurringCost: 1, IsRecurringItem: true,
		NominalCode: "4000", TaxCode: 5, SupplierID: supplier.ID})
	must("CreateItem", err)
	agent, err := c.CreateAgent(ctx, Agent{Name: "halobridge", Email: "hb@example.com", IsAPIAgent: true, Team: "Security Operations"})
	must("CreateAgent", err)
	_, err = c.CreateApplication(ctx, Application{DisplayName: "halobridge", LoginAsAgentID: agent.ID, Scopes: []ApplicationScope{{Name: "all"}}})
	must("CreateApplication", err)
	c.TestConnection(ctx)

	checked := 0
	for _, r := range b.rec.requests() {
		if strings.Contains(r.URL, "/auth/") {
			continue
		}
		checked++
		for _, problem := range doc.check(r.Method, r.URL, r.Body) {
			t.Error(problem)
		}
	}
	if checked < 40 {
		t.Errorf("checked %d requests; the exercise above should send more", checked)
	}
}
