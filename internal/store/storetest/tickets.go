package storetest

import (
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

// storeAlerts stores alerts of one source and returns their ids in order.
func storeAlerts(t *testing.T, b *testBundle, src store.Source, alerts ...source.Alert) []int64 {
	t.Helper()
	res, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: src.PartnerID, SourceID: src.ID, ReceivedAt: time.Now(), Alerts: alerts}})
	if err != nil {
		t.Fatalf("StoreInbound: %v", err)
	}
	return res[0].AlertIDs
}

func pendingIDs(t *testing.T, b *testBundle, partnerID int64, retryFailedBefore time.Time) []int64 {
	t.Helper()
	pending, err := b.store.PendingAlerts(b.ctx, partnerID, retryFailedBefore, 0)
	if err != nil {
		t.Fatalf("PendingAlerts: %v", err)
	}
	ids := []int64{}
	for _, p := range pending {
		ids = append(ids, p.ID)
	}
	return ids
}

func done(partnerID int64, key string, ticketID int, action string, alertIDs ...int64) []store.AlertDelivery {
	var out []store.AlertDelivery
	for _, id := range alertIDs {
		out = append(out, store.AlertDelivery{AlertID: id, PartnerID: partnerID, State: store.DeliveryDone, Action: action, Key: key, TicketID: ticketID})
	}
	return out
}

func testTickets(t *testing.T, setup func(t *testing.T) *testBundle) {
	t.Run("SavesReplacesAndReadsThePolicy", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		if _, err := b.store.TicketPolicy(b.ctx, p.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("before saving: err = %v, want ErrNotFound", err)
		}
		if _, err := b.store.SaveTicketPolicy(b.ctx, store.TicketPolicy{PartnerID: p.ID, Policy: json.RawMessage(`{"tickettype_id":21}`)}); err != nil {
			t.Fatal(err)
		}
		saved, err := b.store.SaveTicketPolicy(b.ctx, store.TicketPolicy{PartnerID: p.ID, Policy: json.RawMessage(`{"tickettype_id":22}`), FallbackClientID: 140})
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.store.TicketPolicy(b.ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Policy) != `{"tickettype_id":22}` || got.FallbackClientID != 140 || !got.UpdatedAt.Equal(saved.UpdatedAt) {
			t.Errorf("read back %+v (policy %s), want the replacing policy and fallback client 140", got, got.Policy)
		}
		if _, err := b.store.SaveTicketPolicy(b.ctx, store.TicketPolicy{PartnerID: p.ID, Policy: json.RawMessage(`{"tickettype_id":`)}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("policy that is not JSON: err = %v, want ErrInvalid", err)
		}
		if _, err := b.store.SaveTicketPolicy(b.ctx, store.TicketPolicy{PartnerID: p.ID + 100, Policy: json.RawMessage(`{}`)}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("policy of an unknown partner: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("TakesALinkFromPendingToOpenToClosedAndReplacesIt", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		ids := storeAlerts(t, b, src, sampleAlert("e1", "fp-1"), sampleAlert("e2", "fp-1"), sampleAlert("e3", "fp-2"))
		const key = "host/gravityzone/c1/av/pc-01"

		pending, err := b.store.StartTicket(b.ctx, store.TicketLink{PartnerID: p.ID, Key: key, AlertType: "av"}, ids[:1])
		if err != nil {
			t.Fatalf("StartTicket: %v", err)
		}
		if pending.State != store.LinkPending || pending.TicketID != 0 || pending.AlertType != "av" || !pending.OpenedAt.IsZero() {
			t.Errorf("pending link = %+v", pending)
		}
		if _, err := b.store.StartTicket(b.ctx, store.TicketLink{PartnerID: p.ID, Key: key, AlertType: "av"}, ids[1:2]); !errors.Is(err, store.ErrConflict) {
			t.Errorf("second start of a pending key: err = %v, want ErrConflict", err)
		}
		list, err := b.store.PendingAlerts(b.ctx, p.ID, time.Now(), 0)
		if err != nil || len(list) != 3 {
			t.Fatalf("PendingAlerts = %d alerts, %v; want all 3 (one caught mid-creation)", len(list), err)
		}
		if d := list[0].Delivery; d == nil || d.State != store.DeliveryPending || d.Key != key || d.Attempts != 1 {
			t.Errorf("first alert's delivery = %+v, want pending under the key", d)
		}
		if list[1].Delivery != nil || list[1].Facts["malware_name"] != "EICAR-Test-File (not a virus)" || list[1].EventID != "e2" {
			t.Errorf("second alert = %+v, want it untried and read back whole", list[1])
		}

		openedAt := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
		open, err := b.store.OpenTicket(b.ctx, p.ID, key, 3001, openedAt, done(p.ID, key, 3001, "create", ids[0]))
		if err != nil {
			t.Fatalf("OpenTicket: %v", err)
		}
		if open.State != store.LinkOpen || open.TicketID != 3001 || open.AlertCount != 1 || !open.OpenedAt.Equal(openedAt) || !open.NotedAt.Equal(openedAt) {
			t.Errorf("open link = %+v", open)
		}
		if _, err := b.store.OpenTicket(b.ctx, p.ID, key, 3002, openedAt, nil); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("opening a link that is not pending: err = %v, want ErrNotFound", err)
		}

		notedAt := openedAt.Add(time.Minute)
		noted, err := b.store.NoteTicket(b.ctx, p.ID, key, notedAt, false, done(p.ID, key, 3001, "note", ids[1]))
		if err != nil {
			t.Fatalf("NoteTicket: %v", err)
		}
		if noted.AlertCount != 2 || !noted.NotedAt.Equal(notedAt) || !noted.LastAlertAt.Equal(notedAt) || noted.State != store.LinkOpen {
			t.Errorf("noted link = %+v", noted)
		}
		if got := pendingIDs(t, b, p.ID, time.Now()); !slices.Equal(got, ids[2:]) {
			t.Errorf("pending after create and note = %v, want only %v", got, ids[2:])
		}
		if d, err := b.store.AlertDelivery(b.ctx, ids[1]); err != nil || d.Action != "note" || d.TicketID != 3001 || d.State != store.DeliveryDone {
			t.Errorf("delivery of the noted alert = %+v, %v", d, err)
		}
		if l, err := b.store.LinkForFingerprint(b.ctx, p.ID, "fp-1"); err != nil || l.Key != key {
			t.Errorf("LinkForFingerprint(fp-1) = %+v, %v; want the link %q", l, err, key)
		}
		if _, err := b.store.LinkForFingerprint(b.ctx, p.ID, "fp-2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("LinkForFingerprint of an undelivered alert: err = %v, want ErrNotFound", err)
		}

		closedAt := notedAt.Add(time.Hour)
		closed, err := b.store.CloseTicketLink(b.ctx, p.ID, key, closedAt)
		if err != nil || closed.State != store.LinkClosed || !closed.ClosedAt.Equal(closedAt) {
			t.Fatalf("CloseTicketLink = %+v, %v", closed, err)
		}
		if _, err := b.store.CloseTicketLink(b.ctx, p.ID, key, closedAt); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("closing twice: err = %v, want ErrNotFound", err)
		}

		replacing, err := b.store.StartTicket(b.ctx, store.TicketLink{PartnerID: p.ID, Key: key, AlertType: "av"}, ids[2:])
		if err != nil {
			t.Fatalf("StartTicket over a closed link: %v", err)
		}
		if replacing.State != store.LinkPending || replacing.ReplacesTicketID != 3001 || replacing.TicketID != 0 {
			t.Errorf("replacing link = %+v, want pending and replacing ticket 3001", replacing)
		}
		if err := b.store.AbandonTicket(b.ctx, p.ID, key, nil); err != nil {
			t.Fatalf("AbandonTicket: %v", err)
		}
		back, err := b.store.TicketLink(b.ctx, p.ID, key)
		if err != nil || back.State != store.LinkClosed || back.TicketID != 3001 || !back.ClosedAt.Equal(closedAt) {
			t.Errorf("after abandoning the replacement: %+v, %v; want the closed link to ticket 3001 again", back, err)
		}

		if _, err := b.store.StartTicket(b.ctx, store.TicketLink{PartnerID: p.ID, Key: key, AlertType: "av"}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.OpenTicket(b.ctx, p.ID, key, 3050, closedAt.Add(time.Hour), nil); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.CloseTicketLink(b.ctx, p.ID, key, closedAt.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		reopened, err := b.store.NoteTicket(b.ctx, p.ID, key, closedAt.Add(3*time.Hour), true, nil)
		if err != nil || reopened.State != store.LinkOpen || !reopened.ClosedAt.IsZero() || reopened.TicketID != 3050 {
			t.Errorf("reopened link = %+v, %v", reopened, err)
		}
		if _, err := b.store.NoteTicket(b.ctx, p.ID, "no-such-key", closedAt, false, nil); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("note on an unknown key: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("AbandonsANewLinkAndRecordsTheFailedAlerts", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		ids := storeAlerts(t, b, src, sampleAlert("e1", "fp-1"))
		if _, err := b.store.StartTicket(b.ctx, store.TicketLink{PartnerID: p.ID, Key: "fp-1", AlertType: "av"}, ids); err != nil {
			t.Fatal(err)
		}
		failed := []store.AlertDelivery{{AlertID: ids[0], PartnerID: p.ID, State: store.DeliveryFailed, Action: "create", Reason: "HaloPSA said: Please select a valid Client/Site/User", Key: "fp-1"}}
		if err := b.store.AbandonTicket(b.ctx, p.ID, "fp-1", failed); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.TicketLink(b.ctx, p.ID, "fp-1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("abandoned new link: err = %v, want ErrNotFound", err)
		}
		d, err := b.store.AlertDelivery(b.ctx, ids[0])
		if err != nil || d.State != store.DeliveryFailed || d.Attempts != 2 || d.Reason != failed[0].Reason {
			t.Errorf("delivery = %+v, %v; want failed after 2 attempts with HaloPSA's words", d, err)
		}
	})

	t.Run("GivesOneKeyToOnlyOneOfManyRacingDeliveries", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		const racers = 8
		var wg sync.WaitGroup
		errs := make([]error, racers)
		for i := range racers {
			wg.Go(func() {
				_, errs[i] = b.store.StartTicket(b.ctx, store.TicketLink{PartnerID: p.ID, Key: "customer/gravityzone/c1/av", AlertType: "av"}, nil)
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("racer failed with %v, want ErrConflict", err)
			}
		}
		if won != 1 {
			t.Errorf("%d racers wrote the pending link, want exactly 1", won)
		}
	})

	t.Run("RetriesFailedAlertsOnlyOnceDue", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		quiet := createPartner(t, b, "Quiet IT", "quiet")
		src := createSource(t, b, p.ID, source.GravityZone)
		ids := storeAlerts(t, b, src, sampleAlert("e1", "fp-1"), sampleAlert("e2", "fp-2"))
		due := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
		err := b.store.RecordDeliveries(b.ctx, []store.AlertDelivery{
			{AlertID: ids[0], PartnerID: p.ID, State: store.DeliveryFailed, Action: "create", Reason: "HaloPSA said no", RetryAt: due},
			{AlertID: ids[1], PartnerID: p.ID, State: store.DeliveryDone, Action: "skip", Reason: "tickets for av alerts are turned off"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := pendingIDs(t, b, p.ID, due.Add(-time.Second)); len(got) != 0 {
			t.Errorf("pending before the failed alert is due = %v, want none", got)
		}
		if got := pendingIDs(t, b, p.ID, due); !slices.Equal(got, ids[:1]) {
			t.Errorf("pending once the failed alert is due = %v, want %v", got, ids[:1])
		}
		if d, err := b.store.AlertDelivery(b.ctx, ids[0]); err != nil || !d.RetryAt.Equal(due) {
			t.Errorf("delivery = %+v, %v; want it due at %v", d, err, due)
		}
		partners, err := b.store.PartnersWithPendingWork(b.ctx, due)
		if err != nil || !slices.Equal(partners, []int64{p.ID}) {
			t.Errorf("PartnersWithPendingWork = %v, %v; want only %d (not %d)", partners, err, p.ID, quiet.ID)
		}
		if partners, _ := b.store.PartnersWithPendingWork(b.ctx, due.Add(-time.Second)); len(partners) != 0 {
			t.Errorf("PartnersWithPendingWork before the retry is due = %v, want none", partners)
		}
		if err := b.store.RecordDeliveries(b.ctx, []store.AlertDelivery{{AlertID: ids[0], PartnerID: p.ID, State: "lost"}}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("unknown delivery state: err = %v, want ErrInvalid", err)
		}
	})

	t.Run("BacksOffOneKeyWhileAlertsOnTheirWayInAMaybeCreatedTicketStayPending", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		ids := storeAlerts(t, b, src, sampleAlert("e1", "fp-1"), sampleAlert("e2", "fp-1"), sampleAlert("e3", "fp-2"))
		const key = "host/gravityzone/c1/av/pc-01"
		if _, err := b.store.StartTicket(b.ctx, store.TicketLink{PartnerID: p.ID, Key: key, AlertType: "av"}, ids[:1]); err != nil {
			t.Fatal(err)
		}
		since := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
		retry := since.Add(10 * time.Second)
		backoff := store.DeliveryBackoff{PartnerID: p.ID, Key: key, Attempts: 1, Since: since, RetryAt: retry, Error: "HaloPSA refused the ticket",
			EventKey: "site_without_general_user/41/7"}
		held := []store.AlertDelivery{
			{AlertID: ids[0], PartnerID: p.ID, State: store.DeliveryFailed, Action: "create", Reason: "waiting", Key: key, RetryAt: retry},
			{AlertID: ids[1], PartnerID: p.ID, State: store.DeliveryFailed, Action: "create", Reason: "waiting", Key: key, RetryAt: retry},
		}
		if err := b.store.DeferDelivery(b.ctx, backoff, held); err != nil {
			t.Fatalf("DeferDelivery: %v", err)
		}
		first, _ := b.store.AlertDelivery(b.ctx, ids[0])
		second, _ := b.store.AlertDelivery(b.ctx, ids[1])
		if first.State != store.DeliveryPending || !first.RetryAt.Equal(retry) || first.Reason != "waiting" {
			t.Errorf("the alert on its way in the ticket = %+v, want it still pending, due at %v", first, retry)
		}
		if second.State != store.DeliveryFailed || !second.RetryAt.Equal(retry) {
			t.Errorf("the alert that joined later = %+v, want it failed, due at %v", second, retry)
		}
		if got := pendingIDs(t, b, p.ID, retry.Add(-time.Second)); !slices.Equal(got, ids[2:]) {
			t.Errorf("pending before the retry = %v, want only the other group's %v", got, ids[2:])
		}
		if got := pendingIDs(t, b, p.ID, retry); !slices.Equal(got, ids) {
			t.Errorf("pending at the retry = %v, want all %v", got, ids)
		}
		list, err := b.store.DeliveryBackoffs(b.ctx, p.ID)
		if err != nil || len(list) != 1 || list[0].Key != key || list[0].Attempts != 1 || !list[0].Since.Equal(since) || !list[0].RetryAt.Equal(retry) ||
			list[0].Error != backoff.Error || list[0].EventKey != backoff.EventKey {
			t.Errorf("DeliveryBackoffs = %+v, %v; want the one stored", list, err)
		}
		fps, err := b.store.UndeliveredFingerprints(b.ctx, p.ID)
		if err != nil || len(fps) != 1 || !fps["fp-1"] {
			t.Errorf("UndeliveredFingerprints = %v, %v; want fp-1 only", fps, err)
		}

		paused := store.DeliveryBackoff{PartnerID: p.ID, Key: store.PartnerWide, Attempts: 2, Since: since, RetryAt: retry.Add(time.Minute), Error: "dial tcp: connection refused"}
		if err := b.store.DeferDelivery(b.ctx, paused, nil); err != nil {
			t.Fatal(err)
		}
		if list, _ := b.store.DeliveryBackoffs(b.ctx, p.ID); len(list) != 2 || list[0].Key != store.PartnerWide || list[1].Key != key {
			t.Errorf("DeliveryBackoffs = %+v, want the partner-wide one first", list)
		}
		if err := b.store.DeferDelivery(b.ctx, store.DeliveryBackoff{PartnerID: p.ID, Key: key}, nil); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("a backoff without attempts or retry time: err = %v, want ErrInvalid", err)
		}
		if err := b.store.ClearDeliveryBackoff(b.ctx, p.ID, store.PartnerWide); err != nil {
			t.Fatal(err)
		}
		if list, _ := b.store.DeliveryBackoffs(b.ctx, p.ID); len(list) != 1 || list[0].Key != key {
			t.Errorf("after clearing the pause: %+v, want the key's backoff left", list)
		}

		n, err := b.store.RetryDeliveriesNow(b.ctx, p.ID)
		if err != nil || n != 2 {
			t.Errorf("RetryDeliveriesNow = %d, %v; want the 2 held alerts due", n, err)
		}
		if got := pendingIDs(t, b, p.ID, since); !slices.Equal(got, ids) {
			t.Errorf("pending right after RetryDeliveriesNow = %v, want all %v", got, ids)
		}
		if list, _ := b.store.DeliveryBackoffs(b.ctx, p.ID); len(list) != 0 {
			t.Errorf("backoffs after RetryDeliveriesNow = %+v, want none", list)
		}
	})

	t.Run("AbandoningATicketFailsTheAlertsThatWereOnTheirWayInIt", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		ids := storeAlerts(t, b, src, sampleAlert("e1", "fp-1"))
		const key = "host/gravityzone/c1/av/pc-01"
		if _, err := b.store.StartTicket(b.ctx, store.TicketLink{PartnerID: p.ID, Key: key, AlertType: "av"}, ids); err != nil {
			t.Fatal(err)
		}
		if err := b.store.AbandonTicket(b.ctx, p.ID, key, nil); err != nil {
			t.Fatalf("AbandonTicket: %v", err)
		}
		if _, err := b.store.TicketLink(b.ctx, p.ID, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("link after abandoning: err = %v, want ErrNotFound", err)
		}
		if d, _ := b.store.AlertDelivery(b.ctx, ids[0]); d.State != store.DeliveryFailed || !d.RetryAt.IsZero() {
			t.Errorf("delivery after abandoning = %+v, want failed and due at once", d)
		}
	})

	t.Run("ListsResolutionsUntilActedOn", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		resolvedAt := time.Date(2026, 5, 4, 11, 0, 0, 0, time.UTC)
		_, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: time.Now(), Resolutions: []source.Resolution{
			{Source: source.GravityZone, CustomerID: "c1", Fingerprint: "fp-1", Reason: "GravityZone incident closed", ResolvedAt: resolvedAt, EventID: "r1"},
			{Source: source.GravityZone, CustomerID: "c1", Fingerprint: "fp-2", Reason: "GravityZone incident false positive", ResolvedAt: resolvedAt, EventID: "r2"},
		}}})
		if err != nil {
			t.Fatal(err)
		}
		list, err := b.store.PendingResolutions(b.ctx, p.ID, 0)
		if err != nil || len(list) != 2 {
			t.Fatalf("PendingResolutions = %+v, %v", list, err)
		}
		first := list[0]
		if first.Source != source.GravityZone || first.Fingerprint != "fp-1" || first.Reason != "GravityZone incident closed" || !first.ResolvedAt.Equal(resolvedAt) || first.SourceID != src.ID {
			t.Errorf("first resolution = %+v", first)
		}
		if err := b.store.RecordResolution(b.ctx, store.ResolutionDelivery{ResolutionID: first.ID, PartnerID: p.ID, Action: "close", TicketID: 3001}); err != nil {
			t.Fatal(err)
		}
		list, err = b.store.PendingResolutions(b.ctx, p.ID, 0)
		if err != nil || len(list) != 1 || list[0].Fingerprint != "fp-2" {
			t.Errorf("after acting on the first: %+v, %v", list, err)
		}
		if partners, err := b.store.PartnersWithPendingWork(b.ctx, time.Now()); err != nil || !slices.Equal(partners, []int64{p.ID}) {
			t.Errorf("PartnersWithPendingWork = %v, %v; want the partner with a resolution left", partners, err)
		}
	})

	t.Run("LetsOneHolderDeliverForAPartnerUntilTheLeaseLapses", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		take := func(holder string, ttl time.Duration) bool {
			t.Helper()
			ok, err := b.store.TakeDeliveryLease(b.ctx, p.ID, holder, ttl)
			if err != nil {
				t.Fatalf("TakeDeliveryLease(%s): %v", holder, err)
			}
			return ok
		}
		if !take("a", time.Minute) {
			t.Fatal("a free lease was refused")
		}
		if take("b", time.Minute) {
			t.Error("b took the lease a holds")
		}
		if !take("a", time.Minute) {
			t.Error("a could not renew its own lease")
		}
		if err := b.store.ReleaseDeliveryLease(b.ctx, p.ID, "b"); err != nil {
			t.Fatal(err)
		}
		if take("b", time.Minute) {
			t.Error("b released a lease it did not hold, and took it")
		}
		if err := b.store.ReleaseDeliveryLease(b.ctx, p.ID, "a"); err != nil {
			t.Fatal(err)
		}
		if !take("b", time.Millisecond) {
			t.Fatal("b could not take the released lease")
		}
		time.Sleep(5 * time.Millisecond)
		if !take("c", time.Minute) {
			t.Error("c could not take the lease b let lapse")
		}
	})

	t.Run("SpansTheAlertsDeliveryNeverTried", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		if span, err := b.store.NewAlerts(b.ctx, p.ID); err != nil || span.Count != 0 || !span.LastReceived.IsZero() {
			t.Fatalf("NewAlerts before any alert = %+v, %v", span, err)
		}
		first := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
		last := first.Add(90 * time.Second)
		res, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{
			{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: first, Alerts: []source.Alert{sampleAlert("e1", "fp-1"), sampleAlert("e2", "fp-1")}},
			{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: last, Alerts: []source.Alert{sampleAlert("e3", "fp-1")}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.store.RecordDeliveries(b.ctx, done(p.ID, "", 0, "skip", res[0].AlertIDs[0])); err != nil {
			t.Fatal(err)
		}
		span, err := b.store.NewAlerts(b.ctx, p.ID)
		if err != nil || span.Count != 2 || !span.FirstReceived.Equal(first) || !span.LastReceived.Equal(last) {
			t.Errorf("NewAlerts = %+v, %v; want 2 received from %s to %s", span, err, first, last)
		}
	})
}
