package twoway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone"
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

// toGravityZone resolves the incident an incident alert announced, with the agent's note,
// or sets it back to open when the ticket was reopened.
func (s *Service) toGravityZone(ctx context.Context, src store.Source, alert store.StoredAlert, c store.TicketChange) (string, string) {
	typ, ok := gravityzone.IncidentWriteTypeOf(alert.Type)
	if !ok {
		return store.SourceNothing, ""
	}
	incidentID := alert.Facts["incident_id"]
	if incidentID == "" {
		return store.SourceNothing, "the alert does not name its GravityZone incident"
	}
	loop, err := s.loopOf(ctx, src.PartnerID, alert.Type)
	if err != nil {
		return store.SourceFailed, err.Error()
	}
	if loop == ticketing.LoopOff {
		return store.SourceSkipped, "the ticket policy leaves GravityZone incidents of type " + alert.Type + " as they are (Setup › Ticketing)"
	}
	client, err := gravityzone.New(gravityzone.Config{AccessURL: src.APIURL, APIKey: src.APIKey, Outbound: s.Sources.Outbound, HTTPClient: s.Sources.HTTPClient})
	if err != nil {
		return store.SourceFailed, err.Error()
	}
	note := fmt.Sprintf("Closed in HaloPSA (ticket #%d) by %s.", c.TicketID, c.By)
	status, done := gravityzone.IncidentStatusClosed, "resolved"
	if c.Change == store.ChangeReopened {
		note = fmt.Sprintf("Reopened in HaloPSA (ticket #%d) by %s.", c.TicketID, c.By)
		status, done = gravityzone.IncidentStatusOpen, "set back to open"
	}
	if c.Note != "" {
		note += "\n\n" + c.Note
	}
	if err := client.UpdateIncidentNote(ctx, typ, incidentID, note); err != nil {
		return store.SourceFailed, err.Error()
	}
	if loop == ticketing.LoopNote {
		return store.SourceDone, fmt.Sprintf("The note was added to GravityZone incident %s; its status is left as it is, as the ticket policy says", incidentID)
	}
	if err := client.ChangeIncidentStatus(ctx, typ, incidentID, status); err != nil {
		return store.SourceFailed, err.Error()
	}
	return store.SourceDone, fmt.Sprintf("GravityZone incident %s %s, with the note", incidentID, done)
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
