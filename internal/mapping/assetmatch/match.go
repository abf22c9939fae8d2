package assetmatch

import (
	"slices"
	"strings"
)

// Endpoint is a device as a security platform lists it.
type Endpoint struct {
	ID, Name, Label, FQDN string
	IPs, MACs             []string
}

// Asset is a HaloPSA asset with its fields by name: the caller fills
// inventory_number, key_field, key_field2, key_field3, and the asset fields
// and custom fields by their names.
type Asset struct {
	ID     int
	Fields map[string]string
}

// Suggestion proposes one asset for one endpoint. Rule is the index of the
// rule that found it in Settings.Rules; Value is the endpoint's value that
// matched, for a person: the name, label or FQDN as the platform wrote it,
// or the IP or MAC address as normalised (a MAC as 12 hex digits).
type Suggestion struct {
	EndpointID string
	AssetID    int
	Rule       int
	Value      string
}

// Ambiguous reports an endpoint that rule Rule matched with several assets,
// or with an asset that rule or another matched with other endpoints too:
// a person chooses. AssetIDs lists at most MaxCandidates assets, the first
// found (by the endpoint's values in order, then the assets in the order
// given).
type Ambiguous struct {
	EndpointID string
	AssetIDs   []int
	Rule       int
}

// Result is what Match found, each list sorted by endpoint id (AssetIDs in
// ascending order), so that the same input always gives the same result.
type Result struct {
	Suggestions []Suggestion
	Ambiguous   []Ambiguous
	// Unmatched are the endpoints no rule found a candidate for.
	Unmatched []string
}

// Match suggests an asset for each endpoint not in confirmed (endpoint id →
// asset id). An asset confirmed for any endpoint is never suggested for
// another, and a confirmed endpoint is left out of the result: confirmed
// mappings are never overwritten.
//
// For each endpoint the rules are tried in order, and the first that finds
// at least one candidate decides: one candidate is a suggestion, several
// are ambiguous. An asset that would be suggested for two or more endpoints
// is suggested for none: each of them is ambiguous with that asset.
//
// Values are compared after trimming spaces, without case unless the rule
// is case-sensitive (IP and MAC addresses are always compared without
// case), cut at MaxValueBytes. IP and MAC fields may list several
// addresses, separated by commas, semicolons or spaces; a MAC address is
// compared as its 12 hex digits whatever its separators, an IP address in
// its canonical form. An exact name rule also matches a host name with a
// dotted name whose first label it is: an asset value "PC-01" matches the
// endpoint named "pc-01.corp.local" or with that FQDN, and an asset value
// "pc-01.corp.local" the endpoint named "PC-01". In contains mode either
// value may contain the other, the contained one being at least
// MinContained characters long. Empty values never match.
//
// Endpoints without an id, assets with an id below 1, and the later of two
// endpoints or assets with the same id are left out. Match uses the first
// MaxRules rules, skipping those Validate refuses.
func Match(s Settings, endpoints []Endpoint, assets []Asset, confirmed map[string]int) Result {
	taken := make(map[int]bool, len(confirmed))
	for _, id := range confirmed {
		taken[id] = true
	}
	pool := make([]Asset, 0, len(assets))
	seenAssets := make(map[int]bool, len(assets))
	for _, a := range assets {
		if a.ID > 0 && !taken[a.ID] && !seenAssets[a.ID] {
			seenAssets[a.ID] = true
			pool = append(pool, a)
		}
	}
	open := make([]Endpoint, 0, len(endpoints))
	seenEndpoints := make(map[string]bool, len(endpoints))
	for _, e := range endpoints {
		if _, ok := confirmed[e.ID]; ok || e.ID == "" || seenEndpoints[e.ID] {
			continue
		}
		seenEndpoints[e.ID] = true
		open = append(open, e)
	}

	decided := make([]decision, len(open))
	remaining := make([]int, len(open))
	for i := range open {
		remaining[i] = i
	}
	for ri, r := range s.Rules[:min(len(s.Rules), MaxRules)] {
		if len(remaining) == 0 {
			break
		}
		if len(r.problems()) > 0 {
			continue
		}
		ix := newIndex(r, pool)
		next := remaining[:0]
		for _, ei := range remaining {
			positions, value := ix.lookup(open[ei])
			if len(positions) == 0 {
				next = append(next, ei)
				continue
			}
			decided[ei] = decision{rule: ri, positions: positions, value: value}
		}
		remaining = next
	}
	return result(open, pool, decided)
}

// decision is what the deciding rule found for one endpoint.
type decision struct {
	rule      int
	positions []int32 // in the pool of assets, ascending; none: unmatched
	value     string
}

func result(open []Endpoint, pool []Asset, decided []decision) Result {
	suggested := make(map[int32]int)
	for _, d := range decided {
		if len(d.positions) == 1 {
			suggested[d.positions[0]]++
		}
	}
	var r Result
	for i, d := range decided {
		id := open[i].ID
		switch {
		case len(d.positions) == 0:
			r.Unmatched = append(r.Unmatched, id)
		case len(d.positions) == 1 && suggested[d.positions[0]] == 1:
			r.Suggestions = append(r.Suggestions, Suggestion{EndpointID: id, AssetID: pool[d.positions[0]].ID, Rule: d.rule, Value: d.value})
		default:
			ids := make([]int, len(d.positions))
			for j, p := range d.positions {
				ids[j] = pool[p].ID
			}
			slices.Sort(ids)
			r.Ambiguous = append(r.Ambiguous, Ambiguous{EndpointID: id, AssetIDs: ids, Rule: d.rule})
		}
	}
	slices.SortFunc(r.Suggestions, func(a, b Suggestion) int { return strings.Compare(a.EndpointID, b.EndpointID) })
	slices.SortFunc(r.Ambiguous, func(a, b Ambiguous) int { return strings.Compare(a.EndpointID, b.EndpointID) })
	slices.Sort(r.Unmatched)
	return r
}
