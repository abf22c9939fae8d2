package gravityzone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/outbound"
	"halobridge/internal/outbound/outboundtest"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone/gzsim"
)

// endpointsServer answers getEndpointsList with page(n) for page n, after
// checking that the call is the one the connector should make; it counts
// the pages asked for.
func endpointsServer(t *testing.T, parentID string, page func(n int) string) (*Client, *atomic.Int32) {
	t.Helper()
	asked := new(atomic.Int32)
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Method string `json:"method"`
			Params struct {
				ParentID string `json:"parentId"`
				Page     int    `json:"page"`
				PerPage  int    `json:"perPage"`
				Filters  struct {
					Depth struct {
						AllItemsRecursively bool `json:"allItemsRecursively"`
					} `json:"depth"`
				} `json:"filters"`
			} `json:"params"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.URL.Path != "/api/v1.1/jsonrpc/network" || req.Method != "getEndpointsList" ||
			req.Params.ParentID != parentID || req.Params.PerPage != 1000 || !req.Params.Filters.Depth.AllItemsRecursively || req.Params.Page != int(asked.Load())+1 {
			t.Errorf("unexpected call %s %+v (%v)", r.URL.Path, req, err)
			http.Error(w, "unexpected", http.StatusBadRequest)
			return
		}
		asked.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, page(req.Params.Page))
	}))
	t.Cleanup(server.Close)
	c, err := New(Config{Outbound: outbound.Local(), AccessURL: server.URL + "/api", APIKey: "gz-key", RatePerSecond: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	return c, asked
}

// fullPage is a page of 1000 endpoints, numbered from (n-1)*1000, with the
// paging members given.
func fullPage(n int, members string) string {
	items := make([]string, 1000)
	for i := range items {
		items[i] = fmt.Sprintf(`{"id":"e-%d","name":"PC-%d","isManaged":true,"macs":[]}`, (n-1)*1000+i, (n-1)*1000+i)
	}
	return fmt.Sprintf(`{"id":1,"jsonrpc":"2.0","result":{"page":%d,"perPage":1000%s,"items":[%s]}}`, n, members, strings.Join(items, ","))
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const company = "5d84bc5a62a3e5a1e57b7800"

	t.Run("ReadsEveryPageIntoEndpoints", func(t *testing.T) {
		t.Parallel()
		pages := map[int][]byte{1: readFixture(t, "endpoints/page1.json"), 2: readFixture(t, "endpoints/page2.json")}
		client, asked := endpointsServer(t, company, func(n int) string { return string(pages[n]) })
		got, err := NewConnector(client, nil).Endpoints(ctx, company)
		want := []source.Endpoint{
			{ID: "5d84bc5a62a3e5a1e57b7c01", CustomerID: company, Name: "FIN-LAPTOP-07", Label: "Laptop of Anna", FQDN: "fin-laptop-07.contoso.local",
				OS: "Windows 10 Pro", IPs: []string{"10.10.1.7"}, MACs: []string{"001a2b3c4d5e", "001a2b3c4d5f"}, Managed: true},
			{ID: "5d84bc5a62a3e5a1e57b7c02", CustomerID: company, Name: "WEB-01", FQDN: "web-01",
				OS: "Linux Ubuntu 24.04.2 LTS", IPs: []string{"10.10.1.20"}, MACs: []string{"0050568a1b2c"}, Managed: true},
			{ID: "5d84bc5a62a3e5a1e57b7c03", CustomerID: company, Name: "PRN-01", MACs: []string{}},
		}
		if err != nil || asked.Load() != 2 {
			t.Fatalf("%d pages asked, %v", asked.Load(), err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("endpoints (-want +got):\n%s", diff)
		}
	})

	t.Run("StopsAtPagesCountFromTheFirstPageWithoutHasMoreRecords", func(t *testing.T) {
		t.Parallel()
		client, asked := endpointsServer(t, company, func(n int) string {
			if n == 1 {
				return fullPage(n, `,"pagesCount":3,"total":3000`)
			}
			return fullPage(n, "")
		})
		got, err := client.EndpointsList(ctx, company)
		if err != nil || len(got) != 3000 || asked.Load() != 3 {
			t.Errorf("%d endpoints in %d pages, %v; want 3000 in 3", len(got), asked.Load(), err)
		}
	})

	t.Run("StopsOnAShortPageWhenNothingElseSays", func(t *testing.T) {
		t.Parallel()
		client, asked := endpointsServer(t, company, func(n int) string {
			if n == 2 {
				return `{"id":1,"jsonrpc":"2.0","result":{"page":2,"perPage":1000,"items":[{"id":"last","macs":[]}]}}`
			}
			return fullPage(n, "")
		})
		got, err := client.EndpointsList(ctx, company)
		if err != nil || len(got) != 1001 || asked.Load() != 2 {
			t.Errorf("%d endpoints in %d pages, %v; want 1001 in 2", len(got), asked.Load(), err)
		}
	})

	t.Run("KeepsTheFirst20000OfAServerThatNeverStops", func(t *testing.T) {
		t.Parallel()
		client, asked := endpointsServer(t, company, func(n int) string { return fullPage(n, `,"hasMoreRecords":true`) })
		got, err := client.EndpointsList(ctx, company)
		if err != nil || len(got) != source.MaxEndpointsPerCustomer || asked.Load() != source.MaxEndpointsPerCustomer/1000 {
			t.Errorf("%d endpoints in %d pages, %v; want %d", len(got), asked.Load(), err, source.MaxEndpointsPerCustomer)
		}
	})

	t.Run("AgreesWithTheSimulator", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1}, Config{})
		contoso := b.sim.Companies()[1]
		got, err := b.conn.Endpoints(ctx, contoso.ID)
		if err != nil {
			t.Fatal(err)
		}
		inventory := b.sim.Inventory(contoso.ID)
		if len(got) != len(inventory) {
			t.Fatalf("%d endpoints, the simulator has %d", len(got), len(inventory))
		}
		for i, ep := range inventory {
			want := source.Endpoint{ID: ep.EndpointID, CustomerID: contoso.ID, Name: ep.Name, Label: ep.Label, FQDN: ep.FQDN,
				OS: ep.OS, IPs: []string{ep.IP}, MACs: ep.MACs, Managed: ep.Managed}
			if diff := cmp.Diff(want, got[i]); diff != "" {
				t.Errorf("endpoint %d (-want +got):\n%s", i, diff)
			}
		}
	})

	t.Run("WalksTheSimulatorsPagesOfAWholeTree", func(t *testing.T) {
		t.Parallel()
		companies := []gzsim.Company{{ID: "dddddddddddddddddddddd01", Name: "MSP", Partner: true}}
		for i := range 600 {
			companies = append(companies, gzsim.Company{ID: fmt.Sprintf("eeeeeeeeeeeeeeeeeeee%04d", i), Name: fmt.Sprintf("Customer %d", i)})
		}
		b := setup(t, gzsim.Options{RateLimit: -1, Companies: companies}, Config{})
		got, err := b.client.EndpointsList(ctx, "dddddddddddddddddddddd01")
		want := len(b.sim.Inventory("dddddddddddddddddddddd01"))
		if err != nil || len(got) != want || want <= 1000 || len(b.sim.Requests()) != (want+999)/1000 {
			t.Errorf("%d endpoints in %d calls, %v; the simulator has %d", len(got), len(b.sim.Requests()), err, want)
		}
	})

	for _, tc := range []struct {
		name   string
		opts   gzsim.Options
		cfg    Config
		serve  http.HandlerFunc
		client *http.Client
		says   string
	}{
		{name: "NeedsTheNetworkAPI", opts: gzsim.Options{Services: []string{"companies", "licensing"}},
			says: "enable the Network API on this API key in GravityZone > My Account > API keys"},
		{name: "RefusedKey", cfg: Config{APIKey: "not-the-key"}, says: "GravityZone did not accept the API key on network.getEndpointsList (401"},
		{name: "UnknownCompanyInGravityZonesWords", says: "GravityZone network.getEndpointsList failed: Invalid params: Invalid value for 'parentId' (-32602)"},
		{name: "RateLimited", serve: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"id":1,"jsonrpc":"2.0","error":{"code":-32003,"message":"Too many requests"}}`)
		}, says: "GravityZone rate limit reached on network.getEndpointsList (429: Too many requests): retry after 2m0s"},
		{name: "ServerError", serve: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "<html>500</html>", http.StatusInternalServerError)
		}, says: "GravityZone failed on network.getEndpointsList (HTTP 500): a problem on GravityZone's side, try again later"},
		{name: "TimedOut", client: outboundtest.Failing(&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}),
			says: "did not answer in time (timed out)"},
		{name: "NotJSON", serve: func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"id":1,"jsonrpc":"2.0","result":{"items":"many"}}`)
		}, says: "decode GravityZone network.getEndpointsList result"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var h http.Handler = gzsim.New(tc.opts)
			if tc.serve != nil {
				h = tc.serve
			}
			server := httptest.NewServer(h)
			t.Cleanup(server.Close)
			cfg := tc.cfg
			cfg.AccessURL, cfg.Outbound, cfg.HTTPClient = server.URL+"/api", outbound.Local(), tc.client
			if cfg.APIKey == "" {
				cfg.APIKey = gzsim.DefaultAPIKey
			}
			if tc.serve != nil {
				cfg.MaxRateWait = -1
			}
			client, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := NewConnector(client, nil).Endpoints(ctx, "000000000000000000000000")
			if err == nil || !strings.Contains(err.Error(), tc.says) || got != nil {
				t.Errorf("error %v, want one saying %q", err, tc.says)
			}
			if tc.client == nil && !errors.As(err, new(*Error)) && tc.name != "NotJSON" {
				t.Errorf("error %T, want a *Error", err)
			}
		})
	}
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatalf("fixture missing: %v", err)
	}
	return b
}
