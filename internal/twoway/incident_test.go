package twoway_test

import (
	"strings"
	"testing"
	"time"

	"halobridge/internal/events"
	"halobridge/internal/source/gravityzone"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
	"halobridge/internal/twoway"
	"halobridge/internal/wait"
)

// gzCalls counts the calls GravityZone received of one method.
func (s *scene) gzCalls(method string) int {
	n := 0
	for _, r := range s.gz.Requests() {
		if r.Method == method {
			n++
		}
	}
	return n
}

func (s *scene) incidentEvents(t *testing.T) []store.Event {
	t.Helper()
	evs, err := s.store.Events(s.ctx, s.partner.ID, store.EventQuery{State: store.EventOpen, Kind: events.EventIncidentWrite})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// incidentScene is a partner whose webhook is set up, with a ticket of a GravityZone
// incident, and whose writes to GravityZone are tried attempts times, 10 ms apart at first.
func incidentScene(t *testing.T, attempts int) (*scene, gzsim.Incident, store.TicketLink) {
	t.Helper()
	s := setup(t, sceneOptions{})
	s.svc.RetryAttempts, s.svc.RetryBackoff = attempts, 10*time.Millisecond
	if _, err := s.svc.Ensure(s.ctx, s.partner.ID); err != nil {
		t.Fatal(err)
	}
	inc, link := s.incidentTicket(t)
	return s, inc, link
}

func TestIncidentWrites(t *testing.T) {
	t.Parallel()

	t.Run("AGravityZoneOutageIsRetriedUntilTheWriteLandsOnce", func(t *testing.T) {
		t.Parallel()
		s, inc, link := incidentScene(t, 5)
		s.gz.InjectOutage(gzsim.Outage{Method: "updateIncidentNote", Details: "The service is temporarily unavailable", Times: 2})
		sarah := s.agent(t)

		s.setStatus(t, sarah, link.TicketID, 9, "Reimaged the laptop.")
		wait.For(t, "the write to land", func() bool {
			c := s.changes(t, link.TicketID)
			return len(c) == 1 && c[0].SourceState == store.SourceDone
		})
		got, _ := s.gz.Incident(inc.IncidentID)
		if got.Status != gzsim.StatusClosed || len(got.Notes) != 1 || !strings.Contains(got.Notes[0].Text, "Reimaged the laptop.") {
			t.Fatalf("incident = %+v, want it resolved with Sarah's one note", got)
		}
		if notes, statuses := s.gzCalls("updateIncidentNote"), s.gzCalls("changeIncidentStatus"); notes != 3 || statuses != 1 {
			t.Errorf("GravityZone got %d note writes and %d status writes; want 3 (two failed) and 1", notes, statuses)
		}
		if evs := s.incidentEvents(t); len(evs) != 0 {
			t.Errorf("events = %+v, want none: the retry landed", evs)
		}

		// The ticket is reopened; the closure's write, replayed late (a retry that was
		// overtaken), must not close the incident again.
		closure := s.changes(t, link.TicketID)[0]
		s.setStatus(t, sarah, link.TicketID, 1, "It came back.")
		wait.For(t, "the incident to be open again", func() bool {
			got, _ := s.gz.Incident(inc.IncidentID)
			return got.Status == gzsim.StatusOpen
		})
		stale := twoway.IncidentArgs{PartnerID: s.partner.ID, SourceID: s.src.ID, ChangeID: closure.ID, TicketID: link.TicketID,
			Type: gravityzone.WriteIncidents, IncidentID: inc.IncidentID, Note: "Closed in HaloPSA", Status: gravityzone.IncidentStatusClosed}
		if err := s.svc.SendIncident(s.ctx, stale, false); err != nil {
			t.Fatalf("SendIncident of the overtaken closure: %v", err)
		}
		if got, _ := s.gz.Incident(inc.IncidentID); got.Status != gzsim.StatusOpen || !strings.Contains(got.Notes[0].Text, "It came back.") {
			t.Fatalf("after the overtaken closure: %+v, want the incident open with the reopening's note", got)
		}
		var c store.TicketChange
		for _, ch := range s.changes(t, link.TicketID) {
			if ch.ID == closure.ID {
				c = ch
			}
		}
		if c.SourceState != store.SourceSkipped || !strings.Contains(c.SourceDetail, "later change") {
			t.Errorf("the overtaken closure = %+v, want it skipped for the later change", c)
		}
	})

	t.Run("AGravityZoneThatKeepsFailingRaisesTheEventThatRecheckClearsOnceItAnswers", func(t *testing.T) {
		t.Parallel()
		s, inc, link := incidentScene(t, 3)
		s.gz.InjectOutage(gzsim.Outage{Method: "changeIncidentStatus", Details: "Incident service unavailable"})
		s.setStatus(t, s.agent(t), link.TicketID, 9, "Isolated.")
		wait.For(t, "the incident's event", func() bool { return len(s.incidentEvents(t)) == 1 })
		e := s.incidentEvents(t)[0]
		if !strings.Contains(e.Subject, inc.IncidentID) || !strings.Contains(e.Message, inc.IncidentID) || !strings.Contains(e.Message, "Incident service unavailable") ||
			!strings.Contains(e.Message, "#"+itoa(link.TicketID)) || !strings.Contains(e.Fix, "Recheck") {
			t.Fatalf("event = %+v, want it to name the incident, the ticket, GravityZone's words and the fix", e)
		}
		if n := s.gzCalls("changeIncidentStatus"); n != 3 {
			t.Errorf("GravityZone got %d status writes, want the 3 attempts", n)
		}
		wait.For(t, "the change to be recorded as failed", func() bool {
			c := s.changes(t, link.TicketID)
			return len(c) == 1 && c[0].SourceState == store.SourceFailed && strings.Contains(c[0].SourceDetail, "Incident service unavailable")
		})

		ev := &events.Service{Store: s.store, Incidents: s.svc}
		after, err := ev.Recheck(s.ctx, s.partner.ID, e.ID)
		if err != nil || after.State != store.EventOpen || after.Count != 2 || !strings.HasPrefix(events.Rechecked(after), "Still failing") {
			t.Fatalf("recheck while GravityZone still fails = %+v, %v; want it seen again", after, err)
		}
		s.gz.EndOutages()
		if after, err = ev.Recheck(s.ctx, s.partner.ID, e.ID); err != nil || after.State != store.EventResolved {
			t.Fatalf("recheck once GravityZone answers = %+v, %v; want resolved", after, err)
		}
		if got, _ := s.gz.Incident(inc.IncidentID); got.Status != gzsim.StatusClosed || len(got.Notes) != 1 || !strings.Contains(got.Notes[0].Text, "Isolated.") {
			t.Fatalf("incident after the recheck = %+v, want it resolved with the one note", got)
		}
		if c := s.changes(t, link.TicketID); c[0].SourceState != store.SourceDone {
			t.Errorf("change after the recheck = %+v, want done", c[0])
		}
	})

	t.Run("ALaterWriteToTheIncidentThatGetsThroughClearsItsEvent", func(t *testing.T) {
		t.Parallel()
		s, inc, link := incidentScene(t, 2)
		s.gz.InjectOutage(gzsim.Outage{Method: "updateIncidentNote", Details: "Internal error"})
		sarah := s.agent(t)
		s.setStatus(t, sarah, link.TicketID, 9, "Done.")
		wait.For(t, "the incident's event", func() bool { return len(s.incidentEvents(t)) == 1 })

		s.gz.EndOutages()
		s.setStatus(t, sarah, link.TicketID, 1, "Reopened: not done after all.")
		wait.For(t, "the event to clear", func() bool { return len(s.incidentEvents(t)) == 0 })
		if got, _ := s.gz.Incident(inc.IncidentID); got.Status != gzsim.StatusOpen || len(got.Notes) != 1 || !strings.Contains(got.Notes[0].Text, "not done after all") {
			t.Fatalf("incident = %+v, want it open with the reopening's note", got)
		}
	})
}
