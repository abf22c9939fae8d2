package source

import (
	"context"
	"strings"
)

// User is a person of a customer as the source knows them, kept for sources
// whose alerts name the user by id only (a DefensX user request carries a
// user UUID), so that a ticket can name the person.
type User struct {
	ID         string `json:"id"`
	CustomerID string `json:"customer_id"`
	Name       string `json:"name,omitempty"`
	Email      string `json:"email,omitempty"`
}

// DisplayName is what a person calls u: the name, else the e-mail address,
// else "".
func (u User) DisplayName() string {
	if n := strings.TrimSpace(u.Name); n != "" {
		return n
	}
	return strings.TrimSpace(u.Email)
}

// MaxUsersPerCustomer bounds the users a catalog sync keeps of one
// customer: far above a small business's staff, and a stop for a source
// that keeps announcing more pages.
const MaxUsersPerCustomer = 20000

// UserLister is implemented by the sources whose alerts name users by id:
// the catalog sync reads each customer's users so that tickets name them.
type UserLister interface {
	// Users lists the users of one customer, at most MaxUsersPerCustomer.
	Users(ctx context.Context, customerID string) ([]User, error)
}

// MaxUserTextBytes bounds a user's name and e-mail address as halobridge
// keeps them: far above a real one, small enough for any ticket.
const MaxUserTextBytes = 256

// Clean makes u what both database engines keep alike, as Alert.Clean does,
// and cuts a name or e-mail address over MaxUserTextBytes on a character. It
// reports false for a user that could never be found again: one without an
// id, or with an id over MaxIDBytes.
func (u *User) Clean() bool {
	var found cleaned
	u.ID = strings.TrimSpace(cleanText(u.ID, &found))
	u.CustomerID = cleanText(u.CustomerID, &found)
	for _, s := range []*string{&u.Name, &u.Email} {
		*s = cut(strings.TrimSpace(cleanText(*s, &found)), MaxUserTextBytes)
	}
	return u.ID != "" && len(u.ID) <= MaxIDBytes
}
