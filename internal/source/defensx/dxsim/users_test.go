package dxsim_test

import (
	"fmt"
	"testing"

	"halobridge/internal/source/defensx/dxsim"
)

// userPage is the spec's Pagination with its BasicUserList.
type userPage = page[struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
	Email    string `json:"email"`
	Active   bool   `json:"active"`
}]

func TestUsers(t *testing.T) {
	t.Parallel()

	read := readJSON[userPage]

	t.Run("ListsACustomersUsersAsBasicUsers", func(t *testing.T) {
		t.Parallel()
		b := setup(t, oneSubscription(nil))
		p := read(t, b, "/customers/c1/users")
		// Twelve generated users, all on the first page of the default 1000.
		if p.Page != 1 || p.Limit != 1000 || p.TotalPages != 1 || p.TotalCount != 12 || p.NItems != 12 || len(p.Items) != 12 {
			t.Fatalf("paging = %+v with %d items", p, len(p.Items))
		}
		first := p.Items[0]
		if first.Name != "Anna Moreau" || first.Username != "anna.moreau" || first.Email != "anna.moreau@brightharbordental.com" || !first.Active || len(first.ID) != 36 {
			t.Errorf("first user = %+v", first)
		}
		if got := b.sim.Users("c1"); len(got) != 12 || got[0].ID != first.ID {
			t.Errorf("Users(c1) = %d users, first %+v; want the list's", len(got), got)
		}
	})

	t.Run("PagesWithPageAndLimit", func(t *testing.T) {
		t.Parallel()
		b := setup(t, oneSubscription(nil))
		var ids []string
		for page, want := range map[int]int{1: 5, 2: 5, 3: 2, 4: 0} {
			p := read(t, b, fmt.Sprintf("/customers/c1/users?page=%d&limit=5", page))
			if p.Page != page || p.Limit != 5 || p.TotalPages != 3 || p.TotalCount != 12 || p.NItems != want || len(p.Items) != want {
				t.Errorf("page %d = %+v with %d items, want %d items of 12 in 3 pages", page, p, len(p.Items), want)
			}
			for _, u := range p.Items {
				ids = append(ids, u.ID)
			}
		}
		seen := map[string]bool{}
		for _, id := range ids {
			seen[id] = true
		}
		if len(ids) != 12 || len(seen) != 12 {
			t.Errorf("the pages hold %d ids, %d distinct; want the 12 users once each", len(ids), len(seen))
		}
	})

	t.Run("CapsTheLimitAt1000", func(t *testing.T) {
		t.Parallel()
		b := setup(t, oneSubscription(nil))
		for i := range 1000 {
			if _, err := b.sim.AddUser("c1", dxsim.User{Email: fmt.Sprintf("user%d@brightharbordental.com", i), Active: true}); err != nil {
				t.Fatal(err)
			}
		}
		p := read(t, b, "/customers/c1/users?limit=5000")
		if p.Limit != 1000 || p.NItems != 1000 || p.TotalPages != 2 || p.TotalCount != 1012 {
			t.Errorf("limit 5000 = %+v, want 1000 of 1012 in 2 pages", p)
		}
	})

	t.Run("ListsThePartnersOwnUsers", func(t *testing.T) {
		t.Parallel()
		b := setup(t, oneSubscription(nil))
		if p := read(t, b, "/customers/"+b.sim.Self().ID+"/users"); p.TotalCount != 12 {
			t.Errorf("own customer's users = %+v", p)
		}
	})

	for _, tt := range []struct {
		name, path string
		status     int
		body       string
	}{
		{"RefusesAnUnknownCustomer", "/customers/c9/users", 404, `{"error":{"status":404,"message":"Customer not found"}}`},
		{"RefusesAZeroLimit", "/customers/c1/users?limit=0", 422, `{"error":{"status":422,"message":"limit must be a positive integer"}}`},
		{"RefusesAPageBeforeTheFirst", "/customers/c1/users?page=0", 422, `{"error":{"status":422,"message":"page must be a positive integer"}}`},
		{"RefusesAnEmptyCustomerId", "/customers//users", 404, `{"error":{"status":404,"message":"Not Found"}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, oneSubscription(nil))
			if status, body := b.get(t, tt.path); status != tt.status || body != tt.body {
				t.Errorf("GET %s = %d %s, want %d %s", tt.path, status, body, tt.status, tt.body)
			}
		})
	}

	t.Run("AddsAUserOnlyToAKnownCustomer", func(t *testing.T) {
		t.Parallel()
		b := setup(t, oneSubscription(nil))
		u, err := b.sim.AddUser("c1", dxsim.User{ID: "u-new", Name: "Lena Varga", Email: "lena@brightharbordental.com"})
		if err != nil || u.ID != "u-new" {
			t.Fatalf("AddUser = %+v, %v", u, err)
		}
		if _, err := b.sim.AddUser("c9", dxsim.User{}); err == nil {
			t.Error("AddUser to an unknown customer: no error")
		}
		p := read(t, b, "/customers/c1/users?page=2&limit=12")
		if len(p.Items) != 1 || p.Items[0].Name != "Lena Varga" || p.Items[0].Active {
			t.Errorf("page 2 = %+v, want the added, inactive Lena Varga", p.Items)
		}
	})
}
