package dxsim_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source/defensx/dxsim"
)

var now = time.Date(2026, time.March, 15, 12, 0, 0, 0, time.UTC)

type testBundle struct {
	sim *dxsim.Sim
	srv *httptest.Server
}

func setup(t *testing.T, opts dxsim.Options) *testBundle {
	t.Helper()
	opts.Now = func() time.Time { return now }
	sim := dxsim.New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &testBundle{sim: sim, srv: srv}
}

// get calls path below the base path with the simulator's key and returns status and body.
func (b *testBundle) get(t *testing.T, path string) (int, string) {
	t.Helper()
	return b.getWithKey(t, path, b.sim.APIKey())
}

// readJSON calls path below the base path, wants 200 and reads the answer as a T.
func readJSON[T any](t *testing.T, b *testBundle, path string) T {
	t.Helper()
	status, body := b.get(t, path)
	if status != 200 {
		t.Fatalf("GET %s = %d %s", path, status, body)
	}
	var out T
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func (b *testBundle) getWithKey(t *testing.T, path, key string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.srv.URL+dxsim.BasePath+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := b.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(body))
}

func oneSubscription(quantities map[string]float64) dxsim.Options {
	return dxsim.Options{
		Customers: []dxsim.Customer{{ID: "c1", Name: "Bright Harbor Dental"}},
		Subscriptions: []dxsim.Subscription{{ID: "s1", CustomerID: "c1", SKU: "DX-WEBSEC", Status: "active", FreeQuantity: 1,
			Start: time.Date(2025, 9, 20, 0, 0, 0, 0, time.UTC), Quantities: quantities}},
	}
}

func TestAPI(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name       string
		path       string
		key        string
		wantStatus int
		wantBody   string
	}{
		{"RefusesAWrongKey", "/status", "nope", 401, `{"error":{"status":401,"message":"Unauthorized"}}`},
		{"RefusesNoKey", "/customers", "-", 401, `{"error":{"status":401,"message":"Unauthorized"}}`},
		{"CountsCustomers", "/status", "", 200, `{"customers":1}`},
		{"AnswersAnUnknownPathWith404", "/customers/c1/agent", "", 404, `{"error":{"status":404,"message":"Not Found"}}`},
		{"UsageNeedsFrom", "/usage", "", 422, `{"error":{"status":422,"message":"from parameter is required"}}`},
		{"UsageRefusesAMalformedFrom", "/usage?from=March", "", 422, `{"error":{"status":422,"message":"from must be a date as YYYY-MM-DD or 2021-03-06T00:00:00.000Z"}}`},
		{"UsageRefusesToWithATime", "/usage?from=2026-01-01&to=2026-02-01T00:00:00Z", "", 422, `{"error":{"status":422,"message":"to must be a date as YYYY-MM-DD"}}`},
		{"UsageRefusesMoreThanSixMonths", "/usage?from=2025-09-01&to=2026-03-02", "", 422, `{"error":{"status":422,"message":"Usage can be queried for a maximum of 6 months period"}}`},
		{"UsageRefusesSixMonthsUpToNowByDefault", "/usage?from=2025-09-01", "", 422, `{"error":{"status":422,"message":"Usage can be queried for a maximum of 6 months period"}}`},
		{"UsageRefusesAnUnknownCustomer", "/usage?from=2026-01-01&customerId=c9", "", 404, `{"error":{"status":404,"message":"Customer not found"}}`},
		{
			"UsageListsTermsOverlappingTheWindow", "/usage?from=2026-01-01&to=2026-01-31", "", 200,
			`{"usageBySubscriptions":[{"subscriptionId":"s1","partnerId":"PARTNER","customerId":"c1","customerName":"Bright Harbor Dental","sku":"DX-WEBSEC","status":"active","quantity":11.25,"free_quantity":1,"termStart":"2026-01-01T00:00:00.000Z","termEnd":"2026-02-01T00:00:00.000Z","usageId":243120001}]}`,
		},
		{
			"UsageReadsFromInJavaScriptNotation", "/usage?from=2025-09-30T00:00:00.000Z&to=2025-10-01", "", 200,
			`{"usageBySubscriptions":[{"subscriptionId":"s1","partnerId":"PARTNER","customerId":"c1","customerName":"Bright Harbor Dental","sku":"DX-WEBSEC","status":"active","quantity":3.5,"free_quantity":1,"termStart":"2025-09-20T00:00:00.000Z","termEnd":"2025-10-01T00:00:00.000Z","usageId":243080001}]}`,
		},
		{
			"CurrentUsageIsTheOpenTerm", "/usage/current", "", 200,
			`{"usageBySubscriptions":[{"subscriptionId":"s1","partnerId":"PARTNER","customerId":"c1","customerName":"Bright Harbor Dental","sku":"DX-WEBSEC","status":"active","quantity":12,"free_quantity":1,"termStart":"2026-03-01T00:00:00.000Z","termEnd":"2026-04-01T00:00:00.000Z","usageId":243140001}]}`,
		},
		{"CurrentUsagePagesPastTheEnd", "/usage/current?page=2", "", 200, `{"usageBySubscriptions":[]}`},
		{"CurrentUsageRefusesAZeroLimit", "/usage/current?limit=0", "", 422, `{"error":{"status":422,"message":"limit must be a positive integer"}}`},
		{"DetailsNeedBothIDs", "/usage/details?subscriptionId=s1", "", 422, `{"error":{"status":422,"message":"subscriptionId and usageId are required"}}`},
		{
			"DetailsSpreadTheQuantityOverUsers", "/usage/details?subscriptionId=s1&usageId=243080001", "", 200,
			`{"usageId":243080001,"subscriptionId":"s1","termStart":"2025-09-20T00:00:00.000Z","termEnd":"2025-10-01T00:00:00.000Z","usageDetails":[` +
				`{"userId":"U0","login":"anna.moreau@brightharbordental.com","quantity":1,"firstUse":"2025-09-20T00:00:00.000Z"},` +
				`{"userId":"U1","login":"ben.nakamura@brightharbordental.com","quantity":1,"firstUse":"2025-09-20T00:00:00.000Z"},` +
				`{"userId":"U2","login":"carla.okafor@brightharbordental.com","quantity":1,"firstUse":"2025-09-20T00:00:00.000Z"},` +
				`{"userId":"U3","login":"dmitri.petrov@brightharbordental.com","quantity":0.5,"firstUse":"2025-09-25T00:00:00.000Z"}]}`,
		},
		{"LogsRefuseAnUnknownCustomer", "/customers/c9/logs/urls", "", 404, `{"error":{"status":404,"message":"Customer not found"}}`},
		{"LogsRefuseAnUnreadableDate", "/customers/c1/logs/urls?start_date=yesterday", "", 422, `{"error":{"status":422,"message":"start_date must be a JSON datetime or a unix timestamp"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, oneSubscription(map[string]float64{"2025-09": 3.5, "2026-01": 11.25, "2026-03": 12}))
			key := tt.key
			switch key {
			case "":
				key = b.sim.APIKey()
			case "-":
				key = ""
			}
			status, body := b.getWithKey(t, tt.path, key)
			body = normaliseIDs(t, b.sim, body)
			if status != tt.wantStatus || body != tt.wantBody {
				t.Fatalf("GET %s = %d %s\nwant       %d %s", tt.path, status, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

// normaliseIDs replaces the generated partner and user ids, which the expectations cannot
// know, by placeholders.
func normaliseIDs(t *testing.T, sim *dxsim.Sim, body string) string {
	t.Helper()
	var probe struct {
		Records []struct {
			PartnerID string `json:"partnerId"`
		} `json:"usageBySubscriptions"`
		Users []struct {
			UserID string `json:"userId"`
		} `json:"usageDetails"`
	}
	_ = json.Unmarshal([]byte(body), &probe)
	for _, r := range probe.Records {
		body = strings.ReplaceAll(body, r.PartnerID, "PARTNER")
	}
	for i, u := range probe.Users {
		if len(u.UserID) != 36 {
			t.Errorf("user id %q is not a UUID", u.UserID)
		}
		body = strings.ReplaceAll(body, u.UserID, "U"+string(rune('0'+i)))
	}
	return body
}

// page is a page of a DefensX list with its paging object.
type page[T any] struct {
	Page       int `json:"page"`
	Limit      int `json:"limit"`
	TotalPages int `json:"totalPages"`
	TotalCount int `json:"totalCount"`
	NItems     int `json:"nitems"`
	Items      []T `json:"items"`
}

type logPage = page[struct {
	CreatedAt string `json:"created_at"`
	Action    string `json:"action"`
	URL       string `json:"url"`
}]

func TestURLLogs(t *testing.T) {
	t.Parallel()

	read := readJSON[logPage]
	rows := func(t *testing.T, b *testBundle, times ...time.Time) {
		t.Helper()
		for i, at := range times {
			if err := b.sim.AddURLLog("c1", dxsim.URLLog{CreatedAt: at, Action: "allowed", URL: "https://a.example/" + string(rune('a'+i))}); err != nil {
				t.Fatal(err)
			}
		}
	}

	t.Run("PagesNewestFirstWithThePagingObject", func(t *testing.T) {
		t.Parallel()
		b := setup(t, oneSubscription(nil))
		rows(t, b, now.Add(-3*time.Second), now.Add(-time.Second), now.Add(-2*time.Second))
		p := read(t, b, "/customers/c1/logs/urls?start_date=2026-03-15T11:59:56.000Z&limit=2&page=1")
		if p.Page != 1 || p.Limit != 2 || p.TotalPages != 2 || p.TotalCount != 3 || p.NItems != 2 {
			t.Fatalf("paging = %+v", p)
		}
		if p.Items[0].CreatedAt != "2026-03-15T11:59:59.000Z" || p.Items[1].CreatedAt != "2026-03-15T11:59:58.000Z" {
			t.Fatalf("items = %+v", p.Items)
		}
		p = read(t, b, "/customers/c1/logs/urls?start_date=2026-03-15T11:59:56.000Z&limit=2&page=2")
		if p.NItems != 1 || p.Items[0].CreatedAt != "2026-03-15T11:59:57.000Z" {
			t.Fatalf("page 2 = %+v", p)
		}
	})
	t.Run("IncludesBothEndsOfTheWindowAndReadsUnixTimestamps", func(t *testing.T) {
		t.Parallel()
		b := setup(t, oneSubscription(nil))
		rows(t, b, now.Add(-10*time.Second), now.Add(-5*time.Second), now)
		p := read(t, b, "/customers/c1/logs/urls?start_date=1773575991&end_date=1773575995")
		if p.TotalCount != 1 || p.Items[0].CreatedAt != "2026-03-15T11:59:55.000Z" {
			t.Fatalf("window 11:59:51..11:59:55 gave %+v", p)
		}
		p = read(t, b, "/customers/c1/logs/urls?start_date=2026-03-15T11:59:50.000Z&end_date=2026-03-15T11:59:55.000Z")
		if p.TotalCount != 2 {
			t.Fatalf("inclusive window gave %d rows, want 2", p.TotalCount)
		}
	})
	t.Run("DefaultsToTheCurrentMonth", func(t *testing.T) {
		t.Parallel()
		b := setup(t, dxsim.Options{Customers: []dxsim.Customer{{ID: "c1", Name: "One"}}})
		seeded := read(t, b, "/customers/c1/logs/urls").TotalCount
		rows(t, b, time.Date(2026, 2, 28, 23, 59, 59, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
		if got := read(t, b, "/customers/c1/logs/urls").TotalCount; got != seeded+1 {
			t.Fatalf("default window holds %d rows, want %d (the February row left out)", got, seeded+1)
		}
	})
	t.Run("CapsTheLimitAt5000", func(t *testing.T) {
		t.Parallel()
		b := setup(t, oneSubscription(nil))
		if p := read(t, b, "/customers/c1/logs/urls?limit=9000"); p.Limit != 5000 {
			t.Fatalf("limit = %d", p.Limit)
		}
	})
	t.Run("SeedsBlocksAndAllows", func(t *testing.T) {
		t.Parallel()
		b := setup(t, dxsim.Options{})
		c := b.sim.Customers()[0]
		p := read(t, b, "/customers/"+c.ID+"/logs/urls?start_date=2026-03-01T00:00:00.000Z")
		actions := map[string]int{}
		for _, it := range p.Items {
			actions[it.Action]++
		}
		if p.TotalCount != 40 || actions["blocked"] != 8 || actions["allowed"] != 32 {
			t.Fatalf("seeded %d rows: %v", p.TotalCount, actions)
		}
	})
	t.Run("AddBlockLogsABlock", func(t *testing.T) {
		t.Parallel()
		b := setup(t, oneSubscription(nil))
		row, err := b.sim.AddBlock("c1", "https://evil.example/", now.Add(-time.Minute))
		if err != nil || row.Action != "blocked" || row.UserID == "" || row.AgentID == "" {
			t.Fatalf("row %+v, err %v", row, err)
		}
		if _, err := b.sim.AddBlock("c9", "https://evil.example/", now); err == nil {
			t.Fatal("AddBlock accepted an unknown customer")
		}
	})
}

func TestCurrentUsageCapsTheLimitAt1000(t *testing.T) {
	t.Parallel()
	var subs []dxsim.Subscription
	for range 1001 {
		subs = append(subs, dxsim.Subscription{CustomerID: "c1", SKU: "DX-WEBSEC", Status: "active", Start: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	}
	b := setup(t, dxsim.Options{Customers: []dxsim.Customer{{ID: "c1", Name: "One"}}, Subscriptions: subs})
	for _, tt := range []struct {
		path string
		want int
	}{{"/usage/current?limit=5000", 1000}, {"/usage/current?page=2", 1}, {"/usage/current?limit=10&page=3", 10}} {
		_, body := b.get(t, tt.path)
		var out struct {
			Records []json.RawMessage `json:"usageBySubscriptions"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil || len(out.Records) != tt.want {
			t.Errorf("GET %s gave %d records, want %d (%v)", tt.path, len(out.Records), tt.want, err)
		}
	}
}

func TestSeed(t *testing.T) {
	t.Parallel()
	opts := func(seed int64) dxsim.Options {
		return dxsim.Options{Seed: seed, Now: func() time.Time { return now }}
	}

	t.Run("IsDeterministic", func(t *testing.T) {
		t.Parallel()
		a, b := dxsim.New(opts(7)), dxsim.New(opts(7))
		if diff := cmp.Diff(a.Subscriptions(), b.Subscriptions()); diff != "" {
			t.Fatalf("same seed, different subscriptions:\n%s", diff)
		}
		if diff := cmp.Diff(a.Customers(), b.Customers()); diff != "" {
			t.Fatalf("same seed, different customers:\n%s", diff)
		}
		if a.Customers()[0].ID == dxsim.New(opts(8)).Customers()[0].ID {
			t.Fatal("another seed gave the same customer id")
		}
	})
	t.Run("GivesRealisticCustomers", func(t *testing.T) {
		t.Parallel()
		cs := dxsim.New(opts(1)).Customers()
		if len(cs) != 8 || cs[0].Name != "Bright Harbor Dental" || cs[0].Domain != "brightharbordental.com" || len(cs[0].ID) != 36 {
			t.Fatalf("customers = %+v", cs)
		}
	})
	t.Run("HasEveryStatusAndMovingQuantities", func(t *testing.T) {
		t.Parallel()
		b := setup(t, dxsim.Options{NumCustomers: 8})
		statuses := map[string]bool{}
		for _, s := range b.sim.Subscriptions() {
			statuses[s.Status] = true
		}
		if len(statuses) != 5 {
			t.Fatalf("statuses = %v, want all five", statuses)
		}
		_, body := b.get(t, "/usage?from=2025-10-01&to=2026-03-31")
		var out struct {
			Records []struct {
				SubscriptionID string  `json:"subscriptionId"`
				Quantity       float64 `json:"quantity"`
			} `json:"usageBySubscriptions"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		distinct := map[string]map[float64]bool{}
		for _, r := range out.Records {
			if distinct[r.SubscriptionID] == nil {
				distinct[r.SubscriptionID] = map[float64]bool{}
			}
			distinct[r.SubscriptionID][r.Quantity] = true
		}
		moving := 0
		for _, qs := range distinct {
			if len(qs) > 1 {
				moving++
			}
		}
		if moving == 0 {
			t.Fatalf("no subscription's quantity changed over six months: %v", distinct)
		}
	})
}

func TestFaults(t *testing.T) {
	t.Parallel()
	b := setup(t, oneSubscription(nil))
	b.sim.InjectFault(dxsim.Fault{PathPrefix: "/usage", Status: 503, Times: 1})
	if status, body := b.get(t, "/usage/current"); status != 503 || body != `{"error":{"status":503,"message":"Service Unavailable"}}` {
		t.Fatalf("faulted answer = %d %s", status, body)
	}
	if status, _ := b.get(t, "/usage/current"); status != 200 {
		t.Fatalf("fault applied more than Times: %d", status)
	}
	if status, _ := b.get(t, "/status"); status != 200 {
		t.Fatalf("fault applied outside its prefix: %d", status)
	}
	req, _ := http.NewRequest(http.MethodPost, b.srv.URL+dxsim.BasePath+"/status", nil)
	req.Header.Set("Authorization", "Bearer "+b.sim.APIKey())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST /status = %d", resp.StatusCode)
	}
	reqs := b.sim.Requests()
	if len(reqs) != 4 || reqs[0].Status != 503 || reqs[0].Path != dxsim.BasePath+"/usage/current" {
		t.Fatalf("requests = %+v", reqs)
	}
}

func TestWebhook(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("SendsTheKBShapeWithEscapedSlashes", func(t *testing.T) {
		t.Parallel()
		var got []byte
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got, _ = io.ReadAll(r.Body) }))
		defer rcv.Close()
		sim := dxsim.New(dxsim.Options{Now: func() time.Time { return time.Unix(1677241081, 0) }, Customers: []dxsim.Customer{{ID: "c062a202-e090-4e57-ba88-d74dfd2e3455", Name: "X"}}})
		sim.SetWebhook(rcv.URL, nil)
		wh, err := sim.SendUserRequest(ctx, "c062a202-e090-4e57-ba88-d74dfd2e3455", dxsim.UserRequest{
			UserID: "ab02c0d0-f02f-4e9f-8fd6-dc82ea142c63", URL: "https://monster.com/", Reason: "Incorrect Risk Rating",
		})
		if err != nil {
			t.Fatal(err)
		}
		want := `{"event":"UserRequest.Create","time":1677241081,"payload":{"type":"UserRequest","id":1650,"user_id":"ab02c0d0-f02f-4e9f-8fd6-dc82ea142c63","customer_id":"c062a202-e090-4e57-ba88-d74dfd2e3455","report_type":"url_block","hostname":"monster.com","url":"https:\/\/monster.com\/","reason":"Incorrect Risk Rating"}}`
		if string(got) != want || string(wh.Body) != want || wh.Status != 200 {
			t.Fatalf("sent %s (status %d)\nwant %s", got, wh.Status, want)
		}
		if log := sim.Webhooks(); len(log) != 1 || log[0].Event != "UserRequest.Create" {
			t.Fatalf("log = %+v", log)
		}
	})
	t.Run("NumbersRequestsInTurn", func(t *testing.T) {
		t.Parallel()
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		defer rcv.Close()
		sim := dxsim.New(dxsim.Options{})
		sim.SetWebhook(rcv.URL, nil)
		id := sim.Customers()[0].ID
		a, err1 := sim.SendUserRequest(ctx, id, dxsim.UserRequest{})
		b, err2 := sim.SendUserRequest(ctx, id, dxsim.UserRequest{})
		if err1 != nil || err2 != nil || !strings.Contains(string(a.Body), `"id":1650`) || !strings.Contains(string(b.Body), `"id":1651`) {
			t.Fatalf("bodies %s / %s, errors %v %v", a.Body, b.Body, err1, err2)
		}
	})
	t.Run("FailsWithoutAnEndpoint", func(t *testing.T) {
		t.Parallel()
		sim := dxsim.New(dxsim.Options{})
		if _, err := sim.SendAgentEvent(ctx, sim.Customers()[0].ID, dxsim.AgentEvent{}); !errors.Is(err, dxsim.ErrNoWebhook) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("ReportsARefusingEndpoint", func(t *testing.T) {
		t.Parallel()
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusUnauthorized) }))
		defer rcv.Close()
		sim := dxsim.New(dxsim.Options{})
		sim.SetWebhook(rcv.URL, nil)
		wh, err := sim.SendAgentEvent(ctx, sim.Customers()[0].ID, dxsim.AgentEvent{Event: "Agent.Delete"})
		if err == nil || wh.Status != 401 || !strings.Contains(wh.Err, "401") {
			t.Fatalf("webhook %+v, err %v", wh, err)
		}
	})
	t.Run("RefusesAnUnknownCustomer", func(t *testing.T) {
		t.Parallel()
		sim := dxsim.New(dxsim.Options{})
		if _, err := sim.SendUserRequest(ctx, "nobody", dxsim.UserRequest{}); err == nil {
			t.Fatal("sent a request for an unknown customer")
		}
	})
}
