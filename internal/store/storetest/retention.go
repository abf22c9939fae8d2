package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

// pruneAll runs prune batch after batch until it is done and adds up what
// the batches did.
func pruneAll(t *testing.T, b *testBundle, prune func(context.Context, store.PruneQuery) (store.Pruned, error), q store.PruneQuery) (store.Pruned, int) {
	t.Helper()
	total, batches, err := pruneUntilDone(b.ctx, prune, q)
	if err != nil {
		t.Fatal(err)
	}
	return total, batches
}

func pruneUntilDone(ctx context.Context, prune func(context.Context, store.PruneQuery) (store.Pruned, error), q store.PruneQuery) (total store.Pruned, batches int, err error) {
	for {
		p, err := prune(ctx, q)
		if err != nil {
			return total, batches, fmt.Errorf("prune batch %d: %w", batches+1, err)
		}
		batches++
		total.Deleted += p.Deleted
		total.Kept += p.Kept
		if p.Done {
			return total, batches, nil
		}
		if batches > 1000 {
			return total, batches, errors.New("pruning never ends")
		}
		q.After = p.Next
	}
}

// skipped records that delivery is done with the alerts: it skipped them.
func skipped(t *testing.T, b *testBundle, partnerID int64, ids ...int64) {
	t.Helper()
	if err := b.store.RecordDeliveries(b.ctx, done(partnerID, "", 0, "skip", ids...)); err != nil {
		t.Fatal(err)
	}
}

func gone(t *testing.T, b *testBundle, id int64) bool {
	t.Helper()
	_, err := b.store.Alert(b.ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Alert(%d): %v", id, err)
	}
	return err != nil
}

func testRetention(t *testing.T, setup func(t *testing.T) *testBundle) {
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	cutoff := now.AddDate(0, 0, -90)
	old := cutoff.Add(-24 * time.Hour)

	storeAt := func(t *testing.T, b *testBundle, src store.Source, when time.Time, alerts ...source.Alert) []int64 {
		t.Helper()
		res, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: src.PartnerID, SourceID: src.ID, ReceivedAt: when, Alerts: alerts}})
		if err != nil {
			t.Fatalf("StoreInbound: %v", err)
		}
		return res[0].AlertIDs
	}

	t.Run("PrunesOldAlertsDeliveryIsDoneWithAndKeepsThoseItNeeds", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		ids := storeAt(t, b, src, old,
			sampleAlert("skipped", "fp-skip"),         // 0: done (skipped): goes
			sampleAlert("untried", "fp-new"),          // 1: never tried: stays
			sampleAlert("creating", "fp-creating"),    // 2: its ticket is being created: stays
			sampleAlert("refused", "fp-refused"),      // 3: HaloPSA refused it, retried later: stays
			sampleAlert("open-earlier", "fp-open"),    // 4: noted on an open ticket, not the latest: goes
			sampleAlert("open-latest", "fp-open"),     // 5: the latest of an open ticket's fingerprint: stays
			sampleAlert("closed-latest", "fp-closed"), // 6: the latest of a closed ticket's fingerprint: goes
		)
		young := storeAt(t, b, src, now.Add(-time.Hour), sampleAlert("young", "fp-skip"))

		skipped(t, b, p.ID, ids[0], young[0])
		if err := b.store.RecordDeliveries(b.ctx, []store.AlertDelivery{{AlertID: ids[3], PartnerID: p.ID, State: store.DeliveryFailed,
			Action: "create", Reason: "HaloPSA said: Please select a valid Client/Site/User"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.StartTicket(b.ctx, store.TicketLink{PartnerID: p.ID, Key: "creating", AlertType: "av"}, ids[2:3]); err != nil {
			t.Fatal(err)
		}
		for _, l := range []struct {
			key    string
			ticket int
			alerts []int64
		}{{"open", 101, ids[4:6]}, {"closed", 102, ids[6:7]}} {
			if _, err := b.store.StartTicket(b.ctx, store.TicketLink{PartnerID: p.ID, Key: l.key, AlertType: "av"}, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := b.store.OpenTicket(b.ctx, p.ID, l.key, l.ticket, old, done(p.ID, l.key, l.ticket, "create", l.alerts...)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.store.CloseTicketLink(b.ctx, p.ID, "closed", old); err != nil {
			t.Fatal(err)
		}

		total, _ := pruneAll(t, b, b.store.PruneAlerts, store.PruneQuery{Before: cutoff})
		if total.Deleted != 3 || total.Kept != 4 {
			t.Errorf("pruned %+v; want 3 deleted and 4 kept", total)
		}
		for i, wantGone := range []bool{true, false, false, false, true, false, true} {
			if gone(t, b, ids[i]) != wantGone {
				t.Errorf("alert %d (%d): gone = %v, want %v", i, ids[i], !wantGone, wantGone)
			}
		}
		if gone(t, b, young[0]) {
			t.Error("an alert received an hour ago was pruned")
		}
		if _, err := b.store.AlertDelivery(b.ctx, ids[0]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delivery of a pruned alert: err = %v, want ErrNotFound", err)
		}
		if got := pendingIDs(t, b, p.ID, now); !slices.Equal(got, ids[1:4]) {
			t.Errorf("pending after pruning = %v, want %v untouched", got, ids[1:4])
		}
		if l, err := b.store.LinkForFingerprint(b.ctx, p.ID, "fp-open"); err != nil || l.TicketID != 101 {
			t.Errorf("LinkForFingerprint(fp-open) = %+v, %v; want the open ticket 101", l, err)
		}
		if _, err := b.store.LinkForFingerprint(b.ctx, p.ID, "fp-closed"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("LinkForFingerprint(fp-closed) after its alert was pruned: err = %v, want ErrNotFound", err)
		}
		if n := countRows(t, b, "fingerprint_links"); n != 2 {
			t.Errorf("%d fingerprint links left, want fp-open's and fp-creating's", n)
		}
	})

	t.Run("WorksInBatchesThatEndAtTheFirstAlertReceivedSince", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		var ids []int64
		for i, id := range []string{"a", "b", "c", "d", "e"} {
			ids = append(ids, storeAt(t, b, src, old.Add(time.Duration(i)*time.Minute), sampleAlert(id, "f"))...)
		}
		ids = append(ids, storeAt(t, b, src, cutoff, sampleAlert("at-cutoff", "f"))...)
		skipped(t, b, p.ID, ids...)
		q := store.PruneQuery{Before: cutoff, Limit: 2}
		var got []store.Pruned
		for range 3 {
			p, err := b.store.PruneAlerts(b.ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, p)
			q.After = p.Next
		}
		want := []struct {
			deleted int
			done    bool
		}{{2, false}, {2, false}, {1, true}}
		for i, w := range want {
			if got[i].Deleted != w.deleted || got[i].Done != w.done {
				t.Errorf("batch %d: %+v; want %d deleted, done %v", i+1, got[i], w.deleted, w.done)
			}
		}
		if gone(t, b, ids[5]) {
			t.Error("the alert received at the cutoff was pruned")
		}
	})

	t.Run("KeepsTheNewestAlertEvenWhenItIsOld", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		ids := storeAt(t, b, src, old, sampleAlert("a", "f"), sampleAlert("b", "f"))
		skipped(t, b, p.ID, ids...)
		total, _ := pruneAll(t, b, b.store.PruneAlerts, store.PruneQuery{Before: cutoff})
		if total.Deleted != 1 || !gone(t, b, ids[0]) || gone(t, b, ids[1]) {
			t.Errorf("pruned %+v; want the older alert gone and the newest kept", total)
		}
		next := storeAt(t, b, src, now, sampleAlert("c", "f"))
		if next[0] <= ids[1] {
			t.Errorf("the next alert got id %d, not after the newest %d", next[0], ids[1])
		}
	})

	t.Run("PrunesResolutionsDeliveryActedOn", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.Push)
		resolution := func(id string) source.Resolution {
			return source.Resolution{Source: source.Push, CustomerID: "c1", Fingerprint: "f", Reason: "fixed", ResolvedAt: old, EventID: id}
		}
		for _, r := range []struct {
			at time.Time
			id string
		}{{old, "acted-on"}, {old, "waiting"}, {now, "young"}} {
			if _, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: r.at,
				Resolutions: []source.Resolution{resolution(r.id)}}}); err != nil {
				t.Fatal(err)
			}
		}
		pending, err := b.store.PendingResolutions(b.ctx, p.ID, 0)
		if err != nil || len(pending) != 3 {
			t.Fatalf("PendingResolutions = %d, %v", len(pending), err)
		}
		for _, r := range []store.StoredResolution{pending[0], pending[2]} {
			if err := b.store.RecordResolution(b.ctx, store.ResolutionDelivery{ResolutionID: r.ID, PartnerID: p.ID, Action: "close", TicketID: 7}); err != nil {
				t.Fatal(err)
			}
		}
		total, _ := pruneAll(t, b, b.store.PruneResolutions, store.PruneQuery{Before: cutoff})
		if total.Deleted != 1 || total.Kept != 1 {
			t.Errorf("pruned %+v; want 1 deleted and 1 kept", total)
		}
		left, err := b.store.Resolutions(b.ctx, src.ID)
		if err != nil || len(left) != 2 || left[0].EventID != "waiting" || left[1].EventID != "young" {
			t.Errorf("resolutions left: %+v, %v; want waiting and young", left, err)
		}
		if n := countRows(t, b, "resolution_deliveries"); n != 1 {
			t.Errorf("%d resolution deliveries left, want the young one's", n)
		}
	})

	t.Run("TwoPrunersAtOnceDeleteEachAlertOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		var alerts []source.Alert
		for i := range 300 {
			alerts = append(alerts, sampleAlert(time.Duration(i).String(), "f"))
		}
		ids := storeAt(t, b, src, old, alerts...)
		storeAt(t, b, src, now, sampleAlert("young", "f"))
		skipped(t, b, p.ID, ids...)
		var wg sync.WaitGroup
		totals := make([]store.Pruned, 2)
		errs := make([]error, 2)
		for i := range totals {
			wg.Go(func() {
				totals[i], _, errs[i] = pruneUntilDone(b.ctx, b.store.PruneAlerts, store.PruneQuery{Before: cutoff, Limit: 25})
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		if totals[0].Deleted+totals[1].Deleted != 300 {
			t.Errorf("the pruners deleted %d and %d alerts; want 300 between them", totals[0].Deleted, totals[1].Deleted)
		}
		if n, _ := b.store.CountAlerts(b.ctx, src.ID); n != 1 {
			t.Errorf("%d alerts left, want the young one", n)
		}
	})

	t.Run("PruningAnAlertFreesItsEventIDForARepeat", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		ids := push(t, b, src, old, timelessAlert("e1")).AlertIDs
		push(t, b, src, now, sampleAlert("newest", "f"))
		skipped(t, b, p.ID, ids...)
		if total, _ := pruneAll(t, b, b.store.PruneAlerts, store.PruneQuery{Before: cutoff}); total.Deleted != 1 {
			t.Fatalf("pruned %+v, want the old alert", total)
		}
		if res := push(t, b, src, now, timelessAlert("e1")); len(res.AlertIDs) != 1 {
			t.Errorf("the event again after its alert was pruned: %+v; want it stored", res)
		}
	})
}

// countRows counts the rows of a table, for what no method reads back.
func countRows(t *testing.T, b *testBundle, table string) int {
	t.Helper()
	var n int
	if err := rawDB(t, b.store).QueryRowContext(b.ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}
