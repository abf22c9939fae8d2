package twoway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// toSource takes a change made in HaloPSA back to the source of the ticket's latest alert,
// where the source allows it, and says what it did.
func (s *Service) toSource(ctx context.Context, partnerID int64, link store.TicketLink, c store.TicketChange) (string, string) {
	alert, err := s.Store.LatestAlertOfLink(ctx, partnerID, link.Key)
	if errors.Is(err, store.ErrNotFound) {
		return store.SourceNothing, "the ticket's alerts are no longer kept"
	}
	if err != nil {
		return store.SourceFailed, err.Error()
	}
	src, err := s.Store.Source(ctx, alert.SourceID)
	if errors.Is(err, store.ErrNotFound) {
		return store.SourceNothing, "the ticket's source was removed"
	}
	if err != nil {
		return store.SourceFailed, err.Error()
	}
	switch src.Kind {
	case source.GravityZone:
		return s.toGravityZone(ctx, src, alert, c)
	case source.DefensX:
		return store.SourceNotPossible, "DefensX's Partner API has no way to resolve a user request: the change is recorded in halobridge only"
	case source.Push:
		return s.toPush(ctx, src, link, c)
	}
	return store.SourceNothing, ""
}

// loopOf is how the partner's ticket policy takes changes back to GravityZone incidents of
// an alert type: the default when the policy or the type does not say.
func (s *Service) loopOf(ctx context.Context, partnerID int64, alertType string) (ticketing.SourceLoop, error) {
	p, err := s.policy(ctx, partnerID)
	if err != nil {
		return "", err
	}
	return p.ForSource(source.GravityZone).Types[alertType].Loop(), nil
}

// policy is the partner's ticket policy; the zero policy when none is saved.
func (s *Service) policy(ctx context.Context, partnerID int64) (ticketing.Policy, error) {
	var p ticketing.Policy
	stored, err := s.Store.TicketPolicy(ctx, partnerID)
	if errors.Is(err, store.ErrNotFound) {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(stored.Policy, &p); err != nil {
		return p, fmt.Errorf("read the ticket policy of partner %d: %w", partnerID, err)
	}
	return p, nil
}
