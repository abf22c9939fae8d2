package twoway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"halobridge/internal/events"
	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// IncidentArgs asks for a change made in HaloPSA to be written to the GravityZone incident
// its ticket's alert announced: the note, then the status unless the policy says note only.
// Both writes replace what GravityZone holds (one note per incident; a status set twice is
// still true), so an attempt made again after a lost answer adds nothing.
type IncidentArgs struct {
	PartnerID  int64                         `json:"partner_id"`
	SourceID   int64                         `json:"source_id"`
	ChangeID   int64                         `json:"change_id"`
	TicketID   int                           `json:"ticket_id"`
	Type       gravityzone.IncidentWriteType `json:"type"`
	IncidentID string                        `json:"incident_id"`
	Note       string                        `json:"note"`
	// Status is what the incident is set to (gravityzone.IncidentStatusClosed, …); 0
	// leaves its status as it is.
	Status int `json:"status,omitempty"`
}

// Kind names the job.
func (IncidentArgs) Kind() string { return "gravityzone_incident_write" }

// incidentTimeout bounds one attempt: two GravityZone calls, each bounded by its client.
const incidentTimeout = 150 * time.Second

// toGravityZone queues the write of a change to the incident an incident alert announced:
// a durable job makes it, retried with backoff while GravityZone fails.
func (s *Service) toGravityZone(ctx context.Context, src store.Source, alert store.StoredAlert, c store.TicketChange) (string, string) {
	a, state, detail := s.incidentWrite(ctx, src, alert, c)
	if a == nil {
		return state, detail
	}
	if s.queue == nil {
		return store.SourceFailed, "halobridge's job queue is not running: GravityZone incident " + a.IncidentID + " was not written"
	}
	return s.queueWrite(ctx, c, *a, "Telling GravityZone incident "+a.IncidentID+" that the ticket was "+c.Change)
}

// incidentWrite is what a change writes to the incident of its alert; nil, with what to
// record instead, when the alert announced no incident or the policy leaves it alone.
func (s *Service) incidentWrite(ctx context.Context, src store.Source, alert store.StoredAlert, c store.TicketChange) (*IncidentArgs, string, string) {
	typ, ok := gravityzone.IncidentWriteTypeOf(alert.Type)
	if !ok {
		return nil, store.SourceNothing, ""
	}
	incidentID := alert.Facts["incident_id"]
	if incidentID == "" {
		return nil, store.SourceNothing, "the alert does not name its GravityZone incident"
	}
	loop, err := s.loopOf(ctx, src.PartnerID, alert.Type)
	if err != nil {
		return nil, store.SourceFailed, err.Error()
	}
	if loop == ticketing.LoopOff {
		return nil, store.SourceSkipped, "the ticket policy leaves GravityZone incidents of type " + alert.Type + " as they are (Setup › Ticketing)"
	}
	a := &IncidentArgs{PartnerID: c.PartnerID, SourceID: src.ID, ChangeID: c.ID, TicketID: c.TicketID, Type: typ, IncidentID: incidentID,
		Note: fmt.Sprintf("Closed in HaloPSA (ticket #%d) by %s.", c.TicketID, c.By), Status: gravityzone.IncidentStatusClosed}
	if c.Change == store.ChangeReopened {
		a.Note, a.Status = fmt.Sprintf("Reopened in HaloPSA (ticket #%d) by %s.", c.TicketID, c.By), gravityzone.IncidentStatusOpen
	}
	if c.Note != "" {
		a.Note += "\n\n" + c.Note
	}
	if loop == ticketing.LoopNote {
		a.Status = 0
	}
	return a, "", ""
}

// incidentKey is the event of an incident GravityZone would not take a write for; removing
// the source clears it.
func incidentKey(sourceID int64, incidentID string) string {
	return store.SourceEventPrefix(sourceID) + events.EventIncidentWrite + "/" + incidentID
}

// SendIncident makes one attempt at a write and records its outcome on the change. A write
// GravityZone failed is retried (the error is returned for the job to be tried again) until
// last, when the incident's event is raised; one GravityZone refused for its parameters (the
// incident is gone) is not retried. A write that gets through clears the incident's event.
func (s *Service) SendIncident(ctx context.Context, a IncidentArgs, last bool) error {
	said, err := s.sendIncident(ctx, a, last)
	switch {
	case err != nil:
		return errors.Join(said, err)
	case said != nil && gravityzone.IsInvalidParams(said):
		return river.JobCancel(said)
	}
	return said
}

// sendIncident returns GravityZone's error apart from halobridge's own.
func (s *Service) sendIncident(ctx context.Context, a IncidentArgs, last bool) (said, err error) {
	latest, err := s.Store.TicketChanges(ctx, a.PartnerID, a.TicketID, 1)
	if err != nil {
		return nil, err
	}
	if len(latest) == 1 && latest[0].ID != a.ChangeID {
		// The ticket changed again meanwhile: writing this older change would undo the later.
		return nil, s.Store.SetChangeSource(ctx, a.ChangeID, store.SourceSkipped,
			fmt.Sprintf("a later change of ticket #%d went to GravityZone incident %s instead", a.TicketID, a.IncidentID))
	}
	src, err := s.Store.Source(ctx, a.SourceID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, s.Store.SetChangeSource(ctx, a.ChangeID, store.SourceNothing, "the GravityZone source was removed before the incident was written")
	}
	if err != nil {
		return nil, err
	}
	policy, hc := s.outbound()
	said = func() error {
		client, err := gravityzone.New(gravityzone.Config{AccessURL: src.APIURL, APIKey: src.APIKey, Outbound: policy, HTTPClient: hc})
		if err != nil {
			return err
		}
		if err := client.UpdateIncidentNote(ctx, a.Type, a.IncidentID, a.Note); err != nil || a.Status == 0 {
			return err
		}
		return client.ChangeIncidentStatus(ctx, a.Type, a.IncidentID, a.Status)
	}()
	if said == nil {
		if err := s.Store.ClearEvent(ctx, a.PartnerID, incidentKey(src.ID, a.IncidentID)); err != nil {
			return nil, err
		}
		return nil, s.Store.SetChangeSource(ctx, a.ChangeID, store.SourceDone, incidentDone(a))
	}
	s.logger().Warn("GravityZone incident write failed", "partner_id", a.PartnerID, "source_id", src.ID, "incident_id", a.IncidentID, "last", last, "error", said)
	if !last && !gravityzone.IsInvalidParams(said) {
		return said, s.Store.SetChangeSource(ctx, a.ChangeID, store.SourcePending,
			fmt.Sprintf("GravityZone failed the write to incident %s (%v); halobridge tries again, up to %d times", a.IncidentID, said, s.retryAttempts()))
	}
	problem := fmt.Sprintf("halobridge could not write ticket #%d's %s to GravityZone incident %s of source %q: %v",
		a.TicketID, changeWord(a), a.IncidentID, src.Name, said)
	if _, err := s.Store.RaiseEvent(ctx, store.Event{
		PartnerID: a.PartnerID, Kind: events.EventIncidentWrite, Key: incidentKey(src.ID, a.IncidentID), Subject: "GravityZone incident " + a.IncidentID,
		Message: problem, Fix: incidentFix(said, src, a), Data: events.Data{SourceID: src.ID, TicketID: a.TicketID, IncidentID: a.IncidentID}.Encode(),
	}); err != nil {
		return said, err
	}
	return said, s.Store.SetChangeSource(ctx, a.ChangeID, store.SourceFailed, problem)
}

// incidentDone says what a write that got through did.
func incidentDone(a IncidentArgs) string {
	switch a.Status {
	case 0:
		return fmt.Sprintf("The note was added to GravityZone incident %s; its status is left as it is, as the ticket policy says", a.IncidentID)
	case gravityzone.IncidentStatusOpen:
		return fmt.Sprintf("GravityZone incident %s set back to open, with the note", a.IncidentID)
	}
	return fmt.Sprintf("GravityZone incident %s resolved, with the note", a.IncidentID)
}

func changeWord(a IncidentArgs) string {
	if a.Status == gravityzone.IncidentStatusOpen {
		return "reopening"
	}
	return "closure"
}

// incidentFix says what a person does about what GravityZone answered.
func incidentFix(said error, src store.Source, a IncidentArgs) string {
	again := " Then press Recheck to write the incident again now; halobridge also writes it at the ticket's next change in HaloPSA."
	switch {
	case gravityzone.IsUnauthorized(said):
		return "GravityZone no longer accepts the API key of source " + src.Name + ": enter a valid key on the source's page (Setup › Integration)." + again
	case gravityzone.IsForbidden(said):
		return "In GravityZone, My Account › API keys, enable the Incidents API on the key of source " + src.Name + "." + again
	case gravityzone.IsInvalidParams(said):
		return "GravityZone does not know incident " + a.IncidentID + " as halobridge names it (it may have been deleted): set its status in GravityZone by hand if it still exists, then Resolve this event."
	}
	return "GravityZone failed on its side after every retry. Check GravityZone's status page;" + again
}

// outbound is what writes to the sources may call, and through which client.
func (s *Service) outbound() (outbound.Policy, *http.Client) {
	if s.Sources == nil {
		return outbound.Policy{}, nil
	}
	return s.Sources.Outbound, s.Sources.HTTPClient
}

// RecheckIncident writes the latest change of the event's ticket to its GravityZone
// incident again, now. The event clears when GravityZone takes it, or when there is nothing
// left to write (the ticket, its alert or its source gone, the policy leaving the incident
// alone, a later alert naming another incident); it is seen again when GravityZone fails.
func (s *Service) RecheckIncident(ctx context.Context, partnerID int64, e store.Event) error {
	d := events.DataOf(e)
	clear := func() error { return s.Store.ClearEvent(ctx, partnerID, e.Key) }
	if d.TicketID == 0 {
		return clear()
	}
	changes, err := s.Store.TicketChanges(ctx, partnerID, d.TicketID, 1)
	if err != nil || len(changes) == 0 {
		return errors.Join(err, clear())
	}
	link, err := s.Store.TicketLinkByTicket(ctx, partnerID, d.TicketID)
	if errors.Is(err, store.ErrNotFound) {
		return clear()
	}
	if err != nil {
		return err
	}
	alert, err := s.Store.LatestAlertOfLink(ctx, partnerID, link.Key)
	if errors.Is(err, store.ErrNotFound) {
		return clear()
	}
	if err != nil {
		return err
	}
	src, err := s.Store.Source(ctx, alert.SourceID)
	if errors.Is(err, store.ErrNotFound) || err == nil && (src.Kind != source.GravityZone || src.PartnerID != partnerID) {
		return clear()
	}
	if err != nil {
		return err
	}
	a, _, _ := s.incidentWrite(ctx, src, alert, changes[0])
	if a == nil || a.IncidentID != d.IncidentID || src.ID != d.SourceID {
		return clear()
	}
	// GravityZone failing again raises the event again (seen once more): only halobridge's
	// own failure is one of the Recheck.
	_, err = s.sendIncident(ctx, *a, true)
	return err
}
