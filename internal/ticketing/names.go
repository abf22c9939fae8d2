package ticketing

import (
	"maps"
	"strings"

	"halobridge/internal/source"
)

// Names are what people call the parties of an alert, which the alert
// itself names by id or not at all: the delivery code reads them from the
// source's and HaloPSA's catalogs. A name that is "" is not known, and the
// alert's own values stand.
type Names struct {
	// Customer is the source customer's name ("Bright Harbor Dental").
	Customer string
	// Client is the name of the HaloPSA client the ticket goes to.
	Client string
	// User is the user's name or e-mail address, for a source whose alerts
	// name the user by id (DefensX sends a user UUID).
	User string
	// UserEmail is the user's e-mail address as the source's users give
	// it, which the end-user lookup compares first.
	UserEmail string
	// Asset names the HaloPSA asset the alert's endpoint is mapped to, as
	// the ticket body shows it, and AssetDetail tells it apart in small
	// print (its type and id).
	Asset, AssetDetail string
}

// Apply returns a with the names in place of the ids it carries, for what
// a person reads (titles, bodies, notes): {{customer}} gives the company's
// name and {{user}} the user's. a itself is not changed; its ids stay in
// CustomerID and in the user_id fact.
func (n Names) Apply(a source.Alert) source.Alert {
	customer, user := strings.TrimSpace(n.Customer), strings.TrimSpace(n.User)
	if customer != "" && a.Facts["customer_name"] != customer {
		a.Facts = maps.Clone(a.Facts)
		if a.Facts == nil {
			a.Facts = map[string]string{}
		}
		a.Facts["customer_name"] = customer
	}
	if user != "" && user != a.User {
		facts := maps.Clone(a.Facts)
		if facts == nil {
			facts = map[string]string{}
		}
		if facts["user_id"] == "" && a.User != "" {
			facts["user_id"] = a.User
		}
		if _, ok := facts["user"]; ok {
			facts["user"] = user
		}
		a.User, a.Facts = user, facts
	}
	return a
}

// UserKey is what an alert names its user by: the source's user id when it
// sends one, else the user as the alert shows it. The delivery code looks
// the user's name up by it.
func UserKey(a source.Alert) string {
	if id := strings.TrimSpace(a.Facts["user_id"]); id != "" {
		return id
	}
	return strings.TrimSpace(a.User)
}
