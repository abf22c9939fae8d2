package defensx_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
	"halobridge/internal/source/defensx/dxsim"
)

func TestUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("ReadsEveryPageOfACustomersUsers", func(t *testing.T) {
		t.Parallel()
		b := setup(t, billingOptions())
		for i := range 1200 {
			if _, err := b.sim.AddUser("c1", dxsim.User{Email: fmt.Sprintf("temp%04d@brightharbordental.com", i), Active: true}); err != nil {
				t.Fatal(err)
			}
		}
		b.sim.ResetRequests()
		users, err := b.client.Users(ctx, "c1")
		if err != nil {
			t.Fatal(err)
		}
		if len(users) != 1212 || users[1211].Email != "temp1199@brightharbordental.com" {
			t.Fatalf("Users = %d users, last %+v; want the 12 generated and 1200 added", len(users), users[len(users)-1])
		}
		var pages []string
		for _, r := range b.sim.Requests() {
			pages = append(pages, r.Path+"?"+r.Query.Encode())
		}
		want := []string{
			dxsim.BasePath + "/customers/c1/users?limit=1000&page=1",
			dxsim.BasePath + "/customers/c1/users?limit=1000&page=2",
		}
		if diff := cmp.Diff(want, pages); diff != "" {
			t.Errorf("requests (-want +got):\n%s", diff)
		}
	})

	t.Run("NamesEachUserByNameOrUsername", func(t *testing.T) {
		t.Parallel()
		b := setup(t, billingOptions())
		if _, err := b.sim.AddUser("c2", dxsim.User{ID: "u-nameless", Username: "kofi.umar", Email: "kofi@cedarridgelogistics.com"}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.sim.AddUser("c2", dxsim.User{ID: " ", Name: "No id"}); err != nil {
			t.Fatal(err)
		}
		users, err := b.conn.Users(ctx, "c2")
		if err != nil {
			t.Fatal(err)
		}
		sim := b.sim.Users("c2")
		if len(users) != 13 {
			t.Fatalf("Users = %d users, want the 12 generated and the nameless one, not the one without an id", len(users))
		}
		if want := (source.User{ID: sim[0].ID, CustomerID: "c2", Name: "Anna Moreau", Email: "anna.moreau@cedarridgelogistics.com"}); users[0] != want {
			t.Errorf("first user = %+v, want %+v", users[0], want)
		}
		if want := (source.User{ID: "u-nameless", CustomerID: "c2", Name: "kofi.umar", Email: "kofi@cedarridgelogistics.com"}); users[12] != want {
			t.Errorf("nameless user = %+v, want %+v", users[12], want)
		}
	})

	t.Run("EscapesTheCustomerIdInThePath", func(t *testing.T) {
		t.Parallel()
		b := setup(t, billingOptions())
		_, err := b.client.Users(ctx, "../status")
		if err == nil || !strings.Contains(err.Error(), "404") {
			t.Errorf("Users(../status) = %v, want DefensX's 404 for that customer", err)
		}
		if reqs := b.sim.Requests(); len(reqs) != 1 || !strings.HasSuffix(reqs[0].Path, "/customers/../status/users") {
			t.Errorf("requests = %+v, want one to the escaped customer's users", reqs)
		}
	})

	t.Run("RefusesNoCustomer", func(t *testing.T) {
		t.Parallel()
		b := setup(t, billingOptions())
		if _, err := b.client.Users(ctx, " "); err == nil {
			t.Error("Users without a customer id: no error")
		}
		if reqs := b.sim.Requests(); len(reqs) != 0 {
			t.Errorf("sent %d requests for no customer", len(reqs))
		}
	})
}
