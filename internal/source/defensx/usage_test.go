package defensx_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/outbound"
	"halobridge/internal/source/defensx"
	"halobridge/internal/source/defensx/dxsim"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestClientUsage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("SplitsARangeLongerThanSixMonths", func(t *testing.T) {
		t.Parallel()
		b := setup(t, dxsim.Options{Customers: []dxsim.Customer{{ID: "c1", Name: "One"}}, Subscriptions: []dxsim.Subscription{{
			CustomerID: "c1", SKU: "DX-WEBSEC", Status: "active", Start: date(2025, 1, 1),
			Quantities: map[string]float64{"2025-01": 1, "2025-07": 2, "2026-03": 3},
		}}})
		got, err := b.client.Usage(ctx, date(2025, 1, 1), date(2026, 3, 10))
		if err != nil {
			t.Fatal(err)
		}
		var windows []string
		for _, r := range b.sim.Requests() {
			windows = append(windows, r.Query.Get("from")+".."+r.Query.Get("to"))
		}
		wantWindows := []string{"2025-01-01..2025-06-30", "2025-06-30..2025-12-29", "2025-12-29..2026-03-10"}
		if diff := cmp.Diff(wantWindows, windows); diff != "" {
			t.Errorf("windows (-want +got):\n%s", diff)
		}
		var quantities []float64
		for _, r := range got {
			quantities = append(quantities, r.Quantity)
		}
		if diff := cmp.Diff([]float64{1, 2, 3}, quantities); diff != "" {
			t.Errorf("quantities (-want +got):\n%s", diff)
		}
	})
	t.Run("KeepsARecordReturnedByTwoWindowsOnce", func(t *testing.T) {
		t.Parallel()
		// The June term overlaps both the first window (to 2025-06-30) and the second (from it).
		b := setup(t, dxsim.Options{Customers: []dxsim.Customer{{ID: "c1", Name: "One"}}, Subscriptions: []dxsim.Subscription{{
			CustomerID: "c1", SKU: "DX-WEBSEC", Status: "active", Start: date(2025, 1, 1),
			Quantities: map[string]float64{"2025-06": 6},
		}}})
		got, err := b.client.Usage(ctx, date(2025, 1, 1), date(2025, 9, 1))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Quantity != 6 || !got[0].TermStart.Equal(date(2025, 6, 1)) {
			t.Fatalf("records = %+v, want the June term once", got)
		}
	})
	t.Run("NeedsAStartDate", func(t *testing.T) {
		t.Parallel()
		b := setup(t, dxsim.Options{})
		if _, err := b.client.Usage(ctx, time.Time{}, testNow); err == nil {
			t.Fatal("Usage without a start date did not fail")
		}
		if len(b.sim.Requests()) != 0 {
			t.Fatal("Usage without a start date sent a request")
		}
	})
	t.Run("ReadsARecordAsTheSpecShowsIt", func(t *testing.T) {
		t.Parallel()
		b := setup(t, dxsim.Options{Customers: []dxsim.Customer{{ID: "7e23b512-fe92-4008-8da7-9453cf99f252", Name: "Osinski, Schiller and Corwin"}}, Subscriptions: []dxsim.Subscription{{
			ID: "28e90f88-31c0-4098-ae6e-2fe223de9335", CustomerID: "7e23b512-fe92-4008-8da7-9453cf99f252", SKU: "TST-P01",
			Status: "active", FreeQuantity: 1, Start: date(2026, 2, 1), Quantities: map[string]float64{"2026-02": 5.0},
		}}})
		got, err := b.client.Usage(ctx, date(2026, 2, 1), date(2026, 2, 28))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("records = %+v", got)
		}
		r := got[0]
		r.PartnerID, r.UsageID = "", 0
		want := defensx.UsageRecord{
			SubscriptionID: "28e90f88-31c0-4098-ae6e-2fe223de9335", CustomerID: "7e23b512-fe92-4008-8da7-9453cf99f252",
			CustomerName: "Osinski, Schiller and Corwin", SKU: "TST-P01", Status: "active", Quantity: 5, FreeQuantity: 1,
			TermStart: date(2026, 2, 1), TermEnd: date(2026, 3, 1),
		}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Fatalf("record (-want +got):\n%s", diff)
		}
	})
}

func TestClientCurrentUsage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("ReadsEveryPageOfAThousand", func(t *testing.T) {
		t.Parallel()
		var subs []dxsim.Subscription
		for i := range 1001 {
			subs = append(subs, dxsim.Subscription{CustomerID: "c1", SKU: fmt.Sprintf("SKU-%04d", i), Status: "active", Start: date(2026, 3, 1),
				Quantities: map[string]float64{"2026-03": 1}})
		}
		b := setup(t, dxsim.Options{Customers: []dxsim.Customer{{ID: "c1", Name: "One"}}, Subscriptions: subs})
		got, err := b.client.CurrentUsage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1001 {
			t.Fatalf("got %d records, want 1001", len(got))
		}
		var pages []string
		for _, r := range b.sim.Requests() {
			pages = append(pages, r.Query.Get("page")+"/"+r.Query.Get("limit"))
		}
		if diff := cmp.Diff([]string{"1/1000", "2/1000"}, pages); diff != "" {
			t.Fatalf("pages (-want +got):\n%s", diff)
		}
	})
	t.Run("AcceptsTheSchemasSingularKey", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"usageBySubscription":[{"subscriptionId":"s1","customerId":"c1","sku":"TST-P02","status":"active","quantity":1.8,"free_quantity":0,"termStart":"2021-03-30T00:00:00.000Z","termEnd":"2021-04-01T00:00:00.000Z"}]}`))
		}))
		defer srv.Close()
		c, err := defensx.New(defensx.Config{Outbound: outbound.Local(), APIRoot: srv.URL, APIKey: "k"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.CurrentUsage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []defensx.UsageRecord{{SubscriptionID: "s1", CustomerID: "c1", SKU: "TST-P02", Status: "active", Quantity: 1.8,
			TermStart: date(2021, 3, 30), TermEnd: date(2021, 4, 1)}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("records (-want +got):\n%s", diff)
		}
	})
}

func TestClientUsageDetails(t *testing.T) {
	t.Parallel()
	b := setup(t, dxsim.Options{Customers: []dxsim.Customer{{ID: "c1", Name: "Barton Lakin", Domain: "barton-lakin.com"}}, Subscriptions: []dxsim.Subscription{{
		ID: "s1", CustomerID: "c1", SKU: "DX-WEBSEC", Status: "active", Start: date(2026, 2, 1), Quantities: map[string]float64{"2026-02": 2.17},
	}}})
	ctx := context.Background()
	records, err := b.client.Usage(ctx, date(2026, 2, 1), date(2026, 2, 28))
	if err != nil || len(records) != 1 {
		t.Fatalf("Usage = %+v, %v", records, err)
	}
	got, err := b.client.UsageDetails(ctx, "s1", records[0].UsageID)
	if err != nil {
		t.Fatal(err)
	}
	var shares []float64
	for _, u := range got.Users {
		if u.UserID == "" || u.Login == "" || u.FirstUse.IsZero() {
			t.Errorf("user without id, login or first use: %+v", u)
		}
		shares = append(shares, u.Quantity)
	}
	if diff := cmp.Diff([]float64{1, 1, 0.17}, shares); diff != "" {
		t.Fatalf("per-user quantities (-want +got):\n%s", diff)
	}
	if got.SubscriptionID != "s1" || !got.TermStart.Equal(date(2026, 2, 1)) || !got.TermEnd.Equal(date(2026, 3, 1)) {
		t.Fatalf("details = %+v", got)
	}
}
