package gzsim_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"halobridge/internal/source/gravityzone"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/wait"
)

// collector records pushes and answers status.
type collector struct {
	server *httptest.Server
	status atomic.Int32
	mu     sync.Mutex
	got    []delivery
}

type delivery struct {
	header http.Header
	body   []byte
}

func newCollector(t *testing.T, status int) *collector {
	t.Helper()
	c := &collector{}
	c.status.Store(int32(status))
	c.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.got = append(c.got, delivery{header: r.Header.Clone(), body: body})
		c.mu.Unlock()
		w.WriteHeader(int(c.status.Load()))
	}))
	t.Cleanup(c.server.Close)
	return c
}

func (c *collector) deliveries() []delivery {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]delivery(nil), c.got...)
}

// configure enables pushing to url through the API, as a client would.
func (b *testBundle) configure(t *testing.T, settings map[string]any) {
	t.Helper()
	var ok bool
	wantResult(t, b.call(t, "v1.0", "push", "setPushEventSettings", settings), &ok)
	if !ok {
		t.Fatal("setPushEventSettings did not answer true")
	}
}

func pushTo(url, serviceType string, types ...string) map[string]any {
	subscribe := map[string]bool{}
	for _, t := range types {
		subscribe[t] = true
	}
	return map[string]any{
		"status":                1,
		"serviceType":           serviceType,
		"serviceSettings":       map[string]any{"url": url, "authorization": "Bearer collector-secret", "requireValidSslCertificate": false},
		"subscribeToEventTypes": subscribe,
	}
}

func TestPushSettings(t *testing.T) {
	t.Parallel()

	t.Run("StoresSettingsAndMasksAuthorization", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1})
		b.configure(t, pushTo("https://collector.example/gz", "jsonRPC", "av", "fw"))
		stored, ok := b.sim.PushSettings()
		if !ok || stored.ServiceSettings.Authorization != "Bearer collector-secret" || stored.Status != 1 {
			t.Errorf("stored %+v", stored)
		}
		var read gzsim.PushSettings
		wantResult(t, b.call(t, "v1.0", "push", "getPushEventSettings", nil), &read)
		if read.ServiceSettings.Authorization != "********" || read.ServiceSettings.URL != "https://collector.example/gz" ||
			!read.SubscribeToEventTypes["fw"] || read.ServiceType != "jsonRPC" {
			t.Errorf("read back %+v", read)
		}
	})

	t.Run("RejectsBadSettings", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1})
		root := b.sim.Companies()[0].ID
		for name, tc := range map[string]struct {
			change  func(map[string]any)
			details string
		}{
			"StatusOutOfRange":       {func(s map[string]any) { s["status"] = 2 }, "status"},
			"UnsimulatedServiceType": {func(s map[string]any) { s["serviceType"] = "cef" }, "serviceType"},
			"MissingURL":             {func(s map[string]any) { s["serviceSettings"] = map[string]any{"authorization": "x"} }, "serviceSettings.url"},
			"UnknownEventType":       {func(s map[string]any) { s["subscribeToEventTypes"] = map[string]bool{"telepathy": true} }, "telepathy"},
			"EmptyCompanyList":       {func(s map[string]any) { s["subscribeToCompanies"] = []string{} }, "your own company"},
			"CompaniesWithoutOwn":    {func(s map[string]any) { s["subscribeToCompanies"] = []string{b.sim.Companies()[1].ID} }, "your own company"},
			"UnknownCompany":         {func(s map[string]any) { s["subscribeToCompanies"] = []string{root, "ffffffffffffffffffffffff"} }, "unknown company"},
			"UnknownServiceSettingKey": {func(s map[string]any) {
				s["serviceSettings"] = map[string]any{"url": "https://x.example", "colour": "red"}
			}, "colour"},
		} {
			settings := pushTo("https://collector.example/gz", "jsonRPC", "av")
			tc.change(settings)
			a := b.call(t, "v1.0", "push", "setPushEventSettings", settings)
			if a.Error == nil || a.Error.Code != -32602 {
				t.Errorf("%s: %+v, want Invalid params", name, a.Error)
				continue
			}
			if !containsFold(a.Error.Data.Details, tc.details) {
				t.Errorf("%s: details %q should name %q", name, a.Error.Data.Details, tc.details)
			}
		}
	})

	t.Run("RefusesTestEventBeforeSettings", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1})
		wantError(t, b.call(t, "v1.0", "push", "sendTestPushEvent", map[string]any{"eventType": "av"}), http.StatusOK, -32000, "setPushEventSettings")
	})

	t.Run("ResetsStats", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1})
		rx := newCollector(t, http.StatusOK)
		b.configure(t, pushTo(rx.server.URL, "jsonRPC", "av"))
		wantResult(t, b.call(t, "v1.0", "push", "sendTestPushEvent", map[string]any{"eventType": "av"}), new(map[string]any))
		var ok bool
		wantResult(t, b.call(t, "v1.0", "push", "resetPushEventStats", nil), &ok)
		var stats gzsim.Stats
		wantResult(t, b.call(t, "v1.0", "push", "getPushEventStats", nil), &stats)
		if stats != (gzsim.Stats{}) {
			t.Errorf("stats after a reset %+v", stats)
		}
	})
}

func TestPusher(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("RunPushesSignedBatchesOfSubscribedTypesAndCompanies", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1, PushEvery: 5 * time.Millisecond, EventsPerBatch: 4})
		rx := newCollector(t, http.StatusOK)
		contoso := b.sim.Companies()[1].ID
		settings := pushTo(rx.server.URL, "jsonRPC", "av", "uc", "new-incident")
		settings["subscribeToCompanies"] = []string{b.sim.Companies()[0].ID, contoso}
		b.configure(t, settings)
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- b.sim.Run(runCtx) }()
		wait.For(t, "three deliveries", func() bool { return len(rx.deliveries()) >= 3 })
		stop()
		if err := <-done; err != nil {
			t.Fatalf("Run: %v", err)
		}
		got := rx.deliveries()
		if len(got) < 3 {
			t.Fatalf("%d batches arrived, want at least 3", len(got))
		}
		events := 0
		for _, d := range got {
			if d.header.Get("Authorization") != "Bearer collector-secret" {
				t.Errorf("Authorization %q", d.header.Get("Authorization"))
			}
			if d.header.Get("Event-Push-Service-Md5") != gzsim.Signature(gzsim.DefaultAPIKey, d.body) ||
				!gravityzone.VerifyPushSignature(d.header, d.body, gzsim.DefaultAPIKey) {
				t.Errorf("signature %q does not prove the body", d.header.Get("Event-Push-Service-Md5"))
			}
			in, err := gravityzone.ParsePush(d.header, d.body)
			if err != nil {
				t.Fatalf("ParsePush: %v", err)
			}
			if len(in.Alerts) != 4 {
				t.Errorf("%d events in a batch, want 4", len(in.Alerts))
			}
			for _, a := range in.Alerts {
				events++
				if a.Type != "av" && a.Type != "uc" && a.Type != "new-incident" {
					t.Errorf("pushed %q, which is not subscribed", a.Type)
				}
				if a.CustomerID != contoso && a.CustomerID != b.sim.Companies()[0].ID {
					t.Errorf("pushed an event of %s, which is not subscribed", a.CustomerID)
				}
			}
		}
		// Stopping may cut the last push short after the collector has it
		// but before its answer is read: GravityZone counts only what was
		// answered, so the statistics may be one message behind.
		stats := b.sim.Stats()
		sent := stats.Count.SentMessages
		if sent < len(got)-1 || sent > len(got) || stats.Count.Events != 4*sent || stats.Count.ErrorMessages != 0 || stats.LastUpdateTime == "" {
			t.Errorf("stats %+v after %d messages of %d events", stats.Count, len(got), events)
		}
	})

	t.Run("WritesEachServiceTypesFormat", func(t *testing.T) {
		t.Parallel()
		for _, serviceType := range []string{"jsonRPC", "splunk", "qradar"} {
			b := setup(t, gzsim.Options{RateLimit: -1})
			rx := newCollector(t, http.StatusOK)
			b.configure(t, pushTo(rx.server.URL, serviceType, "av"))
			var events []gzsim.Event
			for _, module := range []string{"av", "hd", "sva"} {
				ev, err := b.sim.NewEvent(module, "")
				if err != nil {
					t.Fatal(err)
				}
				events = append(events, ev)
			}
			if err := b.sim.Push(ctx, events...); err != nil {
				t.Fatal(err)
			}
			d := rx.deliveries()[0]
			in, err := gravityzone.ParsePush(d.header, d.body)
			if err != nil {
				t.Fatalf("%s: %v", serviceType, err)
			}
			if len(in.Alerts) != 3 || in.Alerts[0].Type != "av" || in.Alerts[1].Type != "hd" || in.Alerts[2].Type != "sva" {
				t.Errorf("%s: alerts %v", serviceType, in.Alerts)
			}
		}
	})

	t.Run("TurnsItselfOffAfterMoreThan100Errors", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1, PushEvery: time.Millisecond, EventsPerBatch: 1})
		rx := newCollector(t, http.StatusServiceUnavailable)
		b.configure(t, pushTo(rx.server.URL, "jsonRPC", "fw"))
		runCtx, stop := context.WithCancel(ctx)
		defer stop()
		go func() { _ = b.sim.Run(runCtx) }()
		wait.For(t, "the push to be switched off after its errors", func() bool {
			s, _ := b.sim.PushSettings()
			return s.Status == 0
		})
		time.Sleep(20 * time.Millisecond)
		stats := b.sim.Stats()
		if stats.Count.ErrorMessages != 101 || stats.Error.StatusCode500 != 101 || stats.Count.SentMessages != 0 || len(rx.deliveries()) != 101 {
			t.Errorf("stats %+v, %d deliveries; want it to stop at the 101st error", stats, len(rx.deliveries()))
		}
		if err := b.sim.Push(ctx, gzsim.Event{"module": "fw"}); !errors.Is(err, gzsim.ErrPushDisabled) {
			t.Errorf("Push after the stop: %v", err)
		}
	})

	t.Run("StaysOffUntilSettingsAreSetAgain", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1})
		rx := newCollector(t, http.StatusUnauthorized)
		b.configure(t, pushTo(rx.server.URL, "jsonRPC", "fw"))
		ev := gzsim.Event{"module": "fw", "companyId": b.sim.Companies()[1].ID}
		for range 101 {
			if err := b.sim.Push(ctx, ev); err == nil || errors.Is(err, gzsim.ErrPushDisabled) {
				t.Fatalf("a push answered 401 while enabled: %v", err)
			}
		}
		var read gzsim.PushSettings
		wantResult(t, b.call(t, "v1.0", "push", "getPushEventSettings", nil), &read)
		if read.Status != 0 || read.ServiceSettings.URL != rx.server.URL || read.ServiceSettings.Authorization != "********" {
			t.Errorf("settings after the stop %+v; want status 0 with the URL and the masked authorization kept", read)
		}
		// The collector is fixed, but nothing is pushed until a client sets the settings again.
		rx.status.Store(http.StatusOK)
		if err := b.sim.Push(ctx, ev); !errors.Is(err, gzsim.ErrPushDisabled) {
			t.Errorf("Push after the stop: %v, want ErrPushDisabled", err)
		}
		wantError(t, b.call(t, "v1.0", "push", "sendTestPushEvent", map[string]any{"eventType": "fw"}), http.StatusOK, -32000, "setPushEventSettings")
		if n := len(rx.deliveries()); n != 101 {
			t.Errorf("%d deliveries reached the collector, want the 101 before the stop", n)
		}
		var stats gzsim.Stats
		wantResult(t, b.call(t, "v1.0", "push", "getPushEventStats", nil), &stats)
		if stats.Count.ErrorMessages != 101 || stats.Error.StatusCode400 != 101 || stats.Count.SentMessages != 0 {
			t.Errorf("stats after the stop %+v", stats)
		}

		b.configure(t, pushTo(rx.server.URL, "jsonRPC", "fw"))
		if err := b.sim.Push(ctx, ev); err != nil {
			t.Fatalf("Push after setPushEventSettings: %v", err)
		}
		wantResult(t, b.call(t, "v1.0", "push", "getPushEventStats", nil), &stats)
		if stats.Count.ErrorMessages != 101 || stats.Count.SentMessages != 1 || stats.Count.Events != 1 {
			t.Errorf("stats after turning it on again %+v; want the errors kept and one message sent", stats.Count)
		}
	})

	t.Run("CountsAHundredMoreErrorsAfterSettingsAreSetAgain", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1})
		rx := newCollector(t, http.StatusInternalServerError)
		b.configure(t, pushTo(rx.server.URL, "jsonRPC", "fw"))
		ev := gzsim.Event{"module": "fw"}
		for range 101 {
			_ = b.sim.Push(ctx, ev)
		}
		b.configure(t, pushTo(rx.server.URL, "jsonRPC", "fw"))
		for i := range 100 {
			if err := b.sim.Push(ctx, ev); errors.Is(err, gzsim.ErrPushDisabled) {
				t.Fatalf("stopped at the %d. error after being turned on again", i+1)
			}
		}
		if s, _ := b.sim.PushSettings(); s.Status != 1 {
			t.Fatal("stopped after 100 errors since the settings were set; GravityZone stops after more than 100")
		}
		_ = b.sim.Push(ctx, ev)
		if s, _ := b.sim.PushSettings(); s.Status != 0 {
			t.Error("still on after 101 errors since the settings were set")
		}
		if stats := b.sim.Stats(); stats.Count.ErrorMessages != 202 {
			t.Errorf("errorMessages %d, want all 202 failures counted", stats.Count.ErrorMessages)
		}
	})

	t.Run("TurnsItselfOffAfterThreeHoursWithoutSuccess", func(t *testing.T) {
		t.Parallel()
		var clock atomic.Int64
		clock.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix())
		b := setup(t, gzsim.Options{RateLimit: -1, Now: func() time.Time { return time.Unix(clock.Load(), 0) }})
		rx := newCollector(t, http.StatusBadGateway)
		b.configure(t, pushTo(rx.server.URL, "jsonRPC", "fw"))
		ev := gzsim.Event{"module": "fw", "companyId": b.sim.Companies()[1].ID}
		_ = b.sim.Push(ctx, ev)
		clock.Add(10799)
		_ = b.sim.Push(ctx, ev)
		if s, _ := b.sim.PushSettings(); s.Status != 1 {
			t.Fatal("stopped before 10800 s")
		}
		clock.Add(1)
		_ = b.sim.Push(ctx, ev)
		if s, _ := b.sim.PushSettings(); s.Status != 0 {
			t.Error("still on 10800 s after the first error without a 200")
		}
	})

	t.Run("CountsConnectionErrors", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1})
		rx := newCollector(t, http.StatusOK)
		b.configure(t, pushTo(rx.server.URL, "jsonRPC", "fw"))
		rx.server.Close()
		if err := b.sim.Push(ctx, gzsim.Event{"module": "fw"}); err == nil {
			t.Fatal("a push to a closed collector must fail")
		}
		if stats := b.sim.Stats(); stats.Error.ConnectionError != 1 || stats.Count.ErrorMessages != 1 {
			t.Errorf("stats %+v", stats)
		}
	})
}
