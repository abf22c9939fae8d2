package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

func testEndpointChanges(t *testing.T, setup func(t *testing.T) *testBundle) {
	t0 := time.Date(2023, 2, 24, 11, 24, 45, 0, time.UTC)
	agent := source.Endpoint{ID: "a-1", CustomerID: "c1", Name: "WIN10-4", OS: "Windows", Managed: true}
	upsert := func(e source.Endpoint, at time.Time) source.EndpointChange {
		return source.EndpointChange{Endpoint: e, At: at}
	}
	remove := func(e source.Endpoint, at time.Time) source.EndpointChange {
		return source.EndpointChange{Endpoint: source.Endpoint{ID: e.ID, CustomerID: e.CustomerID}, Removed: true, At: at}
	}
	type env struct {
		b   *testBundle
		p   store.Partner
		src store.Source
	}
	start := func(t *testing.T) env {
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		return env{b, p, createSource(t, b, p.ID, source.DefensX)}
	}
	apply := func(t *testing.T, e env, changes ...source.EndpointChange) store.InboundResult {
		t.Helper()
		res, err := e.b.store.StoreInbound(e.b.ctx, []store.InboundBatch{{PartnerID: e.p.ID, SourceID: e.src.ID, ReceivedAt: time.Now(), Endpoints: changes}})
		if err != nil {
			t.Fatalf("StoreInbound: %v", err)
		}
		return res[0]
	}
	endpoints := func(t *testing.T, e env, customer string) []source.Endpoint {
		t.Helper()
		got, err := e.b.store.SourceEndpoints(e.b.ctx, e.src.ID, customer)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	counts := func(r store.InboundResult) string {
		return fmt.Sprintf("applied %d, stale %d, over the limit %d", r.Endpoints, r.StaleEndpoints, r.EndpointsOverLimit)
	}

	t.Run("CreateAddsAndDeleteRemovesAnEndpoint", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		if r := apply(t, e, upsert(agent, t0)); counts(r) != "applied 1, stale 0, over the limit 0" {
			t.Errorf("create: %s", counts(r))
		}
		if got := endpoints(t, e, "c1"); !cmp.Equal(got, []source.Endpoint{agent}) {
			t.Errorf("after the create (-want +got):\n%s", cmp.Diff([]source.Endpoint{agent}, got))
		}
		uninstalled := agent
		uninstalled.Managed = false
		apply(t, e, upsert(uninstalled, t0.Add(time.Minute)))
		if got := endpoints(t, e, "c1"); !cmp.Equal(got, []source.Endpoint{uninstalled}) {
			t.Errorf("after the uninstall: %+v", got)
		}
		if r := apply(t, e, remove(agent, t0.Add(2*time.Minute))); counts(r) != "applied 1, stale 0, over the limit 0" {
			t.Errorf("delete: %s", counts(r))
		}
		if got := endpoints(t, e, "c1"); len(got) != 0 {
			t.Errorf("after the delete: %+v", got)
		}
	})

	t.Run("ARedeliveryChangesNothing", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		apply(t, e, upsert(agent, t0))
		renamed := agent
		renamed.Name = "WIN10-5"
		if r := apply(t, e, upsert(agent, t0), upsert(renamed, t0)); counts(r) != "applied 0, stale 2, over the limit 0" {
			t.Errorf("redelivered create: %s", counts(r))
		}
		if got := endpoints(t, e, "c1"); !cmp.Equal(got, []source.Endpoint{agent}) {
			t.Errorf("after the redelivery: %+v", got)
		}
		apply(t, e, remove(agent, t0.Add(time.Minute)))
		if r := apply(t, e, remove(agent, t0.Add(time.Minute))); counts(r) != "applied 0, stale 1, over the limit 0" {
			t.Errorf("redelivered delete: %s", counts(r))
		}
	})

	t.Run("AnOlderCreateAfterADeleteDoesNotBringTheEndpointBack", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		apply(t, e, upsert(agent, t0))
		apply(t, e, remove(agent, t0.Add(2*time.Minute)))
		if r := apply(t, e, upsert(agent, t0.Add(time.Minute))); counts(r) != "applied 0, stale 1, over the limit 0" {
			t.Errorf("late create: %s", counts(r))
		}
		if got := endpoints(t, e, "c1"); len(got) != 0 {
			t.Errorf("a late create brought back %+v", got)
		}
		// A Delete that arrives before anything else of its agent is kept
		// all the same, so the Create it overtook stays out.
		other := source.Endpoint{ID: "a-2", CustomerID: "c1", Name: "MAC-1", Managed: true}
		apply(t, e, remove(other, t0.Add(time.Hour)))
		if r := apply(t, e, upsert(other, t0)); r.StaleEndpoints != 1 || len(endpoints(t, e, "c1")) != 0 {
			t.Errorf("create overtaken by its delete: %s, endpoints %+v", counts(r), endpoints(t, e, "c1"))
		}
		// A newer Create of the same agent does bring it back.
		if r := apply(t, e, upsert(agent, t0.Add(time.Hour))); r.Endpoints != 1 || len(endpoints(t, e, "c1")) != 1 {
			t.Errorf("newer create: %s, endpoints %+v", counts(r), endpoints(t, e, "c1"))
		}
	})

	t.Run("AnOlderDeleteAfterACreateLeavesTheEndpoint", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		apply(t, e, upsert(agent, t0.Add(time.Minute)))
		if r := apply(t, e, remove(agent, t0)); counts(r) != "applied 0, stale 1, over the limit 0" {
			t.Errorf("late delete: %s", counts(r))
		}
		if got := endpoints(t, e, "c1"); !cmp.Equal(got, []source.Endpoint{agent}) {
			t.Errorf("a late delete left %+v", got)
		}
	})

	t.Run("OfChangesInTheSameInstantTheRemovalStandsInEitherOrder", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		second := source.Endpoint{ID: "a-2", CustomerID: "c1", Name: "MAC-1", Managed: true}
		apply(t, e, upsert(agent, t0), remove(agent, t0))
		apply(t, e, remove(second, t0), upsert(second, t0))
		if got := endpoints(t, e, "c1"); len(got) != 0 {
			t.Errorf("left %+v", got)
		}
	})

	t.Run("ConcurrentChangesOfOneEndpointLeaveTheNewest", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		const n = 16
		var wg sync.WaitGroup
		for i := range n {
			a := source.Endpoint{ID: fmt.Sprintf("a-%02d", i), CustomerID: "c1", Name: "PC", Managed: true}
			// Even endpoints are deleted after their create, odd ones
			// created again after their delete; each pair races.
			first, second := upsert(a, t0), remove(a, t0.Add(time.Minute))
			if i%2 == 1 {
				first, second = remove(a, t0), upsert(a, t0.Add(time.Minute))
			}
			for _, c := range []source.EndpointChange{second, first} {
				wg.Go(func() {
					if _, err := e.b.store.StoreInbound(e.b.ctx, []store.InboundBatch{{PartnerID: e.p.ID, SourceID: e.src.ID, ReceivedAt: time.Now(), Endpoints: []source.EndpointChange{c}}}); err != nil {
						t.Errorf("StoreInbound: %v", err)
					}
				})
			}
		}
		wg.Wait()
		got := endpoints(t, e, "c1")
		var ids []string
		for _, ep := range got {
			ids = append(ids, ep.ID)
		}
		want := []string{"a-01", "a-03", "a-05", "a-07", "a-09", "a-11", "a-13", "a-15"}
		if !cmp.Equal(ids, want) {
			t.Errorf("kept %v, want the odd ones %v", ids, want)
		}
	})

	t.Run("AChangePushedWhileTheListWasReadWinsOverTheList", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		doomed := source.Endpoint{ID: "a-2", CustomerID: "c1", Name: "WIN10-5", Managed: true}
		if _, err := e.b.store.SaveSourceEndpoints(e.b.ctx, e.src.ID, "c1", []source.Endpoint{agent, doomed}, time.Time{}); err != nil {
			t.Fatal(err)
		}
		// The sync asks for the list; while it is read, webhooks say that
		// a-1 was uninstalled, a-2 deleted and a-3 installed.
		listedAt := e.b.store.Now()
		uninstalled := agent
		uninstalled.Managed = false
		installed := source.Endpoint{ID: "a-3", CustomerID: "c1", Name: "WIN11-1", Managed: true}
		apply(t, e, upsert(uninstalled, t0), remove(doomed, t0), upsert(installed, t0))
		gone, err := e.b.store.SaveSourceEndpoints(e.b.ctx, e.src.ID, "c1", []source.Endpoint{agent, doomed}, listedAt)
		if err != nil {
			t.Fatal(err)
		}
		if want := []source.Endpoint{uninstalled, installed}; len(gone) != 0 || !cmp.Equal(endpoints(t, e, "c1"), want) {
			t.Errorf("gone %v, kept (-want +got):\n%s", gone, cmp.Diff(want, endpoints(t, e, "c1")))
		}
		// A list asked for after the changes is newer than they are.
		later := e.b.store.Now().Add(time.Second)
		gone, err = e.b.store.SaveSourceEndpoints(e.b.ctx, e.src.ID, "c1", []source.Endpoint{agent}, later)
		if err != nil {
			t.Fatal(err)
		}
		if want := []source.Endpoint{agent}; !cmp.Equal(gone, []string{"a-3"}) || !cmp.Equal(endpoints(t, e, "c1"), want) {
			t.Errorf("a later list: gone %v, kept %+v; want a-3 gone and %+v", gone, endpoints(t, e, "c1"), want)
		}
	})

	t.Run("ACreateForAnotherCustomerMovesTheEndpoint", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		if _, err := e.b.store.SaveSourceEndpoints(e.b.ctx, e.src.ID, "c1", []source.Endpoint{agent}, time.Time{}); err != nil {
			t.Fatal(err)
		}
		moved := agent
		moved.CustomerID = "c2"
		apply(t, e, upsert(moved, t0))
		if c1, c2 := endpoints(t, e, "c1"), endpoints(t, e, "c2"); len(c1) != 0 || !cmp.Equal(c2, []source.Endpoint{moved}) {
			t.Errorf("c1 %+v, c2 %+v; want the endpoint at c2", c1, c2)
		}
	})

	t.Run("AFutureDateIsTakenAsNow", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		apply(t, e, remove(agent, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)))
		if r := apply(t, e, upsert(agent, time.Now().Add(time.Hour))); r.Endpoints != 1 || len(endpoints(t, e, "c1")) != 1 {
			t.Errorf("a create after a delete dated 2100: %s", counts(r))
		}
	})

	t.Run("LeavesOutANewEndpointPastTheLimitAndKeepsTheAlerts", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		full := make([]source.Endpoint, source.MaxEndpointsPerCustomer)
		for i := range full {
			full[i] = source.Endpoint{ID: fmt.Sprintf("e-%05d", i), CustomerID: "c1", Name: fmt.Sprintf("PC-%05d", i)}
		}
		if _, err := e.b.store.SaveSourceEndpoints(e.b.ctx, e.src.ID, "c1", full, time.Time{}); err != nil {
			t.Fatal(err)
		}
		renamed := full[0]
		renamed.Name = "PC-RENAMED"
		res, err := e.b.store.StoreInbound(e.b.ctx, []store.InboundBatch{{PartnerID: e.p.ID, SourceID: e.src.ID, ReceivedAt: time.Now(),
			Alerts: []source.Alert{pushed("1", "c1", nil)}, Endpoints: []source.EndpointChange{upsert(agent, t0), upsert(renamed, t0)}}})
		if err != nil {
			t.Fatal(err)
		}
		if counts(res[0]) != "applied 1, stale 0, over the limit 1" || len(res[0].AlertIDs) != 1 {
			t.Errorf("%s, %d alerts stored; want the rename applied, the new one left out, the alert stored", counts(res[0]), len(res[0].AlertIDs))
		}
		got := endpoints(t, e, "c1")
		if len(got) != source.MaxEndpointsPerCustomer || got[0].Name != "PC-RENAMED" {
			t.Errorf("%d endpoints, the first %+v", len(got), got[0])
		}
		// Room made by a removal takes the new endpoint.
		apply(t, e, remove(full[1], t0))
		if r := apply(t, e, upsert(agent, t0)); r.Endpoints != 1 {
			t.Errorf("after a removal: %s", counts(r))
		}
	})

	t.Run("RefusesAChangeWithoutIdCustomerOrTimeAndStoresNothingOfItsBatch", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		for name, c := range map[string]source.EndpointChange{
			"without id":       upsert(source.Endpoint{ID: " ", CustomerID: "c1"}, t0),
			"with a huge id":   upsert(source.Endpoint{ID: string(make([]byte, source.MaxIDBytes+1)), CustomerID: "c1"}, t0),
			"without customer": upsert(source.Endpoint{ID: "a-1"}, t0),
			"without time":     upsert(agent, time.Time{}),
		} {
			_, err := e.b.store.StoreInbound(e.b.ctx, []store.InboundBatch{{PartnerID: e.p.ID, SourceID: e.src.ID, ReceivedAt: time.Now(),
				Alerts: []source.Alert{pushed("1", "c1", nil)}, Endpoints: []source.EndpointChange{upsert(agent, t0), c}}})
			if !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%s: err = %v, want ErrInvalid", name, err)
			}
		}
		if got := endpoints(t, e, "c1"); len(got) != 0 {
			t.Errorf("refused batches stored %+v", got)
		}
		if alerts := countRows(t, e.b, "alerts"); alerts != 0 {
			t.Errorf("refused batches stored %d alerts", alerts)
		}
	})

	t.Run("CleansWhatItKeeps", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		dirty := source.Endpoint{ID: " a-1\x00", CustomerID: "c1", Name: "WIN\x00-4 \xff", OS: string(make([]byte, 1000)), Managed: true}
		apply(t, e, upsert(dirty, t0))
		want := []source.Endpoint{{ID: "a-1\uFFFD", CustomerID: "c1", Name: "WIN\uFFFD-4 \uFFFD", OS: cutReplacement(source.MaxEndpointTextBytes), Managed: true}}
		if got := endpoints(t, e, "c1"); !cmp.Equal(got, want) {
			t.Errorf("kept (-want +got):\n%s", cmp.Diff(want, got))
		}
	})

	t.Run("ChangesOnlyItsOwnSource", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		other := createSource(t, e.b, e.p.ID, source.DefensX)
		if _, err := e.b.store.SaveSourceEndpoints(e.b.ctx, other.ID, "c1", []source.Endpoint{agent}, time.Time{}); err != nil {
			t.Fatal(err)
		}
		apply(t, e, remove(agent, t0))
		if got, _ := e.b.store.SourceEndpoints(e.b.ctx, other.ID, "c1"); !cmp.Equal(got, []source.Endpoint{agent}) {
			t.Errorf("another source's endpoints: %+v", got)
		}
	})
}

// cutReplacement is U+FFFD repeated within max bytes, as Endpoint.Clean
// keeps a text of NUL characters.
func cutReplacement(max int) string {
	s := ""
	for len(s)+len("\uFFFD") <= max {
		s += "\uFFFD"
	}
	return s
}
