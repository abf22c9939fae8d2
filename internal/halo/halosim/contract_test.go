package halosim

import (
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The contract test holds the simulator against HaloPSA's published OpenAPI document
// (reference/halopsa/openapi.json): every path and method it serves exists there, every JSON
// field of its records is a property of the schema Halo names for them, and every query
// parameter its lists read is declared for that operation.

type swaggerDoc struct {
	Paths map[string]map[string]struct {
		Parameters []swaggerParam `json:"parameters"`
	} `json:"paths"`
	Components struct {
		Schemas map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"schemas"`
	} `json:"components"`
}

type swaggerParam struct {
	Name string `json:"name"`
}

// loadSwagger reads HaloPSA's published document, kept with the halo
// package's test data (see its testdata/README.md).
func loadSwagger(t *testing.T) *swaggerDoc {
	t.Helper()
	raw, err := os.ReadFile("../testdata/openapi.json")
	if err != nil {
		t.Fatalf("HaloPSA's OpenAPI document is missing: %v", err)
	}
	var doc swaggerDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return &doc
}

// findPath matches a document path case-insensitively.
func (d *swaggerDoc) findPath(path string) (string, bool) {
	for p := range d.Paths {
		if strings.EqualFold(p, path) {
			return p, true
		}
	}
	return "", false
}

func TestContractWithOpenAPI(t *testing.T) {
	t.Parallel()
	doc := loadSwagger(t)
	sim := New(Options{Clients: 1})

	t.Run("EveryServedOperationIsDocumented", func(t *testing.T) {
		t.Parallel()
		for _, res := range sim.resources {
			ops := map[string][]string{"/" + res.name: nil, "/" + res.name + "/{id}": nil}
			if res.list != nil {
				ops["/"+res.name] = append(ops["/"+res.name], "get")
			}
			if res.post != nil {
				ops["/"+res.name] = append(ops["/"+res.name], "post")
			}
			if res.get != nil {
				ops["/"+res.name+"/{id}"] = append(ops["/"+res.name+"/{id}"], "get")
			}
			if res.del != nil {
				ops["/"+res.name+"/{id}"] = append(ops["/"+res.name+"/{id}"], "delete")
			}
			for sub, route := range res.subroutines {
				ops["/"+res.name+"/"+sub] = append(ops["/"+res.name+"/"+sub], strings.ToLower(route.method))
			}
			for path, methods := range ops {
				docPath, ok := doc.findPath(path)
				for _, m := range methods {
					if _, has := doc.Paths[docPath][m]; !ok || !has {
						t.Errorf("%s %s is served but not in the document", strings.ToUpper(m), path)
					}
				}
			}
		}
	})

	t.Run("RecordFieldsAreSpelledAsHaloSpellsThem", func(t *testing.T) {
		t.Parallel()
		// key and table are bookkeeping fields of real answers that the request schemas omit.
		notInRequestSchemas := []string{"key", "table"}
		// Webhook fields newer than the SW 2024 document (RED's interface, API.md §3.21).
		newerThanDocument := []string{"batch_method", "batch_delay_seconds", "batch_limit", "auto_disable_attempts"}
		for _, tc := range []struct {
			schema string
			record any
		}{
			{"Area", Client{}}, {"Site", Site{}}, {"Users", User{}}, {"Uname", Agent{}}, {"UnameSection", AgentTeam{}},
			{"SectionDetail", Team{}}, {"TStatus", Status{}}, {"RequestType", TicketType{}}, {"RequestTypeField", RequestTypeField{}},
			{"FieldInfo", FieldInfo{}}, {"SlaHead", SLA{}},
			{"Policy", Priority{}}, {"CategoryDetail", Category{}}, {"TOutcome", Outcome{}}, {"Lookup", Lookup{}},
			{"Item", Item{}}, {"Company", Supplier{}}, {"Faults", Ticket{}}, {"Actions", Action{}}, {"InvoiceHeader", RecurringInvoice{}},
			{"InvoiceHeader", Invoice{}},
			{"InvoiceDetail", InvoiceLine{}}, {"ExternalLink_List", ExternalLink{}}, {"CustomField", CustomField{}},
			{"NHD_Identity_Application", APIApplication{}}, {"NHD_Identity_ApplicationScope", ApplicationScope{}},
			{"Webhook", Webhook{}}, {"WebhookEvent", WebhookEvent{}}, {"UnameNotification", WebhookSubscription{}},
		} {
			props := doc.Components.Schemas[tc.schema].Properties
			if len(props) == 0 {
				t.Errorf("schema %s is not in the document", tc.schema)
				continue
			}
			for name := range jsonFieldNames(reflect.TypeOf(tc.record)) {
				if _, ok := props[name]; !ok && !slices.Contains(notInRequestSchemas, name) && !slices.Contains(newerThanDocument, name) {
					t.Errorf("%T field %q is not a property of %s", tc.record, name, tc.schema)
				}
			}
		}
	})

	t.Run("QueryParametersAreDeclared", func(t *testing.T) {
		t.Parallel()
		paging := []string{"pageinate", "page_size", "page_no", "count"}
		active := []string{"includeactive", "includeinactive", "activeinactive"}
		updated := []string{"lastupdatefromdate", "lastupdatetodate"}
		read := map[string][]string{
			"GET /Client":           slices.Concat([]string{"search", "toplevel_id", "advanced_search", "idonly"}, paging, active, updated),
			"GET /Site":             slices.Concat([]string{"search", "client_id", "toplevel_id", "advanced_search", "idonly"}, paging, active, updated),
			"GET /Users":            slices.Concat([]string{"search", "client_id", "site_id", "exclude_generaluser", "advanced_search", "idonly"}, paging, active, updated),
			"GET /Tickets":          slices.Concat([]string{"client_id", "site_id", "user_id", "agent_id", "status_id", "requesttype_id", "requesttype", "parent_id", "ticketids", "open_only", "closed_only", "search", "advanced_search"}, paging, updated),
			"GET /Webhook":          {"type"},
			"GET /WebhookEvent":     {"webhook_id", "count"},
			"GET /Actions":          {"ticket_id", "excludeprivate", "excludesys", "count"},
			"GET /Actions/{id}":     {"ticket_id"},
			"GET /Agent":            {"includeapiagents", "includedisabled", "includeenabled", "includeunassigned", "search", "team_id"},
			"GET /Team":             {"includedisabled", "includeenabled"},
			"GET /Team/{id}":        {"includeagents"},
			"GET /Status":           {"excludeclosed"},
			"GET /SLA":              {"showpriorities"},
			"GET /Priority":         {"slaid"},
			"GET /Category":         {"type_id"},
			"GET /Outcome":          {"showhidden"},
			"GET /Lookup":           {"lookupid"},
			"GET /Item":             append([]string{"search", "recurringonly", "excluderecurring", "advanced_search"}, paging...),
			"GET /Supplier":         append(append([]string{"search"}, paging...), active...),
			"GET /RecurringInvoice": append([]string{"client_id", "client_ids", "includelines", "search", "advanced_search", "idonly"}, paging...),
			"GET /Invoice":          append([]string{"client_id", "recurringinvoice_id", "includelines", "idonly"}, paging...),
			"GET /ExternalLink":     append([]string{"table_id", "module_id", "halo_id", "details_id", "third_party_id", "third_party_secondary_id", "third_party_type", "third_party_desc", "search"}, paging...),
		}
		// DELETE /Actions/{id} also reads ticket_id: the document omits it, live clients send it
		// and Halo's error names it (API.md §2.5).
		for op, params := range read {
			method, path, _ := strings.Cut(op, " ")
			docPath, ok := doc.findPath(path)
			declared := doc.Paths[docPath][strings.ToLower(method)].Parameters
			for _, p := range params {
				if !ok || !slices.ContainsFunc(declared, func(d swaggerParam) bool { return d.Name == p }) {
					t.Errorf("%s reads %q, which the document does not declare", op, p)
				}
			}
		}
	})

	t.Run("AnswersHoldOnlyDocumentedFields", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		inv := invoiceWithLines(t, b)
		b.sim.GenerateInvoice(inv.ID, b.clock.Now())
		asset := 0
		for _, a := range b.sim.Assets() {
			if a.ClientID == inv.ClientID {
				asset = a.ID
			}
		}
		if asset == 0 {
			t.Fatalf("the simulator seeds no asset for client %d", inv.ClientID)
		}
		tickets := b.send(t, "POST", "/api/Tickets", tok, []map[string]any{{"summary": "contract", "client_id": inv.ClientID, "assets": []map[string]any{{"id": asset}}}})
		wantStatus(t, tickets, http.StatusCreated)
		ticketID := int(decode[map[string]any](t, tickets)["id"].(float64))
		wantStatus(t, b.send(t, "POST", "/api/Actions", tok, []map[string]any{{"ticket_id": ticketID, "note": "n", "outcome_id": 7}}), http.StatusCreated)
		// Fields real answers carry that the document's schemas lack.
		undocumented := map[string]string{
			"key":   "a record's own id again, in real Client answers (API.md §5.3)",
			"table": "the table a record belongs to, in real Client answers (API.md §5.3)",
		}
		// Each answer halobridge reads, the wrapper key of its list ("" for a bare array
		// or one record) and the schema its records follow; nested lists by field.
		for _, tc := range []struct {
			path, key, schema string
			nested            map[string]string
		}{
			{"/api/Client?includeinactive=true", "clients", "Area", nil},
			{"/api/Site", "sites", "Site", nil},
			{"/api/Users?search=General%20User", "users", "Users", nil},
			{"/api/Agent?includeapiagents=true", "", "Uname", map[string]string{"teams": "UnameSection"}},
			{"/api/Team", "", "SectionDetail", nil},
			{"/api/Status", "", "TStatus", nil},
			{"/api/TicketType", "", "RequestType", nil},
			{"/api/TicketType/22?includedetails=true", "", "RequestType", map[string]string{"fields": "RequestTypeField"}},
			{"/api/SLA?showpriorities=true", "", "SlaHead", map[string]string{"priorities": "Policy"}},
			{"/api/Priority", "", "Policy", nil},
			{"/api/Category", "", "CategoryDetail", nil},
			{"/api/Outcome", "", "TOutcome", nil},
			{"/api/Lookup?lookupid=22", "", "Lookup", nil},
			{"/api/Item", "items", "Item", nil},
			{"/api/Tickets?client_id=" + itoa(inv.ClientID), "tickets", "Faults", map[string]string{"assets": "Device_List"}},
			{"/api/Asset?includeassetfields=true&includeinactive=true", "assets", "Device", map[string]string{"fields": "FieldHelper", "customfields": "CustomField"}},
			{"/api/Asset/" + itoa(asset), "", "Device", map[string]string{"fields": "FieldHelper", "customfields": "CustomField"}},
			{"/api/AssetType", "", "Xtype", map[string]string{"fields": "TypeInfo"}},
			{"/api/Actions?ticket_id=" + itoa(ticketID), "actions", "Actions", nil},
			{"/api/RecurringInvoice/" + itoa(inv.ID), "", "InvoiceHeader", map[string]string{"lines": "InvoiceDetail", "customfields": "CustomField"}},
			{"/api/Invoice?includelines=true", "invoices", "InvoiceHeader", map[string]string{"lines": "InvoiceDetail"}},
		} {
			resp := b.send(t, "GET", tc.path, tok, nil)
			wantStatus(t, resp, http.StatusOK)
			var records []map[string]any
			var body any
			if err := json.Unmarshal(resp.body, &body); err != nil {
				t.Fatal(err)
			}
			switch v := body.(type) {
			case []any:
				records = objects(v)
			case map[string]any:
				if tc.key == "" {
					records = []map[string]any{v}
				} else {
					list, _ := v[tc.key].([]any)
					records = objects(list)
				}
			}
			if len(records) == 0 {
				t.Errorf("%s answered no record to check", tc.path)
			}
			check := func(schema string, rec map[string]any) {
				props := doc.Components.Schemas[schema].Properties
				if len(props) == 0 {
					t.Errorf("schema %s is not in the document", schema)
					return
				}
				for name := range rec {
					if _, ok := props[name]; !ok && undocumented[name] == "" {
						t.Errorf("GET %s answers %q, which %s does not have", tc.path, name, schema)
					}
				}
			}
			for _, rec := range records {
				check(tc.schema, rec)
				for field, schema := range tc.nested {
					list, _ := rec[field].([]any)
					for _, n := range objects(list) {
						check(schema, n)
					}
				}
			}
		}
	})

	t.Run("WritesAcceptTheDeclaredMediaTypes", func(t *testing.T) {
		t.Parallel()
		// The document declares application/json-patch+json, application/json, text/json and
		// application/*+json (here one instance of it).
		for _, mt := range []string{"application/json-patch+json", "application/json", "text/json", "application/merge-patch+json"} {
			r, _ := http.NewRequest(http.MethodPost, "/api/Client", nil)
			r.Header.Set("Content-Type", mt+"; charset=utf-8")
			if _, ok := checkJSONContentType(r); !ok {
				t.Errorf("refuses %s", mt)
			}
		}
	})
}

// objects keeps the JSON objects of a list.
func objects(list []any) []map[string]any {
	var out []map[string]any
	for _, v := range list {
		if m, ok := v.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}
