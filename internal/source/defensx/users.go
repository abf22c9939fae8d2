package defensx

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"halobridge/internal/source"
)

// User is a user of a DefensX customer as the Partner API's BasicUser describes it.
type User struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
	Email    string `json:"email"`
	Active   bool   `json:"active"`
}

// usersPageLimit is the page size asked for: the spec's default and the largest page
// DefensX is known to serve.
const usersPageLimit = 1000

// Users lists the users of one customer (GET /customers/{customerId}/users), every page,
// at most source.MaxUsersPerCustomer: a customer with more keeps its first ones.
func (c *Client) Users(ctx context.Context, customerID string) ([]User, error) {
	if strings.TrimSpace(customerID) == "" {
		return nil, fmt.Errorf("list DefensX users: no customer id")
	}
	path := "/customers/" + url.PathEscape(customerID) + "/users"
	var all []User
	for page := 1; page <= maxPages; page++ {
		q := url.Values{"page": {strconv.Itoa(page)}, "limit": {strconv.Itoa(usersPageLimit)}}
		var paged struct {
			Items []User `json:"items"`
			Pagination
		}
		if err := c.get(ctx, path, q, &paged); err != nil {
			return nil, err
		}
		all = append(all, paged.Items...)
		if len(all) >= source.MaxUsersPerCustomer {
			return all[:source.MaxUsersPerCustomer], nil
		}
		if len(paged.Items) == 0 || paged.last(page, len(paged.Items)) {
			return all, nil
		}
	}
	return nil, fmt.Errorf("DefensX user list of customer %s still had more pages after %d", customerID, maxPages)
}

// Users lists the users of one customer by name and e-mail, so that a user request, which
// names its user by id, can name the person. A user without a name goes by its username.
func (s *Connector) Users(ctx context.Context, customerID string) ([]source.User, error) {
	list, err := s.client.Users(ctx, customerID)
	if err != nil {
		return nil, err
	}
	out := make([]source.User, 0, len(list))
	for _, u := range list {
		if strings.TrimSpace(u.ID) == "" {
			continue
		}
		name := strings.TrimSpace(u.Name)
		if name == "" {
			name = strings.TrimSpace(u.Username)
		}
		out = append(out, source.User{ID: u.ID, CustomerID: customerID, Name: name, Email: strings.TrimSpace(u.Email)})
	}
	return out, nil
}

var _ source.UserLister = (*Connector)(nil)
