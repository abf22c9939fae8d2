package events

import (
	"context"
	"errors"
	"fmt"

	"halobridge/internal/mapping"
	"halobridge/internal/store"
)

// Resolution is what Resolve did.
type Resolution struct {
	Event store.Event
	// Action says it in words, for the person who asked.
	Action string
}

// errNoWebhooks says the process resolving cannot reach the webhooks.
var errNoWebhooks = errors.New("this halobridge process does not manage HaloPSA webhooks; the server's sweep checks them again")

// Resolve applies an event's obvious fix when it has one, and otherwise
// acknowledges it (it stays listed, marked as seen, until its problem is
// gone). The fixes: "both not found" removes the mapping, since neither
// side is left to connect; "site without a General User" creates the
// General User on that site (the client's main site when the finding is
// about the whole client), as HaloPSA's integration guides tell MSPs to;
// a GravityZone push that does not deliver is registered again; halobridge's
// webhook in HaloPSA is created or enabled again.
func (s *Service) Resolve(ctx context.Context, partnerID, eventID int64) (Resolution, error) {
	e, err := s.Store.Event(ctx, partnerID, eventID)
	if err != nil {
		return Resolution{}, err
	}
	var action string
	switch e.Kind {
	case string(mapping.FindingBothNotFound):
		action, err = s.Mappings.RemoveMapping(ctx, partnerID, e)
	case string(mapping.FindingSiteWithoutGeneralUser):
		action, err = s.Mappings.AddGeneralUser(ctx, partnerID, e)
	case EventPushFailing:
		action, err = s.Checks.RegisterPush(ctx, partnerID, e)
	case EventEndpointGone, EventAssetDeleted:
		if s.Assets == nil {
			return Resolution{}, fmt.Errorf("resolve event %d: this halobridge process does not manage asset mappings", eventID)
		}
		action, err = s.Assets.RemoveAssetMapping(ctx, partnerID, e)
	case EventHaloWebhook:
		action, err = s.EnsureWebhook(ctx, partnerID)
	default:
		if _, err = s.Store.SetEventState(ctx, partnerID, eventID, store.EventAcknowledged); err == nil {
			action = "Acknowledged: the event stays listed until its problem is gone."
		}
	}
	if err != nil {
		return Resolution{}, fmt.Errorf("resolve event %d: %w", eventID, err)
	}
	after, err := s.Store.Event(ctx, partnerID, eventID)
	if err != nil {
		return Resolution{}, err
	}
	return Resolution{Event: after, Action: action}, s.fixed(ctx, e, after)
}

// EnsureWebhook creates halobridge's webhook in the partner's HaloPSA, or enables it again,
// and checks its deliveries: the fix of the webhook's events, and the Sync page's button.
// It says what HaloPSA then holds.
func (s *Service) EnsureWebhook(ctx context.Context, partnerID int64) (string, error) {
	if s.Webhooks == nil {
		return "", errNoWebhooks
	}
	return s.Webhooks.EnsureWebhook(ctx, partnerID)
}
