package ticketing

import (
	"fmt"
	"strings"

	"halobridge/internal/source"
)

// endpointIDFacts are the facts that hold an endpoint's id at its source:
// GravityZone's computer_id and endpointId, which differ for one endpoint
// in some events (API.md) and are both kept.
var endpointIDFacts = []string{"computer_id", "endpointId"}

// Endpoint is what identifies the endpoint of an alert: the facts that
// hold its id at the source, and its host name.
type Endpoint struct {
	IDs  map[string]string
	Name string
}

// EndpointOf is the endpoint of a, and false when a names none.
func EndpointOf(a source.Alert) (Endpoint, bool) {
	e := Endpoint{Name: strings.TrimSpace(a.HostName)}
	for _, f := range endpointIDFacts {
		if v := strings.TrimSpace(a.Facts[f]); v != "" {
			if e.IDs == nil {
				e.IDs = map[string]string{}
			}
			e.IDs[f] = v
		}
	}
	return e, len(e.IDs) > 0 || e.Name != ""
}

// EndpointCompany is what the caller found of the company of the endpoint
// of an alert that names no company: the companies other alerts of the
// endpoint, or the devices its source lists, name (none, one, or several when its name is not unique), and
// the mapping of the company when there is exactly one.
type EndpointCompany struct {
	CustomerIDs []string
	// Name is the one company's name, "" when unknown.
	Name    string
	Mapping MappingState
}

// label names the one company for a person: by its name, else its id.
func (e *EndpointCompany) label() string {
	if e.Name != "" {
		return quoted(e.Name)
	}
	return quoted(e.company())
}

// company is the one company the endpoint is known to belong to, "" for
// none or several.
func (e *EndpointCompany) company() string {
	if e == nil || len(e.CustomerIDs) != 1 {
		return ""
	}
	return e.CustomerIDs[0]
}

// NoCompany says in words that a names no company ("GravityZone sent this
// event without a company"), and is "" when it names one.
func NoCompany(a source.Alert) string {
	if a.CustomerID != "" {
		return ""
	}
	return sourceName(a.Source) + " sent this event without a company"
}

// Company is the company an alert goes by: its own, or, for an alert
// that names no company, its endpoint's one known company; "" for none.
func Company(in Input) string {
	c, _, _ := route(in)
	return c
}

// route is the company and mapping an alert goes by: its own, or, for an
// alert that names no company, that of its endpoint's one known company.
// viaEndpoint says which.
func route(in Input) (customerID string, m MappingState, viaEndpoint bool) {
	if in.Alert.CustomerID != "" {
		return in.Alert.CustomerID, in.Mapping, false
	}
	if c := in.Endpoint.company(); c != "" {
		return c, in.Endpoint.Mapping, true
	}
	return "", MappingState{}, false
}

// noCompanySkip is the reason an alert that names no company raises no
// ticket when no fallback client is configured.
func noCompanySkip(a source.Alert, endpoint *EndpointCompany) string {
	why := NoCompany(a)
	switch {
	case endpoint.company() != "":
		return fmt.Sprintf("%s; its endpoint %s belongs to company %s (from its other events or its source's device list), which is not mapped to a HaloPSA client, and no fallback client is configured; map that company or choose a fallback client",
			why, quoted(EndpointName(a)), endpoint.label())
	case endpoint != nil && len(endpoint.CustomerIDs) > 1:
		return fmt.Sprintf("%s, and its endpoint %s is named in events or device lists of several companies, so halobridge cannot tell whose it is; no fallback client is configured: choose one",
			why, quoted(EndpointName(a)))
	}
	if _, ok := EndpointOf(a); !ok {
		return why + ", nor an endpoint to find it by; no fallback client is configured: choose one so that such events raise tickets"
	}
	return fmt.Sprintf("%s, and neither another event nor its source's device list names the company of its endpoint %s; no fallback client is configured: choose one, and map the endpoint's company once its events arrive",
		why, quoted(EndpointName(a)))
}

// noCompanyNotice tells the person who finds such a ticket why it is where
// it is: on the client of its endpoint's company, or on the fallback.
func noCompanyNotice(a source.Alert, endpoint *EndpointCompany, unmapped bool) string {
	_, named := EndpointOf(a)
	var what string
	switch {
	case !unmapped:
		what = fmt.Sprintf("halobridge raised this ticket on the client of company %s, to which its endpoint %s belongs (from its other events or its source's device list).",
			escape(endpoint.label()), escape(quoted(EndpointName(a))))
	case endpoint.company() != "":
		what = fmt.Sprintf("Its endpoint %s belongs to company %s (from its other events or its source's device list), which is not mapped to a HaloPSA client, so this ticket was raised on the fallback client. Map the company in halobridge and move this ticket to its client.",
			escape(quoted(EndpointName(a))), escape(endpoint.label()))
	case !named:
		what = "It names no endpoint either, so this ticket was raised on the fallback client. Move it to the client concerned."
	default:
		what = fmt.Sprintf("Neither another event nor its source's device list names the company of its endpoint %s, so this ticket was raised on the fallback client. Move it to the endpoint's client; once an event of that company names the endpoint, halobridge routes such events there.",
			escape(quoted(EndpointName(a))))
	}
	return fmt.Sprintf("<p><strong>No company:</strong> %s. %s</p>\n", escape(NoCompany(a)), what)
}

// EndpointName names an alert's endpoint for a person: its host name, else
// its id; "" when it names none.
func EndpointName(a source.Alert) string {
	e, _ := EndpointOf(a)
	if e.Name != "" {
		return e.Name
	}
	for _, f := range endpointIDFacts {
		if id := e.IDs[f]; id != "" {
			return "id " + id
		}
	}
	return ""
}
