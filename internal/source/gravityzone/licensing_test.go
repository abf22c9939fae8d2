package gravityzone

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone/gzsim"
)

// fakeGZ answers each method with a fixed result, chosen by method and companyId, and
// records the params it got.
type fakeGZ struct {
	mu     sync.Mutex
	params []map[string]any
}

func newFakeGZ(t *testing.T, results func(method string, params map[string]any) string) (*fakeGZ, *Client) {
	t.Helper()
	f := &fakeGZ{}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var call struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Params map[string]any  `json:"params"`
		}
		if err := json.NewDecoder(r.Body).Decode(&call); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.params = append(f.params, call.Params)
		f.mu.Unlock()
		_, _ = w.Write([]byte(`{"id":` + string(call.ID) + `,"jsonrpc":"2.0","result":` + results(call.Method, call.Params) + `}`))
	}))
	t.Cleanup(server.Close)
	client, err := New(Config{Outbound: outbound.Local(), AccessURL: server.URL + "/api", APIKey: "k", RatePerSecond: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return f, client
}

func TestTargetMonth(t *testing.T) {
	t.Parallel()
	for month, want := range map[source.Month]string{
		{Year: 2015, Month: time.March}:    "03/2015",
		{Year: 2026, Month: time.December}: "12/2026",
	} {
		if got := TargetMonth(month); got != want {
			t.Errorf("TargetMonth(%s) = %q, want %q", month, got, want)
		}
	}
}

func TestLicensing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	march := source.Month{Year: 2026, Month: time.March}

	t.Run("ReadsCountersApartFromMinimums", func(t *testing.T) {
		t.Parallel()
		f, client := newFakeGZ(t, func(string, map[string]any) string {
			return `{"endpointMonthlyUsage":12,"edrMonthlyUsage":0,"mspSecureMonthlyUsage":12,"minimumUsage":{"endpointMonthlyUsage":5}}`
		})
		u, err := client.MonthlyUsage(ctx, "c1", march)
		if err != nil {
			t.Fatal(err)
		}
		want := MonthlyUsage{
			Counters: map[string]float64{"endpointMonthlyUsage": 12, "edrMonthlyUsage": 0, "mspSecureMonthlyUsage": 12},
			Minimum:  map[string]float64{"endpointMonthlyUsage": 5},
		}
		if diff := cmp.Diff(want, u); diff != "" {
			t.Errorf("usage (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]any{"companyId": "c1", "targetMonth": "03/2026"}, f.params[0]); diff != "" {
			t.Errorf("params (-want +got):\n%s", diff)
		}
	})

	t.Run("ReadsUsagePerProductTypeInOrder", func(t *testing.T) {
		t.Parallel()
		_, client := newFakeGZ(t, func(string, map[string]any) string {
			return `{"usages":[{"productType":3,"endpointMonthlyUsage":0,"edrMonthlyUsage":4},{"productType":0,"endpointMonthlyUsage":9,"edrMonthlyUsage":0}]}`
		})
		got, err := client.MonthlyUsagePerProductType(ctx, "c1", march)
		if err != nil {
			t.Fatal(err)
		}
		want := []ProductUsage{
			{ProductType: ProductEndpointSecurity, Counters: map[string]float64{"endpointMonthlyUsage": 9, "edrMonthlyUsage": 0}},
			{ProductType: ProductEDR, Counters: map[string]float64{"endpointMonthlyUsage": 0, "edrMonthlyUsage": 4}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("usages (-want +got):\n%s", diff)
		}
	})

	t.Run("AgreesWithTheSimulator", func(t *testing.T) {
		t.Parallel()
		now := time.Date(2026, 5, 15, 12, 0, 0, 0, time.UTC)
		b := setup(t, gzsim.Options{RateLimit: -1, Seed: 7, Now: func() time.Time { return now }}, Config{})
		customer := b.sim.Companies()[1].ID
		total, err := b.client.MonthlyUsage(ctx, customer, march)
		if err != nil {
			t.Fatal(err)
		}
		if len(total.Counters) < 25 || total.Counters["endpointMonthlyUsage"] == 0 {
			t.Errorf("want the full counter set with seats in use, got %v", total.Counters)
		}
		perType, err := b.client.MonthlyUsagePerProductType(ctx, customer, march)
		if err != nil {
			t.Fatal(err)
		}
		sums := map[string]float64{}
		for _, p := range perType {
			for name, n := range p.Counters {
				sums[name] += n
			}
		}
		if diff := cmp.Diff(total.Counters, sums); diff != "" {
			t.Errorf("per product type must add up to the total (-total +sum):\n%s", diff)
		}
		future, err := b.client.MonthlyUsage(ctx, customer, source.Month{Year: 2026, Month: time.July})
		if err != nil {
			t.Fatal(err)
		}
		for name, n := range future.Counters {
			if n != 0 {
				t.Errorf("a month still to come has %s = %v", name, n)
			}
		}
	})

	t.Run("ReadsLicenseInfo", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1}, Config{})
		info, err := b.client.LicenseInfo(ctx, b.sim.Companies()[2].ID)
		if err != nil {
			t.Fatal(err)
		}
		if info.SubscriptionType != 3 || info.TotalSlots != nil || info.UsedSlots == 0 || info.AssignedProtectionModel == "" {
			t.Errorf("a monthly subscription with seats in use: %+v", info)
		}
	})
}
