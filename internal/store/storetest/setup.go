package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

func testSetup(t *testing.T, setup func(t *testing.T) *testBundle) {
	t.Run("StartsEmptyThenRecordsStepsConsentAndActivation", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		fresh, err := b.store.SetupProgress(b.ctx, p.ID)
		if err != nil {
			t.Fatalf("SetupProgress: %v", err)
		}
		if fresh.PartnerID != p.ID || len(fresh.Completed) != 0 || !fresh.ConsentAt.IsZero() || fresh.Active() || !fresh.UpdatedAt.IsZero() {
			t.Fatalf("a partner that never opened the wizard: %+v", fresh)
		}
		if diff := cmp.Diff([]string{"integration", "billing", "ticketing", "consent"}, fresh.Missing()); diff != "" {
			t.Errorf("missing at first (-want +got):\n%s", diff)
		}
		for _, step := range store.SetupSteps() {
			if _, err := b.store.CompleteSetupStep(b.ctx, p.ID, step); err != nil {
				t.Fatalf("CompleteSetupStep(%s): %v", step, err)
			}
		}
		consented, err := b.store.RecordConsent(b.ctx, p.ID, 7, "Dana Admin")
		if err != nil {
			t.Fatalf("RecordConsent: %v", err)
		}
		if consented.ConsentAccountID != 7 || consented.ConsentBy != "Dana Admin" || consented.ConsentAt.IsZero() || len(consented.Missing()) != 0 {
			t.Errorf("after consent: %+v, missing %v", consented, consented.Missing())
		}
		active, err := b.store.ActivateSetup(b.ctx, p.ID, "Dana Admin")
		if err != nil {
			t.Fatalf("ActivateSetup: %v", err)
		}
		if !active.Active() || active.ActivatedBy != "Dana Admin" || active.ActivatedAt.Before(consented.ConsentAt) {
			t.Errorf("after activation: %+v", active)
		}
		read, err := b.store.SetupProgress(b.ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(active, read); diff != "" {
			t.Errorf("read back (-activated +read):\n%s", diff)
		}
	})

	t.Run("RefusesActivationUntilEveryStepIsSavedAndConsentGiven", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		if _, err := b.store.CompleteSetupStep(b.ctx, p.ID, store.SetupIntegration); err != nil {
			t.Fatal(err)
		}
		_, err := b.store.ActivateSetup(b.ctx, p.ID, "Dana Admin")
		if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "billing, ticketing, consent") {
			t.Fatalf("activate with two steps and consent missing: err = %v, want ErrInvalid naming them", err)
		}
		if _, err := b.store.CompleteSetupStep(b.ctx, p.ID, store.SetupBilling); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.CompleteSetupStep(b.ctx, p.ID, store.SetupTicketing); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.ActivateSetup(b.ctx, p.ID, "Dana Admin"); !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "consent") {
			t.Errorf("activate without consent: err = %v", err)
		}
		got, err := b.store.SetupProgress(b.ctx, p.ID)
		if err != nil || got.Active() {
			t.Errorf("after refused activations: %+v, %v", got, err)
		}
	})

	t.Run("KeepsTheFirstConsentAndActivationButTheLatestStepTimes", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		var first store.SetupProgress
		for _, step := range store.SetupSteps() {
			var err error
			if first, err = b.store.CompleteSetupStep(b.ctx, p.ID, step); err != nil {
				t.Fatal(err)
			}
		}
		consent, _ := b.store.RecordConsent(b.ctx, p.ID, 7, "Dana Admin")
		activated, err := b.store.ActivateSetup(b.ctx, p.ID, "Dana Admin")
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
		again, err := b.store.RecordConsent(b.ctx, p.ID, 9, "Sam Member")
		if err != nil {
			t.Fatal(err)
		}
		if again.ConsentAccountID != 7 || again.ConsentBy != "Dana Admin" || !again.ConsentAt.Equal(consent.ConsentAt) {
			t.Errorf("second consent replaced the first: %+v", again)
		}
		reactivated, err := b.store.ActivateSetup(b.ctx, p.ID, "Sam Member")
		if err != nil {
			t.Fatal(err)
		}
		if reactivated.ActivatedBy != "Dana Admin" || !reactivated.ActivatedAt.Equal(activated.ActivatedAt) {
			t.Errorf("second activation replaced the first: %+v", reactivated)
		}
		resaved, err := b.store.CompleteSetupStep(b.ctx, p.ID, store.SetupBilling)
		if err != nil {
			t.Fatal(err)
		}
		if !resaved.Completed[store.SetupBilling].After(first.Completed[store.SetupBilling]) || !resaved.Active() {
			t.Errorf("billing saved again: %v then %v, active %v", first.Completed[store.SetupBilling], resaved.Completed[store.SetupBilling], resaved.Active())
		}
	})

	t.Run("RefusesUnknownStepsAndPartnersAndNamelessPeople", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		if _, err := b.store.CompleteSetupStep(b.ctx, p.ID, "finalize"); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("unknown step: err = %v, want ErrInvalid", err)
		}
		if _, err := b.store.CompleteSetupStep(b.ctx, p.ID+100, store.SetupBilling); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("step of an unknown partner: err = %v, want ErrNotFound", err)
		}
		if _, err := b.store.SetupProgress(b.ctx, p.ID+100); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("progress of an unknown partner: err = %v, want ErrNotFound", err)
		}
		if _, err := b.store.RecordConsent(b.ctx, p.ID, 7, "  "); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("consent by nobody: err = %v, want ErrInvalid", err)
		}
	})

	t.Run("ForgetsTheProgressOfADeletedPartner", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		if _, err := b.store.CompleteSetupStep(b.ctx, p.ID, store.SetupIntegration); err != nil {
			t.Fatal(err)
		}
		if err := b.store.DeletePartner(b.ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		q := createPartner(t, b, "Acme IT", "acme")
		got, err := b.store.SetupProgress(b.ctx, q.ID)
		if err != nil || len(got.Completed) != 0 {
			t.Errorf("progress of a partner created after the deletion: %+v, %v", got, err)
		}
	})

	t.Run("ListsRecentAlertsNewestFirstWithWhatDeliveryDid", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		other := createPartner(t, b, "Beta IT", "beta")
		src := createSource(t, b, p.ID, source.GravityZone)
		ids := storeAlerts(t, b, src, setupAlert("e1", "fp-1"), setupAlert("e2", "fp-2"), setupAlert("e3", "fp-3"))
		storeAlerts(t, b, createSource(t, b, other.ID, source.GravityZone), setupAlert("x1", "fp-x"))
		err := b.store.RecordDeliveries(b.ctx, []store.AlertDelivery{{AlertID: ids[1], PartnerID: p.ID, State: store.DeliveryDone,
			Action: "skip", Reason: "the customer is not mapped"}})
		if err != nil {
			t.Fatal(err)
		}
		recent, err := b.store.RecentAlerts(b.ctx, p.ID, 2)
		if err != nil {
			t.Fatalf("RecentAlerts: %v", err)
		}
		if len(recent) != 2 || recent[0].ID != ids[2] || recent[1].ID != ids[1] {
			t.Fatalf("recent alerts %+v, want alerts %d then %d", recent, ids[2], ids[1])
		}
		if recent[0].Delivery != nil || recent[0].EventID != "e3" || recent[0].Facts["malware_name"] != "EICAR" {
			t.Errorf("newest alert: %+v, delivery %+v", recent[0].StoredAlert, recent[0].Delivery)
		}
		if d := recent[1].Delivery; d == nil || d.Action != "skip" || d.Reason != "the customer is not mapped" {
			t.Errorf("delivery of the skipped alert: %+v", d)
		}
	})

	t.Run("CountsAlertsAndCreatedTicketsPerDay", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		other := createPartner(t, b, "Beta IT", "beta")
		src := createSource(t, b, p.ID, source.GravityZone)
		today := time.Now().UTC().Truncate(24 * time.Hour)
		day := func(n int) time.Time { return today.AddDate(0, 0, -n) }
		inbound := func(src store.Source, at time.Time, alerts ...source.Alert) []int64 {
			res, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: src.PartnerID, SourceID: src.ID, ReceivedAt: at, Alerts: alerts}})
			if err != nil {
				t.Fatal(err)
			}
			return res[0].AlertIDs
		}
		inbound(src, day(20).Add(time.Hour), setupAlert("old", "fp-old"))
		inbound(src, day(3).Add(time.Hour), setupAlert("a", "fp-1"), setupAlert("b", "fp-1"))
		ids := inbound(src, day(2).Add(23*time.Hour), setupAlert("c", "fp-2"), setupAlert("d", "fp-2"), setupAlert("e", "fp-3"))
		inbound(createSource(t, b, other.ID, source.GravityZone), day(2).Add(time.Hour), setupAlert("x", "fp-x"))
		// One ticket carries two alerts; the third alert was only noted.
		if _, err := b.store.StartTicket(b.ctx, store.TicketLink{PartnerID: p.ID, Key: "fp-2", AlertType: "av"}, ids[:2]); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.OpenTicket(b.ctx, p.ID, "fp-2", 501, time.Now(), done(p.ID, "fp-2", 501, "create", ids[0], ids[1])); err != nil {
			t.Fatal(err)
		}
		if err := b.store.RecordDeliveries(b.ctx, done(p.ID, "fp-3", 501, "note", ids[2])); err != nil {
			t.Fatal(err)
		}
		got, err := b.store.DailyActivity(b.ctx, p.ID, day(10).Add(5*time.Hour))
		if err != nil {
			t.Fatalf("DailyActivity: %v", err)
		}
		if len(got) < 3 {
			t.Fatalf("DailyActivity = %+v, want days %s, %s and today's ticket", got, day(3).Format(time.DateOnly), day(2).Format(time.DateOnly))
		}
		want := []store.DayActivity{{Day: day(3), Alerts: 2}, {Day: day(2), Alerts: 3}}
		if diff := cmp.Diff(want, got[:2]); diff != "" {
			t.Errorf("alert days (-want +got):\n%s", diff)
		}
		tickets := 0
		for _, d := range got[2:] {
			// Delivery happened now, which is today unless midnight just passed.
			if d.Day.Before(today) || d.Alerts != 0 {
				t.Errorf("unexpected day %+v", d)
			}
			tickets += d.Tickets
		}
		if tickets != 1 {
			t.Errorf("tickets created = %d, want 1 (two alerts on one ticket, a note is no ticket)", tickets)
		}
	})
}

func setupAlert(eventID, fingerprint string) source.Alert {
	return source.Alert{
		Source: source.GravityZone, CustomerID: "c1", Type: "av", Severity: source.SeverityHigh, HostName: "WS-01",
		Facts: map[string]string{"malware_name": "EICAR"}, OccurredAt: time.Now().UTC().Truncate(time.Second),
		Fingerprint: fingerprint, EventID: eventID,
	}
}
