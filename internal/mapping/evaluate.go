package mapping

import (
	"fmt"

	"halobridge/internal/source"
)

// Status is a mapping's state as the mapping page shows it.
type Status string

const (
	StatusOK        Status = "ok"
	StatusHasEvents Status = "has_events"
	// StatusNA: nothing flows through the mapping, because neither ticketing
	// nor billing is on or because nobody has confirmed it yet.
	StatusNA Status = "n/a"
)

// FindingKind names a kind of integration event about a mapping.
type FindingKind string

const (
	// FindingClientNotFound: the Halo client no longer exists (deleted or merged).
	FindingClientNotFound FindingKind = "client_not_found"
	// FindingClientInactive: the Halo client was made inactive.
	FindingClientInactive FindingKind = "client_inactive"
	// FindingCustomerNotFound: the source no longer lists the customer.
	FindingCustomerNotFound FindingKind = "customer_not_found"
	// FindingBothNotFound: neither side exists any more.
	FindingBothNotFound FindingKind = "both_not_found"
	// FindingSiteNotFound: the mapped site was deleted, made inactive or
	// moved to another client.
	FindingSiteNotFound FindingKind = "site_not_found"
	// FindingSiteWithoutGeneralUser: tickets that name no end user have no
	// General User to fall back on.
	FindingSiteWithoutGeneralUser FindingKind = "site_without_general_user"
)

// Finding is one integration event: a problem with a mapping that needs a
// person, in words an MSP technician acts on.
type Finding struct {
	Kind       FindingKind
	CustomerID string
	ClientID   int
	// SiteID is the site concerned, 0 when the finding is about the client's
	// sites as a whole.
	SiteID int
	// Message says what is wrong; Fix says what to do about it.
	Message string
	Fix     string
}

// Key identifies the problem a finding describes, so that the same problem
// found at every sync is recorded once and a recheck can tell it is gone.
func (f Finding) Key() string {
	return fmt.Sprintf("%s/%s/%d/%d", f.Kind, f.CustomerID, f.ClientID, f.SiteID)
}

// Evaluate checks one mapping against the current catalogs: the source's
// customers by id, and the Halo clients and sites by id (every site of the
// mapped clients, inactive ones included). A mapping that is not confirmed,
// or has neither ticketing nor billing on, is StatusNA and has no findings:
// nothing flows through it, so nothing fails. Otherwise each finding names
// the root cause only: a missing client or customer hides problems with the
// site, which cannot be fixed before it.
func Evaluate(m Mapping, customers map[string]source.Customer, clients map[int]HaloClient, sites map[int]Site) (Status, []Finding) {
	if !m.Confirmed || (!m.Ticketing && !m.Billing) {
		return StatusNA, nil
	}
	findings := evaluate(m, customers, clients, sites)
	if len(findings) == 0 {
		return StatusOK, nil
	}
	return StatusHasEvents, findings
}

func evaluate(m Mapping, customers map[string]source.Customer, clients map[int]HaloClient, sites map[int]Site) []Finding {
	customer, customerFound := customers[m.CustomerID]
	client, clientFound := clients[m.ClientID]
	company := companyLabel(customer, m.CustomerID)
	finding := func(kind FindingKind, message, fix string) []Finding {
		return []Finding{{Kind: kind, CustomerID: m.CustomerID, ClientID: m.ClientID, Message: message, Fix: fix}}
	}
	switch {
	case !customerFound && !clientFound:
		return finding(FindingBothNotFound,
			fmt.Sprintf("Neither company id '%s' in the security console nor HaloPSA client id %d exists any more.", m.CustomerID, m.ClientID),
			"Remove the mapping: there is nothing left to connect.")
	case !clientFound:
		return finding(FindingClientNotFound,
			fmt.Sprintf("HaloPSA client id %d, mapped to company %s, no longer exists: it was deleted or merged into another client.", m.ClientID, company),
			fmt.Sprintf("Map company %s to another HaloPSA client, or unmap it.", company))
	case !customerFound:
		return finding(FindingCustomerNotFound,
			fmt.Sprintf("Company id '%s', mapped to HaloPSA client %s, is no longer listed by the security console: it was deleted, or the API key can no longer see it.", m.CustomerID, clientLabel(client.Name, client.ID)),
			"If the company was removed on purpose, unmap it; otherwise give the security console's API key access to it again.")
	case client.Inactive:
		return finding(FindingClientInactive,
			fmt.Sprintf("HaloPSA client %s was made inactive.", clientLabel(client.Name, client.ID)),
			fmt.Sprintf("Map company %s to another client, or reactivate the client in HaloPSA under Customers.", company))
	}
	if m.SiteID != 0 {
		return evaluateSite(m, client, company, sites)
	}
	if m.Ticketing && clientLacksGeneralUser(client.ID, sites) {
		return finding(FindingSiteWithoutGeneralUser,
			fmt.Sprintf("No site of '%s' has a General User, so tickets without a specific user cannot be created for it.", client.Name),
			"Add a user named 'General User' to the client's main site in HaloPSA, or let halobridge create it.")
	}
	return nil
}

// evaluateSite checks the site a mapping names.
func evaluateSite(m Mapping, client HaloClient, company string, sites map[int]Site) []Finding {
	site, found := sites[m.SiteID]
	finding := func(kind FindingKind, message, fix string) []Finding {
		return []Finding{{Kind: kind, CustomerID: m.CustomerID, ClientID: m.ClientID, SiteID: m.SiteID, Message: message, Fix: fix}}
	}
	fix := fmt.Sprintf("Choose another site for company %s, or clear the site so tickets go to the client's General User.", company)
	switch {
	case !found:
		return finding(FindingSiteNotFound,
			fmt.Sprintf("Site id %d of HaloPSA client %s no longer exists: it was deleted.", m.SiteID, clientLabel(client.Name, client.ID)), fix)
	case site.ClientID != client.ID:
		return finding(FindingSiteNotFound,
			fmt.Sprintf("Site '%s' (id %d) no longer belongs to HaloPSA client %s: it was moved to another client.", site.Name, site.ID, clientLabel(client.Name, client.ID)), fix)
	case site.Inactive:
		return finding(FindingSiteNotFound,
			fmt.Sprintf("Site '%s' (id %d) of HaloPSA client %s was made inactive.", site.Name, site.ID, clientLabel(client.Name, client.ID)), fix)
	case m.Ticketing && !site.HasGeneralUser:
		return finding(FindingSiteWithoutGeneralUser,
			fmt.Sprintf("Site '%s' of '%s' has no General User, so tickets without a specific user cannot be created there.", site.Name, client.Name),
			"Add a user named 'General User' to that site in HaloPSA, or let halobridge create it.")
	}
	return nil
}

// clientLacksGeneralUser reports whether the client's active sites are known
// and none has a General User, which is where Halo sends a ticket that names
// no site and no user. Without any known site nothing can be concluded.
func clientLacksGeneralUser(clientID int, sites map[int]Site) bool {
	known := false
	for _, s := range sites {
		if s.ClientID != clientID || s.Inactive {
			continue
		}
		if s.HasGeneralUser {
			return false
		}
		known = true
	}
	return known
}

// companyLabel names a source customer the way messages do.
func companyLabel(c source.Customer, id string) string {
	if c.Name == "" {
		return fmt.Sprintf("id '%s'", id)
	}
	return fmt.Sprintf("'%s'", c.Name)
}
