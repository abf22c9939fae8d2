package halo

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// jsLine is a recurring-invoice line captured from a live instance (API.md §5.2).
const jsLine = `{
    "id": 24963,
    "ihid": -94,
    "item_shortdescription": "Synergy Managed Services - Gold Infrastructure",
    "nominal_code": "Synergy-MS-Gold-Infra",
    "tax_code": "5",
    "qty_order": 1.0,
    "unit_price": 825.0,
    "net_amount": 825.0,
    "tax_amount": 165.0,
    "tax_rate": 20.0,
    "_itemid": 1402,
    "asset_id": -1,
    "contract_id": -1,
    "isinactive": false,
    "sequenceid": 1,
    "prorata_startdate": "1899-12-30T00:00:00"
}`

func TestInvoiceLineRoundTrip(t *testing.T) {
	t.Parallel()

	t.Run("SendsBackEveryFieldItRead", func(t *testing.T) {
		t.Parallel()
		var line InvoiceLine
		if err := json.Unmarshal([]byte(jsLine), &line); err != nil {
			t.Fatal(err)
		}
		if line.ID != 24963 || line.IHID != -94 || line.ItemID != 1402 || line.Quantity != 1 || line.TaxCode != "5" {
			t.Fatalf("decoded line = %+v", line)
		}
		line.Quantity = 12
		out, err := json.Marshal(line)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{
			"id": 24963.0, "ihid": -94.0, "item_shortdescription": "Synergy Managed Services - Gold Infrastructure",
			"nominal_code": "Synergy-MS-Gold-Infra", "tax_code": "5", "qty_order": 12.0, "unit_price": 825.0,
			"net_amount": 825.0, "tax_amount": 165.0, "tax_rate": 20.0, "_itemid": 1402.0, "asset_id": -1.0,
			"contract_id": -1.0, "isinactive": false, "sequenceid": 1.0, "prorata_startdate": "1899-12-30T00:00:00",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("line sent back (-want +got):\n%s", diff)
		}
	})

	t.Run("SendsBackUnchangedFieldsByteForByte", func(t *testing.T) {
		t.Parallel()
		const in = `{"id":7,"ihid":-94,"_itemid":1402,"qty_order":1.0,"startdate":null,"enddate":null,"unit_price":825.50,"item_shortdescription":"Gold"}`
		var line InvoiceLine
		if err := json.Unmarshal([]byte(in), &line); err != nil {
			t.Fatal(err)
		}
		out, err := json.Marshal(line)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		for field, want := range map[string]string{"startdate": "null", "enddate": "null", "qty_order": "1.0", "unit_price": "825.50"} {
			if string(got[field]) != want {
				t.Errorf("%s went back as %s, want %s as Halo sent it", field, got[field], want)
			}
		}
	})

	t.Run("SendsOnlySetFieldsAndTheQuantityForANewLine", func(t *testing.T) {
		t.Parallel()
		out, err := json.Marshal(InvoiceLine{IHID: -94, ItemID: 1402, ShortDescription: "GravityZone Business Security"})
		if err != nil {
			t.Fatal(err)
		}
		want := `{"_itemid":1402,"ihid":-94,"item_shortdescription":"GravityZone Business Security","qty_order":0}`
		if string(out) != want {
			t.Errorf("new line = %s, want %s", out, want)
		}
	})
}

func TestTicketTypeDefaultSLA(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		body string
		want int
	}{
		{"ReadsDefaultSLA", `{"id":1,"default_sla":4}`, 4},
		{"SkipsMinusOneForTheNextField", `{"id":1,"default_sla":-1,"default_sla_id":6}`, 6},
		{"ReadsSLAID", `{"id":1,"sla_id":2}`, 2},
		{"ReadsSLAId", `{"id":1,"slaid":3}`, 3},
		{"ReadsSLA", `{"id":1,"sla":8}`, 8},
		{"TakesTheFirstPositiveInCIPPsOrder", `{"id":1,"sla":8,"default_sla":5}`, 5},
		{"IgnoresANameInSLA", `{"id":1,"sla":"Gold"}`, 0},
		{"HasNoneWhenEveryFieldIsMinusOne", `{"id":1,"default_sla":-1,"sla_id":-1}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var tt2 TicketType
			if err := json.Unmarshal([]byte(tt.body), &tt2); err != nil {
				t.Fatal(err)
			}
			if tt2.DefaultSLAID != tt.want || tt2.ID != 1 {
				t.Errorf("DefaultSLAID = %d (id %d), want %d", tt2.DefaultSLAID, tt2.ID, tt.want)
			}
		})
	}
}

func TestLenientIDs(t *testing.T) {
	t.Parallel()

	// Every form HaloPSA sends an id in, for records of each kind halobridge reads.
	for _, form := range []struct{ name, id string }{{"Number", "12"}, {"Double", "12.0"}, {"Text", `"12"`}} {
		t.Run(form.name, func(t *testing.T) {
			t.Parallel()
			var s Site
			if err := decodeLenient([]byte(`{"id":`+form.id+`,"client_id":`+form.id+`,"name":"Main"}`), &s); err != nil || s.ID != 12 || s.ClientID != 12 || s.Name != "Main" {
				t.Errorf("site = %+v, %v", s, err)
			}
			var users []User
			if err := decodeLenient([]byte(`[{"id":3,"site_id":`+form.id+`,"name":"General User"}]`), &users); err != nil || len(users) != 1 || users[0].SiteID != 12 || !users[0].IsGeneralUser() {
				t.Errorf("users = %+v, %v", users, err)
			}
			var slas []SLA
			if err := decodeLenient([]byte(`[{"id":`+form.id+`,"name":"Gold","priorities":[{"id":"5f1c","slaid":`+form.id+`,"priorityid":`+form.id+`,"name":"P1"}]}]`), &slas); err != nil ||
				len(slas) != 1 || slas[0].ID != 12 || len(slas[0].Priorities) != 1 || slas[0].Priorities[0].PriorityID != 12 || slas[0].Priorities[0].SLAID != 12 {
				t.Errorf("slas = %+v, %v", slas, err)
			}
			var tt TicketType
			if err := decodeLenient([]byte(`{"id":`+form.id+`,"name":"Alert","default_sla":`+form.id+`,"initial_status":`+form.id+`}`), &tt); err != nil || tt.ID != 12 || tt.DefaultSLAID != 12 || tt.InitialStatus != 12 {
				t.Errorf("ticket type = %+v, %v", tt, err)
			}
			var tk Ticket
			if err := decodeLenient([]byte(`{"id":`+form.id+`,"client_id":`+form.id+`,"status_id":`+form.id+`,"summary":"s"}`), &tk); err != nil || tk.ID != 12 || tk.ClientID != 12 || tk.StatusID != 12 {
				t.Errorf("ticket = %+v, %v", tk, err)
			}
			var line InvoiceLine
			if err := decodeLenient([]byte(`{"id":`+form.id+`,"_itemid":`+form.id+`,"ihid":`+form.id+`}`), &line); err != nil || line.ID != 12 || line.ItemID != 12 || line.IHID != 12 {
				t.Errorf("invoice line = %+v, %v", line, err)
			}
		})
	}

	t.Run("ReadsANumberWhereTextBelongs", func(t *testing.T) {
		t.Parallel()
		var p Priority
		if err := decodeLenient([]byte(`{"id":7,"slaid":1,"priorityid":2,"name":"High"}`), &p); err != nil || p.ID != "7" || p.PriorityID != 2 {
			t.Errorf("priority = %+v, %v", p, err)
		}
	})

	t.Run("TakesEmptyTextAsAbsent", func(t *testing.T) {
		t.Parallel()
		var u User
		if err := decodeLenient([]byte(`{"id":3,"site_id":"","name":"Ann"}`), &u); err != nil || u.ID != 3 || u.SiteID != 0 || u.Name != "Ann" {
			t.Errorf("user = %+v, %v", u, err)
		}
	})

	t.Run("RefusesAnIDThatIsNoNumber", func(t *testing.T) {
		t.Parallel()
		var u User
		if err := decodeLenient([]byte(`{"site_id":"main"}`), &u); err == nil {
			t.Error("want an error for site_id \"main\"")
		}
		if err := decodeLenient([]byte(`{"site_id":2.5}`), &u); err == nil {
			t.Error("want an error for site_id 2.5")
		}
	})
}

func TestGeneralUser(t *testing.T) {
	t.Parallel()

	users := []User{
		{ID: 1, Name: "Alice", SiteID: 10},
		{ID: 2, Name: " general user ", SiteID: 10},
		{ID: 3, Name: "General User", SiteID: 11},
		{ID: 4, Name: "General Users", SiteID: 12},
	}
	tests := []struct {
		site   int
		wantID int
		found  bool
	}{{10, 2, true}, {11, 3, true}, {12, 0, false}, {13, 0, false}}
	for _, tt := range tests {
		got, ok := GeneralUser(users, tt.site)
		if ok != tt.found || got.ID != tt.wantID {
			t.Errorf("GeneralUser(site %d) = %d, %v; want %d, %v", tt.site, got.ID, ok, tt.wantID, tt.found)
		}
	}
}

func TestWrites(t *testing.T) {
	t.Parallel()

	ctx := context.Background()

	t.Run("SendsIDsAsWholeNumbersInAnArray", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusCreated, map[string]any{"id": 1})
		})
		src := 0
		_, err := f.client(t, nil).CreateTicket(ctx, Ticket{Summary: "Malware found", ClientID: 57, SiteID: 95, TicketTypeID: 21, Source: &src})
		if err != nil {
			t.Fatal(err)
		}
		want := `[{"summary":"Malware found","client_id":57,"site_id":95,"tickettype_id":21,"source":0}]`
		if got := f.apiRequests()[0].Body; got != want {
			t.Errorf("body = %s, want %s", got, want)
		}
	})

	t.Run("AcceptsAnArrayAnswer", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusCreated, []map[string]any{{"id": 5, "summary": "a"}, {"id": 6, "summary": "b"}})
		})
		got, err := f.client(t, nil).CreateTickets(ctx, []Ticket{{Summary: "a"}, {Summary: "b"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != 5 || got[1].ID != 6 {
			t.Errorf("tickets = %+v", got)
		}
	})

	t.Run("AcceptsAnArrayAnswerForOneRecord", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, []map[string]any{{"id": 9, "name": "Widget"}})
		})
		got, err := f.client(t, nil).CreateItem(ctx, Item{Name: "Widget"})
		if err != nil || got.ID != 9 {
			t.Fatalf("CreateItem = %+v, %v", got, err)
		}
	})

	t.Run("RefusesAnActionWithoutOutcomeBeforeSending", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusCreated, map[string]any{"id": 1})
		})
		_, err := f.client(t, nil).AddAction(ctx, Action{TicketID: 4, Note: "more detections"})
		if !errors.Is(err, ErrNoOutcome) {
			t.Fatalf("err = %v, want ErrNoOutcome", err)
		}
		if got := len(f.apiRequests()); got != 0 {
			t.Errorf("sent %d requests, want 0", got)
		}
	})

	t.Run("RefusesToCreateARecordThatHasAnID", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {})
		c := f.client(t, nil)
		if _, err := c.CreateTicket(ctx, Ticket{ID: 3, Summary: "x"}); err == nil {
			t.Error("CreateTicket with an id: want an error")
		}
		if _, err := c.UpdateTicket(ctx, Ticket{Summary: "x"}); err == nil {
			t.Error("UpdateTicket without an id: want an error")
		}
		if got := len(f.apiRequests()); got != 0 {
			t.Errorf("sent %d requests, want 0", got)
		}
	})
}

func TestTicketTypeKeepsItsDefaultsThroughTheCatalog(t *testing.T) {
	t.Parallel()
	const in = `{"id":21,"name":"Security Alert","default_sla":-1,"sla_id":"3","default_team":"Security Operations","default_agent":-1,"default_category_1":"Security","default_impact":"2","initial_status":1}`
	var tt TicketType
	if err := json.Unmarshal([]byte(in), &tt); err != nil {
		t.Fatal(err)
	}
	want := TicketType{ID: 21, Name: "Security Alert", InitialStatus: 1, DefaultSLAID: 3, DefaultTeam: "Security Operations", DefaultCategory1: "Security", DefaultImpact: 2}
	if diff := cmp.Diff(want, tt); diff != "" {
		t.Fatalf("read (-want +got):\n%s", diff)
	}
	// The catalog stores the record as this type writes it, and reads it back.
	stored, err := json.Marshal(tt)
	if err != nil {
		t.Fatal(err)
	}
	var again TicketType
	if err := json.Unmarshal(stored, &again); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("after a trip through the catalog (-want +got):\n%s", diff)
	}
}

// TestLinesNeverSendEmptyDates: a line read with "" in a date field (as some HaloPSA
// answers hold) goes back without it, not with "" where HaloPSA wants a date-time.
func TestLinesNeverSendEmptyDates(t *testing.T) {
	t.Parallel()
	var l InvoiceLine
	if err := decodeLenient([]byte(`{"id":5,"ihid":-9,"qty_order":2,"startdate":"","enddate":"1899-12-30T00:00:00","prorata_startdate":""}`), &l); err != nil {
		t.Fatal(err)
	}
	l.Quantity = 3
	out, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(out, &fields); err != nil {
		t.Fatal(err)
	}
	if _, ok := fields["startdate"]; ok {
		t.Errorf("startdate sent back: %s", out)
	}
	if _, ok := fields["prorata_startdate"]; ok {
		t.Errorf("prorata_startdate sent back: %s", out)
	}
	if fields["enddate"] != "1899-12-30T00:00:00" || fields["qty_order"] != float64(3) {
		t.Errorf("line = %s, want the end date kept and the new quantity", out)
	}
}
