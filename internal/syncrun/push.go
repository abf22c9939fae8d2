package syncrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/jobs"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone"
	"halobridge/internal/store"
)

// pushCursor is the source cursor that keeps what the last push check saw.
const pushCursor = "gravityzone_push"

const stepPush = "GravityZone Event Push"

// checkPushes reads the Event Push Service settings and statistics of every
// GravityZone source and settles their events: one per source whose push
// is missing, points elsewhere, is off or failed since the last check. A
// source GravityZone did not answer for keeps its event as it was.
func (s *Syncer) checkPushes(ctx context.Context, partnerID int64, sources []store.Source, p *jobs.Progress, res *Result) error {
	var checked []store.Source
	for _, src := range sources {
		if src.Kind == source.GravityZone {
			checked = append(checked, src)
		}
	}
	if len(checked) > 0 {
		p.Step(stepPush, len(checked))
	}
	var found []store.Event
	unknown := map[int64]bool{}
	var errs []error
	for _, src := range checked {
		e, err := s.checkPush(ctx, src)
		switch {
		case stops(err):
			return err
		case err != nil:
			unknown[src.ID] = true
			p.Fail(err)
			s.logger().Warn("Event Push Service not checked", "source", src.ID, "error", err)
			errs = append(errs, err)
		case e != nil:
			found = append(found, *e)
		}
		p.Advance(1)
	}
	raised, cleared, err := events.Settle(ctx, s.Store, partnerID, found, func(e store.Event) bool {
		return e.Kind == events.EventPushFailing && !unknown[events.DataOf(e).SourceID]
	})
	res.Raised += raised
	res.Cleared += cleared
	return errors.Join(append(errs, err)...)
}

// checkPush reads src's push settings and statistics, remembers the
// counts, and returns the event its trouble calls for, nil when it is
// healthy. GravityZone refusing the key is a trouble too: nobody can tell
// whether the push works.
func (s *Syncer) checkPush(ctx context.Context, src store.Source) (*store.Event, error) {
	conn, err := s.Sources.Connector(src)
	if err != nil {
		return nil, err
	}
	st, err := conn.CheckDelivery(ctx)
	if gravityzone.IsUnauthorized(err) || gravityzone.IsForbidden(err) {
		return pushEvent(src, fmt.Sprintf("halobridge cannot tell whether GravityZone's Event Push Service delivers alerts of %s: %v.", connect.Label(src), err),
			"Give the source an API key of its GravityZone account that has the Event Push Service API (Settings > Security platform > Edit), then press Recheck."), nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: check the Event Push Service: %w", connect.Label(src), err)
	}
	want := ""
	if d, err := s.Sources.Delivery(src); err == nil {
		want = d.URL
	}
	last, err := s.lastPush(ctx, src)
	if err != nil {
		return nil, err
	}
	f := judgePush(st, want, last)
	if err := s.rememberPush(ctx, src, st.Failed); err != nil {
		return nil, err
	}
	if f.Trouble == pushHealthy {
		return nil, nil
	}
	message, fix := pushWords(f, st, connect.Label(src), want, last)
	return pushEvent(src, message, fix), nil
}

func pushEvent(src store.Source, message, fix string) *store.Event {
	return &store.Event{
		PartnerID: src.PartnerID,
		Kind:      events.EventPushFailing,
		Key:       store.SourceEventPrefix(src.ID) + "push",
		Subject:   connect.Label(src) + ": Event Push Service",
		Message:   message,
		Fix:       fix,
		Data:      events.Data{SourceID: src.ID}.Encode(),
	}
}

// lastPush is what the previous check of src's push saw, nil when there
// was none since the source was last saved.
func (s *Syncer) lastPush(ctx context.Context, src store.Source) (*pushSeen, error) {
	raw, err := s.Store.SourceCursor(ctx, src.ID, pushCursor)
	if err != nil || raw == nil {
		return nil, err
	}
	var seen pushSeen
	if json.Unmarshal(raw, &seen) != nil || !seen.SourceUpdated.Equal(src.UpdatedAt) {
		return nil, nil
	}
	return &seen, nil
}

func (s *Syncer) rememberPush(ctx context.Context, src store.Source, failed int) error {
	raw, err := json.Marshal(pushSeen{Failed: failed, CheckedAt: s.now().UTC(), SourceUpdated: src.UpdatedAt})
	if err != nil {
		return err
	}
	return s.Store.SaveSourceCursor(ctx, src.ID, pushCursor, raw)
}

// RecheckPush checks the push of the event's source now.
func (s *Syncer) RecheckPush(ctx context.Context, partnerID int64, e store.Event) error {
	src, err := mapper.PartnerSource(ctx, s.Store, partnerID, events.DataOf(e).SourceID)
	if errors.Is(err, store.ErrNotFound) {
		return s.Store.ClearEvent(ctx, partnerID, e.Key)
	}
	if err != nil {
		return err
	}
	found, err := s.checkPush(ctx, src)
	if err != nil {
		return err
	}
	var again []store.Event
	if found != nil {
		again = append(again, *found)
	}
	_, _, err = events.Settle(ctx, s.Store, partnerID, again, func(x store.Event) bool { return x.Key == e.Key })
	return err
}

// RegisterPush registers halobridge with the source's Event Push Service
// again and acknowledges the event: it clears once a check shows the push
// on and delivering.
func (s *Syncer) RegisterPush(ctx context.Context, partnerID int64, e store.Event) (string, error) {
	src, err := mapper.PartnerSource(ctx, s.Store, partnerID, events.DataOf(e).SourceID)
	if errors.Is(err, store.ErrNotFound) {
		if _, err := s.Store.SetEventState(ctx, partnerID, e.ID, store.EventResolved); err != nil {
			return "", err
		}
		return "The source was removed: there is nothing to register.", nil
	}
	if err != nil {
		return "", err
	}
	conn, err := s.Sources.Connector(src)
	if err != nil {
		return "", err
	}
	delivery, err := s.Sources.Delivery(src)
	if err != nil {
		return "", err
	}
	if err := conn.RegisterDelivery(ctx, delivery); err != nil {
		return "", err
	}
	// From here on, failures count from the registration.
	if st, err := conn.CheckDelivery(ctx); err == nil {
		if err := s.rememberPush(ctx, src, st.Failed); err != nil {
			return "", err
		}
	}
	if _, err := s.Store.SetEventState(ctx, partnerID, e.ID, store.EventAcknowledged); err != nil {
		return "", err
	}
	return fmt.Sprintf("Registered halobridge with GravityZone's Event Push Service again: it pushes to %s with halobridge's Authorization. The event clears at the next sync, or at Recheck, once GravityZone shows the push on and delivering.", delivery.URL), nil
}
