package deliver_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/ticketing/deliver"
)

// hostsAlerts is one antimalware alert on each of n hosts of customer c-1.
func hostsAlerts(prefix string, n int, at time.Time) []source.Alert {
	var out []source.Alert
	for h := range n {
		out = append(out, avAlert(fmt.Sprintf("%s-%d", prefix, h), "c-1", fmt.Sprintf("WS-%03d", h), "EICAR", at))
	}
	return out
}

// backoffs are the partner's delivery backoffs by key.
func backoffs(t *testing.T, b *testBundle) map[string]store.DeliveryBackoff {
	t.Helper()
	list, err := b.store.DeliveryBackoffs(b.ctx, b.partner.ID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.DeliveryBackoff{}
	for _, bo := range list {
		out[bo.Key] = bo
	}
	return out
}

// pausedEvent is the partner's delivery_paused event, if any.
func pausedEvent(t *testing.T, b *testBundle) (store.Event, bool) {
	t.Helper()
	events, err := b.store.Events(b.ctx, b.partner.ID, store.EventQuery{Kind: deliver.KindDeliveryPaused})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) == 0 {
		return store.Event{}, false
	}
	return events[0], true
}

// refusedForTheGeneralUser maps customer c-2 to a client whose main site
// has no General User, delivers one alert of it, which HaloPSA refuses,
// and returns the client and the open event that says why.
func refusedForTheGeneralUser(t *testing.T, b *testBundle) (halosim.Client, store.Event) {
	t.Helper()
	bare := activeClient(t, b.sim, false)
	mapCustomer(t, b, "c-2", bare.ID)
	ingestAlerts(t, b, avAlert("e1", "c-2", "PC-09", "EICAR", b.clock.Now().Add(-time.Hour)))
	if res := deliverOnce(t, b); res.Failed != 1 {
		t.Fatalf("result %+v, want the alert refused", res)
	}
	events, _ := b.store.Events(b.ctx, b.partner.ID, store.EventQuery{Kind: deliver.KindSiteWithoutGeneralUser})
	if len(events) != 1 || events[0].State != store.EventOpen {
		t.Fatalf("events %+v, want the site's open event", events)
	}
	return bare, events[0]
}

// waitsWithin checks that d is a first backoff of nominal: jitter only
// shortens it, by a fifth at most.
func waitsWithin(t *testing.T, what string, d, nominal time.Duration) {
	t.Helper()
	if d < nominal*4/5 || d > nominal {
		t.Errorf("%s waits %v, want between %v and %v", what, d, nominal*4/5, nominal)
	}
}

func TestIsolation(t *testing.T) {
	t.Parallel()
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			testIsolation(t, e)
		})
	}
}

func testIsolation(t *testing.T, e engine) {
	t.Run("OneFailingCreateHoldsBackOnlyItsOwnGroup", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{noRetries: true, postgres: e.postgres})
		ingestAlerts(t, b, hostsAlerts("e", 8, b.clock.Now().Add(-time.Hour))...)
		// The first create fails before HaloPSA applies it; the look-up that
		// follows finds nothing, so its group waits.
		b.sim.InjectFault(halosim.Fault{Method: "POST", PathPrefix: "/api/Tickets", Status: http.StatusInternalServerError, Times: 1})

		res := deliverOnce(t, b)
		if res.Created != 7 || res.Deferred != 1 || res.Paused {
			t.Fatalf("result %+v, want 7 tickets in the same pass and 1 group deferred", res)
		}
		waitsWithin(t, "the pass", res.Again, 10*time.Second)
		if n := len(ourTickets(b.sim)); n != 7 {
			t.Errorf("%d tickets in HaloPSA, want 7", n)
		}
		waiting := backoffs(t, b)
		if len(waiting) != 1 {
			t.Fatalf("backoffs %+v, want one for the failed group", waiting)
		}
		for key, bo := range waiting {
			if !strings.HasPrefix(key, "host/gravityzone/c-1/av/ws-") || bo.Attempts != 1 || !strings.Contains(bo.Error, "500") {
				t.Errorf("backoff %+v, want the failed group's first, saying HaloPSA answered 500", bo)
			}
			waitsWithin(t, "the failed group", bo.RetryAt.Sub(b.clock.Now()), 10*time.Second)
		}
		if again := deliverOnce(t, b); again.Created != 0 || again.Deferred != 0 {
			t.Errorf("pass before the retry is due: %+v, want nothing tried", again)
		}

		b.clock.Add(10 * time.Second)
		if res := deliverOnce(t, b); res.Created != 1 {
			t.Errorf("pass at the retry: %+v, want the held group's ticket", res)
		}
		if n := len(ourTickets(b.sim)); n != 8 {
			t.Errorf("%d tickets, want one per host (8)", n)
		}
		if waiting := backoffs(t, b); len(waiting) != 0 {
			t.Errorf("backoffs after the retry worked: %+v, want none", waiting)
		}
		if _, ok := pausedEvent(t, b); ok {
			t.Error("one failing ticket paused the partner's delivery")
		}
	})

	t.Run("BacksOffARefusedGroupLongerEachTimeUpToTheCap", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{noRetries: true, deliver: deliver.Options{RetryBackoff: 10 * time.Second, MaxRetryBackoff: 40 * time.Second}, postgres: e.postgres})
		bare := activeClient(t, b.sim, false)
		mapCustomer(t, b, "c-2", bare.ID)
		ingestAlerts(t, b, avAlert("e1", "c-2", "PC-09", "EICAR", b.clock.Now().Add(-time.Hour)))
		for i, nominal := range []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 40 * time.Second} {
			res := deliverOnce(t, b)
			if res.Failed != 1 || res.Deferred != 1 || res.Paused {
				t.Fatalf("attempt %d: %+v, want the alert refused again and the partner not paused", i+1, res)
			}
			var bo store.DeliveryBackoff
			for _, bo = range backoffs(t, b) {
			}
			if bo.Attempts != i+1 || !strings.Contains(bo.Error, "General User") {
				t.Errorf("attempt %d: backoff %+v", i+1, bo)
			}
			waitsWithin(t, fmt.Sprintf("attempt %d", i+1), bo.RetryAt.Sub(b.clock.Now()), nominal)
			if again := deliverOnce(t, b); again.Failed != 0 {
				t.Fatalf("attempt %d: tried again before its backoff ended: %+v", i+1, again)
			}
			b.clock.Add(nominal)
		}
		if n := apiRequests(b.sim, "POST", "/api/Tickets"); n != 4 {
			t.Errorf("%d creates, want one per backoff (4)", n)
		}
	})

	t.Run("ARefusalsEventClearsByItselfOnceTheGroupWorksAgain", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{noRetries: true, postgres: e.postgres})
		bare, event := refusedForTheGeneralUser(t, b)
		// Someone adds the General User in HaloPSA, not through halobridge.
		client, err := b.halo.Client(b.ctx, b.partner.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.CreateUser(b.ctx, halo.User{Name: halo.GeneralUserName, SiteID: bare.MainSiteID}); err != nil {
			t.Fatal(err)
		}
		b.clock.Add(10 * time.Second)
		if res := deliverOnce(t, b); res.Created != 1 {
			t.Fatalf("at the retry: %+v, want the ticket", res)
		}
		if got, _ := b.store.Event(b.ctx, b.partner.ID, event.ID); got.State != store.EventResolved {
			t.Errorf("event after the ticket went through: %+v, want it resolved", got)
		}
	})

	t.Run("ResolvingTheSiteEventCreatesTheGeneralUserAndDeliversTheHeldAlertsAtOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{noRetries: true, postgres: e.postgres})
		bare, event := refusedForTheGeneralUser(t, b)
		woken := 0
		events2 := &events.Service{Store: b.store, Halo: b.halo, Mappings: &mapper.Service{Store: b.store, Halo: b.halo}, Fixed: func(_ context.Context, partnerID int64) {
			if partnerID == b.partner.ID {
				woken++
			}
		}}

		// Recheck reads HaloPSA, which still has no General User there.
		still, err := events2.Recheck(b.ctx, b.partner.ID, event.ID)
		if err != nil {
			t.Fatalf("Recheck: %v", err)
		}
		if still.State != store.EventOpen || still.Count != 2 {
			t.Errorf("after a recheck with the problem still there: %+v, want it open and seen again", still)
		}

		res, err := events2.Resolve(b.ctx, b.partner.ID, event.ID)
		if err != nil {
			t.Fatalf("Resolve: %v", err)
		}
		if !strings.HasPrefix(res.Action, "Created the General User (user id ") || res.Event.State != store.EventResolved {
			t.Errorf("resolution %+v", res)
		}
		gu := 0
		for _, u := range b.sim.Users() {
			if int(u.SiteID) == bare.MainSiteID && strings.EqualFold(u.Name, halo.GeneralUserName) {
				gu++
			}
		}
		if gu != 1 || woken != 1 {
			t.Errorf("%d General Users on the site and delivery woken %d times, want 1 and 1", gu, woken)
		}
		// No waiting for the backoff: the held alert is due at once.
		if res := deliverOnce(t, b); res.Created != 1 {
			t.Errorf("pass right after the fix: %+v, want the held alert's ticket", res)
		}
		if again, _ := events2.Resolve(b.ctx, b.partner.ID, event.ID); !strings.Contains(again.Action, "already has a General User") {
			t.Errorf("resolving again: %q, want nothing created twice", again.Action)
		}
	})

	t.Run("PausesThePartnerWhileHaloFailsAndResumesByItself", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{noRetries: true, postgres: e.postgres})
		ingestAlerts(t, b, hostsAlerts("e", 10, b.clock.Now().Add(-time.Hour))...)
		b.sim.InjectFault(halosim.Fault{Status: http.StatusInternalServerError})
		b.sim.ResetRequests()

		res := deliverOnce(t, b)
		if !res.Paused || res.Created != 0 || res.Deferred != 3 {
			t.Fatalf("result %+v, want the partner paused after 3 groups failed in a row", res)
		}
		if n := apiRequests(b.sim, "POST", "/api/Tickets"); n != 3 {
			t.Errorf("%d creates tried while HaloPSA failed, want 3 before the pause", n)
		}
		pause, ok := backoffs(t, b)[store.PartnerWide]
		if !ok || pause.Attempts != 1 || !pause.Since.Equal(b.clock.Now()) {
			t.Fatalf("pause %+v, want the partner's first", pause)
		}
		waitsWithin(t, "the pause", pause.RetryAt.Sub(b.clock.Now()), 10*time.Second)
		if _, ok := pausedEvent(t, b); ok {
			t.Error("an event for a pause younger than its grace: a blip that mends itself needs nobody")
		}
		requests := len(b.sim.Requests())
		if res := deliverOnce(t, b); !res.Paused || res.Created != 0 {
			t.Errorf("pass during the pause: %+v", res)
		}
		if n := len(b.sim.Requests()); n != requests {
			t.Errorf("%d requests during the pause, want none", n-requests)
		}

		b.clock.Add(31 * time.Second)
		if res := deliverOnce(t, b); !res.Paused {
			t.Fatalf("the probe found HaloPSA failing, yet %+v", res)
		}
		if n := len(b.sim.Requests()); n != requests+1 {
			t.Errorf("%d requests for the probe, want 1", n-requests)
		}
		e, ok := pausedEvent(t, b)
		if !ok || e.State != store.EventOpen {
			t.Fatalf("no open delivery_paused event after 31 s of failures: %+v", e)
		}
		for _, want := range []string{"paused since", "HaloPSA keeps failing", "500", "none is lost"} {
			if !strings.Contains(e.Message, want) {
				t.Errorf("event message %q does not say %q", e.Message, want)
			}
		}
		if !strings.Contains(e.Fix, "resumes delivery by itself") {
			t.Errorf("event fix %q", e.Fix)
		}

		b.sim.ClearFaults()
		b.clock.Add(time.Minute)
		if res := deliverOnce(t, b); res.Paused || res.Created != 10 {
			t.Fatalf("after HaloPSA came back: %+v, want every ticket", res)
		}
		if n := len(ourTickets(b.sim)); n != 10 {
			t.Errorf("%d tickets, want one per host (10)", n)
		}
		if e, _ := pausedEvent(t, b); e.State != store.EventResolved {
			t.Errorf("event after resuming: %+v, want it resolved", e)
		}
		if waiting := backoffs(t, b); len(waiting) != 0 {
			t.Errorf("backoffs after resuming: %+v", waiting)
		}
	})

	t.Run("PausesAtOnceAndSaysWhyWhenHaloRefusesTheCredentials", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{noRetries: true, postgres: e.postgres})
		ingestAlerts(t, b, hostsAlerts("e", 4, b.clock.Now().Add(-time.Hour))...)
		b.sim.RevokeApplication(halosim.DefaultClientID)

		res := deliverOnce(t, b)
		if !res.Paused || res.Created != 0 || res.Deferred != 0 {
			t.Fatalf("result %+v, want the partner paused at the first refusal, no group blamed", res)
		}
		e, ok := pausedEvent(t, b)
		if !ok {
			t.Fatal("no event: a refused credential needs a person at once")
		}
		if !strings.Contains(e.Message, "does not accept halobridge's credentials") || !strings.Contains(e.Message, "invalid_client") ||
			!strings.Contains(e.Fix, "Setup page") {
			t.Errorf("event says %q / %q", e.Message, e.Fix)
		}

		b.sim.AddApplication(halosim.Application{ClientID: halosim.DefaultClientID, Secret: halosim.DefaultClientSecret, Scopes: []string{"all"}})
		b.clock.Add(time.Minute)
		if res := deliverOnce(t, b); res.Paused || res.Created != 4 {
			t.Fatalf("after the credentials work again: %+v, want all 4 tickets", res)
		}
		if e, _ := pausedEvent(t, b); e.State != store.EventResolved {
			t.Errorf("event %+v, want it resolved", e)
		}
	})

	t.Run("PausesWhenHaloCannotBeReached", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{noRetries: true, postgres: e.postgres})
		ingestAlerts(t, b, hostsAlerts("e", 3, b.clock.Now().Add(-time.Hour))...)
		b.haloServer.Close()
		res := deliverOnce(t, b)
		if !res.Paused || res.Created != 0 {
			t.Fatalf("result %+v, want the partner paused", res)
		}
		if pause := backoffs(t, b)[store.PartnerWide]; !strings.Contains(pause.Error, "connection refused") {
			t.Errorf("pause %+v, want the refused connection named", pause)
		}
		b.clock.Add(31 * time.Second)
		deliverOnce(t, b)
		if e, ok := pausedEvent(t, b); !ok || !strings.Contains(e.Message, "cannot connect to HaloPSA") || !strings.Contains(e.Fix, "reachable") {
			t.Errorf("event %+v, want one saying HaloPSA cannot be reached", e)
		}
	})

	t.Run("AResolutionOfAnAlertWaitingForItsRetryWaitsToo", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{noRetries: true, postgres: e.postgres})
		alert := incidentAlert("i1", "c-1", "INC-7", b.clock.Now().Add(-time.Hour))
		ingestAlerts(t, b, alert)
		b.sim.InjectFault(halosim.Fault{Method: "POST", PathPrefix: "/api/Tickets", Status: http.StatusBadRequest,
			Body: `{"ClassName":"System.Exception","Message":"The ticket could not be saved"}`, Times: 1})
		if res := deliverOnce(t, b); res.Deferred != 1 {
			t.Fatalf("result %+v, want the group deferred", res)
		}
		ingestResolution(t, b, source.Resolution{Source: source.GravityZone, CustomerID: "c-1", Fingerprint: alert.Fingerprint,
			Reason: "GravityZone incident closed", ResolvedAt: b.clock.Now(), EventID: "r1"})
		if res := deliverOnce(t, b); res.Closed != 0 {
			t.Errorf("closed %+v before the ticket existed", res)
		}
		if pending, _ := b.store.PendingResolutions(b.ctx, b.partner.ID, 0); len(pending) != 1 {
			t.Fatalf("%d resolutions pending, want the one waiting for its alert's ticket", len(pending))
		}
		b.clock.Add(10 * time.Second)
		if res := deliverOnce(t, b); res.Created != 1 || res.Closed != 1 {
			t.Errorf("at the retry: %+v, want the ticket created, then closed", res)
		}
	})
}
