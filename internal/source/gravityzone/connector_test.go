package gravityzone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone/gzsim"
)

func TestConnectorCatalog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("IsGravityZone", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{}, Config{})
		if b.conn.Kind() != source.GravityZone {
			t.Errorf("Kind = %q", b.conn.Kind())
		}
	})

	t.Run("ListsCustomersWithPartnersAsResellers", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1, Companies: []gzsim.Company{
			{ID: "eeeeeeeeeeeeeeeeeeeeee01", Name: "MSP", Partner: true},
			{ID: "eeeeeeeeeeeeeeeeeeeeee02", Name: "Contoso"},
			{ID: "eeeeeeeeeeeeeeeeeeeeee03", Name: "Reseller", Partner: true},
			{ID: "eeeeeeeeeeeeeeeeeeeeee04", Name: "Fabrikam", ParentID: "eeeeeeeeeeeeeeeeeeeeee03"},
		}}, Config{})
		got, err := b.conn.Customers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []source.Customer{
			{ID: "eeeeeeeeeeeeeeeeeeeeee01", Name: "MSP", Reseller: true},
			{ID: "eeeeeeeeeeeeeeeeeeeeee02", Name: "Contoso", ParentID: "eeeeeeeeeeeeeeeeeeeeee01"},
			{ID: "eeeeeeeeeeeeeeeeeeeeee03", Name: "Reseller", ParentID: "eeeeeeeeeeeeeeeeeeeeee01", Reseller: true},
			{ID: "eeeeeeeeeeeeeeeeeeeeee04", Name: "Fabrikam", ParentID: "eeeeeeeeeeeeeeeeeeeeee03"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("customers (-want +got):\n%s", diff)
		}
	})

	t.Run("ReportsNonZeroCountersSummedOverProductTypes", func(t *testing.T) {
		t.Parallel()
		usages := map[string]string{
			"p1": `[{"productType":0,"endpointMonthlyUsage":15,"mspSecureMonthlyUsage":15,"patchManagementMonthlyUsage":3,"edrMonthlyUsage":0},
				{"productType":3,"endpointMonthlyUsage":0,"mspSecureMonthlyUsage":0,"patchManagementMonthlyUsage":0,"edrMonthlyUsage":6}]`,
			"c1": `[{"productType":0,"endpointMonthlyUsage":5,"mspSecureMonthlyUsage":5,"edrMonthlyUsage":0},
				{"productType":3,"endpointMonthlyUsage":0,"mspSecureMonthlyUsage":0,"edrMonthlyUsage":2}]`,
			"r1": `[{"productType":0,"endpointMonthlyUsage":10,"edrMonthlyUsage":0}]`,
			"c2": `[{"productType":0,"endpointMonthlyUsage":0,"edrMonthlyUsage":0}]`,
		}
		_, client := newFakeGZ(t, func(method string, params map[string]any) string {
			switch method {
			case "getCompanyDetails":
				return `{"id":"p1","name":"MSP","type":0}`
			case "getCompaniesList":
				_, partnersOnly := params["filters"]
				switch {
				case params["parentId"] == "p1" && partnersOnly:
					return `[{"id":"r1","name":"Reseller"}]`
				case params["parentId"] == "p1":
					return `[{"id":"c1","name":"Customer One"},{"id":"r1","name":"Reseller"}]`
				case params["parentId"] == "r1" && !partnersOnly:
					return `[{"id":"c2","name":"Customer Two"}]`
				}
				return `[]`
			case "getMonthlyUsagePerProductType":
				if params["targetMonth"] != "02/2026" {
					return `null`
				}
				return `{"usages":` + usages[fmt.Sprint(params["companyId"])] + `}`
			}
			return `null`
		})
		month := source.Month{Year: 2026, Month: time.February}
		got, err := NewConnector(client, nil).Usage(ctx, month)
		if err != nil {
			t.Fatal(err)
		}
		want := []source.Usage{
			{CustomerID: "p1", Month: month, Product: "edrMonthlyUsage", Quantity: 6, IncludesChildren: true},
			{CustomerID: "p1", Month: month, Product: "endpointMonthlyUsage", Quantity: 15, IncludesChildren: true},
			{CustomerID: "p1", Month: month, Product: "mspSecureMonthlyUsage", Quantity: 15, IncludesChildren: true},
			{CustomerID: "p1", Month: month, Product: "patchManagementMonthlyUsage", Quantity: 3, IncludesChildren: true},
			{CustomerID: "c1", Month: month, Product: "edrMonthlyUsage", Quantity: 2},
			{CustomerID: "c1", Month: month, Product: "endpointMonthlyUsage", Quantity: 5},
			{CustomerID: "c1", Month: month, Product: "mspSecureMonthlyUsage", Quantity: 5},
			{CustomerID: "r1", Month: month, Product: "endpointMonthlyUsage", Quantity: 10, IncludesChildren: true},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("usage (-want +got):\n%s", diff)
		}
	})

	t.Run("ReportsTheSimulatorsUsage", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1, Seed: 3}, Config{})
		month := source.MonthOf(time.Now()).Prev()
		got, err := b.conn.Usage(ctx, month)
		if err != nil {
			t.Fatal(err)
		}
		companies := b.sim.Companies()
		parents := map[string]bool{companies[0].ID: true, companies[8].ID: true}
		seats := map[string]float64{}
		for _, u := range got {
			if u.Quantity == 0 || u.Month != month {
				t.Errorf("usage %+v: only non-zero counters of the month", u)
			}
			if u.IncludesChildren != parents[u.CustomerID] {
				t.Errorf("usage %+v: IncludesChildren must be set exactly for the two partners", u)
			}
			if u.Product == "endpointMonthlyUsage" {
				seats[u.CustomerID] = u.Quantity
			}
		}
		reseller := seats[companies[8].ID]
		children := seats[companies[9].ID] + seats[companies[10].ID] + seats[companies[11].ID]
		if reseller < children || children == 0 {
			t.Errorf("the reseller's %v seats must include its customers' %v", reseller, children)
		}
	})
}

func TestConnectorDelivery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("RegistersAndReceivesSignedPushes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1}, Config{})
		rx := newReceiver(t, http.StatusOK)
		if err := b.conn.RegisterDelivery(ctx, source.Delivery{URL: rx.server.URL + "/hooks/gz", Secret: "Bearer hb-secret"}); err != nil {
			t.Fatal(err)
		}
		settings, ok := b.sim.PushSettings()
		if !ok {
			t.Fatal("no push settings stored")
		}
		subscribed := map[string]bool{}
		for _, name := range EventTypes() {
			subscribed[name] = true
		}
		want := gzsim.PushSettings{
			Status:      1,
			ServiceType: "jsonRPC",
			ServiceSettings: gzsim.ServiceSettings{
				URL: rx.server.URL + "/hooks/gz", Authorization: "Bearer hb-secret", RequireValidSSLCertificate: true,
			},
			SubscribeToEventTypes: subscribed,
		}
		if diff := cmp.Diff(want, settings); diff != "" {
			t.Errorf("settings (-want +got):\n%s", diff)
		}
		if len(subscribed) != 32 {
			t.Errorf("subscribed to %d event types, want all 32 subscribable ones", len(subscribed))
		}

		customer := b.sim.Companies()[1]
		ev, err := b.sim.NewEvent("av", customer.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.sim.Push(ctx, ev); err != nil {
			t.Fatal(err)
		}
		got := rx.next(t)
		if got.header.Get("Authorization") != "Bearer hb-secret" || !strings.HasPrefix(got.header.Get("Content-Type"), "application/json") {
			t.Errorf("headers %v", got.header)
		}
		if !VerifyPushSignature(got.header, got.body, b.sim.APIKey()) {
			t.Errorf("Event-Push-Service-Md5 %q does not prove the body", got.header.Get(PushSignatureHeader))
		}
		if VerifyPushSignature(got.header, got.body, "another-key") {
			t.Error("the signature must not hold for another key")
		}
		in, err := b.conn.ParseInbound(got.header, got.body)
		if err != nil {
			t.Fatal(err)
		}
		if len(in.Alerts) != 1 || in.Alerts[0].Type != "av" || in.Alerts[0].CustomerID != customer.ID || in.Alerts[0].Test {
			t.Errorf("alerts %+v", in.Alerts)
		}

		status, err := b.conn.CheckDelivery(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantStatus := source.DeliveryStatus{Enabled: true, URL: rx.server.URL + "/hooks/gz", Types: EventTypes(),
			Delivered: 1, CheckedAt: received}
		if diff := cmp.Diff(wantStatus, status); diff != "" {
			t.Errorf("status (-want +got):\n%s", diff)
		}
	})

	t.Run("SubscribesOnlyToTheAskedTypes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1}, Config{})
		if err := b.conn.RegisterDelivery(ctx, source.Delivery{URL: "https://halobridge.example/hooks/gz", Secret: "s", Types: []string{"av", "new-incident"}}); err != nil {
			t.Fatal(err)
		}
		settings, _ := b.sim.PushSettings()
		if diff := cmp.Diff(map[string]bool{"av": true, "new-incident": true}, settings.SubscribeToEventTypes); diff != "" {
			t.Errorf("subscriptions (-want +got):\n%s", diff)
		}
	})

	t.Run("ReadsSettingsWithAuthorizationMasked", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1}, Config{})
		if err := b.conn.RegisterDelivery(ctx, source.Delivery{URL: "https://halobridge.example/hooks/gz", Secret: "s3cret"}); err != nil {
			t.Fatal(err)
		}
		settings, err := b.client.GetPushEventSettings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if settings.ServiceSettings.Authorization != "********" || settings.ServiceSettings.URL != "https://halobridge.example/hooks/gz" {
			t.Errorf("settings %+v", settings.ServiceSettings)
		}
	})

	t.Run("SendsTestEventWithOverrides", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1}, Config{})
		rx := newReceiver(t, http.StatusOK)
		if err := b.conn.RegisterDelivery(ctx, source.Delivery{URL: rx.server.URL, Secret: "s"}); err != nil {
			t.Fatal(err)
		}
		sent, err := b.client.SendTestPushEvent(ctx, "new-incident", map[string]any{"detection_name": "halobridge check"})
		if err != nil {
			t.Fatal(err)
		}
		var described map[string]any
		if err := json.Unmarshal(sent, &described); err != nil || described["_testEvent_"] != true {
			t.Errorf("answer %s, want the event sent with its test flag", sent)
		}
		got := rx.next(t)
		in, err := ParsePush(got.header, got.body)
		if err != nil {
			t.Fatal(err)
		}
		a := in.Alerts[0]
		if !a.Test || a.Type != "new-incident" || a.Facts["detection_name"] != "halobridge check" {
			t.Errorf("alert test %v, type %q, detection %q", a.Test, a.Type, a.Facts["detection_name"])
		}
		stats, err := b.client.GetPushEventStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if stats.Count.TestEvents != 1 || stats.Count.SentMessages != 1 || stats.Count.Events != 0 {
			t.Errorf("counts %+v", stats.Count)
		}
	})

	t.Run("SaysWhenGravityZoneStoppedPushing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1}, Config{})
		rx := newReceiver(t, http.StatusInternalServerError)
		if err := b.conn.RegisterDelivery(ctx, source.Delivery{URL: rx.server.URL, Secret: "s"}); err != nil {
			t.Fatal(err)
		}
		ev, err := b.sim.NewEvent("fw", "")
		if err != nil {
			t.Fatal(err)
		}
		for range 101 {
			if err := b.sim.Push(ctx, ev); err == nil {
				t.Fatal("a push answered 500 must fail")
			}
		}
		status, err := b.conn.CheckDelivery(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if status.Enabled || status.Failed != 101 || status.Delivered != 0 ||
			!strings.Contains(status.LastError, "stopped pushing after more than 100 failed deliveries") ||
			!strings.Contains(status.LastError, "101 answers 5xx") {
			t.Errorf("status %+v", status)
		}
	})

	t.Run("UnregisterSwitchesOffItsOwnPushAndDropsTheSecret", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1}, Config{})
		rx := newReceiver(t, http.StatusOK)
		ours := source.Delivery{URL: rx.server.URL + "/ingest/tok123", Secret: "s3cret"}
		if err := b.conn.RegisterDelivery(ctx, ours); err != nil {
			t.Fatal(err)
		}
		done, err := b.conn.UnregisterDelivery(ctx, ours)
		if err != nil {
			t.Fatal(err)
		}
		settings, _ := b.sim.PushSettings()
		if settings.Status != 0 || settings.ServiceSettings.Authorization != "" || settings.ServiceSettings.URL != ours.URL ||
			!settings.SubscribeToEventTypes["av"] {
			t.Errorf("settings %+v; want status 0 and no authorization, the rest kept", settings)
		}
		if !strings.Contains(done, "switched off") || !strings.Contains(done, ours.URL) {
			t.Errorf("done = %q", done)
		}
		ev, err := b.sim.NewEvent("av", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := b.sim.Push(ctx, ev); !errors.Is(err, gzsim.ErrPushDisabled) {
			t.Errorf("Push after unregistering: %v, want ErrPushDisabled", err)
		}
	})

	t.Run("UnregisterSwitchesOffAPushToItsFormerAddress", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1}, Config{})
		root := b.sim.Companies()[0].ID
		err := b.client.SetPushEventSettings(ctx, PushSettings{Status: 1, ServiceType: ServiceJSONRPC,
			ServiceSettings:       PushServiceSettings{URL: "https://old.example/ingest/tok123", Authorization: "s"},
			SubscribeToEventTypes: map[string]bool{"av": true}, SubscribeToCompanies: []string{root}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.conn.UnregisterDelivery(ctx, source.Delivery{URL: "https://new.example/ingest/tok123"}); err != nil {
			t.Fatal(err)
		}
		settings, _ := b.sim.PushSettings()
		if settings.Status != 0 || len(settings.SubscribeToCompanies) != 1 || settings.SubscribeToCompanies[0] != root {
			t.Errorf("settings %+v; want status 0 with the company subscription kept", settings)
		}
	})

	t.Run("UnregisterLeavesAnotherCollectorsPushAlone", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1}, Config{})
		siem := source.Delivery{URL: "https://siem.example/gz/tok123", Secret: "Bearer siem"}
		if err := b.conn.RegisterDelivery(ctx, siem); err != nil {
			t.Fatal(err)
		}
		done, err := b.conn.UnregisterDelivery(ctx, source.Delivery{URL: "https://hb.example/ingest/tok123"})
		if err != nil {
			t.Fatal(err)
		}
		settings, _ := b.sim.PushSettings()
		if settings.Status != 1 || settings.ServiceSettings.Authorization != "Bearer siem" {
			t.Errorf("another collector's push was changed: %+v", settings)
		}
		if !strings.Contains(done, siem.URL) || !strings.Contains(done, "left as it is") {
			t.Errorf("done = %q", done)
		}
	})

	t.Run("UnregisterFindsNothingToSwitchOff", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1}, Config{})
		done, err := b.conn.UnregisterDelivery(ctx, source.Delivery{URL: "https://hb.example/ingest/tok123"})
		if err != nil || !strings.Contains(done, "nothing to switch off") {
			t.Errorf("done = %q, err = %v", done, err)
		}
		for _, r := range b.sim.Requests() {
			if r.Method == "setPushEventSettings" {
				t.Error("settings were written although there were none")
			}
		}
	})

	t.Run("UnregisterSaysWhatTheKeyLacks", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1, Services: []string{"companies", "network"}}, Config{})
		_, err := b.conn.UnregisterDelivery(ctx, source.Delivery{URL: "https://hb.example/ingest/tok123"})
		if !IsForbidden(err) || !strings.Contains(err.Error(), "Event Push Service API") {
			t.Errorf("err = %v, want the 403 naming the Event Push Service API", err)
		}
	})

	t.Run("ResolvesClosedIncidents", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1}, Config{})
		customer := b.sim.Companies()[2]
		ev, err := b.sim.NewEvent("new-incident", customer.ID)
		if err != nil {
			t.Fatal(err)
		}
		body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "addEvents", "params": map[string]any{"events": []any{ev}}, "id": 1})
		if err != nil {
			t.Fatal(err)
		}
		in, err := ParsePushAt(nil, body, received, source.DefaultMaxEvents)
		if err != nil {
			t.Fatal(err)
		}
		since := time.Now().Add(-time.Minute)
		if err := b.sim.CloseIncident(fmt.Sprint(ev["incident_id"])); err != nil {
			t.Fatal(err)
		}
		got, err := b.conn.Resolutions(ctx, since)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("%d resolutions, want the one closed incident", len(got))
		}
		r := got[0]
		if r.Fingerprint != in.Alerts[0].Fingerprint || r.CustomerID != customer.ID || r.Reason != "GravityZone incident closed" ||
			r.Source != source.GravityZone || r.EventID == "" || time.Since(r.ResolvedAt) > time.Minute {
			t.Errorf("resolution %+v, alert fingerprint %q", r, in.Alerts[0].Fingerprint)
		}
	})
}
