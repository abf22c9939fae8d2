package gzsim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source/gravityzone/gzsim"
)

// testBundle is a simulator behind a real HTTP server.
type testBundle struct {
	sim    *gzsim.Sim
	server *httptest.Server
}

func setup(t *testing.T, opts gzsim.Options) *testBundle {
	t.Helper()
	sim := gzsim.New(opts)
	server := httptest.NewServer(sim)
	t.Cleanup(server.Close)
	return &testBundle{sim: sim, server: server}
}

// answer is a decoded JSON-RPC answer.
type answer struct {
	status int
	header http.Header
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    struct {
			Details string `json:"details"`
		} `json:"data"`
	} `json:"error"`
}

// post sends body to path with key as the Basic user.
func (b *testBundle) post(t *testing.T, httpMethod, path, key string, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(httpMethod, b.server.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.SetBasicAuth(key, "")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header}
	if resp.StatusCode != http.StatusNotFound || json.Valid(raw) {
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatalf("answer %d is not JSON: %s", resp.StatusCode, raw)
		}
	}
	return a
}

// call makes a JSON-RPC call with the default key.
func (b *testBundle) call(t *testing.T, version, service, method string, params any) answer {
	t.Helper()
	body, err := json.Marshal(map[string]any{"id": "req-1", "jsonrpc": "2.0", "method": method, "params": params})
	if err != nil {
		t.Fatal(err)
	}
	return b.post(t, http.MethodPost, "/api/"+version+"/jsonrpc/"+service, gzsim.DefaultAPIKey, body)
}

// wantError checks an error answer: HTTP status, JSON-RPC code and details.
func wantError(t *testing.T, a answer, status, code int, details string) {
	t.Helper()
	if a.status != status || a.Error == nil || a.Error.Code != code || !strings.Contains(a.Error.Data.Details, details) {
		t.Errorf("got HTTP %d, error %+v; want HTTP %d, code %d, details containing %q", a.status, a.Error, status, code, details)
	}
}

func wantResult(t *testing.T, a answer, v any) {
	t.Helper()
	if a.status != http.StatusOK || a.Error != nil {
		t.Fatalf("got HTTP %d, error %+v; want a result", a.status, a.Error)
	}
	if err := json.Unmarshal(a.Result, v); err != nil {
		t.Fatalf("result %s: %v", a.Result, err)
	}
}

func TestTransport(t *testing.T) {
	t.Parallel()

	t.Run("AnswersOnlyPOST", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{})
		a := b.post(t, http.MethodGet, "/api/v1.0/jsonrpc/network", gzsim.DefaultAPIKey, nil)
		wantError(t, a, http.StatusMethodNotAllowed, -32600, "Only POST")
		if a.header.Get("Allow") != http.MethodPost {
			t.Errorf("Allow = %q", a.header.Get("Allow"))
		}
	})

	t.Run("RefusesWrongKey", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{})
		body := []byte(`{"id":"1","jsonrpc":"2.0","method":"getCompaniesList","params":{}}`)
		wantError(t, b.post(t, http.MethodPost, "/api/v1.0/jsonrpc/network", "wrong", body), http.StatusUnauthorized, -32001, "Invalid API key")
		wantError(t, b.post(t, http.MethodPost, "/api/v1.0/jsonrpc/network", "", body), http.StatusUnauthorized, -32001, "Invalid API key")
	})

	t.Run("RefusesKeyWithPassword", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{})
		req, _ := http.NewRequest(http.MethodPost, b.server.URL+"/api/v1.0/jsonrpc/network", strings.NewReader(`{}`))
		req.SetBasicAuth(gzsim.DefaultAPIKey, "password")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want 401: the password must be empty", resp.StatusCode)
		}
	})

	t.Run("AcceptsItsOwnKey", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{APIKey: "custom-key"})
		body := []byte(`{"id":1,"jsonrpc":"2.0","method":"getApiKeyDetails"}`)
		a := b.post(t, http.MethodPost, "/api/v1.0/jsonrpc/general", "custom-key", body)
		var details struct {
			EnabledAPIs []string `json:"enabledApis"`
		}
		wantResult(t, a, &details)
		if diff := cmp.Diff([]string{"companies", "general", "incidents", "licensing", "network", "push"}, details.EnabledAPIs); diff != "" {
			t.Errorf("enabled APIs (-want +got):\n%s", diff)
		}
		if string(a.ID) != "1" {
			t.Errorf("id %s, want the request's echoed", a.ID)
		}
	})

	t.Run("ForbidsServiceNotEnabledOnKey", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{Services: []string{"network"}})
		wantError(t, b.call(t, "v1.0", "licensing", "getLicenseInfo", map[string]any{}), http.StatusForbidden, -32001, "licensing API")
	})

	t.Run("LimitsRequestsPerSecond", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{})
		var last answer
		accepted := 0
		for range 20 {
			if last = b.call(t, "v1.0", "general", "getApiKeyDetails", nil); last.status != http.StatusOK {
				break
			}
			accepted++
		}
		if accepted < 10 {
			t.Errorf("only %d requests accepted before a refusal, want the 10 of one second", accepted)
		}
		wantError(t, last, http.StatusTooManyRequests, -32003, "requests per second")
		if last.header.Get("Retry-After") != "1" {
			t.Errorf("Retry-After = %q, want 1", last.header.Get("Retry-After"))
		}
	})

	t.Run("LimitsNothingWhenSwitchedOff", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1})
		for range 30 {
			if a := b.call(t, "v1.0", "general", "getApiKeyDetails", nil); a.status != http.StatusOK {
				t.Fatalf("status %d", a.status)
			}
		}
	})

	t.Run("AnswersUnknownPathsWith404", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{})
		for _, path := range []string{"/api/v9.9/jsonrpc/network", "/api/v1.0/network", "/v1.0/jsonrpc/network"} {
			if a := b.post(t, http.MethodPost, path, gzsim.DefaultAPIKey, []byte(`{}`)); a.status != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", path, a.status)
			}
		}
	})
}

func TestEnvelope(t *testing.T) {
	t.Parallel()
	b := setup(t, gzsim.Options{RateLimit: -1})

	for _, tc := range []struct {
		name, path, body string
		code             int
		details          string
	}{
		{"RejectsBodyThatIsNotJSON", "/api/v1.0/jsonrpc/network", `{"id":`, -32700, "not valid JSON"},
		{"RejectsBatches", "/api/v1.0/jsonrpc/network", `[{"id":1,"jsonrpc":"2.0","method":"getCompaniesList"}]`, -32600, "Batch"},
		{"RejectsMissingVersion", "/api/v1.0/jsonrpc/network", `{"id":1,"method":"getCompaniesList"}`, -32600, `"jsonrpc": "2.0"`},
		{"RejectsNotifications", "/api/v1.0/jsonrpc/network", `{"jsonrpc":"2.0","method":"getCompaniesList"}`, -32600, `an "id"`},
		{"RejectsUnknownMethod", "/api/v1.0/jsonrpc/network", `{"id":1,"jsonrpc":"2.0","method":"getEverything"}`, -32601, "getEverything"},
		{"RejectsMethodUnderWrongVersion", "/api/v1.0/jsonrpc/incidents", `{"id":1,"jsonrpc":"2.0","method":"getIncidentsList"}`, -32601, "v1.0/incidents"},
		{"RejectsParamsThatAreNotAnObject", "/api/v1.0/jsonrpc/network", `{"id":1,"jsonrpc":"2.0","method":"getCompaniesList","params":[1]}`, -32602, "object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wantError(t, b.post(t, http.MethodPost, tc.path, gzsim.DefaultAPIKey, []byte(tc.body)), http.StatusOK, tc.code, tc.details)
		})
	}
}

func TestCompanyMethods(t *testing.T) {
	t.Parallel()
	b := setup(t, gzsim.Options{RateLimit: -1})
	companies := b.sim.Companies()
	root, contoso, reseller := companies[0], companies[1], companies[8]

	t.Run("ListsDirectChildrenAsPlainArray", func(t *testing.T) {
		t.Parallel()
		var items []map[string]string
		wantResult(t, b.call(t, "v1.0", "network", "getCompaniesList", map[string]any{"parentId": reseller.ID}), &items)
		want := []map[string]string{
			{"id": companies[9].ID, "name": "Alpine Ski House"},
			{"id": companies[10].ID, "name": "Coho Winery"},
			{"id": companies[11].ID, "name": "Fourth Coffee"},
		}
		if diff := cmp.Diff(want, items); diff != "" {
			t.Errorf("children (-want +got):\n%s", diff)
		}
	})

	t.Run("DefaultsToTheKeysCompanyAndFiltersByType", func(t *testing.T) {
		t.Parallel()
		var all, partners []map[string]string
		wantResult(t, b.call(t, "v1.0", "network", "getCompaniesList", map[string]any{}), &all)
		wantResult(t, b.call(t, "v1.0", "network", "getCompaniesList", map[string]any{"filters": map[string]any{"companyType": 0}}), &partners)
		if len(all) != 8 || len(partners) != 1 || partners[0]["name"] != "Blue Yonder Reseller Group" {
			t.Errorf("%d children, partners %v", len(all), partners)
		}
	})

	t.Run("RejectsPaging", func(t *testing.T) {
		t.Parallel()
		wantError(t, b.call(t, "v1.0", "network", "getCompaniesList", map[string]any{"page": 1, "perPage": 30}), http.StatusOK, -32602, "page")
	})

	t.Run("RejectsCustomerAsParent", func(t *testing.T) {
		t.Parallel()
		a := b.call(t, "v1.0", "network", "getCompaniesList", map[string]any{"parentId": contoso.ID})
		wantError(t, a, http.StatusOK, -32602, "Invalid value for 'parentId'")
		if a.Error.Message != "Invalid params" {
			t.Errorf("message %q", a.Error.Message)
		}
	})

	t.Run("DescribesCompanies", func(t *testing.T) {
		t.Parallel()
		var d map[string]any
		wantResult(t, b.call(t, "v1.0", "companies", "getCompanyDetails", map[string]any{"companyId": contoso.ID}), &d)
		if d["id"] != contoso.ID || d["name"] != "Contoso Ltd" || d["type"] != float64(1) || d["parentCompanyId"] != root.ID {
			t.Errorf("details %v", d)
		}
		wantResult(t, b.call(t, "v1.0", "companies", "getCompanyDetails", nil), &d)
		if d["id"] != root.ID || d["type"] != float64(0) || d["parentCompanyId"] != nil || d["contactPerson"] == nil {
			t.Errorf("the key's company %v", d)
		}
	})
}

func TestLicensingMethods(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 4, 10, 8, 0, 0, 0, time.UTC)
	b := setup(t, gzsim.Options{RateLimit: -1, Seed: 11, Now: func() time.Time { return now }})
	customer := b.sim.Companies()[1]

	t.Run("ValidatesTargetMonthStrictly", func(t *testing.T) {
		t.Parallel()
		for month, ok := range map[string]bool{
			"03/2026": true, "12/2025": true, "3/2026": false, "2026-03": false, "03/26": false,
			"13/2025": false, "00/2025": false, "03/2026 ": false, "March 2026": false,
		} {
			a := b.call(t, "v1.0", "licensing", "getMonthlyUsage", map[string]any{"companyId": customer.ID, "targetMonth": month})
			if ok && a.Error != nil {
				t.Errorf("%q: %+v", month, a.Error)
			}
			if !ok {
				wantError(t, a, http.StatusOK, -32602, "targetMonth")
			}
		}
	})

	t.Run("AnswersTheFullCounterSet", func(t *testing.T) {
		t.Parallel()
		var u map[string]any
		wantResult(t, b.call(t, "v1.0", "licensing", "getMonthlyUsage", map[string]any{"companyId": customer.ID, "targetMonth": "03/2026"}), &u)
		if len(u) != 26 || u["endpointMonthlyUsage"] == float64(0) || u["mdrResponseMonthlyUsage"] != float64(0) {
			t.Errorf("want 25 counters, zeros included, and minimumUsage: %v", u)
		}
		if _, ok := u["minimumUsage"].(map[string]any); !ok {
			t.Errorf("minimumUsage %v", u["minimumUsage"])
		}
	})

	t.Run("SplitsByProductTypeAddingUpToTheTotal", func(t *testing.T) {
		t.Parallel()
		params := map[string]any{"companyId": b.sim.Companies()[0].ID, "targetMonth": "02/2026"}
		var total map[string]any
		wantResult(t, b.call(t, "v1.0", "licensing", "getMonthlyUsage", params), &total)
		var split struct {
			Usages []map[string]float64 `json:"usages"`
		}
		wantResult(t, b.call(t, "v1.0", "licensing", "getMonthlyUsagePerProductType", params), &split)
		if len(split.Usages) != 2 || split.Usages[0]["productType"] != 0 || split.Usages[1]["productType"] != 3 {
			t.Fatalf("usages %v", split.Usages)
		}
		for name, v := range total {
			if name == "minimumUsage" {
				continue
			}
			if sum := split.Usages[0][name] + split.Usages[1][name]; sum != v {
				t.Errorf("%s: total %v, sum of product types %v", name, v, sum)
			}
		}
	})

	t.Run("ChangesFromMonthToMonthButNotBetweenCalls", func(t *testing.T) {
		t.Parallel()
		seats := map[float64]bool{}
		for _, month := range []string{"10/2025", "11/2025", "12/2025", "01/2026", "02/2026", "03/2026"} {
			var u map[string]any
			params := map[string]any{"companyId": b.sim.Companies()[0].ID, "targetMonth": month}
			wantResult(t, b.call(t, "v1.0", "licensing", "getMonthlyUsage", params), &u)
			var again map[string]any
			wantResult(t, b.call(t, "v1.0", "licensing", "getMonthlyUsage", params), &again)
			if diff := cmp.Diff(u, again); diff != "" {
				t.Errorf("%s answered differently twice:\n%s", month, diff)
			}
			seats[u["endpointMonthlyUsage"].(float64)] = true
		}
		if len(seats) < 2 {
			t.Errorf("six months all had the same seats: %v", seats)
		}
	})

	t.Run("CountsChildrenInTheirParents", func(t *testing.T) {
		t.Parallel()
		msp := gzsim.Company{ID: "aaaaaaaaaaaaaaaaaaaaaa01", Name: "MSP", Partner: true}
		child := gzsim.Company{ID: "aaaaaaaaaaaaaaaaaaaaaa02", Name: "Customer"}
		usageOf := func(companies []gzsim.Company, id string) map[string]any {
			tree := setup(t, gzsim.Options{RateLimit: -1, Seed: 11, Now: func() time.Time { return now }, Companies: companies})
			var u map[string]any
			wantResult(t, tree.call(t, "v1.0", "licensing", "getMonthlyUsage", map[string]any{"companyId": id, "targetMonth": "03/2026"}), &u)
			delete(u, "minimumUsage")
			return u
		}
		alone := usageOf([]gzsim.Company{msp}, msp.ID)
		withChild := usageOf([]gzsim.Company{msp, child}, msp.ID)
		childOwn := usageOf([]gzsim.Company{msp, child}, child.ID)
		for name, v := range withChild {
			if v.(float64) != alone[name].(float64)+childOwn[name].(float64) {
				t.Errorf("%s: the parent counts %v, alone %v, its child %v", name, v, alone[name], childOwn[name])
			}
		}
		if childOwn["endpointMonthlyUsage"] == float64(0) {
			t.Error("the child must use seats for this test to mean anything")
		}
	})

	t.Run("HasNoUsageYetForMonthsToCome", func(t *testing.T) {
		t.Parallel()
		var u map[string]any
		wantResult(t, b.call(t, "v1.0", "licensing", "getMonthlyUsage", map[string]any{"companyId": customer.ID, "targetMonth": "05/2026"}), &u)
		if u["endpointMonthlyUsage"] != float64(0) {
			t.Errorf("May 2026 seen from April: %v", u["endpointMonthlyUsage"])
		}
	})
}

func TestIncidentMethods(t *testing.T) {
	t.Parallel()

	t.Run("RejectsPerPageOutOfRange", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1})
		wantError(t, b.call(t, "v1.2", "incidents", "getIncidentsList", map[string]any{"perPage": 100}), http.StatusOK, -32602, "perPage")
		wantError(t, b.call(t, "v1.2", "incidents", "getIncidentsList", map[string]any{"filters": map[string]any{"status": []string{"done"}}}),
			http.StatusOK, -32602, "filters.status")
	})

	t.Run("PagesAndShowsStatusChanges", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1, Companies: []gzsim.Company{{Name: "MSP", Partner: true}, {Name: "Customer"}}})
		customer := b.sim.Companies()[1].ID
		var first gzsim.Incident
		for i := range 600 {
			inc, err := b.sim.AddIncident(customer)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first = inc
			}
		}
		var page struct {
			Page       int              `json:"page"`
			PagesCount int              `json:"pagesCount"`
			PerPage    int              `json:"perPage"`
			Total      int              `json:"total"`
			Items      []gzsim.Incident `json:"items"`
		}
		wantResult(t, b.call(t, "v1.2", "incidents", "getIncidentsList", map[string]any{"page": 2, "perPage": 500}), &page)
		total := len(b.sim.Incidents())
		if page.Page != 2 || page.PerPage != 500 || page.Total != total || page.PagesCount != 2 || len(page.Items) != total-500 {
			t.Errorf("page %d of %d, %d per page, total %d, %d items (simulator holds %d)", page.Page, page.PagesCount, page.PerPage, page.Total, len(page.Items), total)
		}
		if err := b.sim.SetIncidentStatus(first.IncidentID, gzsim.StatusFalsePositive); err != nil {
			t.Fatal(err)
		}
		wantResult(t, b.call(t, "v1.2", "incidents", "getIncidentsList",
			map[string]any{"filters": map[string]any{"status": []string{"false_positive"}}}), &page)
		if page.Total != 1 || page.Items[0].IncidentID != first.IncidentID || page.Items[0].Status != "false_positive" {
			t.Errorf("after the change: %+v", page)
		}
		if err := b.sim.SetIncidentStatus(first.IncidentID, "done"); err == nil {
			t.Error("an unknown status must be refused")
		}
	})
}
