package source

import (
	"context"
	"encoding/hex"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Endpoint is a device of a customer as the source knows it (a GravityZone
// endpoint, a DefensX agent, a device a vendor pushed), kept so that an
// alert naming a host can be routed to the device's company and matched to
// a HaloPSA asset.
type Endpoint struct {
	ID         string   `json:"id"`
	CustomerID string   `json:"customer_id"`
	Name       string   `json:"name"`
	Label      string   `json:"label,omitempty"`
	FQDN       string   `json:"fqdn,omitempty"`
	OS         string   `json:"os,omitempty"`
	IPs        []string `json:"ips,omitempty"`
	MACs       []string `json:"macs,omitempty"`
	Managed    bool     `json:"managed"`
	// LastSeen is when the source last heard from the device; zero when the
	// source's list does not say.
	LastSeen time.Time `json:"last_seen,omitzero"`
}

// MaxEndpointsPerCustomer bounds the endpoints halobridge keeps of one
// customer: far above a small business's fleet, and a stop for a source
// that keeps announcing more pages.
const MaxEndpointsPerCustomer = 20000

// EndpointLister is implemented by the sources that can list their
// customers' devices: the catalog sync keeps them for routing and asset
// matching.
type EndpointLister interface {
	// Endpoints lists the endpoints of one customer, at most
	// MaxEndpointsPerCustomer.
	Endpoints(ctx context.Context, customerID string) ([]Endpoint, error)
}

// Bounds of what Endpoint.Clean keeps: far above real values, small enough
// for any ticket and any index.
const (
	// MaxEndpointTextBytes bounds a name, label, FQDN, OS and each IP.
	MaxEndpointTextBytes = 256
	// MaxEndpointAddresses bounds the IPs, and the MACs, kept of one
	// endpoint: a server with many interfaces has a dozen.
	MaxEndpointAddresses = 32
)

// Clean makes e what both database engines keep alike, as User.Clean does:
// texts cleaned and cut at MaxEndpointTextBytes on a character, IPs
// trimmed, MACs written as 12 lowercase hex digits (one that is not a MAC
// address is left out), empty and repeated addresses left out, at most
// MaxEndpointAddresses of each. It reports false for an endpoint that could
// never be found again: one without an id, or with an id over MaxIDBytes.
func (e *Endpoint) Clean() bool {
	var found cleaned
	e.ID = strings.TrimSpace(cleanText(e.ID, &found))
	e.CustomerID = cleanText(e.CustomerID, &found)
	for _, s := range []*string{&e.Name, &e.Label, &e.FQDN, &e.OS} {
		*s = cut(strings.TrimSpace(cleanText(*s, &found)), MaxEndpointTextBytes)
	}
	e.IPs = addresses(e.IPs, func(s string) string {
		return cut(strings.TrimSpace(cleanText(s, &found)), MaxEndpointTextBytes)
	})
	e.MACs = addresses(e.MACs, NormaliseMAC)
	return e.ID != "" && len(e.ID) <= MaxIDBytes
}

// addresses is in, each through norm, without the empty and repeated ones,
// at most MaxEndpointAddresses, in order; nil when none is left.
func addresses(in []string, norm func(string) string) []string {
	var out []string
	for _, s := range in {
		if len(out) == MaxEndpointAddresses {
			break
		}
		if s = norm(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// NormaliseMAC writes a MAC address as its 12 lowercase hex digits
// ("00:1A:2b-3c.4d5e" → "001a2b3c4d5e"), the one form matching compares;
// "" for anything else.
func NormaliseMAC(s string) string {
	var digits []byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ':' || c == '-' || c == '.' || c == ' ':
		case len(digits) < 13:
			digits = append(digits, c)
		default:
			return ""
		}
	}
	if len(digits) != 12 {
		return ""
	}
	if _, err := hex.DecodeString(string(digits)); err != nil {
		return ""
	}
	return strings.ToLower(string(digits))
}

// cut shortens s to at most max bytes, on a character.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}

// EndpointChange is one endpoint's change as a source pushed it between
// syncs (a DefensX Agent.* webhook): the endpoint as it now is, or its
// removal.
type EndpointChange struct {
	// Endpoint is the endpoint as it now is; of a removal only its ID and
	// CustomerID count.
	Endpoint Endpoint
	Removed  bool
	// At is when the change happened, as the source says: of two changes
	// of one endpoint the later stands, in whatever order they arrive.
	At time.Time
}

// Clean makes c what both database engines keep alike (see Endpoint.Clean),
// its customer id bounded as an alert's is (see Alert.Clean), so that the
// endpoint is filed under the customer its alerts name. It reports false
// for a change that cannot be applied: no usable endpoint id, no customer
// or no time.
func (c *EndpointChange) Clean() bool {
	ok := c.Endpoint.Clean()
	var found cleaned
	c.Endpoint.CustomerID = bound(c.Endpoint.CustomerID, MaxIDBytes, &found)
	return ok && strings.TrimSpace(c.Endpoint.CustomerID) != "" && !c.At.IsZero()
}
