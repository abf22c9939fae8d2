package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"halobridge/internal/billing"
	"halobridge/internal/store"
)

// Policy is a partner's billing policy as halobridge keeps it: billing's
// rules, and for append mode the invoice a person chose for each client
// that has several Monthly recurring invoices.
type Policy struct {
	billing.Policy
	// Invoices maps a HaloPSA client id to the recurring invoice its lines
	// go on in append mode.
	Invoices map[int]int `json:"invoices,omitempty"`
}

// ErrNoPolicy says the partner has no billing policy yet.
var ErrNoPolicy = errors.New("no billing policy is set: write one and load it with 'halobridge billing policy set'")

// PolicyError lists what is wrong with a policy, field by field.
type PolicyError struct {
	Fields []billing.FieldError
}

func (e *PolicyError) Error() string {
	msgs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		msgs[i] = f.Error()
	}
	return "the billing policy cannot be used: " + strings.Join(msgs, "; ")
}

// Checked says what SavePolicy checked a policy against.
type Checked struct {
	// InUse are the products the partner's sources report now.
	InUse []billing.Product `json:"in_use"`
	// Unchecked says which sources could not be read, and why: the products
	// only they use were not checked, and a run reports them if they have
	// no item.
	Unchecked []string `json:"unchecked,omitempty"`
}

// usable reports whether a run can bill by the policy: it has an invoice
// mode (CreateItems stores a policy without one).
func (p Policy) usable() bool {
	return p.Mode == billing.ModeCreate || p.Mode == billing.ModeAppend
}

// Policy returns the partner's billing policy, or ErrNoPolicy.
func (s *Service) Policy(ctx context.Context, partnerID int64) (Policy, error) {
	stored, err := s.Store.BillingPolicy(ctx, partnerID)
	if errors.Is(err, store.ErrNotFound) {
		return Policy{}, ErrNoPolicy
	}
	if err != nil {
		return Policy{}, err
	}
	var p Policy
	if err := json.Unmarshal(stored.Policy, &p); err != nil {
		return Policy{}, fmt.Errorf("billing policy of partner %d: %w", partnerID, err)
	}
	return p, nil
}

// SavePolicy stores the partner's policy once billing.Validate finds
// nothing wrong with it against the products in use and the items HaloPSA
// has; otherwise the error is a *PolicyError.
func (s *Service) SavePolicy(ctx context.Context, partnerID int64, p Policy) (Checked, error) {
	hc, err := s.haloClient(ctx, partnerID)
	if err != nil {
		return Checked{}, err
	}
	list, err := hc.Items(ctx)
	if err != nil {
		return Checked{}, fmt.Errorf("read the HaloPSA items to check the billing policy against: %w", err)
	}
	items, _ := itemsOf(list)
	inUse, unchecked, err := s.inUse(ctx, partnerID)
	if err != nil {
		return Checked{}, err
	}
	if errs := billing.Validate(p.Policy, inUse, items); len(errs) > 0 {
		return Checked{}, &PolicyError{Fields: errs}
	}
	if err := s.storePolicy(ctx, partnerID, p); err != nil {
		return Checked{}, err
	}
	return Checked{InUse: inUse, Unchecked: unchecked}, nil
}

func (s *Service) storePolicy(ctx context.Context, partnerID int64, p Policy) error {
	raw, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("billing policy of partner %d: %w", partnerID, err)
	}
	_, err = s.Store.SaveBillingPolicy(ctx, partnerID, raw)
	return err
}
