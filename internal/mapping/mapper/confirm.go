package mapper

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"halobridge/internal/connect"
	"halobridge/internal/mapping"
	"halobridge/internal/store"
)

// Accept names a suggestion a person accepts or rejects: the customer and,
// for an ambiguous suggestion, the candidate chosen.
type Accept struct {
	SourceID   int64  `json:"source_id"`
	CustomerID string `json:"customer_id"`
	ClientID   int    `json:"client_id,omitempty"`
}

// Conflict is an accepted suggestion left alone, and why.
type Conflict struct {
	SourceID   int64  `json:"source_id"`
	CustomerID string `json:"customer_id"`
	// Reason is a mapping.ConflictReason, "not_candidate" for a client the
	// suggestion did not offer, or "no_suggestion".
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// ConfirmResult is what confirming suggestions did.
type ConfirmResult struct {
	Confirmed []MappingView `json:"confirmed"`
	Conflicts []Conflict    `json:"conflicts"`
}

// Suggestions lists the suggestions waiting for a person: the stored ones
// (which a person may have rejected since the last sync) and the ambiguous
// ones, which are never stored, each source's in the order mapping.Suggest
// gives.
func (s *Service) Suggestions(ctx context.Context, partnerID int64) ([]Suggestion, error) {
	snap, err := LoadSnapshot(ctx, s.Store, partnerID)
	if err != nil {
		return nil, err
	}
	sources, err := s.Store.Sources(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	all, err := s.Store.Mappings(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	rejected, err := loadRejections(ctx, s.Store, partnerID)
	if err != nil {
		return nil, err
	}
	out := []Suggestion{}
	for _, src := range sources {
		suggestions, stored, err := suggest(ctx, s.Store, src, snap, all, rejected)
		if err != nil {
			return nil, err
		}
		pushed, err := seenInPush(ctx, s.Store, src.ID)
		if err != nil {
			return nil, err
		}
		rows := unconfirmed(stored)
		for _, sg := range suggestions {
			row, ok := rows[sg.CustomerID]
			// A company first seen in a push is suggested at once, not at
			// the next sync: it has no stored row to agree with yet.
			fresh := !ok && pushed[sg.CustomerID]
			if sg.Ambiguous || ok && row.ClientID == sg.ClientID || fresh {
				out = append(out, suggestionOf(src, sg))
			}
		}
	}
	return out, nil
}

// seenInPush are the ids of a source's customers known from pushes only.
func seenInPush(ctx context.Context, st *store.Store, sourceID int64) (map[string]bool, error) {
	customers, err := st.SourceCustomers(ctx, sourceID)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, c := range customers {
		if c.SeenInPush {
			out[c.ID] = true
		}
	}
	return out, nil
}

// Confirm accepts suggestions, one or many, and settles the events of the
// mappings it confirms. It never overwrites a confirmed mapping (see
// mapping.Apply); what it leaves alone is in Conflicts. Accepting the same
// suggestions twice changes nothing the second time.
func (s *Service) Confirm(ctx context.Context, partnerID int64, accepts []Accept) (ConfirmResult, error) {
	res := ConfirmResult{Confirmed: []MappingView{}, Conflicts: []Conflict{}}
	snap, err := LoadSnapshot(ctx, s.Store, partnerID)
	if err != nil {
		return res, err
	}
	all, err := s.Store.Mappings(ctx, partnerID)
	if err != nil {
		return res, err
	}
	rejected, err := loadRejections(ctx, s.Store, partnerID)
	if err != nil {
		return res, err
	}
	for _, sourceID := range sourceIDs(accepts) {
		src, err := s.source(ctx, partnerID, sourceID)
		if err != nil {
			return res, err
		}
		if err := s.confirmSource(ctx, src, snap, all, rejected, accepts, &res); err != nil {
			return res, fmt.Errorf("confirm suggestions of %s: %w", connect.Label(src), err)
		}
	}
	return res, nil
}

// ConfirmAll accepts every stored suggestion of the partner: the clear
// ones, as ambiguous suggestions need a person's choice.
func (s *Service) ConfirmAll(ctx context.Context, partnerID int64) (ConfirmResult, error) {
	all, err := s.Store.Mappings(ctx, partnerID)
	if err != nil {
		return ConfirmResult{}, err
	}
	var accepts []Accept
	for _, m := range all {
		if !m.Confirmed {
			accepts = append(accepts, Accept{SourceID: m.SourceID, CustomerID: m.CustomerID})
		}
	}
	return s.Confirm(ctx, partnerID, accepts)
}

func (s *Service) confirmSource(ctx context.Context, src store.Source, snap *Snapshot, all []store.Mapping, rejected rejections, accepts []Accept, res *ConfirmResult) error {
	suggestions, stored, err := suggest(ctx, s.Store, src, snap, all, rejected)
	if err != nil {
		return err
	}
	made := map[string]mapping.Suggestion{}
	for _, sg := range suggestions {
		made[sg.CustomerID] = sg
	}
	rows := unconfirmed(stored)
	var accepted []mapping.Suggestion
	for _, a := range accepts {
		if a.SourceID != src.ID {
			continue
		}
		sg, ok := made[a.CustomerID]
		if row, hasRow := rows[a.CustomerID]; hasRow && (!ok || sg.ClientID != row.ClientID) {
			// The stored suggestion is what the person saw, even if the
			// catalog changed since.
			sg, ok = mapping.Suggestion{CustomerID: row.CustomerID, ClientID: row.ClientID, Rule: mapping.Rule(row.Rule), Score: row.Score}, true
		}
		if !ok {
			if c, conflict := noSuggestion(src, stored, a); conflict {
				res.Conflicts = append(res.Conflicts, c)
			}
			continue
		}
		if a.ClientID != 0 && (sg.Ambiguous || a.ClientID != sg.ClientID) {
			chosen, err := sg.Choose(a.ClientID)
			if errors.Is(err, mapping.ErrNotCandidate) {
				res.Conflicts = append(res.Conflicts, Conflict{SourceID: src.ID, CustomerID: a.CustomerID, Reason: "not_candidate",
					Message: fmt.Sprintf("HaloPSA client id %d is not what was suggested for company '%s': map it by hand to choose another client.", a.ClientID, cmp.Or(sg.CustomerName, sg.CustomerID))})
				continue
			}
			sg = chosen
		}
		accepted = append(accepted, sg)
	}
	next, conflicts := mapping.Apply(decisionMappings(stored), accepted)
	for _, c := range conflicts {
		res.Conflicts = append(res.Conflicts, Conflict{SourceID: src.ID, CustomerID: c.Suggestion.CustomerID, Reason: string(c.Reason), Message: c.Message})
	}
	return s.saveConfirmed(ctx, src, snap, stored, next, accepted, res)
}

// saveConfirmed stores the mappings Apply confirmed anew.
func (s *Service) saveConfirmed(ctx context.Context, src store.Source, snap *Snapshot, stored []store.Mapping, next []mapping.Mapping, accepted []mapping.Suggestion, res *ConfirmResult) error {
	before := map[string]store.Mapping{}
	for _, m := range stored {
		before[m.CustomerID] = m
	}
	rules := map[string]mapping.Suggestion{}
	for _, sg := range accepted {
		if _, seen := rules[sg.CustomerID]; !seen {
			rules[sg.CustomerID] = sg
		}
	}
	for _, m := range next {
		old, existed := before[m.CustomerID]
		// Apply returns every mapping; only those it confirmed now are new:
		// suggestions the person did not accept stay suggestions.
		if !m.Confirmed || existed && old.Confirmed {
			continue
		}
		sg := rules[m.CustomerID]
		saved, err := s.Store.SaveMapping(ctx, store.Mapping{PartnerID: src.PartnerID, SourceID: src.ID, CustomerID: m.CustomerID,
			ClientID: m.ClientID, SiteID: m.SiteID, Ticketing: m.Ticketing, Billing: m.Billing, Confirmed: true,
			Rule: string(sg.Rule), Score: sg.Score})
		if err != nil {
			return err
		}
		view, err := s.settled(ctx, src, snap, saved)
		if err != nil {
			return err
		}
		res.Confirmed = append(res.Confirmed, view)
	}
	return nil
}

// Reject withdraws stored suggestions and returns how many it withdrew.
// Each is recorded as rejected, so that no later sync makes it again: a
// person who said a company is not a client is not asked again every hour.
// Mapping the company to that client by hand forgets the rejection.
// Confirmed mappings are left alone (unmap them instead), as are ambiguous
// suggestions, which are never stored, and a suggestion of another client
// than the one a reject names, which changed since the person saw it.
func (s *Service) Reject(ctx context.Context, partnerID int64, rejects []Accept) (int, error) {
	n := 0
	for _, r := range rejects {
		src, err := s.source(ctx, partnerID, r.SourceID)
		if err != nil {
			return n, err
		}
		m, err := s.Store.Mapping(ctx, src.ID, r.CustomerID)
		if errors.Is(err, store.ErrNotFound) || err == nil && (m.Confirmed || r.ClientID != 0 && r.ClientID != m.ClientID) {
			continue
		}
		if err != nil {
			return n, err
		}
		// Recorded before the suggestion is deleted: should the delete
		// fail, the next sync withdraws the suggestion anyway.
		if err := s.Store.RejectSuggestion(ctx, partnerID, src.ID, m.CustomerID, m.ClientID); err != nil {
			return n, fmt.Errorf("reject suggestion for company id '%s': %w", m.CustomerID, err)
		}
		if err := s.Store.DeleteMapping(ctx, src.ID, r.CustomerID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return n, err
		}
		n++
	}
	return n, nil
}

func unconfirmed(stored []store.Mapping) map[string]store.Mapping {
	out := map[string]store.Mapping{}
	for _, m := range stored {
		if !m.Confirmed {
			out[m.CustomerID] = m
		}
	}
	return out
}

// noSuggestion says why an accepted customer without a suggestion cannot
// be confirmed; it is no conflict when the customer is already confirmed
// on the client accepted (or on any, when none is named).
func noSuggestion(src store.Source, stored []store.Mapping, a Accept) (Conflict, bool) {
	c := Conflict{SourceID: src.ID, CustomerID: a.CustomerID, Reason: "no_suggestion",
		Message: fmt.Sprintf("There is no suggestion for company id '%s' any more: map it by hand.", a.CustomerID)}
	i := slices.IndexFunc(stored, func(m store.Mapping) bool { return m.CustomerID == a.CustomerID && m.Confirmed })
	if i < 0 {
		return c, true
	}
	if a.ClientID == 0 || a.ClientID == stored[i].ClientID {
		return Conflict{}, false
	}
	c.Reason = string(mapping.ConflictConfirmed)
	c.Message = fmt.Sprintf("Company id '%s' is already mapped to HaloPSA client id %d. Unmap it first to map it to client id %d instead.",
		a.CustomerID, stored[i].ClientID, a.ClientID)
	return c, true
}

func sourceIDs(accepts []Accept) []int64 {
	var ids []int64
	for _, a := range accepts {
		if !slices.Contains(ids, a.SourceID) {
			ids = append(ids, a.SourceID)
		}
	}
	return ids
}
