package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// TestSetup takes partner B, who has nothing yet, through the setup by the
// API alone, after the refusals of each step taken too early.
func TestSetup(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.b.ID
	cases := []struct {
		name, method, path, body string
		wantStatus               int
		want                     []string
	}{
		{"ANewPartnerHasEverythingMissing", "GET", "/api/v1/setup", "", 200,
			[]string{`"missing":["integration","billing","ticketing","consent"]`, `"active":false`, `"integration":null`}},
		{"SectionsAfterSetupAreLocked", "GET", "/api/v1/alerts", "", 409, []string{`"code":"conflict"`, "Finish the setup first"}},
		{"TestingWithoutAConnectionSaysConnectFirst", "POST", "/api/v1/halo/test", "", 200, []string{`"ok":false`, "Connect HaloPSA first"}},
		{"AConnectionWithoutASecretIsRefusedFieldByField", "PUT", "/api/v1/halo/connection", `{"url":"` + "http://127.0.0.1:1" + `","client_id":"x"}`, 400,
			[]string{`"field":"client_secret"`, `"code":"invalid_input"`}},
		{"UnknownFieldsAreRefused", "PUT", "/api/v1/halo/connection", `{"url":"x","clientid":"x"}`, 400, []string{`unknown field \"clientid\"`}},
		{"TheIntegrationNeedsHaloPSAASourceAndConsent", "POST", "/api/v1/setup/integration", "", 400,
			[]string{`"field":"consent"`, `"field":"halo"`, `"field":"source"`}},
		{"ActivationNeedsEveryStep", "POST", "/api/v1/setup/activate", "", 409, []string{`"code":"setup_incomplete"`, "save the Integration step"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, got := b.call(t, p, tc.method, tc.path, tc.body)
			if status != tc.wantStatus {
				t.Fatalf("%s %s: %d, want %d\n%s", tc.method, tc.path, status, tc.wantStatus, got)
			}
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("%s %s lacks %s:\n%s", tc.method, tc.path, want, got)
				}
			}
		})
	}

	t.Run("TheWholeSetupThroughTheAPI", func(t *testing.T) {
		status, got := b.call(t, p, "PUT", "/api/v1/halo/connection",
			`{"url":"`+b.haloURL+`","client_id":"`+halosim.DefaultClientID+`","client_secret":"`+halosim.DefaultClientSecret+`"}`)
		if status != 200 || !strings.Contains(got, `"ok":true`) || !strings.Contains(got, `"name":"Get an access token","ok":true`) {
			t.Fatalf("connect HaloPSA: %d %s", status, got)
		}
		status, got = b.call(t, p, "POST", "/api/v1/sources", `{"kind":"push","name":"Sentry EDR"}`)
		var src struct {
			Source struct {
				ID      int64  `json:"id"`
				PushURL string `json:"push_url"`
			} `json:"source"`
			Token string `json:"token"`
		}
		if status != 201 || json.Unmarshal([]byte(got), &src) != nil || src.Token == "" || src.Source.PushURL != b.server.URL+"/api/push/v1" {
			t.Fatalf("add a push source: %d %s", status, got)
		}
		if _, list := b.call(t, p, "GET", "/api/v1/sources", ""); !strings.Contains(list, `"name":"Sentry EDR"`) || strings.Contains(list, src.Token) {
			t.Errorf("sources list: %s", list)
		}
		if status, got := b.call(t, p, "POST", "/api/v1/setup/consent", ""); status != 200 || !strings.Contains(got, `"consent_by":"API token Partner B deploy"`) {
			t.Errorf("consent: %d %s", status, got)
		}
		if status, got := b.call(t, p, "POST", "/api/v1/setup/integration", ""); status != 202 || !strings.Contains(got, `"job_id":`) {
			t.Fatalf("finish the integration: %d %s", status, got)
		}
		if _, preview := b.call(t, p, "POST", "/api/v1/tickets/policy/preview", `{"title_template":"{{severity}}: {{hostname}}"}`); !strings.Contains(preview, `"title":"high: WS-0042"`) {
			t.Errorf("preview: %s", preview)
		}
		progress, err := b.st.SetupProgress(t.Context(), p)
		if err != nil || !progress.Done(store.SetupIntegration) {
			t.Errorf("progress: %+v, %v", progress, err)
		}
	})
}

// TestActivityAndAlerts reads partner A's latest alerts and activity once
// its setup is active; partner B reads none of them.
func TestActivityAndAlerts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	activate(t, b.st, b.a.ID)
	activate(t, b.st, b.b.ID)
	now := time.Now().UTC()
	_, err := b.st.StoreInbound(t.Context(), []store.InboundBatch{{PartnerID: b.a.ID, SourceID: b.src.ID, ReceivedAt: now,
		Alerts: []source.Alert{{Source: source.Push, CustomerID: "lonely", Type: "malware", Severity: source.SeverityHigh, HostName: "WS-7",
			OccurredAt: now, Fingerprint: "fp-7", EventID: "e-7"}}}})
	if err != nil {
		t.Fatal(err)
	}

	if status, alerts := b.call(t, b.a.ID, "GET", "/api/v1/alerts?limit=5", ""); status != 200 || !strings.Contains(alerts, `"customer":"Zyxwvut Quarrying"`) || !strings.Contains(alerts, `"delivery":null`) {
		t.Errorf("alerts: %d %s", status, alerts)
	}
	if status, activity := b.call(t, b.a.ID, "GET", "/api/v1/activity?days=7", ""); status != 200 || !strings.Contains(activity, `"alerts":1`) || !strings.Contains(activity, `"billed":[]`) {
		t.Errorf("activity: %d %s", status, activity)
	}
	if status, theirs := b.call(t, b.b.ID, "GET", "/api/v1/alerts", ""); status != 200 || strings.Contains(theirs, "WS-7") {
		t.Errorf("another partner's alerts: %d %s", status, theirs)
	}
	b.tokens[b.b.ID] = "not-a-token"
	if status, got := b.call(t, b.b.ID, "GET", "/api/v1/activity", ""); status != http.StatusUnauthorized {
		t.Errorf("a wrong token: %d %s", status, got)
	}
}
