package billing_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/billing"
	"halobridge/internal/source"
)

func TestReconcile(t *testing.T) {
	t.Parallel()

	aug, sep, oct := month(2026, time.August), month(2026, time.September), month(2026, time.October)
	plan := billing.Plan{
		ClientID: 11, InvoiceID: -94, Month: oct,
		Changes: []billing.Change{
			{Kind: billing.ChangeSetQuantity, LineID: 300, ItemID: 501, Owned: true, Months: []source.Month{sep, oct}, OldQty: 10, NewQty: 22,
				OldName: "Endpoint Security (Sep 2026)", NewName: "Endpoint Security (Sep–Oct 2026)", Reason: "covers Sep–Oct 2026"},
			{Kind: billing.ChangeLeave, LineID: 200, ItemID: 700, OldQty: 1, NewQty: 1, OldName: "Managed Services", NewName: "Managed Services",
				Reason: "not created by halobridge"},
			{Kind: billing.ChangeAdd, ItemID: 502, Owned: true, Months: []source.Month{oct}, NewQty: 3, NewName: "EDR (Oct 2026)",
				Usage: 2.3, Rounding: billing.RoundUp, Reason: "EDR is billed for Oct 2026"},
		},
		Findings: []billing.Finding{{Kind: billing.FindingUsageUnavailable, ClientID: 11, Months: []source.Month{aug},
			Message: "Usage for Aug 2026 could not be fetched."}},
	}
	rows := billing.Reconcile(plan)
	want := []billing.Row{
		{ClientID: 11, InvoiceID: -94, LineID: 300, ItemID: 501, Name: "Endpoint Security (Sep–Oct 2026)", Months: []source.Month{sep, oct},
			HaloQuantity: 10, Quantity: 22, Change: billing.ChangeSetQuantity, Reason: "covers Sep–Oct 2026"},
		{ClientID: 11, InvoiceID: -94, LineID: 200, ItemID: 700, Name: "Managed Services", HaloQuantity: 1, Quantity: 1,
			Change: billing.ChangeLeave, Reason: "not created by halobridge"},
		{ClientID: 11, InvoiceID: -94, ItemID: 502, Name: "EDR (Oct 2026)", Months: []source.Month{oct}, Quantity: 3,
			Usage: 2.3, Rounding: billing.RoundUp, Change: billing.ChangeAdd, Reason: "EDR is billed for Oct 2026"},
		{ClientID: 11, InvoiceID: -94, Months: []source.Month{aug}, Finding: billing.FindingUsageUnavailable,
			Reason: "Usage for Aug 2026 could not be fetched."},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Fatalf("Reconcile (-want +got):\n%s", diff)
	}

	t.Run("EncodesRowsAsJSON", func(t *testing.T) {
		t.Parallel()
		b, err := json.Marshal(rows[0])
		if err != nil {
			t.Fatal(err)
		}
		want := `{"client_id":11,"invoice_id":-94,"line_id":300,"item_id":501,"name":"Endpoint Security (Sep–Oct 2026)","months":["2026-09","2026-10"],` +
			`"halo_quantity":10,"quantity":22,"change":"set_quantity","reason":"covers Sep–Oct 2026"}`
		if string(b) != want {
			t.Errorf("JSON = %s\nwant   %s", b, want)
		}
	})
}

func TestLedgerRoundTripsThroughJSON(t *testing.T) {
	t.Parallel()

	sep, oct := month(2026, time.September), month(2026, time.October)
	for _, led := range []billing.Ledger{
		{ClientID: 11},
		{ClientID: 11, InvoiceID: -94, Through: oct, Pending: []source.Month{sep}, Lines: []billing.Entry{
			{ItemID: 501, LineID: 300, Name: "Endpoint Security (Oct 2026)", Quantity: 12.5,
				Months: []billing.MonthQuantity{{Month: oct, Quantity: 12.5}}, LastCreated: day(2026, time.October, 1)},
			{ItemID: 502, Name: "EDR"},
		}},
		{ClientID: 20, InvoiceID: -95, Through: oct, Compared: oct, Lines: []billing.Entry{
			{ItemID: 601, LineID: 310, Name: "DefensX (Oct 2026)", Quantity: 2,
				Months: []billing.MonthQuantity{{Month: oct, Quantity: 2, Usage: 1.8, Rounding: billing.RoundUp}}},
		}, Written: []billing.WrittenMonth{{Month: sep, Rules: "5f1c", Billed: map[int]float64{601: 3}}, {Month: oct, Rules: "5f1c"}},
			Carried: []billing.Carry{{ItemID: 601, Quantity: -1, Corrections: []billing.Correction{
				{ItemID: 601, Month: sep, Old: 4, New: 3, Carried: true, Note: "September corrected from 4 to 3 after it was invoiced: -1 carried to October"}}}}},
	} {
		b, err := json.Marshal(led)
		if err != nil {
			t.Fatal(err)
		}
		var back billing.Ledger
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if diff := cmp.Diff(led, back); diff != "" {
			t.Errorf("ledger after a round trip through %s (-want +got):\n%s", b, diff)
		}
	}
}

func TestLedgerReads(t *testing.T) {
	t.Parallel()

	jul, aug, sep, oct, nov := month(2026, time.July), month(2026, time.August), month(2026, time.September), month(2026, time.October), month(2026, time.November)
	led := billing.Ledger{ClientID: 11, Through: sep, Pending: []source.Month{jul}, Lines: []billing.Entry{
		{ItemID: 501, Months: []billing.MonthQuantity{{Month: sep, Quantity: 1}}},
	}, Written: []billing.WrittenMonth{{Month: aug}, {Month: sep}}}
	// Billing November reads October and November, due, July, pending, and
	// August and September, written.
	want := []source.Month{jul, aug, sep, oct, nov}
	if diff := cmp.Diff(want, led.Reads(nov)); diff != "" {
		t.Errorf("Reads(%s) (-want +got):\n%s", nov, diff)
	}
	if diff := cmp.Diff([]source.Month{oct}, billing.Ledger{ClientID: 11}.Reads(oct)); diff != "" {
		t.Errorf("a first plan reads (-want +got):\n%s", diff)
	}
}
