package deliver_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/jobs"
	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/syncrun"
	"halobridge/internal/ticketing"
	"halobridge/internal/ticketing/deliver"
)

// strictPolicy uses the simulator's ticket type 22, which makes Category
// and Impact mandatory without defaults; its av alerts set no impact.
func strictPolicy() ticketing.Policy {
	p := testPolicy()
	p.TicketTypeID = 22
	av := p.Types["av"]
	av.Impact = 0
	p.Types["av"] = av
	delete(p.Types, "user_request")
	return p
}

func TestMandatoryFieldOfTheTicketType(t *testing.T) {
	t.Parallel()
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, setupOptions{postgres: e.postgres})
			syncer := &syncrun.Syncer{Store: b.store, Halo: b.halo, Sources: &connect.Sources{Outbound: outbound.Local(), Store: b.store}, TicketTypes: b.svc}
			// The sync reads every source; the bundle's has no API to read.
			if _, err := b.store.DeleteSource(b.ctx, b.src.ID); err != nil {
				t.Fatal(err)
			}
			sync := func() {
				t.Helper()
				run, err := b.store.StartSyncRun(b.ctx, store.SyncRun{PartnerID: b.partner.ID, Kind: store.SyncCatalog})
				if err != nil {
					t.Fatal(err)
				}
				p := jobs.NewProgress(b.store, run)
				_, err = syncer.Sync(b.ctx, b.partner.ID, p)
				if ferr := p.Finish(err); ferr != nil {
					t.Fatal(ferr)
				}
				if err != nil {
					t.Fatalf("sync: %v", err)
				}
			}
			open := func() []store.Event {
				t.Helper()
				got, err := b.store.Events(b.ctx, b.partner.ID, store.EventQuery{State: store.EventOpen, Kind: events.EventMandatoryField})
				if err != nil {
					t.Fatal(err)
				}
				return got
			}
			// A policy saved before HaloPSA's ticket type required the field.
			raw, err := json.Marshal(strictPolicy())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.store.SaveTicketPolicy(b.ctx, store.TicketPolicy{PartnerID: b.partner.ID, Policy: raw}); err != nil {
				t.Fatal(err)
			}

			sync()
			got := open()
			if len(got) != 1 {
				t.Fatalf("%d open events after the sync, want 1 for Impact: %+v", len(got), got)
			}
			ev := got[0]
			for _, want := range []string{"Impact", "Security Incident (strict)", "av"} {
				if !strings.Contains(ev.Subject+" "+ev.Message, want) {
					t.Errorf("event %q / %q does not name %q", ev.Subject, ev.Message, want)
				}
			}
			if !strings.Contains(ev.Fix, "Choose an impact for the alert type av") || !strings.Contains(ev.Fix, "Configuration > Tickets > Ticket Types > Security Incident (strict) > Fields") {
				t.Errorf("fix %q", ev.Fix)
			}
			for _, r := range b.sim.Requests() {
				if r.Method == "POST" && strings.EqualFold(r.Path, "/api/Tickets") {
					t.Fatalf("a ticket was attempted before the event was raised: %s", r.Body)
				}
			}

			t.Run("TheTicketingStepReusesARecentReadAndSyncsReadAfresh", func(t *testing.T) {
				reads := func() int {
					n := 0
					for _, r := range b.sim.Requests() {
						if r.Method == "GET" && strings.EqualFold(r.Path, "/api/TicketType/22") {
							n++
						}
					}
					return n
				}
				before := reads()
				for range 3 {
					gaps, err := b.svc.TicketTypeGaps(b.ctx, b.partner.ID, strictPolicy())
					if err != nil || len(gaps) != 1 || gaps[0].Field != "impact" {
						t.Fatalf("gaps %+v, %v; want the impact", gaps, err)
					}
				}
				if got := reads() - before; got != 0 {
					t.Errorf("the ticketing step read the ticket type %d times right after a sync, want 0", got)
				}
				if _, _, _, err := b.svc.CheckTicketType(b.ctx, b.partner.ID); err != nil {
					t.Fatal(err)
				}
				if got := reads() - before; got != 1 {
					t.Errorf("the check read the ticket type %d times, want 1: it reads afresh", got)
				}
			})

			t.Run("HaloPSAWouldRefuseTheTicketForTheSameField", func(t *testing.T) {
				src, err := b.store.CreateSource(b.ctx, store.Source{PartnerID: b.partner.ID, Kind: source.GravityZone, Name: "GravityZone", Secret: "Bearer push"})
				if err != nil {
					t.Fatal(err)
				}
				b.src = src
				mapCustomer(t, b, "c-1", b.client.ID)
				ingestAlerts(t, b, avAlert("e-1", "c-1", "WS-01", "EICAR", b.clock.Now()))
				deliverOnce(t, b)
				refused, err := b.store.Events(b.ctx, b.partner.ID, store.EventQuery{State: store.EventOpen, Kind: deliver.KindTicketRefused})
				if err != nil {
					t.Fatal(err)
				}
				if len(refused) != 1 || !strings.Contains(refused[0].Message, "Impact is required") || !strings.Contains(refused[0].Message, "Impact of the alert types") {
					t.Errorf("refusal events %+v, want one quoting %q", refused, "Impact is required")
				}
			})

			t.Run("SavingThePolicyWithTheGapWarnsAndKeepsTheEvent", func(t *testing.T) {
				saved, err := b.svc.SavePolicy(b.ctx, b.partner.ID, deliver.SavedPolicy{Policy: strictPolicy()})
				if err != nil {
					t.Fatalf("SavePolicy refused a gap it should only warn about: %v", err)
				}
				want := []ticketing.Gap{{TicketTypeID: 22, TicketType: "Security Incident (strict)", Field: "impact", Label: "Impact", AlertTypes: []string{"av"}, Settable: true}}
				if diff := cmp.Diff(want, saved.Gaps); diff != "" {
					t.Errorf("gaps (-want +got):\n%s", diff)
				}
				if n := len(open()); n != 1 {
					t.Errorf("%d open events, want 1", n)
				}
			})

			t.Run("FixingThePolicyClearsTheEvent", func(t *testing.T) {
				fixed := strictPolicy()
				av := fixed.Types["av"]
				av.Impact = 2
				fixed.Types["av"] = av
				saved, err := b.svc.SavePolicy(b.ctx, b.partner.ID, deliver.SavedPolicy{Policy: fixed})
				if err != nil {
					t.Fatal(err)
				}
				if len(saved.Gaps) != 0 || len(open()) != 0 {
					t.Fatalf("after the fix: gaps %+v, open events %+v", saved.Gaps, open())
				}
			})

			t.Run("RecheckSeesTheGapAndItsFix", func(t *testing.T) {
				if _, err := b.store.DeleteSource(b.ctx, b.src.ID); err != nil {
					t.Fatal(err)
				}
				if _, err := b.store.SaveTicketPolicy(b.ctx, store.TicketPolicy{PartnerID: b.partner.ID, Policy: raw}); err != nil {
					t.Fatal(err)
				}
				sync()
				got := open()
				if len(got) != 1 {
					t.Fatalf("%d open events, want 1", len(got))
				}
				ev := got[0]
				svc := &events.Service{Store: b.store, Halo: b.halo, Checks: syncer}
				after, err := svc.Recheck(b.ctx, b.partner.ID, ev.ID)
				if err != nil || after.State != store.EventOpen {
					t.Fatalf("recheck of an unfixed gap: state %q, err %v", after.State, err)
				}
				fixed := strictPolicy()
				fixed.TicketTypeID = 21
				rawFixed, err := json.Marshal(fixed)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := b.store.SaveTicketPolicy(b.ctx, store.TicketPolicy{PartnerID: b.partner.ID, Policy: rawFixed}); err != nil {
					t.Fatal(err)
				}
				after, err = svc.Recheck(b.ctx, b.partner.ID, ev.ID)
				if err != nil || after.State != store.EventResolved {
					t.Fatalf("recheck of a fixed gap: state %q, err %v", after.State, err)
				}
			})
		})
	}
}
