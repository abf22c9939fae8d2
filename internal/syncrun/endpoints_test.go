package syncrun_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
	"halobridge/internal/syncrun/syncruntest"
)

// gravityzoneSource connects a GravityZone simulator of the seeded tree to
// the fixture's partner, through wrap when not nil.
func gravityzoneSource(t *testing.T, f *syncruntest.Fixture, wrap func(http.Handler) http.Handler) (*gzsim.Sim, store.Source) {
	t.Helper()
	sim := gzsim.New(gzsim.Options{RateLimit: -1})
	var h http.Handler = sim
	if wrap != nil {
		h = wrap(sim)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	src, err := f.St.CreateSource(t.Context(), store.Source{PartnerID: f.Partner.ID, Kind: source.GravityZone, Name: "Main console",
		APIURL: srv.URL + "/api", APIKey: gzsim.DefaultAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	return sim, src
}

// simEndpoints is what the catalog should keep of a simulated company: its
// own machines, managed and not, as getEndpointsList lists them.
func simEndpoints(sim *gzsim.Sim, companyID string) []source.Endpoint {
	var out []source.Endpoint
	for _, ep := range sim.Inventory(companyID) {
		if ep.CompanyID != companyID {
			continue
		}
		out = append(out, source.Endpoint{ID: ep.EndpointID, CustomerID: companyID, Name: ep.Name, Label: ep.Label, FQDN: ep.FQDN,
			OS: ep.OS, IPs: []string{ep.IP}, MACs: ep.MACs, Managed: ep.Managed})
	}
	return out
}

func TestSyncReadsEndpoints(t *testing.T) {
	t.Parallel()

	t.Run("KeepsEachCompanysOwnEndpoints", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 2})
			sim, src := gravityzoneSource(t, f, nil)
			res := f.MustSync(t)
			companies := sim.Companies()
			if want := len(sim.Inventory(companies[0].ID)); res.Endpoints != want {
				t.Errorf("Endpoints = %d, want the %d of the whole tree", res.Endpoints, want)
			}
			// The MSP and the reseller list their customers' endpoints too:
			// each endpoint stays with its own company.
			for _, c := range companies {
				got, err := st.SourceEndpoints(t.Context(), src.ID, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				want := simEndpoints(sim, c.ID)
				byID := cmpopts.SortSlices(func(a, b source.Endpoint) bool { return a.ID < b.ID })
				if diff := cmp.Diff(want, got, byID); diff != "" || len(got) == 0 {
					t.Errorf("%s (-want +got):\n%s", c.Name, diff)
				}
			}
		})
	})

	t.Run("KeepsDefensXAgents", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 2})
			sim, src := defensxSource(t, f)
			res := f.MustSync(t)
			customers, err := st.SourceCustomers(t.Context(), src.ID)
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for _, c := range customers {
				got, err := st.SourceEndpoints(t.Context(), src.ID, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				var want []source.Endpoint
				for _, a := range sim.Agents(c.ID) {
					want = append(want, source.Endpoint{ID: a.ID, CustomerID: c.ID, Name: a.Hostname, OS: a.Platform, Managed: true})
				}
				byID := cmpopts.SortSlices(func(a, b source.Endpoint) bool { return a.ID < b.ID })
				if diff := cmp.Diff(want, got, byID); diff != "" || len(got) == 0 {
					t.Errorf("%s (-want +got):\n%s", c.Name, diff)
				}
				total += len(want)
			}
			if res.Endpoints != total {
				t.Errorf("Endpoints = %d, want %d", res.Endpoints, total)
			}
		})
	})

	t.Run("SaysWhichCompanysEndpointsFailedAndKeepsTheRest", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 2})
			sim, src := gravityzoneSource(t, f, func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					failing := h.(*gzsim.Sim).Companies()[3].ID
					body, _ := io.ReadAll(r.Body)
					if bytes.Contains(body, []byte(`"getEndpointsList"`)) && bytes.Contains(body, []byte(failing)) {
						http.Error(w, "<html>Internal Server Error</html>", http.StatusInternalServerError)
						return
					}
					r.Body = io.NopCloser(bytes.NewReader(body))
					h.ServeHTTP(w, r)
				})
			})
			failing := sim.Companies()[3].ID
			_, run, err := f.Sync(t)
			if err == nil || !strings.Contains(err.Error(), `list the endpoints of customer "Adventure Works Cycles" (id `+failing+`)`) ||
				!strings.Contains(err.Error(), "GravityZone failed on network.getEndpointsList (HTTP 500)") {
				t.Fatalf("sync error = %v, want it to name the company and what GravityZone answered", err)
			}
			if run.Error == "" {
				t.Errorf("the sync run records no error")
			}
			customers, err := st.SourceCustomers(t.Context(), src.ID)
			if err != nil || len(customers) != len(sim.Companies()) {
				t.Errorf("%d customers (%v), want them kept although the endpoints failed", len(customers), err)
			}
			// The reseller's customers were read before; the MSP above the
			// failing company was not, so it took none of its endpoints.
			alpine := sim.Companies()[9].ID
			if got, err := st.SourceEndpoints(t.Context(), src.ID, alpine); err != nil || len(got) != len(simEndpoints(sim, alpine)) {
				t.Errorf("endpoints of Alpine Ski House: %d (%v), want them kept", len(got), err)
			}
			if got, err := st.SourceEndpoints(t.Context(), src.ID, sim.Companies()[0].ID); err != nil || len(got) != 0 {
				t.Errorf("endpoints of the MSP: %d (%v), want none", len(got), err)
			}
		})
	})
}
