package twoway_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"halobridge/internal/events"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
	"halobridge/internal/ticketing/deliver"
	"halobridge/internal/wait"
)

func TestTwoWay(t *testing.T) {
	t.Parallel()

	t.Run("AnAgentClosingTheTicketResolvesTheIncidentWithTheirNoteAndReopeningSetsItBack", func(t *testing.T) {
		t.Parallel()
		s := setup(t, sceneOptions{})
		rec, err := s.svc.Ensure(s.ctx, s.partner.ID)
		if err != nil || rec.State != store.WebhookActive {
			t.Fatalf("Ensure = %+v, %v; want an active webhook", rec, err)
		}
		hooks := s.sim.Webhooks()
		if len(hooks) != 1 || hooks[0].URL != s.bridgeURL+"/halo/webhook/"+rec.Token || hooks[0].AuthenticationType != halosim.WebhookAuthBasic ||
			hooks[0].BasicUsername != "halobridge" || len(hooks[0].Events) != 1 || hooks[0].Events[0].EventNo != halosim.EventStatusChanged {
			t.Fatalf("HaloPSA's webhooks = %+v, want halobridge's with Basic authentication on status changes", hooks)
		}
		inc, link := s.incidentTicket(t)
		sarah := s.agent(t)

		s.setStatus(t, sarah, link.TicketID, 9, "Reimaged the laptop; no persistence found.")
		wait.For(t, "the link to be closed", func() bool { return s.link(t, link.Key).State == store.LinkClosed })
		wait.For(t, "the incident to be resolved", func() bool {
			got, _ := s.gz.Incident(inc.IncidentID)
			return got.Status == gzsim.StatusClosed
		})
		got, _ := s.gz.Incident(inc.IncidentID)
		if len(got.Notes) != 1 || !strings.Contains(got.Notes[0].Text, "Sarah Mitchell") || !strings.Contains(got.Notes[0].Text, "Reimaged the laptop") ||
			!strings.Contains(got.Notes[0].Text, "#"+itoa(link.TicketID)) {
			t.Errorf("incident notes = %+v, want Sarah's note naming the ticket", got.Notes)
		}
		changes := s.changes(t, link.TicketID)
		if len(changes) != 1 || changes[0].Change != store.ChangeClosed || changes[0].By != "Sarah Mitchell" || changes[0].Via != "webhook" {
			t.Fatalf("changes = %+v", changes)
		}
		wait.For(t, "the source's answer to be recorded", func() bool { return s.changes(t, link.TicketID)[0].SourceState == store.SourceDone })

		s.setStatus(t, sarah, link.TicketID, 1, "Reopened: it came back.")
		wait.For(t, "the link to be open again", func() bool { return s.link(t, link.Key).State == store.LinkOpen })
		wait.For(t, "the incident to be open again", func() bool {
			got, _ := s.gz.Incident(inc.IncidentID)
			return got.Status == gzsim.StatusOpen
		})
	})

	t.Run("DuplicateAndReplayedDeliveriesChangeNothing", func(t *testing.T) {
		t.Parallel()
		s := setup(t, sceneOptions{})
		rec, err := s.svc.Ensure(s.ctx, s.partner.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, link := s.incidentTicket(t)
		s.setStatus(t, s.agent(t), link.TicketID, 9, "Done.")
		wait.For(t, "the change and its source answer", func() bool {
			c := s.changes(t, link.TicketID)
			return len(c) == 1 && c[0].SourceState == store.SourceDone
		})
		var delivered []string
		for _, e := range s.sim.WebhookLog() {
			if !e.Error {
				delivered = append(delivered, e.RequestBody)
			}
		}
		if len(delivered) == 0 {
			t.Fatal("HaloPSA logged no delivery")
		}
		writes := s.gzWrites()
		// Replayed one by one, then all at once as a batch.
		for _, body := range delivered {
			if got := post(t, s.bridgeURL+"/halo/webhook/"+rec.Token, "halobridge", rec.Secret, body); got != http.StatusOK {
				t.Fatalf("replay answered %d", got)
			}
		}
		if got := post(t, s.bridgeURL+"/halo/webhook/"+rec.Token, "halobridge", rec.Secret, "["+strings.Join(delivered, ",")+"]"); got != http.StatusOK {
			t.Fatalf("batch replay answered %d", got)
		}
		pending, _ := s.store.PendingHaloDeliveries(s.ctx, s.partner.ID, 10)
		if len(pending) != 0 || len(s.changes(t, link.TicketID)) != 1 || s.gzWrites() != writes || s.link(t, link.Key).State != store.LinkClosed {
			t.Fatalf("after replays: %d pending, changes %+v, GravityZone writes %d (was %d)", len(pending), s.changes(t, link.TicketID), s.gzWrites(), writes)
		}
	})

	t.Run("ChangesHalobridgeMadeItselfAreRecordedButNeverSentBack", func(t *testing.T) {
		t.Parallel()
		s := setup(t, sceneOptions{})
		if _, err := s.svc.Ensure(s.ctx, s.partner.ID); err != nil {
			t.Fatal(err)
		}
		_, link := s.incidentTicket(t)
		// halobridge's own agent (7) closes the ticket, as delivery does when the source
		// resolved the incident.
		s.setStatus(t, s.tokenOf(t), link.TicketID, 9, "GravityZone incident closed")
		wait.For(t, "the change to be recorded", func() bool {
			c := s.changes(t, link.TicketID)
			return len(c) == 1 && c[0].SourceState != ""
		})
		c := s.changes(t, link.TicketID)[0]
		if c.SourceState != store.SourceSkipped || c.By != "halobridge" || s.gzWrites() != 0 {
			t.Fatalf("change %+v with %d GravityZone writes, want it skipped at the source", c, s.gzWrites())
		}
	})

	t.Run("WithoutAdminWebhooksItRaisesTheEventAndThePollerClosesTheLink", func(t *testing.T) {
		t.Parallel()
		s := setup(t, sceneOptions{sweep: true, interval: time.Second, noWebhooks: true})
		inc, link := s.incidentTicket(t)
		wait.For(t, "the sweep to find the permission missing", func() bool {
			rec, err := s.store.HaloWebhook(s.ctx, s.partner.ID)
			return err == nil && rec.State == store.WebhookNoPermission
		})
		evs, err := s.store.Events(s.ctx, s.partner.ID, store.EventQuery{State: store.EventOpen, Kind: events.EventHaloWebhook})
		if err != nil || len(evs) != 1 || !strings.Contains(evs[0].Fix, "admin:webhooks") || !strings.Contains(evs[0].Message, "admin:webhooks") {
			t.Fatalf("events = %+v, %v; want one saying to add admin:webhooks", evs, err)
		}
		if len(s.sim.Webhooks()) != 0 {
			t.Fatal("a webhook was created without the permission")
		}
		s.setStatus(t, s.agent(t), link.TicketID, 9, "Isolated and cleaned.")
		wait.For(t, "the poller to close the link", func() bool { return s.link(t, link.Key).State == store.LinkClosed })
		wait.For(t, "the incident to be resolved", func() bool {
			got, _ := s.gz.Incident(inc.IncidentID)
			return got.Status == gzsim.StatusClosed
		})
		if c := s.changes(t, link.TicketID); len(c) != 1 || c[0].Via != "poll" || c[0].By != "Sarah Mitchell" {
			t.Fatalf("changes = %+v, want one closure by Sarah, polled", c)
		}

		// Granting the permission lets the next sweep create the webhook and clear the event.
		s.sim.SetScopes(halosim.DefaultClientID, "all")
		wait.For(t, "the webhook to be created", func() bool { return len(s.sim.Webhooks()) == 1 })
		wait.For(t, "the event to clear", func() bool {
			evs, _ := s.store.Events(s.ctx, s.partner.ID, store.EventQuery{State: store.EventOpen, Kind: events.EventHaloWebhook})
			return len(evs) == 0
		})
	})
}

func TestGravityZoneLoopPerType(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		loop   ticketing.SourceLoop
		writes int
		status string
		state  string
	}{
		{"NoteOnlyAddsTheAgentsNoteAndLeavesTheIncidentOpen", ticketing.LoopNote, 1, gzsim.StatusOpen, store.SourceDone},
		{"OffLeavesTheIncidentAlone", ticketing.LoopOff, 0, gzsim.StatusOpen, store.SourceSkipped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := setup(t, sceneOptions{})
			p := testPolicy()
			tp := p.Types["new-incident"]
			tp.SourceLoop = tc.loop
			p.Types["new-incident"] = tp
			if _, err := s.delivery.SavePolicy(s.ctx, s.partner.ID, deliver.SavedPolicy{Policy: p}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.svc.Ensure(s.ctx, s.partner.ID); err != nil {
				t.Fatal(err)
			}
			inc, link := s.incidentTicket(t)
			s.setStatus(t, s.agent(t), link.TicketID, 9, "False positive: the admin's script.")
			wait.For(t, "the source's answer to be recorded", func() bool {
				c := s.changes(t, link.TicketID)
				return len(c) == 1 && c[0].SourceState != "" && c[0].SourceState != store.SourcePending
			})
			c := s.changes(t, link.TicketID)[0]
			got, _ := s.gz.Incident(inc.IncidentID)
			if c.SourceState != tc.state || s.gzWrites() != tc.writes || got.Status != tc.status {
				t.Fatalf("change %+v, %d GravityZone writes, incident status %q; want %s, %d writes, status %q", c, s.gzWrites(), got.Status, tc.state, tc.writes, tc.status)
			}
			if tc.loop == ticketing.LoopNote && (len(got.Notes) != 1 || !strings.Contains(got.Notes[0].Text, "False positive")) {
				t.Errorf("incident notes = %+v, want the agent's note", got.Notes)
			}
		})
	}
}
