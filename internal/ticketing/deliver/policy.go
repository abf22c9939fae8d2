package deliver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"halobridge/internal/halo"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// SavedPolicy is a partner's ticket policy and the client that receives
// the tickets of unmapped customers.
type SavedPolicy struct {
	Policy ticketing.Policy `json:"policy"`
	// FallbackClientID is the HaloPSA client of unmapped customers' tickets,
	// titled "[Unmapped] …"; 0 means their alerts raise no ticket.
	FallbackClientID int       `json:"fallback_client_id"`
	UpdatedAt        time.Time `json:"updated_at,omitzero"`
	// Gaps, in a policy just saved, are the mandatory fields of its ticket
	// types that it leaves empty: saved anyway, they are warnings and events.
	Gaps []ticketing.Gap `json:"gaps,omitempty"`
}

// PolicyError refuses a policy, listing every problem at once so the
// portal can mark each field.
type PolicyError struct {
	Fields []ticketing.FieldError
}

func (e *PolicyError) Error() string {
	msgs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		msgs[i] = f.Error()
	}
	return fmt.Sprintf("the ticket policy has %d problem(s): %s", len(e.Fields), strings.Join(msgs, "; "))
}

// SavePolicy checks p against the partner's HaloPSA catalog and saves it,
// or returns *PolicyError with every field that is wrong. Once saved, the
// mandatory fields of its ticket types that it leaves empty are returned in
// Gaps and raised as events (CheckTicketType).
func (s *Service) SavePolicy(ctx context.Context, partnerID int64, p SavedPolicy) (SavedPolicy, error) {
	cat, err := s.Catalog(ctx, partnerID)
	if err != nil {
		return SavedPolicy{}, err
	}
	problems := ticketing.Validate(p.Policy, cat)
	if fe, ok := s.checkFallback(ctx, partnerID, p.FallbackClientID); !ok {
		problems = append(problems, fe)
	}
	if len(problems) > 0 {
		return SavedPolicy{}, &PolicyError{Fields: problems}
	}
	raw, err := json.Marshal(p.Policy)
	if err != nil {
		return SavedPolicy{}, fmt.Errorf("encode the ticket policy: %w", err)
	}
	saved, err := s.store.SaveTicketPolicy(ctx, store.TicketPolicy{PartnerID: partnerID, Policy: raw, FallbackClientID: p.FallbackClientID})
	if err != nil {
		return SavedPolicy{}, err
	}
	p.UpdatedAt = saved.UpdatedAt
	// The policy is saved whatever HaloPSA answers: a failed check is
	// logged and left to the next sync.
	p.Gaps, _, _, err = s.CheckTicketType(ctx, partnerID)
	if err != nil {
		p.Gaps = nil
		s.opts.Logger.Warn("check the ticket type's mandatory fields after saving the ticket policy", "partner", partnerID, "error", err)
	}
	return p, nil
}

// checkFallback accepts no fallback client, or an active client of the
// catalog.
func (s *Service) checkFallback(ctx context.Context, partnerID int64, clientID int) (ticketing.FieldError, bool) {
	if clientID == 0 {
		return ticketing.FieldError{}, true
	}
	field := "fallback_client_id"
	entry, err := s.store.CatalogEntry(ctx, partnerID, store.KindClient, strconv.Itoa(clientID))
	if err != nil {
		return ticketing.FieldError{Field: field, Message: fmt.Sprintf("client %d does not exist in HaloPSA; refresh the catalog or choose another", clientID)}, false
	}
	var c halo.ClientRecord
	if json.Unmarshal(entry.Data, &c) == nil && c.Inactive {
		return ticketing.FieldError{Field: field, Message: fmt.Sprintf("client %q is inactive in HaloPSA; choose an active client", entry.Name)}, false
	}
	return ticketing.FieldError{}, true
}

// Policy returns the partner's saved policy; store.ErrNotFound when none.
func (s *Service) Policy(ctx context.Context, partnerID int64) (SavedPolicy, error) {
	stored, err := s.store.TicketPolicy(ctx, partnerID)
	if err != nil {
		return SavedPolicy{}, err
	}
	out := SavedPolicy{FallbackClientID: stored.FallbackClientID, UpdatedAt: stored.UpdatedAt}
	if err := json.Unmarshal(stored.Policy, &out.Policy); err != nil {
		return SavedPolicy{}, fmt.Errorf("read the ticket policy of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// PolicyDefaults fills what p leaves empty with the defaults of its ticket
// type, where HaloPSA has them: what the portal offers once a ticket type
// is chosen.
func (s *Service) PolicyDefaults(ctx context.Context, partnerID int64, p ticketing.Policy) (ticketing.Policy, error) {
	cat, err := s.Catalog(ctx, partnerID)
	if err != nil {
		return ticketing.Policy{}, err
	}
	return ticketing.DefaultsFromTicketType(p, cat), nil
}

// IsPolicyError reports whether err refused a policy, and returns it.
func IsPolicyError(err error) (*PolicyError, bool) {
	var pe *PolicyError
	ok := errors.As(err, &pe)
	return pe, ok
}
