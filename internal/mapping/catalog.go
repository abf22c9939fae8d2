package mapping

import "halobridge/internal/source"

// HaloClient is what matching needs to know about one HaloPSA client.
type HaloClient struct {
	ID       int
	Name     string
	Inactive bool
	// TopLevelID is the Halo top level the client sits under (toplevel_id).
	// Matching ignores it: top levels group clients for the MSP's own
	// reporting and say nothing about which company a client is.
	TopLevelID int
	Website    string
	// Domains are further e-mail or web domains known for the client: its
	// sites' e-mail domains and its users' e-mail domains. Any form DomainOf
	// accepts will do (addresses, URLs, bare domains).
	Domains []string
	// ExternalIDs are the links halobridge wrote on the client when a mapping
	// was confirmed, keyed by ExternalKey(kind, customer id) (Halo's
	// third_party_type and third_party_id); the value is the customer's name
	// at the time (third_party_desc), kept for display only.
	ExternalIDs map[string]string
}

// ExternalKey names a source customer on a Halo client's external links. It
// uses the source's own customer id, not halobridge's row ids, so that a link
// still matches after the partner reconnects the source or reinstalls
// halobridge; GravityZone and DefensX customer ids are globally unique.
func ExternalKey(kind source.Kind, customerID string) string {
	return string(kind) + ":" + customerID
}

// Site is what mapping evaluation needs to know about one HaloPSA site.
type Site struct {
	ID       int
	ClientID int
	Name     string
	// HasGeneralUser is true when the site has a General User contact, which
	// Halo needs to accept a ticket that names no specific end user.
	HasGeneralUser bool
	Inactive       bool
}

// Mapping ties one source customer to one HaloPSA client (several customers
// may share a client), optionally to one of its sites.
type Mapping struct {
	CustomerID string
	ClientID   int
	// SiteID is 0 when tickets should go to the client's General User, which
	// lets Halo pick the site itself.
	SiteID    int
	Ticketing bool
	Billing   bool
	// Confirmed is true once a person has made or accepted the mapping;
	// automatic matching never changes a confirmed mapping.
	Confirmed bool
}
