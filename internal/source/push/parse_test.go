package push_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"halobridge/internal/source"
	"halobridge/internal/source/push"
)

// wantError checks that err is a *push.Error with code, field and message.
func wantError(t *testing.T, err error, code, field, message string) {
	t.Helper()
	var e *push.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want a *push.Error", err)
	}
	want := push.Error{Code: code, Field: field, Message: message}
	if diff := cmp.Diff(want, *e); diff != "" {
		t.Fatalf("error (-want +got):\n%s", diff)
	}
}

func TestParseCustomers(t *testing.T) {
	t.Parallel()

	t.Run("ReadsCustomers", func(t *testing.T) {
		t.Parallel()
		got, err := push.ParseCustomers([]byte(`[
			{"id": " c-1 ", "name": "Bright Harbor Dental", "domain": "brightharbor.example"},
			{"id": "c-2", "name": "Cedar Ridge", "parent_id": "c-1", "reseller": false},
			{"id": "r-1", "name": "West Region", "reseller": true, "parent_id": null}
		]`))
		if err != nil {
			t.Fatal(err)
		}
		want := []source.Customer{
			{ID: "c-1", Name: "Bright Harbor Dental", Domain: "brightharbor.example"},
			{ID: "c-2", Name: "Cedar Ridge", ParentID: "c-1"},
			{ID: "r-1", Name: "West Region", Reseller: true},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("customers (-want +got):\n%s", diff)
		}
	})

	refusals := []struct {
		name, body, code, field, message string
	}{
		{"RefusesAnObject", `{"id":"c-1","name":"A"}`, "invalid_json", "customers", "customers must be a JSON array"},
		{"RefusesAnEmptyList", `[]`, "required", "customers", "customers is empty; send at least one item"},
		{"RefusesAMissingName", `[{"id":"c-1","name":"A"},{"id":"c-2"}]`, "required", "customers[1].name", "customers[1].name is required"},
		{"RefusesABlankID", `[{"id":"   ","name":"A"}]`, "required", "customers[0].id", "customers[0].id is required"},
		{"RefusesANumericID", `[{"id":17,"name":"A"}]`, "invalid_value", "customers[0].id", "customers[0].id must be a string"},
		{"RefusesAMisspeltField", `[{"id":"c-1","name":"A","parentId":"c-0"}]`, "unknown_field", "customers[0].parentId", "customers[0].parentId is not a field of this API"},
		{"RefusesARepeatedID", `[{"id":"c-1","name":"A"},{"id":"c-1","name":"B"}]`, "duplicate", "customers[1].id", `customers[1].id "c-1" repeats customers[0].id`},
		{"RefusesACustomerItsOwnParent", `[{"id":"c-1","name":"A","parent_id":"c-1"}]`, "invalid_value", "customers[0].parent_id", "customers[0].parent_id names the customer itself"},
		{"RefusesAnItemThatIsNotAnObject", `["c-1"]`, "invalid_json", "customers[0]", "customers[0] must be a JSON object"},
		{"RefusesControlCharacters", `[{"id":"c-1","name":"A\u0007B"}]`, "invalid_value", "customers[0].name", "customers[0].name contains control characters"},
		{"RefusesBrokenJSON", `[{"id":"c-1",`, "invalid_json", "", "the body is not valid JSON"},
		{"RefusesAnEmptyBody", ` `, "invalid_json", "", "the body is empty; send JSON"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := push.ParseCustomers([]byte(tt.body))
			wantError(t, err, tt.code, tt.field, tt.message)
		})
	}

	t.Run("RefusesMoreThan1000", func(t *testing.T) {
		t.Parallel()
		items := make([]string, 1001)
		for i := range items {
			items[i] = fmt.Sprintf(`{"id":"c-%d","name":"N"}`, i)
		}
		_, err := push.ParseCustomers([]byte("[" + strings.Join(items, ",") + "]"))
		wantError(t, err, "too_many_items", "customers", "customers has 1001 items; at most 1000 are accepted per call")
		if _, err := push.ParseCustomers([]byte("[" + strings.Join(items[:1000], ",") + "]")); err != nil {
			t.Fatalf("1000 customers refused: %v", err)
		}
	})
	t.Run("CountsMillionsOfItemsWithoutKeepingThem", func(t *testing.T) {
		t.Parallel()
		_, err := push.ParseCustomers([]byte("[" + strings.Repeat("1,", 3_000_000) + "1]"))
		wantError(t, err, "too_many_items", "customers", "customers has 3000001 items; at most 1000 are accepted per call")
	})
	t.Run("RefusesABodyOver8MiB", func(t *testing.T) {
		t.Parallel()
		body := []byte(`[{"id":"c-1","name":"` + strings.Repeat("a", push.MaxBodyBytes) + `"}]`)
		_, err := push.ParseCustomers(body)
		var e *push.Error
		if !errors.As(err, &e) || e.Code != "body_too_large" || e.HTTPStatus() != 413 {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestParseUsage(t *testing.T) {
	t.Parallel()

	t.Run("ReadsUsage", func(t *testing.T) {
		t.Parallel()
		got, err := push.ParseUsage([]byte(`[
			{"customer_id":"c-1","month":"2026-03","product":"endpoint","quantity":42},
			{"customer_id":"c-1","month":"2026-02","product":"endpoint","quantity":7.5,"includes_children":true},
			{"customer_id":"c-2","month":"2026-03","product":"endpoint","quantity":0}
		]`))
		if err != nil {
			t.Fatal(err)
		}
		want := []source.Usage{
			{CustomerID: "c-1", Month: source.Month{Year: 2026, Month: time.March}, Product: "endpoint", Quantity: 42},
			{CustomerID: "c-1", Month: source.Month{Year: 2026, Month: time.February}, Product: "endpoint", Quantity: 7.5, IncludesChildren: true},
			{CustomerID: "c-2", Month: source.Month{Year: 2026, Month: time.March}, Product: "endpoint", Quantity: 0},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("usage (-want +got):\n%s", diff)
		}
	})

	refusals := []struct {
		name, body, code, field, message string
	}{
		{"RefusesAMonthWithADay", `[{"customer_id":"c","month":"2026-03-01","product":"p","quantity":1}]`, "invalid_value", "usage[0].month", "usage[0].month is 10 bytes long; at most 7 are accepted"},
		{"RefusesMonth13", `[{"customer_id":"c","month":"2026-13","product":"p","quantity":1}]`, "invalid_value", "usage[0].month", `usage[0].month "2026-13" is not a month as YYYY-MM`},
		{"RefusesAOneDigitMonth", `[{"customer_id":"c","month":"2026-3","product":"p","quantity":1}]`, "invalid_value", "usage[0].month", `usage[0].month "2026-3" is not a month as YYYY-MM`},
		{"RefusesAMissingQuantity", `[{"customer_id":"c","month":"2026-03","product":"p"}]`, "required", "usage[0].quantity", "usage[0].quantity is required"},
		{"RefusesANegativeQuantity", `[{"customer_id":"c","month":"2026-03","product":"p","quantity":-1}]`, "invalid_value", "usage[0].quantity", "usage[0].quantity must be zero or more"},
		{"RefusesAQuantityOverTheMaximum", `[{"customer_id":"c","month":"2026-03","product":"p","quantity":1e308}]`, "invalid_value", "usage[0].quantity", "usage[0].quantity is 1e+308; at most 1000000000 is accepted"},
		{"RefusesAQuantityNoFloatHolds", `[{"customer_id":"c","month":"2026-03","product":"p","quantity":1e400}]`, "invalid_value", "usage[0].quantity", "usage[0].quantity must be a number"},
		{"RefusesAQuantityAsText", `[{"customer_id":"c","month":"2026-03","product":"p","quantity":"4"}]`, "invalid_value", "usage[0].quantity", "usage[0].quantity must be a number"},
		{"RefusesAMissingProduct", `[{"customer_id":"c","month":"2026-03","quantity":1}]`, "required", "usage[0].product", "usage[0].product is required"},
		{"RefusesTheSameCellTwice", `[{"customer_id":"c","month":"2026-03","product":"p","quantity":1},{"customer_id":"c","month":"2026-03","product":"p","quantity":2}]`, "duplicate", "usage[1]", "usage[1] repeats usage[0]: one quantity per customer, month and product"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := push.ParseUsage([]byte(tt.body))
			wantError(t, err, tt.code, tt.field, tt.message)
		})
	}
}

const oneAlert = `{"id":"evt-88123","customer_id":"c-1001","type":"malware","severity":"high","title":"Trojan blocked",
	"host_name":"FRONTDESK-02","host_ip":"10.0.4.17","user":"anna","url":"https://evil.example/x",
	"occurred_at":"2026-03-14T10:26:53+01:00","facts":{"malware_name":"Trojan.X","count":3,"cleaned":true,"none":null},
	"dedup_key":"FRONTDESK-02:Trojan.X"}`

func withID(id string) string { return strings.Replace(oneAlert, "evt-88123", id, 1) }

func TestParseAlerts(t *testing.T) {
	t.Parallel()

	t.Run("ReadsOneAlert", func(t *testing.T) {
		t.Parallel()
		got, err := push.ParseAlerts([]byte(oneAlert))
		if err != nil {
			t.Fatal(err)
		}
		want := []source.Alert{{
			Source: source.Push, CustomerID: "c-1001", Type: "malware", Severity: source.SeverityHigh,
			HostName: "FRONTDESK-02", HostIP: "10.0.4.17", User: "anna", URL: "https://evil.example/x",
			Facts:       map[string]string{"malware_name": "Trojan.X", "count": "3", "cleaned": "true", "title": "Trojan blocked"},
			OccurredAt:  time.Date(2026, time.March, 14, 9, 26, 53, 0, time.UTC),
			Fingerprint: "push:c-1001:key:FRONTDESK-02:Trojan.X",
			EventID:     "push:c-1001:alert:evt-88123",
		}}
		if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(source.Alert{}, "Raw")); diff != "" {
			t.Fatalf("alerts (-want +got):\n%s", diff)
		}
		var raw map[string]any
		if err := json.Unmarshal(got[0].Raw, &raw); err != nil || raw["id"] != "evt-88123" {
			t.Fatalf("raw = %s (%v)", got[0].Raw, err)
		}
	})
	t.Run("ReadsABatchAndKeysAlertsWithoutDedupKeyByID", func(t *testing.T) {
		t.Parallel()
		got, err := push.ParseAlerts([]byte(`{"alerts":[
			{"id":"a1","customer_id":"c1","type":"phishing","severity":"low","occurred_at":"2026-03-14T09:00:00Z","test":true},
			{"id":"a1","customer_id":"c2","type":"phishing","severity":"info","occurred_at":"2026-03-14T09:00:00.5Z"}
		]}`))
		if err != nil {
			t.Fatal(err)
		}
		want := []source.Alert{
			{Source: source.Push, CustomerID: "c1", Type: "phishing", Severity: source.SeverityLow, OccurredAt: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC),
				Fingerprint: "push:c1:alert:a1", EventID: "push:c1:alert:a1", Test: true},
			{Source: source.Push, CustomerID: "c2", Type: "phishing", Severity: source.SeverityInfo, OccurredAt: time.Date(2026, 3, 14, 9, 0, 0, 5e8, time.UTC),
				Fingerprint: "push:c2:alert:a1", EventID: "push:c2:alert:a1"},
		}
		if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(source.Alert{}, "Raw")); diff != "" {
			t.Fatalf("alerts (-want +got):\n%s", diff)
		}
	})
	t.Run("GivesARepostTheSameEventID", func(t *testing.T) {
		t.Parallel()
		a, err1 := push.ParseAlerts([]byte(oneAlert))
		b, err2 := push.ParseAlerts([]byte(`{"alerts":[` + strings.Replace(oneAlert, `"Trojan blocked"`, `"Trojan blocked again"`, 1) + `]}`))
		if err1 != nil || err2 != nil || a[0].EventID != b[0].EventID {
			t.Fatalf("event ids %v / %v, errors %v %v", a, b, err1, err2)
		}
	})

	refusals := []struct {
		name, body, code, field, message string
	}{
		{"NamesTheIndexOfAMissingCustomer", `{"alerts":[` + withID("a0") + `,` + withID("a1") + `,` + withID("a2") + `,{"id":"x","type":"t","severity":"low","occurred_at":"2026-03-14T09:00:00Z"}]}`,
			"required", "alerts[3].customer_id", "alerts[3].customer_id is required"},
		{"RefusesAMissingID", `{"customer_id":"c","type":"t","severity":"low","occurred_at":"2026-03-14T09:00:00Z"}`, "required", "id", "id is required"},
		{"RefusesAnUnknownSeverity", `{"id":"a","customer_id":"c","type":"t","severity":"High","occurred_at":"2026-03-14T09:00:00Z"}`,
			"invalid_value", "severity", `severity "High" is not one of info, low, medium, high, critical`},
		{"RefusesATimeWithoutZone", `{"id":"a","customer_id":"c","type":"t","severity":"low","occurred_at":"2026-03-14 09:00:00"}`,
			"invalid_value", "occurred_at", `occurred_at "2026-03-14 09:00:00" is not an RFC 3339 time such as 2026-03-14T09:26:53Z`},
		{"RefusesABadIP", `{"id":"a","customer_id":"c","type":"t","severity":"low","occurred_at":"2026-03-14T09:00:00Z","host_ip":"10.0.0.300"}`,
			"invalid_value", "host_ip", `host_ip "10.0.0.300" is not an IPv4 or IPv6 address`},
		{"RefusesATypeWithSpaces", `{"id":"a","customer_id":"c","type":"new incident","severity":"low","occurred_at":"2026-03-14T09:00:00Z"}`,
			"invalid_value", "type", `type "new incident" may hold only letters, digits and _ . : -`},
		{"RefusesANestedFact", `{"id":"a","customer_id":"c","type":"t","severity":"low","occurred_at":"2026-03-14T09:00:00Z","facts":{"paths":["a"]}}`,
			"invalid_value", "facts.paths", "facts.paths must be a string, number or boolean"},
		{"RefusesMoreThan100Facts", `{"id":"a","customer_id":"c","type":"t","severity":"low","occurred_at":"2026-03-14T09:00:00Z","facts":{` + manyFacts(101) + `}}`,
			"invalid_value", "facts", "facts has 101 entries; at most 100 are accepted"},
		{"RefusesABatchWithAnotherMember", `{"alerts":[],"source":"x"}`, "unknown_field", "source", `source is not a field of a batch, which holds only "alerts"`},
		{"RefusesFactsThatAreNotAnObject", `{"id":"a","customer_id":"c","type":"t","severity":"low","occurred_at":"2026-03-14T09:00:00Z","facts":"x"}`,
			"invalid_value", "facts", "facts must be a JSON object"},
		{"RefusesAMisspeltField", `{"id":"a","customerId":"c"}`, "unknown_field", "customerId", "customerId is not a field of this API"},
		{"RefusesExtraBatchMembers", `{"alerts":[` + oneAlert + `],"source":"x"}`, "unknown_field", "source", `source is not a field of a batch, which holds only "alerts"`},
		{"RefusesAnEmptyBatch", `{"alerts":[]}`, "required", "alerts", "alerts is empty; send at least one item"},
		{"RefusesABatchThatIsNotAList", `{"alerts":{}}`, "invalid_json", "alerts", "alerts must be a JSON array"},
		{"RefusesTheSameAlertTwiceInABatch", `{"alerts":[` + oneAlert + `,` + oneAlert + `]}`, "duplicate", "alerts[1].id", "alerts[1].id repeats alerts[0].id for the same customer"},
		{"RefusesAnArray", `[` + oneAlert + `]`, "invalid_json", "", `the body must be one alert object or {"alerts":[...]}`},
		{"RefusesATitleOver250Bytes", `{"id":"a","customer_id":"c","type":"t","severity":"low","occurred_at":"2026-03-14T09:00:00Z","title":"` + strings.Repeat("x", 251) + `"}`,
			"invalid_value", "title", "title is 251 bytes long; at most 250 are accepted"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := push.ParseAlerts([]byte(tt.body))
			wantError(t, err, tt.code, tt.field, tt.message)
		})
	}
}

func TestParseResolve(t *testing.T) {
	t.Parallel()

	t.Run("ResolvesByIDOrDedupKey", func(t *testing.T) {
		t.Parallel()
		got, err := push.ParseResolve("evt-88123", []byte(`{"customer_id":"c-1001","reason":"Threat removed","resolved_at":"2026-03-14T11:02:00Z"}`))
		if err != nil {
			t.Fatal(err)
		}
		want := source.Resolution{Source: source.Push, CustomerID: "c-1001", Fingerprint: "push:c-1001:alert:evt-88123", Reason: "Threat removed",
			ResolvedAt: time.Date(2026, 3, 14, 11, 2, 0, 0, time.UTC), EventID: "push:c-1001:resolve:evt-88123"}
		if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(source.Resolution{}, "Raw")); diff != "" {
			t.Fatalf("resolution (-want +got):\n%s", diff)
		}
		keyed, err := push.ParseResolve("evt-88123", []byte(`{"customer_id":"c-1001","dedup_key":"FRONTDESK-02:Trojan.X"}`))
		if err != nil || keyed.Fingerprint != "push:c-1001:key:FRONTDESK-02:Trojan.X" || !keyed.ResolvedAt.IsZero() {
			t.Fatalf("resolution %+v, err %v", keyed, err)
		}
	})
	t.Run("ClosesTheTicketOfTheAlert", func(t *testing.T) {
		t.Parallel()
		alerts, err1 := push.ParseAlerts([]byte(oneAlert))
		res, err2 := push.ParseResolve("evt-88123", []byte(`{"customer_id":"c-1001","dedup_key":"FRONTDESK-02:Trojan.X"}`))
		if err1 != nil || err2 != nil || alerts[0].Fingerprint != res.Fingerprint {
			t.Fatalf("alert %v and resolution %v do not share a fingerprint (%v %v)", alerts, res, err1, err2)
		}
	})
	t.Run("ReadsABatch", func(t *testing.T) {
		t.Parallel()
		got, err := push.ParseResolutions([]byte(`{"resolutions":[{"id":"a1","customer_id":"c1","reason":"fixed"},{"id":"a2","customer_id":"c1"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		want := []source.Resolution{
			{Source: source.Push, CustomerID: "c1", Fingerprint: "push:c1:alert:a1", Reason: "fixed", EventID: "push:c1:resolve:a1"},
			{Source: source.Push, CustomerID: "c1", Fingerprint: "push:c1:alert:a2", EventID: "push:c1:resolve:a2"},
		}
		if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(source.Resolution{}, "Raw")); diff != "" {
			t.Fatalf("resolutions (-want +got):\n%s", diff)
		}
	})

	single := []struct {
		name, id, body, code, field, message string
	}{
		{"RefusesAMissingCustomer", "a1", `{"reason":"x"}`, "required", "customer_id", "customer_id is required"},
		{"RefusesAnEmptyPathID", " ", `{"customer_id":"c"}`, "required", "id", "id is required"},
		{"RefusesAnIDInTheBody", "a1", `{"id":"a2","customer_id":"c"}`, "unknown_field", "id", "id belongs in the path, not the body"},
		{"RefusesABadTime", "a1", `{"customer_id":"c","resolved_at":"yesterday"}`, "invalid_value", "resolved_at", `resolved_at "yesterday" is not an RFC 3339 time such as 2026-03-14T09:26:53Z`},
	}
	for _, tt := range single {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := push.ParseResolve(tt.id, []byte(tt.body))
			wantError(t, err, tt.code, tt.field, tt.message)
		})
	}
	batch := []struct {
		name, body, code, field, message string
	}{
		{"RefusesABatchWithoutResolutions", `{}`, "required", "resolutions", "resolutions is required"},
		{"NamesTheIndexInABatch", `{"resolutions":[{"id":"a1","customer_id":"c"},{"customer_id":"c"}]}`, "required", "resolutions[1].id", "resolutions[1].id is required"},
		{"RefusesTheSameResolutionTwice", `{"resolutions":[{"id":"a1","customer_id":"c"},{"id":"a1","customer_id":"c"}]}`, "duplicate", "resolutions[1].id", "resolutions[1].id repeats resolutions[0].id for the same customer"},
	}
	for _, tt := range batch {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := push.ParseResolutions([]byte(tt.body))
			wantError(t, err, tt.code, tt.field, tt.message)
		})
	}
}

func TestErrorStatus(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]int{"unauthorized": 401, "body_too_large": 413, "required": 400, "invalid_json": 400, "duplicate": 400} {
		if got := (&push.Error{Code: code}).HTTPStatus(); got != want {
			t.Errorf("HTTPStatus of %s = %d, want %d", code, got, want)
		}
	}
	b, err := json.Marshal(push.ErrorBody{Error: &push.Error{Code: "required", Message: "alerts[3].customer_id is required", Field: "alerts[3].customer_id"}})
	if err != nil || string(b) != `{"error":{"code":"required","message":"alerts[3].customer_id is required","field":"alerts[3].customer_id"}}` {
		t.Fatalf("body = %s, %v", b, err)
	}
}

// manyFacts is n facts "f0":0, "f1":1…, as the members of an object.
func manyFacts(n int) string {
	facts := make([]string, n)
	for i := range facts {
		facts[i] = fmt.Sprintf(`"f%d":%d`, i, i)
	}
	return strings.Join(facts, ",")
}
