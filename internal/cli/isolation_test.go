package cli

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"halobridge/internal/api"
	"halobridge/internal/auth"
	"halobridge/internal/ingest"
	"halobridge/internal/portal"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/web/routetest"
)

// userRequest is a DefensX UserRequest.Create webhook (the knowledge base's
// sample of reference API.md §3) for customer, with host as the blocked
// site.
func userRequest(customer, host string) string {
	return fmt.Sprintf(`{"event": "UserRequest.Create", "time": 1677241081, "payload": {"type": "UserRequest", "id": 1650,
		"user_id": "ab02c0d0-f02f-4e9f-8fd6-dc82ea142c63", "customer_id": %q, "report_type": "url_block",
		"hostname": %q, "url": "https://%s/", "reason": "Incorrect Risk Rating"}}`, customer, host, host)
}

// TestTenantIsolation holds every route the server mounts to a test that
// calls it as another partner. The areas' route tables (sign-in, the JSON
// API, the portal) are called so by their own packages' tests; here the
// push endpoints, which know a partner only by a source's token and
// secret, are called with partner B's sources' credentials aimed at
// partner A's source and records: B's credentials never pass for A's
// source, what B sends is stored for B alone even when it names A's ids,
// and no answer, nor the metrics, shows anything of A's.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	rt, base, _ := serveForTest(t, nil)
	ctx := t.Context()
	st := rt.store
	type partner struct {
		store.Partner
		push, defensX store.Source
	}
	newPartner := func(name string) partner {
		p, err := st.CreatePartner(ctx, store.Partner{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		out := partner{Partner: p}
		for kind, into := range map[source.Kind]*store.Source{source.Push: &out.push, source.DefensX: &out.defensX} {
			if *into, err = st.CreateSource(ctx, store.Source{PartnerID: p.ID, Kind: kind, Name: name + " " + string(kind), APIKey: "key-" + string(kind), Secret: store.NewToken()}); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	a, b := newPartner("Northpoint IT"), newPartner("Harbour MSP")
	send := func(t *testing.T, method, path, bearer, body string) (int, string) {
		t.Helper()
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(rctx, method, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		switch {
		case strings.HasPrefix(bearer, "Basic "):
			req.Header.Set("Authorization", bearer)
		case bearer != "":
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		got, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(got)
	}

	// Each partner's HaloPSA webhook: B's credentials never pass at A's address.
	hookOf := func(p partner) store.HaloWebhook {
		h, err := st.EnsureHaloWebhook(ctx, p.ID, store.NewToken(), store.NewToken())
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	aHook, bHook := hookOf(a), hookOf(b)
	basic := func(h store.HaloWebhook) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte("halobridge:"+h.Secret))
	}
	closed := `{"id": "6f1c2a34-0000-4000-8000-0000000000aa", "event": "Ticket Status Changed", "object_id": 3001}`
	// Partner A's vendor and DefensX have pushed: a customer, its usage, two
	// alerts and one; its HaloPSA has posted a delivery.
	aPush := ingest.PushToken(a.push)
	for _, c := range []struct{ method, path, bearer, body string }{
		{"PUT", "/api/push/v1/customers", aPush, `[{"id": "np-1", "name": "Northpoint Dental"}]`},
		{"PUT", "/api/push/v1/usage", aPush, `[{"customer_id": "np-1", "month": "2026-03", "product": "endpoint-protection", "quantity": 42}]`},
		{"POST", "/api/push/v1/alerts", aPush, `{"alerts": [{"id": "np-alert-1", "customer_id": "np-1", "type": "malware", "severity": "high",
			"host_name": "NORTHPOINT-WS-7", "occurred_at": "2026-03-14T09:26:53Z"},
			{"id": "np-alert-2", "customer_id": "np-1", "type": "malware", "severity": "high", "occurred_at": "2026-03-14T09:27:53Z"}]}`},
		{"POST", "/ingest/" + a.defensX.Token + "?secret=" + a.defensX.Secret, "", userRequest("np-dx-1", "northpoint-blocked.example")},
		{"POST", "/halo/webhook/" + aHook.Token, basic(aHook), closed},
	} {
		if status, got := send(t, c.method, c.path, c.bearer, c.body); status != http.StatusOK {
			t.Fatalf("partner A's %s %s: %d %s", c.method, c.path, status, got)
		}
	}
	before := pushedRecords(t, st, a.push, a.defensX)

	// Only listed, never served: the jobs and the receiver it would hand
	// requests to are not needed for that.
	routes := routetest.New(rt.handler(&background{}, nil).Patterns())
	bPush := ingest.PushToken(b.push)
	cases := []struct {
		name, method, path, bearer, body string
		status                           int
		want                             string
	}{
		{"AnotherSourcesSecretAtPartnerAsAddress", "POST", "/ingest/" + a.defensX.Token + "?secret=" + b.defensX.Secret, "",
			userRequest("np-dx-1", "harbour.example"), http.StatusUnauthorized, "the secret is missing or wrong"},
		{"PartnerAsIDsAtItsOwnAddress", "POST", "/ingest/" + b.defensX.Token + "?secret=" + b.defensX.Secret, "",
			userRequest("np-dx-1", "harbour.example"), http.StatusOK, ""},
		{"PartnerAsTokenWithItsOwnSecret", "PUT", "/api/push/v1/customers", a.push.Token + "." + b.push.Secret,
			`[{"id": "np-1", "name": "Taken Over"}]`, http.StatusUnauthorized, `"code":"unauthorized"`},
		{"PartnerAsCustomerIDForItsOwnSource", "PUT", "/api/push/v1/customers", bPush, `[{"id": "np-1", "name": "Taken Over"}]`, http.StatusOK, `"accepted":1`},
		{"PartnerAsCustomersUsage", "PUT", "/api/push/v1/usage", bPush,
			`[{"customer_id": "np-1", "month": "2026-03", "product": "endpoint-protection", "quantity": 1}]`, http.StatusOK, `"accepted":1`},
		// The same id is no duplicate of A's: deduplication is per source.
		{"PartnerAsAlertID", "POST", "/api/push/v1/alerts", bPush, `{"alerts": [{"id": "np-alert-1", "customer_id": "np-1", "type": "malware",
			"severity": "low", "occurred_at": "2026-03-14T09:26:53Z"}]}`, http.StatusOK, `"accepted":1,"duplicates":0`},
		{"ResolvingPartnerAsAlert", "POST", "/api/push/v1/alerts/np-alert-1/resolve", bPush, `{"customer_id": "np-1", "reason": "Taken over"}`,
			http.StatusOK, `"accepted":1`},
		{"ResolvingPartnerAsAlertsInBulk", "POST", "/api/push/v1/alerts/resolve", bPush,
			`{"resolutions": [{"id": "np-alert-2", "customer_id": "np-1"}]}`, http.StatusOK, `"accepted":1`},
		{"AnotherPartnersWebhookSecretAtPartnerAsAddress", "POST", "/halo/webhook/" + aHook.Token, basic(bHook), closed,
			http.StatusUnauthorized, "Basic credentials"},
		// The same delivery id is no duplicate of A's: deliveries are kept per partner.
		{"PartnerAsDeliveryIDAtItsOwnAddress", "POST", "/halo/webhook/" + bHook.Token, basic(bHook), closed, http.StatusOK, `"received":1`},
		{"TheMetricsNameNoPartner", "GET", "/metrics", "", "", http.StatusOK, "halobridge_ingest_requests_total"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			routes.Reach(c.method, c.path)
			status, got := send(t, c.method, c.path, c.bearer, c.body)
			if status != c.status || !strings.Contains(got, c.want) {
				t.Errorf("%s %s: %d, want %d with %s\n%.1000s", c.method, c.path, status, c.status, c.want, got)
			}
			for _, leak := range []string{"Northpoint", "NORTHPOINT", "northpoint", a.push.Token, a.defensX.Token} {
				if strings.Contains(got, leak) {
					t.Errorf("%s %s shows %q of partner A", c.method, c.path, leak)
				}
			}
		})
	}

	t.Run("PartnerAsRecordsAreAsItsOwnSourcesLeftThem", func(t *testing.T) {
		if after := pushedRecords(t, st, a.push, a.defensX); after != before {
			t.Errorf("partner A's records changed:\nbefore %s\nafter  %s", before, after)
		}
		if got := pushedRecords(t, st, b.push, b.defensX); got != "customers [np-1 Taken Over]; usage 1 [np-1 1]; alerts 1+1; resolutions 2" {
			t.Errorf("partner B's records: %s", got)
		}
	})

	t.Run("CallsEveryRoute", func(t *testing.T) {
		exempt := map[string]string{
			"GET /healthz": "says only that the process answers",
			"GET /readyz":  "says only whether the database answers",
		}
		for _, p := range api.Patterns() {
			exempt[p] = "internal/api's TestTenantIsolation calls api.Patterns() as another partner"
		}
		for _, p := range auth.Patterns() {
			exempt[p] = "internal/auth's TestTenantIsolation calls auth.Patterns() as another partner"
		}
		for _, p := range portal.Patterns() {
			exempt[p] = "internal/portal's TestTenantIsolation calls portal.Patterns() as another partner"
		}
		routes.Check(t, exempt)
	})
}

// pushedRecords sums up what a partner's push and DefensX sources stored:
// the push source's customers, its usage of March 2026, how many alerts
// each source has and how many resolutions the push source sent.
func pushedRecords(t *testing.T, st *store.Store, push, defensX store.Source) string {
	t.Helper()
	ctx := t.Context()
	customers, err := st.SourceCustomers(ctx, push.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range customers {
		names = append(names, c.ID+" "+c.Name)
	}
	usage, err := st.Usage(ctx, push.ID, source.Month{Year: 2026, Month: time.March})
	if err != nil {
		t.Fatal(err)
	}
	var quantities []string
	for _, u := range usage {
		quantities = append(quantities, fmt.Sprintf("%s %g", u.CustomerID, u.Quantity))
	}
	pushAlerts, err := st.CountAlerts(ctx, push.ID)
	if err != nil {
		t.Fatal(err)
	}
	dxAlerts, err := st.CountAlerts(ctx, defensX.ID)
	if err != nil {
		t.Fatal(err)
	}
	resolutions, err := st.Resolutions(ctx, push.ID)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("customers %v; usage %d %v; alerts %d+%d; resolutions %d", names, len(usage), quantities, pushAlerts, dxAlerts, len(resolutions))
}
