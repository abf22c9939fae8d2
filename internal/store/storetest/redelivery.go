package storetest

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

// timelessAlert is an alert of an event without a time of its own: its
// event id names its content alone.
func timelessAlert(eventID string) source.Alert {
	a := sampleAlert(eventID, "fp-"+eventID)
	a.Type, a.Timeless = "uninstall", true
	return a
}

// push stores one batch received at when with a 24-hour horizon and returns
// its result.
func push(t *testing.T, b *testBundle, src store.Source, when time.Time, alerts ...source.Alert) store.InboundResult {
	t.Helper()
	res, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: src.PartnerID, SourceID: src.ID, ReceivedAt: when,
		DedupHorizon: 24 * time.Hour, Alerts: alerts}})
	if err != nil {
		t.Fatalf("StoreInbound: %v", err)
	}
	return res[0]
}

// arrival is one push of the same alerts, and what it should store.
type arrival struct {
	name               string
	at                 time.Time
	stored, duplicates int
}

// pushEach pushes alerts at each arrival's time, checks what was stored,
// and returns the ids of every alert stored.
func pushEach(t *testing.T, b *testBundle, src store.Source, arrivals []arrival, alerts ...source.Alert) []int64 {
	t.Helper()
	var ids []int64
	for _, a := range arrivals {
		res := push(t, b, src, a.at, alerts...)
		if len(res.AlertIDs) != a.stored || res.Duplicates != a.duplicates {
			t.Errorf("%s: stored %d, %d duplicates; want %d and %d", a.name, len(res.AlertIDs), res.Duplicates, a.stored, a.duplicates)
		}
		ids = append(ids, res.AlertIDs...)
	}
	return ids
}

func testRedelivery(t *testing.T, setup func(t *testing.T) *testBundle) {
	t0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)

	t.Run("TakesATimelessEventForARedeliveryWithinTheHorizonAndForANewAlertAfterIt", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		// The horizon counts from the arrival that was stored, not from the
		// latest redelivery: GravityZone resending for a day does not hold
		// back the next genuine repeat.
		ids := pushEach(t, b, src, []arrival{
			{"first arrival", t0, 1, 0},
			{"redelivery an hour later", t0.Add(time.Hour), 0, 1},
			{"redelivery a microsecond before the horizon ends", t0.Add(24*time.Hour - time.Microsecond), 0, 1},
			{"repeat as the horizon ends", t0.Add(24 * time.Hour), 1, 0},
			{"redelivery of the repeat", t0.Add(30 * time.Hour), 0, 1},
			{"repeat months later", t0.AddDate(0, 3, 0), 1, 0},
		}, timelessAlert("e1"))
		if len(ids) != 3 {
			t.Fatalf("stored %v, want the first arrival and its two repeats", ids)
		}
		// The latest holds the event id; each one it replaced keeps it with
		// its own id appended.
		for i, want := range []string{"e1@" + strconv.FormatInt(ids[0], 10), "e1@" + strconv.FormatInt(ids[1], 10), "e1"} {
			a, err := b.store.Alert(b.ctx, ids[i])
			if err != nil || a.EventID != want {
				t.Errorf("alert %d: event id %q (%v), want %q", ids[i], a.EventID, err, want)
			}
		}
	})

	t.Run("RecognisesAnEventWithItsOwnTimeForever", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		if res := push(t, b, src, t0, sampleAlert("e1", "f")); len(res.AlertIDs) != 1 {
			t.Fatalf("first arrival: %+v", res)
		}
		if res := push(t, b, src, t0.AddDate(0, 3, 0), sampleAlert("e1", "f")); len(res.AlertIDs) != 0 || res.Duplicates != 1 {
			t.Errorf("the same event months later: %+v; want a duplicate", res)
		}
	})

	t.Run("SortsNewRepeatedAndRedeliveredEventsInOneCommitAndKeepsBatchOrder", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		other := createSource(t, b, p.ID, source.GravityZone)
		push(t, b, src, t0, timelessAlert("expired"), timelessAlert("other-expired"), sampleAlert("own-time", "f"))
		push(t, b, src, t0.Add(20*time.Hour), timelessAlert("live"))
		at := t0.Add(30 * time.Hour)
		first := store.InboundBatch{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: at, DedupHorizon: 24 * time.Hour,
			Alerts: []source.Alert{timelessAlert("live"), timelessAlert("other-expired"), sampleAlert("own-time", "f"), timelessAlert("new")}}
		second := store.InboundBatch{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: at.Add(time.Millisecond), DedupHorizon: 24 * time.Hour,
			Alerts: []source.Alert{timelessAlert("expired"), timelessAlert("new")}}
		// Another source's event is another event.
		elsewhere := store.InboundBatch{PartnerID: p.ID, SourceID: other.ID, ReceivedAt: at, DedupHorizon: 24 * time.Hour,
			Alerts: []source.Alert{timelessAlert("live")}}
		res, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{first, second, elsewhere})
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{{"other-expired", "new"}, {"expired"}, {"live"}}
		wantDuplicates := []int{2, 1, 0}
		for i, r := range res {
			var got []string
			for _, id := range r.AlertIDs {
				a, err := b.store.Alert(b.ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, a.EventID)
			}
			if fmt.Sprint(got) != fmt.Sprint(want[i]) || r.Duplicates != wantDuplicates[i] {
				t.Errorf("batch %d stored %v with %d duplicates; want %v and %d", i, got, r.Duplicates, want[i], wantDuplicates[i])
			}
		}
	})

	t.Run("SortsEveryEventOfALargeCommit", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		var alerts []source.Alert
		for i := range 450 {
			alerts = append(alerts, timelessAlert(fmt.Sprintf("e%03d", i)))
		}
		pushEach(t, b, src, []arrival{
			{"first arrival", t0, 450, 0},
			{"redelivery", t0.Add(time.Hour), 0, 450},
			{"repeat after the horizon", t0.Add(25 * time.Hour), 450, 0},
		}, alerts...)
	})

	t.Run("GivesTheIdsOfTheAlertsStoredAmongRedeliveriesWithinAndAcrossBatches", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		events := func(from, to, step int) []source.Alert {
			var alerts []source.Alert
			for i := from; i < to; i += step {
				alerts = append(alerts, sampleAlert(fmt.Sprintf("e%03d", i), "f"))
			}
			return alerts
		}
		// The even events up to e298 were stored before; the commit's first
		// hundreds of rows mix them with new ones, its last are all new, and
		// the second batch repeats some of the first's.
		push(t, b, src, t0, events(0, 300, 2)...)
		batch := func(alerts []source.Alert) store.InboundBatch {
			return store.InboundBatch{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: t0.Add(time.Hour), DedupHorizon: 24 * time.Hour, Alerts: alerts}
		}
		first := batch(events(0, 450, 1))
		second := batch(append(append(events(300, 350, 1), events(450, 460, 1)...), sampleAlert("e001", "f")))
		res, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{first, second})
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			alerts     []source.Alert
			duplicates int
		}{
			{append(events(1, 300, 2), events(300, 450, 1)...), 150},
			{events(450, 460, 1), 51},
		}
		seen := map[int64]bool{}
		for i, r := range res {
			var got, wantIDs []string
			for _, id := range r.AlertIDs {
				a, err := b.store.Alert(b.ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if seen[id] {
					t.Errorf("batch %d: id %d given twice", i, id)
				}
				seen[id] = true
				got = append(got, a.EventID)
			}
			for _, a := range want[i].alerts {
				wantIDs = append(wantIDs, a.EventID)
			}
			if fmt.Sprint(got) != fmt.Sprint(wantIDs) || r.Duplicates != want[i].duplicates {
				t.Errorf("batch %d stored %v with %d duplicates; want %v and %d", i, got, r.Duplicates, wantIDs, want[i].duplicates)
			}
		}
		if n, _ := b.store.CountAlerts(b.ctx, src.ID); n != 460 {
			t.Errorf("%d alerts, want each of the 460 events once", n)
		}
		if again := push(t, b, src, t0.Add(2*time.Hour), events(0, 460, 1)...); len(again.AlertIDs) != 0 || again.Duplicates != 460 {
			t.Errorf("redelivering every event stored %d, %d duplicates; want none and 460", len(again.AlertIDs), again.Duplicates)
		}
	})

	t.Run("RefusesATimelessAlertWithoutAHorizonAndKeepsNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		_, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: t0,
			Alerts: []source.Alert{sampleAlert("e1", "f"), timelessAlert("e2")}}})
		if !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid", err)
		}
		if n, _ := b.store.CountAlerts(b.ctx, src.ID); n != 0 {
			t.Errorf("%d alerts kept from a refused call", n)
		}
	})

	t.Run("StoresARepeatSentByManyRequestsAtOnceOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		first := push(t, b, src, t0, timelessAlert("e1"), timelessAlert("e2")).AlertIDs
		const senders = 8
		var wg sync.WaitGroup
		results := make([]store.InboundResult, senders)
		errs := make([]error, senders)
		for i := range senders {
			wg.Go(func() {
				at := t0.Add(25*time.Hour + time.Duration(i)*time.Second)
				var res []store.InboundResult
				res, errs[i] = b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: at,
					DedupHorizon: 24 * time.Hour, Alerts: []source.Alert{timelessAlert("e1"), timelessAlert("e2")}}})
				if errs[i] == nil {
					results[i] = res[0]
				}
			})
		}
		wg.Wait()
		stored, duplicates := 0, 0
		for i := range senders {
			if errs[i] != nil {
				t.Fatalf("sender %d: %v", i, errs[i])
			}
			stored += len(results[i].AlertIDs)
			duplicates += results[i].Duplicates
		}
		if stored != 2 || duplicates != 2*senders-2 {
			t.Errorf("stored %d, %d duplicates; want one repeat of each event (2) and %d duplicates", stored, duplicates, 2*senders-2)
		}
		if n, _ := b.store.CountAlerts(b.ctx, src.ID); n != 4 {
			t.Errorf("%d alerts, want the two first arrivals and one repeat of each", n)
		}
		for i, id := range first {
			want := fmt.Sprintf("e%d@%d", i+1, id)
			if a, err := b.store.Alert(b.ctx, id); err != nil || a.EventID != want {
				t.Errorf("first arrival %d has event id %q (%v), want %q: renamed once", id, a.EventID, err, want)
			}
		}
	})
}
