package defensx_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/source/defensx"
	"halobridge/internal/source/defensx/dxsim"
)

// billingOptions is a partner whose quantities are written by hand, one subscription per
// status.
func billingOptions() dxsim.Options {
	return dxsim.Options{
		Customers: []dxsim.Customer{{ID: "c1", Name: "Bright Harbor Dental"}, {ID: "c2", Name: "Cedar Ridge Logistics"}},
		Subscriptions: []dxsim.Subscription{
			{CustomerID: "c1", SKU: "DX-WEBSEC", Status: "active", FreeQuantity: 1, Start: date(2025, 11, 10),
				Quantities: map[string]float64{"2026-01": 10, "2026-02": 12.5, "2026-03": 13}},
			{CustomerID: "c1", SKU: "DX-WEBSEC", Status: "in_trial", Start: date(2026, 2, 1),
				Quantities: map[string]float64{"2026-02": 3, "2026-03": 4}},
			{CustomerID: "c1", SKU: "DX-RBI", Status: "paused", Start: date(2026, 1, 1),
				Quantities: map[string]float64{"2026-02": 5}},
			{CustomerID: "c2", SKU: "DX-WEBSEC", Status: "non_renewing", FreeQuantity: 2, Start: date(2025, 6, 1),
				Quantities: map[string]float64{"2026-02": 1.5}},
			{CustomerID: "c2", SKU: "DX-ZTCRED", Status: "cancelled", Start: date(2025, 6, 1), End: date(2026, 3, 1),
				Quantities: map[string]float64{"2026-02": 8}},
		},
	}
}

func TestConnectorUsage(t *testing.T) {
	t.Parallel()
	feb, mar, jan := source.Month{Year: 2026, Month: time.February}, source.Month{Year: 2026, Month: time.March}, source.Month{Year: 2026, Month: time.January}

	tests := []struct {
		name      string
		month     source.Month
		countFree bool
		want      []source.Usage
	}{
		{
			// c1: (12.5 - 1 free) + 3 in trial; RBI is paused. c2: 1.5 - 2 free floors at 0; ZTCRED is cancelled.
			name:  "SumsBillableSubscriptionsLessFreeUnits",
			month: feb,
			want: []source.Usage{
				{CustomerID: "c1", Month: feb, Product: "DX-WEBSEC", Quantity: 14.5},
				{CustomerID: "c2", Month: feb, Product: "DX-WEBSEC", Quantity: 0},
			},
		},
		{
			name:      "CountsFreeUnitsWhenAsked",
			month:     feb,
			countFree: true,
			want: []source.Usage{
				{CustomerID: "c1", Month: feb, Product: "DX-WEBSEC", Quantity: 15.5},
				{CustomerID: "c2", Month: feb, Product: "DX-WEBSEC", Quantity: 1.5},
			},
		},
		{
			// The open March term: (13 - 1) + 4.
			name:  "ReadsTheCurrentUnbilledMonth",
			month: mar,
			want:  []source.Usage{{CustomerID: "c1", Month: mar, Product: "DX-WEBSEC", Quantity: 16}},
		},
		{
			name:  "LeavesOutTermsOfOtherMonths",
			month: jan,
			want:  []source.Usage{{CustomerID: "c1", Month: jan, Product: "DX-WEBSEC", Quantity: 9}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, billingOptions())
			conn, err := defensx.NewConnector(defensx.Config{Outbound: outbound.Local(), APIRoot: b.url + dxsim.BasePath, APIKey: b.sim.APIKey(), Now: fixedClock, CountFree: tt.countFree})
			if err != nil {
				t.Fatal(err)
			}
			got, err := conn.Usage(context.Background(), tt.month)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("usage (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConnectorCustomers(t *testing.T) {
	t.Parallel()
	b := setup(t, dxsim.Options{PartnerName: "Halcyon IT Services", Customers: []dxsim.Customer{
		{ID: "c1", Name: "Bright Harbor Dental", Domain: "brightharbor.example"},
	}})
	got, err := b.conn.Customers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []source.Customer{
		{ID: "c1", Name: "Bright Harbor Dental", Domain: "brightharbor.example"},
		{ID: b.sim.Self().ID, Name: "Halcyon IT Services", Domain: "halcyonitservices.com"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("customers (-want +got):\n%s", diff)
	}
	if b.conn.Kind() != source.DefensX {
		t.Fatalf("Kind = %q", b.conn.Kind())
	}
}

func TestConnectorDelivery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("RegisterTellsWhereToPasteTheURLWithItsSecret", func(t *testing.T) {
		t.Parallel()
		b := setup(t, dxsim.Options{})
		err := b.conn.RegisterDelivery(ctx, source.Delivery{URL: "https://hb.example.com/hooks/defensx/src-9", Secret: "s3cr&t"})
		var manual *defensx.ManualDeliveryError
		if !errors.As(err, &manual) || !errors.Is(err, defensx.ErrManualDelivery) {
			t.Fatalf("err = %v, want a *ManualDeliveryError", err)
		}
		if want := "https://hb.example.com/hooks/defensx/src-9?secret=s3cr%26t"; manual.URL != want {
			t.Errorf("URL = %q, want %q", manual.URL, want)
		}
		for _, words := range []string{"Notifications list", "API callback notification", "UserRequest.Create", manual.URL} {
			if !strings.Contains(err.Error(), words) {
				t.Errorf("message does not say %q: %s", words, err)
			}
		}
		if len(b.sim.Requests()) != 0 {
			t.Error("RegisterDelivery called DefensX")
		}
	})
	t.Run("CallbackURLKeepsASecretAlreadyInTheURL", func(t *testing.T) {
		t.Parallel()
		got, err := defensx.CallbackURL(source.Delivery{URL: "https://hb.example.com/hooks/defensx/tok-123", Secret: "tok-123"})
		if err != nil || got != "https://hb.example.com/hooks/defensx/tok-123" {
			t.Fatalf("CallbackURL = %q, %v", got, err)
		}
		u, err := defensx.CallbackURL(source.Delivery{URL: "https://hb.example.com/h?src=1", Secret: "abc"})
		if err != nil {
			t.Fatal(err)
		}
		if q, _ := url.Parse(u); q.Query().Get("src") != "1" || q.Query().Get(defensx.SecretParam) != "abc" {
			t.Fatalf("CallbackURL = %q", u)
		}
		if _, err := defensx.CallbackURL(source.Delivery{URL: "/relative", Secret: "abc"}); err == nil {
			t.Fatal("CallbackURL accepted a relative URL")
		}
	})
	t.Run("UnregisterSaysHowToDeleteTheCallbackByHand", func(t *testing.T) {
		t.Parallel()
		b := setup(t, dxsim.Options{})
		_, err := b.conn.UnregisterDelivery(ctx, source.Delivery{URL: "https://hb.example/ingest/tok", Secret: "abc"})
		if !errors.Is(err, defensx.ErrManualDelivery) || !strings.Contains(err.Error(), "delete the API callback notification") ||
			!strings.Contains(err.Error(), "https://hb.example/ingest/tok") {
			t.Fatalf("err = %v, want the manual steps naming the URL", err)
		}
		if strings.Contains(err.Error(), "abc") {
			t.Errorf("the steps give the secret away: %v", err)
		}
	})
	t.Run("CheckReportsWhatCanBeKnown", func(t *testing.T) {
		t.Parallel()
		b := setup(t, dxsim.Options{})
		got, err := b.conn.CheckDelivery(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Enabled || !got.CheckedAt.Equal(testNow) || !strings.Contains(got.LastError, "DefensX portal") {
			t.Errorf("status = %+v", got)
		}
		if diff := cmp.Diff([]string{"UserRequest.Create", "Agent.Create", "Agent.Uninstall", "Agent.Reinstall", "Agent.Delete"}, got.Types); diff != "" {
			t.Errorf("types (-want +got):\n%s", diff)
		}
	})
	t.Run("CheckFailsOnARevokedKey", func(t *testing.T) {
		t.Parallel()
		b := setup(t, dxsim.Options{})
		conn, err := defensx.NewConnector(defensx.Config{Outbound: outbound.Local(), APIRoot: b.url + dxsim.BasePath, APIKey: "revoked"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = conn.CheckDelivery(ctx)
		var e *defensx.Error
		if !errors.As(err, &e) || e.Status != 401 {
			t.Fatalf("err = %v, want a 401", err)
		}
	})
}
