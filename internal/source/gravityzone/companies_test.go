package gravityzone

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source/gravityzone/gzsim"
)

// namesAndParents renders a walk as "name < parent name" lines, partners marked with *.
func namesAndParents(companies []Company) []string {
	names := map[string]string{}
	for _, c := range companies {
		names[c.ID] = c.Name
	}
	out := make([]string, len(companies))
	for i, c := range companies {
		line := c.Name
		if c.Type == CompanyPartner {
			line += "*"
		}
		if c.ParentID != "" {
			line += " < " + names[c.ParentID]
		}
		out[i] = line
	}
	return out
}

func TestCompanies(t *testing.T) {
	t.Parallel()

	t.Run("WalksTheSeededTreeBreadthFirst", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1}, Config{})
		companies, err := b.client.Companies(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"Northgate IT Services*",
			"Contoso Ltd < Northgate IT Services",
			"Fabrikam, Inc. < Northgate IT Services",
			"Adventure Works Cycles < Northgate IT Services",
			"Tailspin Toys < Northgate IT Services",
			"Wide World Importers < Northgate IT Services",
			"Northwind Traders < Northgate IT Services",
			"Litware Inc < Northgate IT Services",
			"Blue Yonder Reseller Group* < Northgate IT Services",
			"Alpine Ski House < Blue Yonder Reseller Group",
			"Coho Winery < Blue Yonder Reseller Group",
			"Fourth Coffee < Blue Yonder Reseller Group",
		}
		if diff := cmp.Diff(want, namesAndParents(companies)); diff != "" {
			t.Errorf("tree (-want +got):\n%s", diff)
		}
		for i, simCompany := range b.sim.Companies() {
			if len(simCompany.ID) != 24 || companies[i].ID != simCompany.ID {
				t.Errorf("company %d: id %q, the simulator's is %q", i, companies[i].ID, simCompany.ID)
			}
		}
		// One call for the key's company, then two per partner: all children, then the partners.
		var methods []string
		for _, r := range b.sim.Requests() {
			methods = append(methods, r.Method)
		}
		wantMethods := []string{"getCompanyDetails", "getCompaniesList", "getCompaniesList", "getCompaniesList", "getCompaniesList"}
		if diff := cmp.Diff(wantMethods, methods); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
	})

	t.Run("WalksNestedResellersAndSkipsEmptyOnes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1, Companies: []gzsim.Company{
			{ID: "aaaaaaaaaaaaaaaaaaaaaa01", Name: "MSP", Partner: true},
			{ID: "aaaaaaaaaaaaaaaaaaaaaa02", Name: "Reseller", Partner: true},
			{ID: "aaaaaaaaaaaaaaaaaaaaaa03", Name: "Sub-reseller", Partner: true, ParentID: "aaaaaaaaaaaaaaaaaaaaaa02"},
			{ID: "aaaaaaaaaaaaaaaaaaaaaa04", Name: "Deep Customer", ParentID: "aaaaaaaaaaaaaaaaaaaaaa03"},
			{ID: "aaaaaaaaaaaaaaaaaaaaaa05", Name: "Empty Reseller", Partner: true},
			{ID: "aaaaaaaaaaaaaaaaaaaaaa06", Name: "Direct Customer"},
		}}, Config{})
		companies, err := b.client.Companies(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"MSP*", "Reseller* < MSP", "Empty Reseller* < MSP", "Direct Customer < MSP",
			"Sub-reseller* < Reseller", "Deep Customer < Sub-reseller"}
		if diff := cmp.Diff(want, namesAndParents(companies)); diff != "" {
			t.Errorf("tree (-want +got):\n%s", diff)
		}
		// MSP, Reseller and Sub-reseller cost two calls each, the empty reseller one.
		if n := len(b.sim.Requests()); n != 1+2+2+2+1 {
			t.Errorf("%d calls, want 8", n)
		}
	})

	t.Run("SeesOnlyItselfWithACustomerKey", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1, Companies: []gzsim.Company{{ID: "bbbbbbbbbbbbbbbbbbbbbb01", Name: "Solo Dental"}}}, Config{})
		companies, err := b.client.Companies(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"Solo Dental"}, namesAndParents(companies)); diff != "" {
			t.Errorf("tree (-want +got):\n%s", diff)
		}
	})

	t.Run("TreatsInvalidParentAsCustomerWithoutChildren", func(t *testing.T) {
		t.Parallel()
		// A GravityZone that ignores the companyType filter makes every child look like a
		// partner; asking a customer for its children then answers -32602.
		sim := gzsim.New(gzsim.Options{RateLimit: -1, Companies: []gzsim.Company{
			{ID: "cccccccccccccccccccccc01", Name: "MSP", Partner: true},
			{ID: "cccccccccccccccccccccc02", Name: "Customer"},
		}})
		server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			var call map[string]any
			if json.Unmarshal(body, &call) == nil {
				if params, ok := call["params"].(map[string]any); ok {
					delete(params, "filters")
				}
				body, _ = json.Marshal(call)
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			sim.ServeHTTP(w, r)
		}))
		t.Cleanup(server.Close)
		b := bundleFor(t, sim, server, Config{})
		companies, err := b.client.Companies(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"MSP*", "Customer < MSP"}, namesAndParents(companies)); diff != "" {
			t.Errorf("tree (-want +got):\n%s", diff)
		}
	})

	t.Run("ReadsCompanyDetails", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1}, Config{})
		reseller := b.sim.Companies()[8]
		d, err := b.client.CompanyDetails(context.Background(), reseller.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.ID != reseller.ID || d.Name != "Blue Yonder Reseller Group" || d.Type != CompanyPartner ||
			d.ParentID != b.sim.Companies()[0].ID || d.ContactPerson == nil || d.Country == "" {
			t.Errorf("details %+v", d)
		}
		root, err := b.client.CompanyDetails(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		if root.Name != "Northgate IT Services" || root.ParentID != "" {
			t.Errorf("the key's own company: %+v", root)
		}
	})
}
