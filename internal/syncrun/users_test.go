package syncrun_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/source"
	"halobridge/internal/source/defensx/dxsim"
	"halobridge/internal/store"
	"halobridge/internal/syncrun/syncruntest"
)

// defensxSource connects a DefensX simulator with two customers to the
// fixture's partner.
func defensxSource(t *testing.T, f *syncruntest.Fixture) (*dxsim.Sim, store.Source) {
	t.Helper()
	sim := dxsim.New(dxsim.Options{
		Customers: []dxsim.Customer{{ID: "c1", Name: "Bright Harbor Dental"}, {ID: "c2", Name: "Cedar Ridge Logistics"}},
		Now:       func() time.Time { return time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC) },
	})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	src, err := f.St.CreateSource(t.Context(), store.Source{PartnerID: f.Partner.ID, Kind: source.DefensX, Name: "DefensX",
		APIKey: sim.APIKey(), APIURL: srv.URL + dxsim.BasePath})
	if err != nil {
		t.Fatal(err)
	}
	return sim, src
}

func TestSyncReadsDefensXUsers(t *testing.T) {
	t.Parallel()

	t.Run("KeepsEveryCustomersUsersByName", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 2})
			sim, src := defensxSource(t, f)
			lena, err := sim.AddUser("c2", dxsim.User{Name: "Lena Varga", Email: "lena.varga@cedarridge.example", Active: true})
			if err != nil {
				t.Fatal(err)
			}
			res := f.MustSync(t)
			// Twelve generated users for each customer and the partner's own, and Lena.
			if res.Users != 37 {
				t.Errorf("Users = %d, want 37", res.Users)
			}
			anna := sim.Users("c1")[0]
			got, err := st.SourceUsers(t.Context(), src.ID, []string{anna.ID, lena.ID})
			if err != nil {
				t.Fatal(err)
			}
			if u := got[anna.ID]; u.Name != "Anna Moreau" || u.Email != "anna.moreau@brightharbordental.com" || u.CustomerID != "c1" {
				t.Errorf("Anna = %+v", u)
			}
			if u := got[lena.ID]; u.DisplayName() != "Lena Varga" || u.CustomerID != "c2" {
				t.Errorf("Lena = %+v", u)
			}
		})
	})

	t.Run("SaysWhichCustomersUsersFailedAndKeepsTheRest", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 2})
			sim, src := defensxSource(t, f)
			sim.InjectFault(dxsim.Fault{PathPrefix: "/customers/c2/users", Status: 500, Message: "Internal Server Error"})
			res, run, err := f.Sync(t)
			if err == nil || !strings.Contains(err.Error(), `list the users of customer "Cedar Ridge Logistics" (id c2)`) ||
				!strings.Contains(err.Error(), "Internal Server Error") {
				t.Fatalf("sync error = %v, want it to name the customer and DefensX's words", err)
			}
			if run.Error == "" {
				t.Errorf("the sync run records no error")
			}
			customers, err := st.SourceCustomers(t.Context(), src.ID)
			if err != nil || len(customers) != 3 || res.Customers != 3 {
				t.Errorf("customers %v (%v), %d read: want them kept although the users failed", customers, err, res.Customers)
			}
			anna := sim.Users("c1")[0]
			if got, err := st.SourceUsers(t.Context(), src.ID, []string{anna.ID}); err != nil || got[anna.ID].Name != "Anna Moreau" {
				t.Errorf("users of c1 = %v (%v), want them kept", got, err)
			}
		})
	})
}
