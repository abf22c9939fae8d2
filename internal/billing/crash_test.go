package billing_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/billing"
	"halobridge/internal/source"
)

// The lead persists Plan.Ledger before sending Plan.Lines, then plans again
// against what HaloPSA returns and persists that. These tests crash a run at
// each point and check that the next run neither bills twice nor loses a month.
func TestCrashMidRunResumesWithoutCountingTwice(t *testing.T) {
	t.Parallel()

	oct := month(2026, time.October)
	acme := billing.Client{ID: 11, Name: "Acme Ltd"}
	items := map[int]billing.Item{501: {ID: 501, Name: "Endpoint Security"}}
	q := billing.ClientQuantities{Months: map[source.Month]billing.MonthQuantities{oct: {Items: map[int]float64{501: 10}}}}

	type testBundle struct {
		h      *halo
		policy billing.Policy
	}
	setup := func(mode billing.Mode) *testBundle {
		b := &testBundle{h: newHalo(), policy: billing.Policy{Mode: mode, IncludePeriodInName: true}}
		if mode == billing.ModeAppend {
			b.h.create(billing.Invoice{ID: -94, ClientID: acme.ID, Monthly: true})
		}
		return b
	}
	// firstHalf runs until the plan's ledger is persisted, and sends the
	// lines when send is set; it returns the ledger persisted.
	firstHalf := func(t *testing.T, b *testBundle, send bool) billing.Ledger {
		t.Helper()
		led := billing.Ledger{ClientID: acme.ID}
		choice := billing.ChooseInvoice(b.policy, acme, b.h.list(), led, 0)
		inv := billing.Invoice{ClientID: acme.ID}
		if choice.InvoiceID != 0 {
			inv = b.h.get(choice.InvoiceID)
		}
		plan, err := billing.PlanInvoice(billing.PlanInput{Month: oct, Invoice: inv, Ledger: led, Quantities: q, Items: items, Policy: b.policy})
		if err != nil {
			t.Fatal(err)
		}
		if send {
			b.h.apply(t, plan, choice.Reference)
		}
		return plan.Ledger
	}
	resume := func(t *testing.T, b *testBundle, led billing.Ledger) {
		t.Helper()
		b.h.bill(t, acme, oct, led, q, items, b.policy, 0)
		if len(b.h.invoices) != 1 {
			t.Fatalf("HaloPSA holds %d invoices, want 1", len(b.h.invoices))
		}
		for _, inv := range b.h.invoices {
			want := []billing.Line{{Name: "Endpoint Security (Oct 2026)", Quantity: 10}}
			var got []billing.Line
			for _, l := range inv.Lines {
				got = append(got, billing.Line{Name: l.Name, Quantity: l.Quantity})
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("lines after resuming (-want +got):\n%s", diff)
			}
		}
	}

	t.Run("CreateModeCrashAfterCreatingTheInvoiceTakesItBack", func(t *testing.T) {
		t.Parallel()
		b := setup(billing.ModeCreate)
		resume(t, b, firstHalf(t, b, true))
	})
	t.Run("CreateModeCrashBeforeCreatingTheInvoiceCreatesItOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(billing.ModeCreate)
		resume(t, b, firstHalf(t, b, false))
	})
	t.Run("AppendModeCrashAfterSendingClaimsTheLine", func(t *testing.T) {
		t.Parallel()
		b := setup(billing.ModeAppend)
		resume(t, b, firstHalf(t, b, true))
	})
	t.Run("AppendModeCrashBeforeSendingKeepsTheMonthWhenTheInvoiceGeneratesMeanwhile", func(t *testing.T) {
		t.Parallel()
		b := setup(billing.ModeAppend)
		led := firstHalf(t, b, false)
		b.h.generate(day(2026, time.November, 1))
		resume(t, b, led)
	})
	t.Run("AppendModeCrashBeforeSendingSendsOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(billing.ModeAppend)
		resume(t, b, firstHalf(t, b, false))
	})
}
