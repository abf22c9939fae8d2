package portal_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// apiCall sends a JSON request with an API token, as a program would.
func (b *testBundle) apiCall(t *testing.T, token, method, path, body string) response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, b.srv.URL+path, r)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	return b.do(t, nil, req)
}

func (b *testBundle) token(t *testing.T, p *partner) string {
	t.Helper()
	plain, _, err := b.auth.CreateToken(t.Context(), p.ID, "test")
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	return plain
}

func TestAPISetup(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.newPartner(t, "Northpoint IT")
	token := b.token(t, p)
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
			got := b.apiCall(t, token, tc.method, tc.path, tc.body)
			if got.status != tc.wantStatus {
				t.Fatalf("%s %s: %d, want %d\n%s", tc.method, tc.path, got.status, tc.wantStatus, got.body)
			}
			for _, want := range tc.want {
				if !strings.Contains(got.body, want) {
					t.Errorf("%s %s lacks %s:\n%s", tc.method, tc.path, want, got.body)
				}
			}
		})
	}

	t.Run("TheWholeSetupThroughTheAPI", func(t *testing.T) {
		conn := b.apiCall(t, token, "PUT", "/api/v1/halo/connection",
			`{"url":"`+b.haloURL+`","client_id":"`+halosim.DefaultClientID+`","client_secret":"`+halosim.DefaultClientSecret+`"}`)
		if conn.status != 200 || !strings.Contains(conn.body, `"ok":true`) || !strings.Contains(conn.body, `"name":"Get an access token","ok":true`) {
			t.Fatalf("connect HaloPSA: %d %s", conn.status, conn.body)
		}
		added := b.apiCall(t, token, "POST", "/api/v1/sources", `{"kind":"push","name":"Sentry EDR"}`)
		var src struct {
			Source struct {
				ID      int64  `json:"id"`
				PushURL string `json:"push_url"`
			} `json:"source"`
			Token string `json:"token"`
		}
		if added.status != 201 || json.Unmarshal([]byte(added.body), &src) != nil || src.Token == "" || src.Source.PushURL != b.srv.URL+"/api/push/v1" {
			t.Fatalf("add a push source: %d %s", added.status, added.body)
		}
		if list := b.apiCall(t, token, "GET", "/api/v1/sources", ""); !strings.Contains(list.body, `"name":"Sentry EDR"`) || strings.Contains(list.body, src.Token) {
			t.Errorf("sources list: %s", list.body)
		}
		if c := b.apiCall(t, token, "POST", "/api/v1/setup/consent", ""); c.status != 200 || !strings.Contains(c.body, `"consent_by":"API token test"`) {
			t.Errorf("consent: %d %s", c.status, c.body)
		}
		next := b.apiCall(t, token, "POST", "/api/v1/setup/integration", "")
		if next.status != 202 || !strings.Contains(next.body, `"job_id":`) {
			t.Fatalf("finish the integration: %d %s", next.status, next.body)
		}
		preview := b.apiCall(t, token, "POST", "/api/v1/tickets/policy/preview", `{"title_template":"{{severity}}: {{hostname}}"}`)
		if !strings.Contains(preview.body, `"title":"high: WS-0042"`) {
			t.Errorf("preview: %s", preview.body)
		}
		progress, err := b.store.SetupProgress(t.Context(), p.ID)
		if err != nil || !progress.Done(store.SetupIntegration) {
			t.Errorf("progress: %+v, %v", progress, err)
		}
	})
}

func TestAPIActivityAndAlerts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p, src := b.activePartner(t, "Northpoint IT")
	other, _ := b.activePartner(t, "Harbour MSP")
	_, err := b.store.StoreInbound(t.Context(), []store.InboundBatch{{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: src.CreatedAt,
		Alerts: []source.Alert{{Source: source.Push, CustomerID: "c-1", Type: pushType, Severity: source.SeverityHigh, HostName: "WS-7",
			OccurredAt: src.CreatedAt, Fingerprint: "fp-7", EventID: "e-7"}}}})
	if err != nil {
		t.Fatal(err)
	}

	alerts := b.apiCall(t, b.token(t, p), "GET", "/api/v1/alerts?limit=5", "")
	if alerts.status != 200 || !strings.Contains(alerts.body, `"customer":"Brightwater Dental"`) || !strings.Contains(alerts.body, `"delivery":null`) {
		t.Errorf("alerts: %d %s", alerts.status, alerts.body)
	}
	activity := b.apiCall(t, b.token(t, p), "GET", "/api/v1/activity?days=7", "")
	if activity.status != 200 || !strings.Contains(activity.body, `"alerts":1`) || !strings.Contains(activity.body, `"billed":[]`) {
		t.Errorf("activity: %d %s", activity.status, activity.body)
	}
	theirs := b.apiCall(t, b.token(t, other), "GET", "/api/v1/alerts", "")
	if theirs.status != 200 || strings.Contains(theirs.body, "WS-7") {
		t.Errorf("another partner's alerts: %d %s", theirs.status, theirs.body)
	}
	if got := b.apiCall(t, "not-a-token", "GET", "/api/v1/activity", ""); got.status != http.StatusUnauthorized {
		t.Errorf("a wrong token: %d", got.status)
	}
}
