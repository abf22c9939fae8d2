package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

// pushed is an alert of customer, with facts, as a push brings it.
func pushed(id, customer string, facts map[string]string) source.Alert {
	return source.Alert{Source: source.GravityZone, CustomerID: customer, Type: "av", Severity: source.SeverityHigh,
		HostName: "PC-01", Facts: facts, OccurredAt: time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC),
		Fingerprint: "fp-" + id, EventID: "ev-" + id}
}

func testPushedCustomers(t *testing.T, setup func(t *testing.T) *testBundle) {
	store1 := func(t *testing.T, b *testBundle, partnerID, sourceID int64, alerts ...source.Alert) {
		t.Helper()
		if _, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: partnerID, SourceID: sourceID, ReceivedAt: time.Now(), Alerts: alerts}}); err != nil {
			t.Fatalf("StoreInbound: %v", err)
		}
	}
	customers := func(t *testing.T, b *testBundle, sourceID int64) []source.Customer {
		t.Helper()
		got, err := b.store.SourceCustomers(b.ctx, sourceID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	t.Run("ACompanyFirstSeenInAPushBecomesAKnownCustomerAtOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		if err := b.store.SaveSourceCustomers(b.ctx, src.ID, []source.Customer{{ID: "known", Name: "Known Ltd"}}, true); err != nil {
			t.Fatal(err)
		}
		test := pushed("5", "made-up", nil)
		test.Test = true
		store1(t, b, p.ID, src.ID,
			pushed("1", "new", map[string]string{"company_name": "Bitdefender"}),
			pushed("2", "new", nil),
			pushed("3", "known", map[string]string{"customer_name": "Another Name"}),
			pushed("4", "", nil),
			test)
		want := []source.Customer{
			{ID: "new", Name: "Bitdefender", SeenInPush: true},
			{ID: "known", Name: "Known Ltd"},
		}
		if got := customers(t, b, src.ID); !cmp.Equal(got, want) {
			t.Errorf("customers (-want +got):\n%s", cmp.Diff(want, got))
		}
	})

	t.Run("ANameAnEventGivesLaterNamesACompanyKnownOnlyFromPushes", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.Push)
		store1(t, b, p.ID, src.ID, pushed("1", "c-9", nil))
		if want := []source.Customer{{ID: "c-9", SeenInPush: true}}; !cmp.Equal(customers(t, b, src.ID), want) {
			t.Fatalf("after an event without a name: %v", customers(t, b, src.ID))
		}
		store1(t, b, p.ID, src.ID, pushed("2", "c-9", map[string]string{"customer_name": "Harbor Dental"}))
		if want := []source.Customer{{ID: "c-9", Name: "Harbor Dental", SeenInPush: true}}; !cmp.Equal(customers(t, b, src.ID), want) {
			t.Errorf("after an event with a name: %v", customers(t, b, src.ID))
		}
	})

	t.Run("AFullSyncKeepsCompaniesSeenInPushesUntilItListsThem", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		if err := b.store.SaveSourceCustomers(b.ctx, src.ID, []source.Customer{{ID: "old", Name: "Old Co"}}, true); err != nil {
			t.Fatal(err)
		}
		store1(t, b, p.ID, src.ID, pushed("1", "p1", map[string]string{"company_name": "Pushed One"}), pushed("2", "p2", nil))
		if err := b.store.SaveSourceCustomers(b.ctx, src.ID, []source.Customer{{ID: "p2", Name: "Listed Two"}}, true); err != nil {
			t.Fatal(err)
		}
		want := []source.Customer{{ID: "p2", Name: "Listed Two"}, {ID: "p1", Name: "Pushed One", SeenInPush: true}}
		if got := customers(t, b, src.ID); !cmp.Equal(got, want) {
			t.Errorf("after the sync (-want +got):\n%s", cmp.Diff(want, got))
		}
		// Listed now, a company keeps the list's name whatever its events say.
		store1(t, b, p.ID, src.ID, pushed("3", "p2", map[string]string{"company_name": "Event Name"}))
		if got := customers(t, b, src.ID); !cmp.Equal(got, want) {
			t.Errorf("after an event of a listed company (-want +got):\n%s", cmp.Diff(want, got))
		}
	})

	t.Run("ManyCompaniesInOneCommitAreAllAdded", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		gz := createSource(t, b, p.ID, source.GravityZone)
		push := createSource(t, b, p.ID, source.Push)
		var batches []store.InboundBatch
		for _, src := range []int64{gz.ID, push.ID} {
			var alerts []source.Alert
			for i := range 450 {
				alerts = append(alerts, pushed(fmt.Sprint(i), fmt.Sprintf("c-%03d", i), nil))
			}
			batches = append(batches, store.InboundBatch{PartnerID: p.ID, SourceID: src, ReceivedAt: time.Now(), Alerts: alerts})
		}
		if _, err := b.store.StoreInbound(b.ctx, batches); err != nil {
			t.Fatal(err)
		}
		for _, src := range []int64{gz.ID, push.ID} {
			got := customers(t, b, src)
			if len(got) != 450 || got[0].ID != "c-000" || got[449].ID != "c-449" || !got[449].SeenInPush {
				t.Errorf("source %d: %d customers, want c-000 … c-449 seen in a push", src, len(got))
			}
		}
	})

	t.Run("FindsTheCompanyOfAnEndpointFromItsOtherAlerts", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		other := createSource(t, b, p.ID, source.GravityZone)
		at := func(id, customer, host, endpointID string) source.Alert {
			a := pushed(id, customer, map[string]string{"computer_id": endpointID})
			a.HostName = host
			return a
		}
		test := at("t", "test-co", "TESTBOX", "e-test")
		test.Test = true
		store1(t, b, p.ID, src.ID,
			at("1", "c-1", "PC-01", "e-1"),
			at("2", "c-2", "SHARED", "e-2"),
			at("3", "c-3", "shared", "e-3"),
			at("4", "c_1", "PC_9", "e_9"),
			test)
		store1(t, b, p.ID, other.ID, at("5", "c-other", "PC-05", "e-5"))
		for _, tc := range []struct {
			name string
			q    store.EndpointQuery
			want []string
		}{
			{"ByTheEndpointID", store.EndpointQuery{Facts: map[string]string{"computer_id": "e-1"}, HostName: "RENAMED"}, []string{"c-1"}},
			{"ByAnotherIDFact", store.EndpointQuery{Facts: map[string]string{"endpointId": "e-1", "computer_id": "nope"}}, nil},
			{"ByTheHostNameIgnoringCase", store.EndpointQuery{HostName: "pc-01"}, []string{"c-1"}},
			{"ByNameWhenNoIDMatches", store.EndpointQuery{Facts: map[string]string{"computer_id": "unknown"}, HostName: "PC-01"}, []string{"c-1"}},
			{"SeveralCompaniesForAName", store.EndpointQuery{HostName: "Shared"}, []string{"c-2", "c-3"}},
			{"WildcardsAreText", store.EndpointQuery{Facts: map[string]string{"computer_id": "e_%"}, HostName: "PC__"}, nil},
			{"NotFromTestEvents", store.EndpointQuery{Facts: map[string]string{"computer_id": "e-test"}, HostName: "TESTBOX"}, nil},
			{"NotFromAnotherSource", store.EndpointQuery{HostName: "PC-05"}, nil},
		} {
			tc.q.PartnerID, tc.q.SourceID = p.ID, src.ID
			got, err := b.store.EndpointCompanies(b.ctx, tc.q)
			if err != nil || !cmp.Equal(got, tc.want) {
				t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
			}
		}
	})
}
