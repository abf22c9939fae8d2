package syncrun_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/ingest"
	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
	"halobridge/internal/syncrun"
	"halobridge/internal/syncrun/syncruntest"
)

// pushWorld is a partner whose GravityZone pushes to halobridge's real
// ingest endpoint over HTTP, with a switch that makes that endpoint fail.
type pushWorld struct {
	*syncruntest.Fixture
	gz      *gzsim.Sim
	gzSrv   *httptest.Server
	gzURL   string
	hbURL   string
	sources *connect.Sources
	src     store.Source
	// down makes halobridge's ingest endpoint answer 503.
	down atomic.Bool
}

const pushCompany = "cccccccccccccccccccccc01"

func newPushWorld(t *testing.T, st *store.Store, services ...string) *pushWorld {
	t.Helper()
	w := &pushWorld{Fixture: syncruntest.NewFixture(t, st, halosim.Options{Clients: 6})}
	w.gz = gzsim.New(gzsim.Options{RateLimit: -1, Services: services, Companies: []gzsim.Company{
		{ID: pushCompany, Name: "Northpoint IT", Partner: true},
		{ID: pushCompany + "-c1", Name: "Contoso"},
	}})
	w.gzSrv = httptest.NewServer(w.gz)
	t.Cleanup(w.gzSrv.Close)
	w.gzURL = w.gzSrv.URL + "/api"

	committer := ingest.NewCommitter(st, 0, nil)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { committer.Run(ctx); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	receiver := ingest.NewReceiver(st, committer, ingest.Parsers(), ingest.Options{SourceTTL: time.Nanosecond})
	mux := http.NewServeMux()
	mux.Handle("POST /ingest/{token}", receiver)
	hb := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if w.down.Load() {
			http.Error(rw, "halobridge is down", http.StatusServiceUnavailable)
			return
		}
		mux.ServeHTTP(rw, r)
	}))
	t.Cleanup(hb.Close)
	w.hbURL = hb.URL

	w.sources = &connect.Sources{Outbound: outbound.Local(), Store: st, PublicURL: hb.URL}
	// The services reach halobridge where GravityZone pushes to it.
	w.Services = syncruntest.NewServices(&syncrun.Syncer{Store: st, Halo: w.Fixture.Syncer.Halo, Sources: syncruntest.FastConnectors{Sources: w.sources}}, w.sources)
	return w
}

// connect adds the GravityZone source as a person does: the key is
// checked and halobridge registers its push.
func (w *pushWorld) connect(t *testing.T) {
	t.Helper()
	c, err := w.sources.AddSource(t.Context(), connect.NewSource{PartnerID: w.Partner.ID, Kind: source.GravityZone,
		Name: "EU console", APIURL: w.gzURL, APIKey: gzsim.DefaultAPIKey})
	if err != nil {
		t.Fatalf("AddSource: %v", err)
	}
	w.src = c.Source
}

// push has GravityZone push one event and says how it went.
func (w *pushWorld) push(t *testing.T) error {
	t.Helper()
	ev, err := w.gz.NewEvent("av", pushCompany+"-c1")
	if err != nil {
		t.Fatal(err)
	}
	return w.gz.Push(t.Context(), ev)
}

// failUntilOff pushes until GravityZone switches its push off, and
// returns how many pushes failed.
func (w *pushWorld) failUntilOff(t *testing.T) int {
	t.Helper()
	for failed := 0; failed <= 200; failed++ {
		err := w.push(t)
		switch {
		case errors.Is(err, gzsim.ErrPushDisabled):
			return failed
		case err == nil:
			t.Fatal("a push got through while it should fail")
		}
	}
	t.Fatal("GravityZone still pushes after 200 failures")
	return 0
}

// client calls GravityZone's API as another tool would.
func (w *pushWorld) client(t *testing.T) *gravityzone.Client {
	t.Helper()
	c, err := gravityzone.New(gravityzone.Config{Outbound: outbound.Local(), AccessURL: w.gzURL, APIKey: gzsim.DefaultAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (w *pushWorld) sync(t *testing.T) {
	t.Helper()
	if _, err := w.Syncer.Sync(t.Context(), w.Partner.ID, nil); err != nil {
		t.Fatalf("sync: %v", err)
	}
}

// syncRaisesNothing syncs and checks that no push event is open after.
func (w *pushWorld) syncRaisesNothing(t *testing.T, when string) {
	t.Helper()
	w.sync(t)
	if got := w.pushEvents(t, store.EventOpen); len(got) != 0 {
		t.Errorf("%s: open push events %+v", when, got)
	}
}

// switchedOff connects the source, lets halobridge fail until GravityZone
// switches the push off, and returns the event the next sync raises.
func (w *pushWorld) switchedOff(t *testing.T) store.Event {
	t.Helper()
	w.connect(t)
	w.down.Store(true)
	w.failUntilOff(t)
	w.sync(t)
	return w.OpenEvent(t, events.EventPushFailing)
}

func (w *pushWorld) alerts(t *testing.T) int {
	t.Helper()
	n, err := w.St.CountAlerts(t.Context(), w.src.ID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// pushEvents lists the partner's push events in state.
func (w *pushWorld) pushEvents(t *testing.T, state string) []store.Event {
	t.Helper()
	var out []store.Event
	for _, e := range w.ListEvents(t, state) {
		if e.Kind == events.EventPushFailing {
			out = append(out, e)
		}
	}
	return out
}

func wantSaid(t *testing.T, what, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Errorf("%s %q does not say %q", what, text, p)
		}
	}
}

func TestPushHealth(t *testing.T) {
	t.Parallel()

	// The whole loop, for each way halobridge's end can fail: GravityZone's
	// pushes fail until it switches the push off, a sync raises the event,
	// Resolve registers again, pushes are stored again, Recheck clears it.
	for _, tc := range []struct {
		name     string
		breakIt  func(t *testing.T, w *pushWorld)
		fixIt    func(w *pushWorld)
		answered string
	}{
		{"IngestEndpointFails", func(t *testing.T, w *pushWorld) { w.down.Store(true) }, func(w *pushWorld) { w.down.Store(false) }, "101 answers 5xx"},
		{"AuthorizationChangedAtGravityZone", func(t *testing.T, w *pushWorld) {
			client := w.client(t)
			settings, err := client.GetPushEventSettings(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			settings.ServiceSettings.Authorization = "Bearer someone-elses"
			if err := client.SetPushEventSettings(t.Context(), settings); err != nil {
				t.Fatal(err)
			}
		}, func(*pushWorld) {}, "101 answers 4xx"},
	} {
		t.Run(tc.name+"ThenResolveAndRecheckRepairIt", func(t *testing.T) {
			t.Parallel()
			syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
				ctx := t.Context()
				w := newPushWorld(t, st)
				w.connect(t)
				if err := w.push(t); err != nil {
					t.Fatalf("a push before anything broke: %v", err)
				}
				w.sync(t)
				if got := w.pushEvents(t, ""); len(got) != 0 {
					t.Fatalf("events for a healthy push: %+v", got)
				}

				tc.breakIt(t, w)
				if n := w.failUntilOff(t); n != 101 {
					t.Errorf("GravityZone switched off after %d failures, want 101", n)
				}
				w.sync(t)
				e := w.OpenEvent(t, events.EventPushFailing)
				wantSaid(t, "message", e.Message, "switched off (status 0)", "GravityZone 'EU console'", "messages delivered 1, failed 101", tc.answered)
				wantSaid(t, "fix", e.Fix, w.hbURL+"/ingest/"+w.src.Token, "Resolve")
				if e.Subject != "GravityZone 'EU console': Event Push Service" {
					t.Errorf("subject %q", e.Subject)
				}

				rechecked, err := w.Events.Recheck(ctx, w.Partner.ID, e.ID)
				if err != nil || rechecked.State != store.EventOpen || rechecked.Count != 2 {
					t.Errorf("recheck while still off: %+v, %v; want it open and seen again", rechecked, err)
				}

				tc.fixIt(w)
				res, err := w.Events.Resolve(ctx, w.Partner.ID, e.ID)
				if err != nil {
					t.Fatalf("Resolve: %v", err)
				}
				wantSaid(t, "action", res.Action, "Registered halobridge with GravityZone's Event Push Service again")
				if res.Event.State != store.EventAcknowledged {
					t.Errorf("after Resolve the event is %s, want acknowledged until a check shows the push healthy", res.Event.State)
				}
				settings, _ := w.gz.PushSettings()
				if settings.Status != 1 || settings.ServiceSettings.URL != w.hbURL+"/ingest/"+w.src.Token || settings.ServiceSettings.Authorization != w.src.Secret {
					t.Errorf("push settings after Resolve %+v", settings)
				}

				if err := w.push(t); err != nil {
					t.Fatalf("a push after Resolve: %v", err)
				}
				if n := w.alerts(t); n != 2 {
					t.Errorf("%d alerts stored, want the one before and the one after", n)
				}
				cleared, err := w.Events.Recheck(ctx, w.Partner.ID, e.ID)
				if err != nil || cleared.State != store.EventResolved {
					t.Errorf("recheck after the repair: %+v, %v; want resolved", cleared, err)
				}
				w.syncRaisesNothing(t, "the next sync")
			})
		})
	}

	t.Run("FailuresWhileStillOnRaiseAndClearAtTheNextSync", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			w := newPushWorld(t, st)
			w.connect(t)
			w.sync(t)
			w.down.Store(true)
			for range 5 {
				if err := w.push(t); err == nil {
					t.Fatal("a push got through while halobridge was down")
				}
			}
			w.sync(t)
			e := w.OpenEvent(t, events.EventPushFailing)
			wantSaid(t, "message", e.Message, "5 deliveries of GravityZone's Event Push Service to halobridge failed since halobridge last looked", "5 answers 5xx")
			w.down.Store(false)
			if err := w.push(t); err != nil {
				t.Fatal(err)
			}
			w.syncRaisesNothing(t, "a sync without new failures")
		})
	})

	t.Run("APushToAnotherCollectorIsPointedBackByResolve", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			ctx := t.Context()
			w := newPushWorld(t, st)
			w.connect(t)
			if err := w.client(t).SetPushEventSettings(ctx, gravityzone.PushSettings{Status: 1, ServiceType: gravityzone.ServiceJSONRPC,
				ServiceSettings: gravityzone.PushServiceSettings{URL: "https://siem.example/gz"}, SubscribeToEventTypes: map[string]bool{"av": true}}); err != nil {
				t.Fatal(err)
			}
			w.sync(t)
			e := w.OpenEvent(t, events.EventPushFailing)
			wantSaid(t, "message", e.Message, "pushes to https://siem.example/gz, not to halobridge's "+w.hbURL+"/ingest/"+w.src.Token)
			wantSaid(t, "fix", e.Fix, "one address only")
			if _, err := w.Events.Resolve(ctx, w.Partner.ID, e.ID); err != nil {
				t.Fatal(err)
			}
			if err := w.push(t); err != nil {
				t.Fatalf("a push after Resolve: %v", err)
			}
			if got, err := w.Events.Recheck(ctx, w.Partner.ID, e.ID); err != nil || got.State != store.EventResolved {
				t.Errorf("recheck: %+v, %v", got, err)
			}
		})
	})

	t.Run("AKeyWithoutThePushAPIIsAnEventResolveCannotFix", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			w := newPushWorld(t, st, "companies", "network", "licensing")
			src, err := st.CreateSource(t.Context(), store.Source{PartnerID: w.Partner.ID, Kind: source.GravityZone, Name: "EU console",
				APIURL: w.gzURL, APIKey: gzsim.DefaultAPIKey, Secret: "s"})
			if err != nil {
				t.Fatal(err)
			}
			w.src = src
			w.sync(t)
			e := w.OpenEvent(t, events.EventPushFailing)
			wantSaid(t, "message", e.Message, "cannot tell whether GravityZone's Event Push Service delivers", "403")
			wantSaid(t, "fix", e.Fix, "Event Push Service API")
			_, err = w.Events.Resolve(t.Context(), w.Partner.ID, e.ID)
			if !gravityzone.IsForbidden(err) || !strings.Contains(err.Error(), "enable the Event Push Service API") {
				t.Errorf("Resolve: %v, want GravityZone's refusal in its words", err)
			}
			if got, _ := w.St.Event(t.Context(), w.Partner.ID, e.ID); got.State != store.EventOpen {
				t.Errorf("event %s after a failed Resolve, want it open", got.State)
			}
		})
	})

	t.Run("GravityZoneOutOfReachLeavesTheEventAsItWas", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			w := newPushWorld(t, st)
			before := w.switchedOff(t)
			w.gzSrv.Close()
			_, err := w.Syncer.Sync(t.Context(), w.Partner.ID, nil)
			if err == nil || !strings.Contains(err.Error(), "check the Event Push Service") {
				t.Errorf("sync with GravityZone down: %v, want the check's failure", err)
			}
			after := w.OpenEvent(t, events.EventPushFailing)
			if after.Count != before.Count || after.State != store.EventOpen {
				t.Errorf("event %+v after a sync that could not check, want it as it was (%+v)", after, before)
			}
			if _, err := w.Events.Recheck(t.Context(), w.Partner.ID, before.ID); err == nil {
				t.Error("Recheck with GravityZone down succeeded")
			}
		})
	})

	t.Run("ARemovedSourcesEventGoesWithIt", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			w := newPushWorld(t, st)
			w.switchedOff(t)
			if _, err := w.sources.RemoveSource(t.Context(), w.Partner.ID, w.src.ID); err != nil {
				t.Fatal(err)
			}
			if got := w.pushEvents(t, ""); len(got) != 0 {
				t.Errorf("events outlived their source: %+v", got)
			}
		})
	})
}
