package halosim

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	dellJSON      = `{"id":11,"name":"Dell Technologies","inactive":false,"accounts_id":"SUP-DELL","email_address":"","phone_number":"","website":"https://www.dell.com","notes":""}`
	fortinetJSON  = `{"id":12,"name":"Fortinet","inactive":false,"accounts_id":"SUP-FTNT","email_address":"","phone_number":"","website":"https://www.fortinet.com","notes":""}`
	northgateJSON = `{"id":13,"name":"Northgate Distribution Ltd","inactive":true,"accounts_id":"","email_address":"","phone_number":"","website":"","notes":"Account closed; orders go through Dell direct"}`
)

// wantBody checks an answer's status and exact body.
func wantBody(t *testing.T, r response, status int, body string) {
	t.Helper()
	wantStatus(t, r, status)
	if r.text() != body {
		t.Fatalf("body = %s\nwant   %s", r.body, body)
	}
}

func TestSupplierReads(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	tok := b.token(t, "all")

	tests := []struct {
		name, path, body string
	}{
		{
			name: "ListsActiveSuppliersWrappedUnderSuppliers", path: "/api/Supplier",
			body: `{"record_count":2,"suppliers":[` + dellJSON + `,` + fortinetJSON + `]}`,
		},
		{
			name: "ListsInactiveSuppliersWhenAsked", path: "/api/supplier?includeinactive=true",
			body: `{"record_count":3,"suppliers":[` + dellJSON + `,` + fortinetJSON + `,` + northgateJSON + `]}`,
		},
		{
			name: "ListsOnlyInactiveSuppliersWithActiveInactive", path: "/api/Supplier?activeinactive=false,true",
			body: `{"record_count":1,"suppliers":[` + northgateJSON + `]}`,
		},
		{
			name: "Paginates", path: "/api/Supplier?pageinate=true&page_size=1&page_no=2&includeinactive=true",
			body: `{"record_count":3,"suppliers":[` + fortinetJSON + `],"page_no":2,"page_size":1}`,
		},
		{
			name: "SearchesNames", path: "/api/Supplier?search=FORTI",
			body: `{"record_count":1,"suppliers":[` + fortinetJSON + `]}`,
		},
		{
			name: "ReadsOneSupplierByID", path: "/api/Supplier/13", body: northgateJSON,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantBody(t, b.send(t, "GET", tt.path, tok, nil), http.StatusOK, tt.body)
		})
	}
	t.Run("AnUnknownSupplierIsNotFound", func(t *testing.T) {
		t.Parallel()
		wantHaloError(t, b.send(t, "GET", "/api/Supplier/99", tok, nil), http.StatusNotFound, "Supplier 99 was not found")
	})
	t.Run("SeededHardwareItemsNameTheirSupplier", func(t *testing.T) {
		t.Parallel()
		it := decode[Item](t, b.send(t, "GET", "/api/Item/1409", tok, nil))
		if it.SupplierID != 12 || it.SupplierName != "Fortinet" {
			t.Fatalf("item 1409 has supplier %d %q, want 12 \"Fortinet\"", it.SupplierID, it.SupplierName)
		}
	})
}

func TestSupplierWrites(t *testing.T) {
	t.Parallel()

	t.Run("CreatesASupplierWithTheNextID", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		resp := b.send(t, "POST", "/api/Supplier", b.token(t, "all"), `[{"name":"  DefensX ","website":"https://www.defensx.com"}]`)
		want := Supplier{ID: 14, Name: "DefensX", Website: "https://www.defensx.com"}
		wantBody(t, resp, http.StatusCreated,
			`{"id":14,"name":"DefensX","inactive":false,"accounts_id":"","email_address":"","phone_number":"","website":"https://www.defensx.com","notes":""}`)
		if got := b.sim.Suppliers(); len(got) != 4 || got[3] != want {
			t.Fatalf("suppliers = %+v, want the three seeded and %+v", got, want)
		}
	})

	t.Run("CreatesSeveralInOneRequestEvenOfTheSameName", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		resp := b.send(t, "POST", "/api/Supplier", b.token(t, "all"), `[{"name":"Bitdefender"},{"name":"Bitdefender"}]`)
		wantStatus(t, resp, http.StatusCreated)
		got := decode[[]Supplier](t, resp)
		want := []Supplier{{ID: 14, Name: "Bitdefender"}, {ID: 15, Name: "Bitdefender"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("answer (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, b.sim.Suppliers()[3:]); diff != "" {
			t.Fatalf("stored (-want +got):\n%s", diff)
		}
	})

	t.Run("UpdateChangesOnlyTheFieldsSent", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		resp := b.send(t, "POST", "/api/Supplier", b.token(t, "all"), `[{"id":13,"inactive":false}]`)
		wantBody(t, resp, http.StatusCreated,
			`{"id":13,"name":"Northgate Distribution Ltd","inactive":false,"accounts_id":"","email_address":"","phone_number":"","website":"","notes":"Account closed; orders go through Dell direct"}`)
		if got := b.sim.Suppliers(); len(got) != 3 || got[2].Inactive {
			t.Fatalf("suppliers = %+v, want supplier 13 active and no new one", got)
		}
	})

	t.Run("UpdatingAnUnknownSupplierIsNotFound", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		wantHaloError(t, b.send(t, "POST", "/api/Supplier", b.token(t, "all"), `[{"id":99,"name":"Nobody"}]`),
			http.StatusNotFound, "Supplier 99 was not found")
	})

	t.Run("RefusesASupplierWithoutAName", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		wantHaloError(t, b.send(t, "POST", "/api/Supplier", b.token(t, "all"), `[{"name":"  ","notes":"n"}]`),
			http.StatusBadRequest, "Please enter a name for the Supplier")
		if got := len(b.sim.Suppliers()); got != 3 {
			t.Fatalf("%d suppliers, want the 3 seeded", got)
		}
	})

	t.Run("ItemsKeepTheirSupplierAndShowItsName", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		sp := b.sim.AddSupplier(Supplier{Name: "DefensX"})
		resp := b.send(t, "POST", "/api/Item", tok, []map[string]any{{"name": "DefensX Web Security", "isrecurringitem": true, "supplier_id": sp.ID}})
		wantStatus(t, resp, http.StatusCreated)
		created := decode[Item](t, resp)
		if created.SupplierID != sp.ID || created.SupplierName != "DefensX" {
			t.Errorf("answer names supplier %d %q, want %d \"DefensX\"", created.SupplierID, created.SupplierName, sp.ID)
		}
		items := b.sim.Items()
		if last := items[len(items)-1]; last.ID != created.ID || last.SupplierID != sp.ID {
			t.Errorf("stored item = %+v, want id %d with supplier %d", last, created.ID, sp.ID)
		}
		wantStatus(t, b.send(t, "POST", "/api/Supplier", tok, []map[string]any{{"id": sp.ID, "name": "DefensX Inc."}}), http.StatusCreated)
		if got := decode[Item](t, b.send(t, "GET", "/api/Item/"+itoa(created.ID), tok, nil)); got.SupplierName != "DefensX Inc." {
			t.Errorf("after the rename the item shows supplier %q", got.SupplierName)
		}
	})

	t.Run("NeedsTheItemsScopes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		wantHaloError(t, b.send(t, "GET", "/api/Supplier", b.token(t, "read:customers"), nil),
			http.StatusForbidden, "You do not have permission to access this area (read:items)")
		wantHaloError(t, b.send(t, "POST", "/api/Supplier", b.token(t, "read:items"), `[{"name":"DefensX"}]`),
			http.StatusForbidden, "You do not have permission to access this area (edit:items)")
		wantStatus(t, b.send(t, "GET", "/api/Supplier", b.token(t, "read:items"), nil), http.StatusOK)
	})
}
