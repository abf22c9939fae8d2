package mapper

import (
	"context"
	"errors"
	"fmt"

	"halobridge/internal/connect"
	"halobridge/internal/jobs"
	"halobridge/internal/mapping"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// Suggestion is an auto-match suggestion for one customer of one source,
// as a person reviews it.
type Suggestion struct {
	SourceID     int64       `json:"source_id"`
	SourceName   string      `json:"source_name"`
	SourceKind   source.Kind `json:"source_kind"`
	CustomerID   string      `json:"customer_id"`
	CustomerName string      `json:"customer_name"`
	ClientID     int         `json:"client_id,omitempty"`
	ClientName   string      `json:"client_name,omitempty"`
	Rule         string      `json:"rule"`
	Score        float64     `json:"score"`
	// Ambiguous suggestions name no client: a person chooses one of the
	// Candidates, or maps the customer by hand.
	Ambiguous  bool        `json:"ambiguous,omitempty"`
	Candidates []Candidate `json:"candidates,omitempty"`
	// SharedWith lists the customers already confirmed on the client.
	SharedWith []string `json:"shared_with,omitempty"`
}

// Candidate is one of the clients an ambiguous suggestion could mean.
type Candidate struct {
	ClientID   int      `json:"client_id"`
	Name       string   `json:"name"`
	Score      float64  `json:"score"`
	SharedWith []string `json:"shared_with,omitempty"`
}

func suggestionOf(src store.Source, s mapping.Suggestion) Suggestion {
	out := Suggestion{
		SourceID: src.ID, SourceName: src.Name, SourceKind: src.Kind,
		CustomerID: s.CustomerID, CustomerName: s.CustomerName, ClientID: s.ClientID, ClientName: s.ClientName,
		Rule: string(s.Rule), Score: s.Score, Ambiguous: s.Ambiguous, SharedWith: s.SharedWith,
	}
	for _, c := range s.Candidates {
		out.Candidates = append(out.Candidates, Candidate{ClientID: c.ClientID, Name: c.Name, Score: c.Score, SharedWith: c.SharedWith})
	}
	return out
}

// stepSuggestions names the sync's step of SuggestAll, as the CLI and the
// API show it.
const stepSuggestions = "Suggestions"

// SuggestAll stores, for each source, a suggestion for every customer that
// has no confirmed mapping and a clear match, as an unconfirmed mapping
// with both switches on (what confirming it gives, unless the person turns
// one off first). A stored suggestion still made is left as it is, switches
// and all; one no longer made is withdrawn, as is one a person rejected
// (see Service.Reject). Confirmed mappings are never touched:
// mapping.Suggest skips their customers. It returns the suggestions stored
// or changed, the stale ones withdrawn and the ambiguous ones, which are
// reported for a person to choose, never chosen; a sync runs it as a step
// reported on p.
func SuggestAll(ctx context.Context, st *store.Store, partnerID int64, snap *Snapshot, sources []store.Source, p *jobs.Progress) (suggested, withdrawn int, ambiguous []Suggestion, err error) {
	p.Step(stepSuggestions, len(sources))
	all, err := st.Mappings(ctx, partnerID)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("suggestions: %w", err)
	}
	rejected, err := loadRejections(ctx, st, partnerID)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("suggestions: %w", err)
	}
	for _, src := range sources {
		suggestions, stored, err := suggest(ctx, st, src, snap, all, rejected)
		if err != nil {
			return suggested, withdrawn, ambiguous, fmt.Errorf("suggestions for %s: %w", connect.Label(src), err)
		}
		added, gone, err := storeSuggestions(ctx, st, src, suggestions, stored)
		if err != nil {
			return suggested, withdrawn, ambiguous, fmt.Errorf("suggestions for %s: %w", connect.Label(src), err)
		}
		suggested += added
		withdrawn += gone
		unclear := 0
		for _, sg := range suggestions {
			if sg.Ambiguous {
				ambiguous = append(ambiguous, suggestionOf(src, sg))
				unclear++
			}
		}
		p.Count("suggested", added)
		p.Count("withdrawn", gone)
		p.Count("ambiguous", unclear)
		p.Advance(1)
	}
	return suggested, withdrawn, ambiguous, nil
}

// suggest runs mapping.Suggest over a source's stored customers and
// returns the suggestions, less the rejected ones, with the source's
// stored mappings.
func suggest(ctx context.Context, st *store.Store, src store.Source, snap *Snapshot, all []store.Mapping, rejected rejections) ([]mapping.Suggestion, []store.Mapping, error) {
	customers, err := st.SourceCustomers(ctx, src.ID)
	if err != nil {
		return nil, nil, err
	}
	stored := mappingsOf(all, src.ID)
	var out []mapping.Suggestion
	for _, sg := range mapping.Suggest(src.Kind, customers, snap.clients, decisionMappings(stored)) {
		// A customer whose best candidate was rejected gets no suggestion
		// at all, rather than one from a weaker rule (a shared domain, a
		// near name): falling through would surprise the person who just
		// said no with a new guess resting on less evidence; they map the
		// customer by hand instead.
		if !sg.Ambiguous && rejected[rejection{sourceID: src.ID, customerID: sg.CustomerID, clientID: sg.ClientID}] {
			continue
		}
		out = append(out, sg)
	}
	return out, stored, nil
}

// rejection is a client a person rejected for a customer of a source.
type rejection struct {
	sourceID   int64
	customerID string
	clientID   int
}

// rejections are a partner's rejected suggestions, which are not made
// again until the pair is mapped by hand.
type rejections map[rejection]bool

func loadRejections(ctx context.Context, st *store.Store, partnerID int64) (rejections, error) {
	list, err := st.RejectedSuggestions(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	out := rejections{}
	for _, r := range list {
		out[rejection{sourceID: r.SourceID, customerID: r.CustomerID, clientID: r.ClientID}] = true
	}
	return out, nil
}

func storeSuggestions(ctx context.Context, st *store.Store, src store.Source, suggestions []mapping.Suggestion, stored []store.Mapping) (added, withdrawn int, err error) {
	current := map[string]store.Mapping{}
	for _, m := range stored {
		current[m.CustomerID] = m
	}
	made := map[string]bool{}
	for _, sg := range suggestions {
		if sg.Ambiguous {
			continue
		}
		made[sg.CustomerID] = true
		m, ok := current[sg.CustomerID]
		if ok && m.ClientID == sg.ClientID && m.Rule == string(sg.Rule) && m.Score == sg.Score {
			continue
		}
		next := store.Mapping{PartnerID: src.PartnerID, SourceID: src.ID, CustomerID: sg.CustomerID, ClientID: sg.ClientID,
			Ticketing: true, Billing: true, Rule: string(sg.Rule), Score: sg.Score}
		if ok && m.ClientID == sg.ClientID {
			next.SiteID, next.Ticketing, next.Billing = m.SiteID, m.Ticketing, m.Billing
		}
		if _, err := st.SaveMapping(ctx, next); err != nil {
			return added, withdrawn, err
		}
		added++
	}
	for _, m := range stored {
		if m.Confirmed || made[m.CustomerID] {
			continue
		}
		if err := st.DeleteMapping(ctx, m.SourceID, m.CustomerID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return added, withdrawn, err
		}
		withdrawn++
	}
	return added, withdrawn, nil
}

func mappingsOf(all []store.Mapping, sourceID int64) []store.Mapping {
	var out []store.Mapping
	for _, m := range all {
		if m.SourceID == sourceID {
			out = append(out, m)
		}
	}
	return out
}

// decisionMappings are stored mappings as mapping decides on them.
func decisionMappings(stored []store.Mapping) []mapping.Mapping {
	out := make([]mapping.Mapping, 0, len(stored))
	for _, m := range stored {
		out = append(out, decisionMapping(m))
	}
	return out
}

func decisionMapping(m store.Mapping) mapping.Mapping {
	return mapping.Mapping{CustomerID: m.CustomerID, ClientID: m.ClientID, SiteID: m.SiteID, Ticketing: m.Ticketing, Billing: m.Billing, Confirmed: m.Confirmed}
}
