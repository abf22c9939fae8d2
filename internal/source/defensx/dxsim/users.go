package dxsim

import (
	"fmt"
	"net/http"
	"net/url"
)

// User is a user of a simulated customer, as GET /customers/{id}/users lists it.
type User struct {
	ID       string
	Name     string
	Username string
	Email    string
	Active   bool
}

type basicUserBody struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
	Email    string `json:"email"`
	Active   bool   `json:"active"`
}

// userPageLimit is the users list's default and largest page, as the spec's default.
const userPageLimit = 1000

// userList answers GET /customers/{id}/users: the customer's users in the spec's
// BasicUserList with the paging object, limit defaulting to 1000.
func (s *Sim) userList(customerID string, q url.Values) reply {
	c, found := s.byID[customerID]
	if !found {
		return apiError(http.StatusNotFound, "Customer not found")
	}
	page, limit, bad := paging(q, userPageLimit)
	if bad != nil {
		return *bad
	}
	items := []basicUserBody{}
	for _, u := range pageOf(c.users, page, limit) {
		items = append(items, basicUserBody{ID: u.id, Name: u.name, Username: u.username, Email: u.login, Active: !u.inactive})
	}
	return ok(pagedBody(items, page, limit, len(c.users)))
}

// Users returns a customer's users (the partner's own customer included), nil for an
// unknown customer.
func (s *Sim) Users(customerID string) []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, found := s.byID[customerID]
	if !found {
		return nil
	}
	out := make([]User, len(c.users))
	for i, u := range c.users {
		out[i] = User{ID: u.id, Name: u.name, Username: u.username, Email: u.login, Active: !u.inactive}
	}
	return out
}

// AddUser adds a user to a customer; an empty ID is filled in. It returns the user as
// the customer's list shows it.
func (s *Sim) AddUser(customerID string, u User) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, found := s.byID[customerID]
	if !found {
		return User{}, fmt.Errorf("dxsim: no customer %s", customerID)
	}
	if u.ID == "" {
		u.ID = s.uuid("added user", customerID, len(c.users))
	}
	c.users = append(c.users, user{id: u.ID, login: u.Email, name: u.Name, username: u.Username, inactive: !u.Active})
	return u, nil
}
