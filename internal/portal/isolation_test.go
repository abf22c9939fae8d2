package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"halobridge/internal/catalog"
	"halobridge/internal/store"
)

// TestTenantIsolation calls every route that names a record with another
// partner's session: each answers 404 (or 403) and shows nothing of the
// record's partner.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a, srcA := b.activePartner(t, "Northpoint IT")
	other, _ := b.activePartner(t, "Harbour MSP")
	ctx := t.Context()
	const secret = "Only Northpoint may read this"
	event, err := b.store.RaiseEvent(ctx, store.Event{PartnerID: a.ID, Kind: "ticket_refused", Key: "ticket_refused/secret",
		Subject: secret, Message: secret, Fix: secret})
	if err != nil {
		t.Fatal(err)
	}
	runs, err := b.store.SyncRuns(ctx, a.ID, "", 1)
	if err != nil || len(runs) == 0 {
		t.Fatalf("runs of partner A: %v, %v", runs, err)
	}
	job, err := b.queue.Insert(ctx, catalog.SyncArgs{PartnerID: a.ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srcID := strconv.FormatInt(srcA.ID, 10)
	suggestion := url.Values{"source_id": {srcID}, "customer_id": {"c-1"}, "client_id": {"109"}}

	cases := []struct {
		name   string
		method string
		path   string
		form   url.Values
	}{
		{"RecheckOfAnotherPartnersEvent", http.MethodPost, fmt.Sprintf("/events/%d/recheck", event.ID), nil},
		{"ResolveOfAnotherPartnersEvent", http.MethodPost, fmt.Sprintf("/events/%d/resolve", event.ID), nil},
		{"ProgressOfAnotherPartnersRun", http.MethodGet, fmt.Sprintf("/sync/runs/%d", runs[0].ID), nil},
		{"ProgressOfAnotherPartnersJob", http.MethodGet, fmt.Sprintf("/sync/jobs/%d", job.ID), nil},
		{"AcceptingAnotherPartnersSuggestion", http.MethodPost, "/mapping/accept", suggestion},
		{"RejectingAnotherPartnersSuggestion", http.MethodPost, "/mapping/reject", suggestion},
		{"SwitchingAnotherPartnersMapping", http.MethodPost, "/mapping/switches", suggestion},
		{"UnmappingAnotherPartnersCompany", http.MethodPost, "/mapping/unmap", suggestion},
		{"MappingAnotherPartnersCompany", http.MethodPost, "/mapping/map", url.Values{"company": {srcID + "/c-1"}, "client_id": {"109"}}},
		{"ATestTicketForAnotherPartnersCompany", http.MethodPost, "/ticketing/test", url.Values{"company": {srcID + "/c-1"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, htmx := range []bool{false, true} {
				var got response
				if tc.method == http.MethodGet {
					req, _ := http.NewRequest(tc.method, b.srv.URL+tc.path, nil)
					if htmx {
						req.Header.Set("HX-Request", "true")
					}
					got = b.do(t, other, req)
				} else {
					form := url.Values{}
					for k, v := range tc.form {
						form[k] = v
					}
					got = b.post(t, other, tc.path, form, htmx)
				}
				if got.status != http.StatusNotFound && got.status != http.StatusForbidden {
					t.Errorf("%s %s (htmx %v): status %d, want 404 or 403\n%s", tc.method, tc.path, htmx, got.status, got.body)
				}
				for _, leak := range []string{secret, "Northpoint", "Brightwater Dental<"} {
					if strings.Contains(got.body, leak) {
						t.Errorf("%s %s (htmx %v) shows %q", tc.method, tc.path, htmx, leak)
					}
				}
			}
		})
	}

	t.Run("PagesShowOnlyTheCallersOwnRecords", func(t *testing.T) {
		for _, path := range []string{"/", "/events?show=all", "/sync", "/mapping", "/ticketing", "/billing", "/setup"} {
			got := b.get(t, other, path)
			if got.status != http.StatusOK {
				t.Errorf("GET %s: %d", path, got.status)
			}
			if strings.Contains(got.body, secret) || strings.Contains(got.body, "Northpoint IT") {
				t.Errorf("GET %s shows partner A's records", path)
			}
		}
	})

	t.Run("AnotherSessionsCSRFTokenIsRefused", func(t *testing.T) {
		borrowed := *other
		borrowed.csrf = a.csrf
		got := b.post(t, &borrowed, "/sync", nil, true)
		if got.status != http.StatusForbidden {
			t.Errorf("a POST with partner A's CSRF token: %d", got.status)
		}
	})

	t.Run("NothingOfPartnerAChanged", func(t *testing.T) {
		if e, _ := b.store.Event(ctx, a.ID, event.ID); e.State != store.EventOpen {
			t.Errorf("partner A's event is %s", e.State)
		}
		if m, err := b.store.Mapping(ctx, srcA.ID, "c-1"); err != nil || m.Confirmed {
			t.Errorf("partner A's suggestion: %+v, %v", m, err)
		}
	})

	t.Run("WithoutASessionEveryPageAsksToSignIn", func(t *testing.T) {
		got := b.get(t, nil, "/mapping")
		if got.status != http.StatusSeeOther || !strings.HasPrefix(got.location, "/login") {
			t.Errorf("GET /mapping without a session: %d to %q", got.status, got.location)
		}
		if got := b.post(t, nil, "/sync", nil, false); got.status != http.StatusSeeOther && got.status != http.StatusForbidden {
			t.Errorf("POST /sync without a session: %d", got.status)
		}
	})
}
