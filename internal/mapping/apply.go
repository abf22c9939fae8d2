package mapping

import (
	"errors"
	"fmt"
	"slices"
)

// ErrNotCandidate is returned by Choose for a client the suggestion did not
// offer.
var ErrNotCandidate = errors.New("client is not one of the suggestion's candidates")

// Choose resolves an ambiguous suggestion to one of its candidates, as the
// person confirming it does; the result can be passed to Apply. Choosing the
// client of a suggestion that is not ambiguous returns it unchanged.
func (s Suggestion) Choose(clientID int) (Suggestion, error) {
	if !s.Ambiguous {
		if clientID == s.ClientID {
			return s, nil
		}
		return Suggestion{}, fmt.Errorf("choose client id %d for company %q: %w", clientID, s.CustomerName, ErrNotCandidate)
	}
	i := slices.IndexFunc(s.Candidates, func(c Candidate) bool { return c.ClientID == clientID })
	if i < 0 {
		return Suggestion{}, fmt.Errorf("choose client id %d for company %q: %w", clientID, s.CustomerName, ErrNotCandidate)
	}
	c := s.Candidates[i]
	s.ClientID, s.ClientName, s.Score, s.SharedWith = c.ClientID, c.Name, c.Score, c.SharedWith
	s.Ambiguous, s.Candidates = false, nil
	return s, nil
}

// ConflictReason says why Apply did not apply an accepted suggestion.
type ConflictReason string

const (
	// ConflictConfirmed: the customer is already confirmed on another client.
	ConflictConfirmed ConflictReason = "already_confirmed"
	// ConflictAmbiguous: the suggestion still has several candidates.
	ConflictAmbiguous ConflictReason = "ambiguous"
	// ConflictDuplicate: another accepted suggestion for the same customer,
	// earlier in the same batch, chose a different client.
	ConflictDuplicate ConflictReason = "duplicate"
	// ConflictNoClient: the suggestion names no client.
	ConflictNoClient ConflictReason = "no_client"
)

// Conflict is an accepted suggestion that Apply left alone, and why.
type Conflict struct {
	Suggestion Suggestion
	Reason     ConflictReason
	// Existing is the mapping that stays in place, for ConflictConfirmed and
	// ConflictDuplicate.
	Existing Mapping
	// Message tells the person what happened and what to do.
	Message string
}

// Apply confirms the accepted suggestions, one mapping per customer, and
// returns the mappings with the change made, leaving existing untouched.
// It never overwrites a confirmed mapping: accepting a suggestion for a
// customer already confirmed on the same client changes nothing, and on
// another client it is reported as a conflict, as are ambiguous suggestions
// and disagreeing suggestions for one customer in the same batch. Applying
// the same suggestions twice gives the same mappings.
//
// A customer's unconfirmed mapping is replaced in place, keeping its
// ticketing and billing switches (a person may have set them while
// reviewing), and its site only if the client stays the same, since a site
// belongs to its client. A new mapping starts with ticketing and billing on:
// a person confirming a mapping means the company's alerts and usage should
// reach that client (in the GravityZone integration both services take
// effect through the mapping), and either switch can be turned off per
// mapping afterwards.
func Apply(existing []Mapping, accepted []Suggestion) ([]Mapping, []Conflict) {
	out := slices.Clone(existing)
	where := map[string]int{}
	for i, m := range out {
		if _, seen := where[m.CustomerID]; !seen || m.Confirmed {
			where[m.CustomerID] = i
		}
	}
	appliedNow := map[string]bool{}
	var conflicts []Conflict
	for _, s := range accepted {
		if c, ok := conflictOf(s, out, where, appliedNow); ok {
			conflicts = append(conflicts, c)
			continue
		}
		i, ok := where[s.CustomerID]
		if !ok {
			where[s.CustomerID] = len(out)
			out = append(out, Mapping{CustomerID: s.CustomerID, ClientID: s.ClientID, Ticketing: true, Billing: true, Confirmed: true})
			appliedNow[s.CustomerID] = true
			continue
		}
		m := &out[i]
		if !m.Confirmed {
			if m.ClientID != s.ClientID {
				m.SiteID = 0
			}
			m.ClientID, m.Confirmed = s.ClientID, true
			appliedNow[s.CustomerID] = true
		}
	}
	return out, conflicts
}

// conflictOf reports whether s cannot be applied to out.
func conflictOf(s Suggestion, out []Mapping, where map[string]int, appliedNow map[string]bool) (Conflict, bool) {
	company := s.CustomerName
	if company == "" {
		company = s.CustomerID
	}
	switch {
	case s.Ambiguous:
		return Conflict{Suggestion: s, Reason: ConflictAmbiguous, Message: fmt.Sprintf(
			"Company '%s' matches %d HaloPSA clients equally well. Choose one of them, or map the company by hand.",
			company, len(s.Candidates))}, true
	case s.ClientID == 0:
		return Conflict{Suggestion: s, Reason: ConflictNoClient, Message: fmt.Sprintf(
			"The suggestion for company '%s' names no HaloPSA client. Map the company by hand.", company)}, true
	}
	i, ok := where[s.CustomerID]
	if !ok || !out[i].Confirmed || out[i].ClientID == s.ClientID {
		return Conflict{}, false
	}
	if appliedNow[s.CustomerID] {
		return Conflict{Suggestion: s, Reason: ConflictDuplicate, Existing: out[i], Message: fmt.Sprintf(
			"Two different HaloPSA clients were accepted for company '%s'; client id %d was kept. Unmap it first to map the company to %s instead.",
			company, out[i].ClientID, clientLabel(s.ClientName, s.ClientID))}, true
	}
	return Conflict{Suggestion: s, Reason: ConflictConfirmed, Existing: out[i], Message: fmt.Sprintf(
		"Company '%s' is already mapped to HaloPSA client id %d. Unmap it first to map it to %s instead.",
		company, out[i].ClientID, clientLabel(s.ClientName, s.ClientID))}, true
}

// clientLabel names a client the way messages do: "'Contoso Ltd' (id 42)".
func clientLabel(name string, id int) string {
	if name == "" {
		return fmt.Sprintf("client id %d", id)
	}
	return fmt.Sprintf("'%s' (id %d)", name, id)
}
