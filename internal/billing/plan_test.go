package billing_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"halobridge/internal/billing"
	"halobridge/internal/source"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// haloLine is a line as HaloPSA sends it, with fields billing does not read.
func haloLine(id, item int, name string, qty float64) billing.Line {
	raw := fmt.Sprintf(`{"id":%d,"ihid":-94,"_itemid":%d,"item_shortdescription":%q,"qty_order":%v,"unit_price":4.5,"nominal_code":"SEC"}`, id, item, name, qty)
	return billing.Line{ID: id, ItemID: item, Name: name, Quantity: qty, Raw: []byte(raw)}
}

func TestPlanInvoice(t *testing.T) {
	t.Parallel()

	sep, oct, nov := month(2026, time.September), month(2026, time.October), month(2026, time.November)
	aug := month(2026, time.August)
	sep1, oct1 := day(2026, time.September, 1), day(2026, time.October, 1)
	items := map[int]billing.Item{501: {ID: 501, Name: "Endpoint Security"}, 502: {ID: 502, Name: "EDR"}}
	policy := billing.Policy{Mode: billing.ModeAppend, IncludePeriodInName: true}
	foreign := billing.Line{ID: 200, ItemID: 700, Name: "Managed Services", Quantity: 1,
		Raw: []byte(`{"id": 200,  "ihid": -94, "_itemid": 700, "item_shortdescription": "Managed Services", "qty_order": 1.0, "unit_price": 450.00}`)}
	foreignLeft := billing.Change{Kind: billing.ChangeLeave, LineID: 200, ItemID: 700, OldQty: 1, NewQty: 1, OldName: "Managed Services", NewName: "Managed Services"}
	usage := func(ms map[source.Month]map[int]float64) billing.ClientQuantities {
		q := billing.ClientQuantities{Months: map[source.Month]billing.MonthQuantities{}}
		for m, it := range ms {
			q.Months[m] = billing.MonthQuantities{Items: it}
		}
		return q
	}
	invoice := func(lastCreated time.Time, lines ...billing.Line) billing.Invoice {
		return billing.Invoice{ID: -94, ClientID: 11, Monthly: true, LastCreated: lastCreated, Lines: lines}
	}
	mq := func(m source.Month, q float64) billing.MonthQuantity {
		return billing.MonthQuantity{Month: m, Quantity: q}
	}
	// The ledger after September was written on 2 September: line 300 holds
	// Endpoint Security for September, the invoice last generated on 1 September.
	afterSep := billing.Ledger{ClientID: 11, InvoiceID: -94, Through: sep, Lines: []billing.Entry{
		{ItemID: 501, LineID: 300, Name: "Endpoint Security (Sep 2026)", Quantity: 10, Months: []billing.MonthQuantity{mq(sep, 10)}, LastCreated: sep1},
	}}
	sepLine := haloLine(300, 501, "Endpoint Security (Sep 2026)", 10)

	tests := []struct {
		name     string
		in       billing.PlanInput
		changes  []billing.Change
		ledger   billing.Ledger
		findings []billing.FindingKind
		reasons  []string // substrings expected in the reasons of the changes, in order
	}{
		{
			name: "FirstMonthAddsALineBesideTheForeignOne",
			in: billing.PlanInput{Month: oct, Invoice: invoice(time.Time{}, foreign), Ledger: billing.Ledger{ClientID: 11},
				Quantities: usage(map[source.Month]map[int]float64{oct: {501: 10}})},
			changes: []billing.Change{foreignLeft,
				{Kind: billing.ChangeAdd, ItemID: 501, Owned: true, Months: []source.Month{oct}, NewQty: 10, NewName: "Endpoint Security (Oct 2026)"}},
			ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Lines: []billing.Entry{
				{ItemID: 501, Name: "Endpoint Security (Oct 2026)", Quantity: 10, Months: []billing.MonthQuantity{mq(oct, 10)}}}},
			reasons: []string{"not created by halobridge", "Endpoint Security is billed for Oct 2026"},
		},
		{
			name: "AccumulatesWhileTheInvoiceHasNotGenerated",
			in: billing.PlanInput{Month: oct, Invoice: invoice(sep1, sepLine), Ledger: afterSep,
				Quantities: usage(map[source.Month]map[int]float64{oct: {501: 12}})},
			changes: []billing.Change{{Kind: billing.ChangeSetQuantity, LineID: 300, ItemID: 501, Owned: true, Months: []source.Month{sep, oct},
				OldQty: 10, NewQty: 22, OldName: "Endpoint Security (Sep 2026)", NewName: "Endpoint Security (Sep–Oct 2026)"}},
			ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Lines: []billing.Entry{
				{ItemID: 501, LineID: 300, Name: "Endpoint Security (Sep–Oct 2026)", Quantity: 22, Months: []billing.MonthQuantity{mq(sep, 10), mq(oct, 12)}, LastCreated: sep1}}},
			reasons: []string{"the invoice has not generated since Sep 2026 was written, so Oct 2026 is added to it; covers Sep–Oct 2026"},
		},
		{
			name: "RestartsOnceTheInvoiceGenerated",
			in: billing.PlanInput{Month: oct, Invoice: invoice(oct1, sepLine), Ledger: afterSep,
				Quantities: usage(map[source.Month]map[int]float64{oct: {501: 12}})},
			changes: []billing.Change{{Kind: billing.ChangeSetQuantity, LineID: 300, ItemID: 501, Owned: true, Months: []source.Month{oct},
				OldQty: 10, NewQty: 12, OldName: "Endpoint Security (Sep 2026)", NewName: "Endpoint Security (Oct 2026)"}},
			ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Lines: []billing.Entry{
				{ItemID: 501, LineID: 300, Name: "Endpoint Security (Oct 2026)", Quantity: 12, Months: []billing.MonthQuantity{mq(oct, 12)}, LastCreated: oct1}}},
			reasons: []string{"the invoice generated on 2026-10-01 and billed Sep 2026; covers Oct 2026"},
		},
		{
			name: "SameQuantityForANewMonthOnlyRenames",
			in: billing.PlanInput{Month: oct, Invoice: invoice(oct1, sepLine), Ledger: afterSep,
				Quantities: usage(map[source.Month]map[int]float64{oct: {501: 10}})},
			changes: []billing.Change{{Kind: billing.ChangeRename, LineID: 300, ItemID: 501, Owned: true, Months: []source.Month{oct},
				OldQty: 10, NewQty: 10, OldName: "Endpoint Security (Sep 2026)", NewName: "Endpoint Security (Oct 2026)"}},
			ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Lines: []billing.Entry{
				{ItemID: 501, LineID: 300, Name: "Endpoint Security (Oct 2026)", Quantity: 10, Months: []billing.MonthQuantity{mq(oct, 10)}, LastCreated: oct1}}},
		},
		{
			name: "UnavailableMonthIsCarriedAndTheBilledLineWaitsAtZero",
			in: billing.PlanInput{Month: oct, Invoice: invoice(oct1, sepLine), Ledger: afterSep,
				Quantities: billing.ClientQuantities{Months: map[source.Month]billing.MonthQuantities{oct: {Unavailable: "gravityzone: 503"}}}},
			changes: []billing.Change{{Kind: billing.ChangeSetQuantity, LineID: 300, ItemID: 501, Owned: true,
				OldQty: 10, NewQty: 0, OldName: "Endpoint Security (Sep 2026)", NewName: "Endpoint Security"}},
			ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Pending: []source.Month{oct}, Lines: []billing.Entry{
				{ItemID: 501, LineID: 300, Name: "Endpoint Security", LastCreated: oct1}}},
			findings: []billing.FindingKind{billing.FindingUsageUnavailable},
			reasons:  []string{"the invoice generated on 2026-10-01 and billed Sep 2026; nothing new can be billed yet, so the line waits at 0"},
		},
		{
			name: "UnavailableMonthWithoutGenerationLeavesTheLine",
			in: billing.PlanInput{Month: oct, Invoice: invoice(sep1, sepLine), Ledger: afterSep,
				Quantities: billing.ClientQuantities{}},
			changes: []billing.Change{{Kind: billing.ChangeLeave, LineID: 300, ItemID: 501, Owned: true, Months: []source.Month{sep},
				OldQty: 10, NewQty: 10, OldName: "Endpoint Security (Sep 2026)", NewName: "Endpoint Security (Sep 2026)"}},
			ledger:   billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Pending: []source.Month{oct}, Lines: afterSep.Lines},
			findings: []billing.FindingKind{billing.FindingUsageUnavailable},
		},
		{
			name: "CarriedMonthIsBilledWithTheNextOne",
			in: billing.PlanInput{Month: oct, Invoice: invoice(oct1, haloLine(300, 501, "Endpoint Security", 0)),
				Ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: sep, Pending: []source.Month{sep}, Lines: []billing.Entry{
					{ItemID: 501, LineID: 300, Name: "Endpoint Security", LastCreated: oct1}}},
				Quantities: usage(map[source.Month]map[int]float64{sep: {501: 10}, oct: {501: 11}})},
			changes: []billing.Change{{Kind: billing.ChangeSetQuantity, LineID: 300, ItemID: 501, Owned: true, Months: []source.Month{sep, oct},
				OldQty: 0, NewQty: 21, OldName: "Endpoint Security", NewName: "Endpoint Security (Sep–Oct 2026)"}},
			ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Lines: []billing.Entry{
				{ItemID: 501, LineID: 300, Name: "Endpoint Security (Sep–Oct 2026)", Quantity: 21, Months: []billing.MonthQuantity{mq(sep, 10), mq(oct, 11)}, LastCreated: oct1}}},
		},
		{
			name: "LateMonthIsBilledBesideTheNewOneAfterGeneration",
			in: billing.PlanInput{Month: oct, Invoice: invoice(oct1, sepLine),
				Ledger:     billing.Ledger{ClientID: 11, InvoiceID: -94, Through: sep, Pending: []source.Month{aug}, Lines: afterSep.Lines},
				Quantities: usage(map[source.Month]map[int]float64{aug: {501: 9}, oct: {501: 11}})},
			changes: []billing.Change{{Kind: billing.ChangeSetQuantity, LineID: 300, ItemID: 501, Owned: true, Months: []source.Month{aug, oct},
				OldQty: 10, NewQty: 20, OldName: "Endpoint Security (Sep 2026)", NewName: "Endpoint Security (Aug, Oct 2026)"}},
			ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Lines: []billing.Entry{
				{ItemID: 501, LineID: 300, Name: "Endpoint Security (Aug, Oct 2026)", Quantity: 20, Months: []billing.MonthQuantity{mq(aug, 9), mq(oct, 11)}, LastCreated: oct1}}},
		},
		{
			name: "MonthOnTheLineIsSetAgainWhenItsUsageIsCorrected",
			in: billing.PlanInput{Month: sep, Invoice: invoice(sep1, sepLine), Ledger: afterSep,
				Quantities: usage(map[source.Month]map[int]float64{sep: {501: 15}})},
			changes: []billing.Change{{Kind: billing.ChangeSetQuantity, LineID: 300, ItemID: 501, Owned: true, Months: []source.Month{sep},
				OldQty: 10, NewQty: 15, OldName: "Endpoint Security (Sep 2026)", NewName: "Endpoint Security (Sep 2026)"}},
			ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: sep, Lines: []billing.Entry{
				{ItemID: 501, LineID: 300, Name: "Endpoint Security (Sep 2026)", Quantity: 15, Months: []billing.MonthQuantity{mq(sep, 15)}, LastCreated: sep1}}},
			reasons: []string{"covers Sep 2026; September corrected from 10 to 15 before it was invoiced: the line now bills 15 for it"},
		},
		{
			name: "EarlierMonthKeepsLaterPendingMonths",
			in: billing.PlanInput{Month: sep, Invoice: invoice(sep1, sepLine),
				Ledger:     billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Pending: []source.Month{oct}, Lines: afterSep.Lines},
				Quantities: usage(map[source.Month]map[int]float64{sep: {501: 10}, oct: {501: 99}})},
			changes: []billing.Change{{Kind: billing.ChangeLeave, LineID: 300, ItemID: 501, Owned: true, Months: []source.Month{sep},
				OldQty: 10, NewQty: 10, OldName: "Endpoint Security (Sep 2026)", NewName: "Endpoint Security (Sep 2026)"}},
			ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Pending: []source.Month{oct}, Lines: afterSep.Lines},
		},
		{
			name: "ProductNoLongerUsedKeepsItsLineAtZero",
			in: billing.PlanInput{Month: oct, Invoice: invoice(oct1, sepLine, haloLine(301, 502, "EDR (Sep 2026)", 3)),
				Ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: sep, Lines: append(afterSep.Lines[:1:1],
					billing.Entry{ItemID: 502, LineID: 301, Name: "EDR (Sep 2026)", Quantity: 3, Months: []billing.MonthQuantity{mq(sep, 3)}, LastCreated: sep1})},
				Quantities: usage(map[source.Month]map[int]float64{oct: {501: 10}})},
			changes: []billing.Change{
				{Kind: billing.ChangeRename, LineID: 300, ItemID: 501, Owned: true, Months: []source.Month{oct},
					OldQty: 10, NewQty: 10, OldName: "Endpoint Security (Sep 2026)", NewName: "Endpoint Security (Oct 2026)"},
				{Kind: billing.ChangeSetQuantity, LineID: 301, ItemID: 502, Owned: true, Months: []source.Month{oct},
					OldQty: 3, NewQty: 0, OldName: "EDR (Sep 2026)", NewName: "EDR (Oct 2026)"},
			},
			ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Lines: []billing.Entry{
				{ItemID: 501, LineID: 300, Name: "Endpoint Security (Oct 2026)", Quantity: 10, Months: []billing.MonthQuantity{mq(oct, 10)}, LastCreated: oct1},
				{ItemID: 502, LineID: 301, Name: "EDR (Oct 2026)", Months: []billing.MonthQuantity{mq(oct, 0)}, LastCreated: oct1}}},
		},
		{
			name: "LineDeletedByThePartnerIsAddedAgainAndReported",
			in: billing.PlanInput{Month: oct, Invoice: invoice(sep1, foreign), Ledger: afterSep,
				Quantities: usage(map[source.Month]map[int]float64{oct: {501: 12}})},
			changes: []billing.Change{foreignLeft,
				{Kind: billing.ChangeAdd, ItemID: 501, Owned: true, Months: []source.Month{sep, oct}, NewQty: 22, NewName: "Endpoint Security (Sep–Oct 2026)"}},
			ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Lines: []billing.Entry{
				{ItemID: 501, Name: "Endpoint Security (Sep–Oct 2026)", Quantity: 22, Months: []billing.MonthQuantity{mq(sep, 10), mq(oct, 12)}, LastCreated: sep1}}},
			findings: []billing.FindingKind{billing.FindingLineDeleted},
			reasons:  []string{"not created by halobridge", "line 300 was deleted in HaloPSA; added again"},
		},
		{
			name: "ZeroLineDeletedByThePartnerIsForgotten",
			in: billing.PlanInput{Month: oct, Invoice: invoice(oct1, sepLine),
				Ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: sep, Lines: append(afterSep.Lines[:1:1],
					billing.Entry{ItemID: 502, LineID: 301, Name: "EDR (Sep 2026)", Months: []billing.MonthQuantity{mq(sep, 0)}, LastCreated: sep1})},
				Quantities: usage(map[source.Month]map[int]float64{oct: {501: 10}})},
			changes: []billing.Change{{Kind: billing.ChangeRename, LineID: 300, ItemID: 501, Owned: true, Months: []source.Month{oct},
				OldQty: 10, NewQty: 10, OldName: "Endpoint Security (Sep 2026)", NewName: "Endpoint Security (Oct 2026)"}},
			ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Lines: []billing.Entry{
				{ItemID: 501, LineID: 300, Name: "Endpoint Security (Oct 2026)", Quantity: 10, Months: []billing.MonthQuantity{mq(oct, 10)}, LastCreated: oct1}}},
		},
		{
			name: "ItemRenamedInHaloRenamesOurLine",
			in: billing.PlanInput{Month: sep, Invoice: invoice(sep1, sepLine), Ledger: afterSep,
				Items:      map[int]billing.Item{501: {ID: 501, Name: "GravityZone Endpoint Security"}},
				Quantities: usage(map[source.Month]map[int]float64{sep: {501: 10}})},
			changes: []billing.Change{{Kind: billing.ChangeRename, LineID: 300, ItemID: 501, Owned: true, Months: []source.Month{sep},
				OldQty: 10, NewQty: 10, OldName: "Endpoint Security (Sep 2026)", NewName: "GravityZone Endpoint Security (Sep 2026)"}},
			ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: sep, Lines: []billing.Entry{
				{ItemID: 501, LineID: 300, Name: "GravityZone Endpoint Security (Sep 2026)", Quantity: 10, Months: []billing.MonthQuantity{mq(sep, 10)}, LastCreated: sep1}}},
			reasons: []string{`the item is named "GravityZone Endpoint Security" in HaloPSA; covers Sep 2026`},
		},
		{
			name: "LineEditedInHaloIsPutBack",
			in: billing.PlanInput{Month: sep, Invoice: invoice(sep1, haloLine(300, 501, "Endpoint Security (Sep 2026)", 7)), Ledger: afterSep,
				Quantities: usage(map[source.Month]map[int]float64{sep: {501: 10}})},
			changes: []billing.Change{{Kind: billing.ChangeSetQuantity, LineID: 300, ItemID: 501, Owned: true, Months: []source.Month{sep},
				OldQty: 7, NewQty: 10, OldName: "Endpoint Security (Sep 2026)", NewName: "Endpoint Security (Sep 2026)"}},
			ledger:  afterSep,
			reasons: []string{`HaloPSA does not hold what halobridge wrote (10, "Endpoint Security (Sep 2026)"): edited there, or an earlier run stopped before sending; covers Sep 2026`},
		},
		{
			name: "ClaimsTheLineAnUnfinishedRunAddedNotTheForeignTwin",
			in: billing.PlanInput{Month: oct, Invoice: invoice(sep1, haloLine(200, 501, "Endpoint Security (Oct 2026)", 10), haloLine(305, 501, "Endpoint Security (Oct 2026)", 10)),
				Ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Lines: []billing.Entry{
					{ItemID: 501, Name: "Endpoint Security (Oct 2026)", Quantity: 10, Months: []billing.MonthQuantity{mq(oct, 10)}, LastCreated: sep1}}},
				Quantities: usage(map[source.Month]map[int]float64{oct: {501: 10}})},
			changes: []billing.Change{
				{Kind: billing.ChangeLeave, LineID: 200, ItemID: 501, OldQty: 10, NewQty: 10, OldName: "Endpoint Security (Oct 2026)", NewName: "Endpoint Security (Oct 2026)"},
				{Kind: billing.ChangeLeave, LineID: 305, ItemID: 501, Owned: true, Months: []source.Month{oct}, OldQty: 10, NewQty: 10,
					OldName: "Endpoint Security (Oct 2026)", NewName: "Endpoint Security (Oct 2026)"},
			},
			ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Lines: []billing.Entry{
				{ItemID: 501, LineID: 305, Name: "Endpoint Security (Oct 2026)", Quantity: 10, Months: []billing.MonthQuantity{mq(oct, 10)}, LastCreated: sep1}}},
		},
		{
			name: "AddsWhatAnUnfinishedRunPlannedButNeverSent",
			in: billing.PlanInput{Month: oct, Invoice: invoice(sep1),
				Ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Lines: []billing.Entry{
					{ItemID: 501, Name: "Endpoint Security (Oct 2026)", Quantity: 10, Months: []billing.MonthQuantity{mq(oct, 10)}, LastCreated: sep1}}},
				Quantities: usage(map[source.Month]map[int]float64{oct: {501: 10}})},
			changes: []billing.Change{{Kind: billing.ChangeAdd, ItemID: 501, Owned: true, Months: []source.Month{oct}, NewQty: 10, NewName: "Endpoint Security (Oct 2026)"}},
			ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Lines: []billing.Entry{
				{ItemID: 501, Name: "Endpoint Security (Oct 2026)", Quantity: 10, Months: []billing.MonthQuantity{mq(oct, 10)}, LastCreated: sep1}}},
			reasons: []string{"not on the invoice yet"},
		},
		{
			name: "LinePlannedButNeverSentKeepsItsMonthsAfterGeneration",
			in: billing.PlanInput{Month: nov, Invoice: invoice(day(2026, time.December, 1), foreign),
				Ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Lines: []billing.Entry{
					{ItemID: 501, Name: "Endpoint Security (Oct 2026)", Quantity: 10, Months: []billing.MonthQuantity{mq(oct, 10)}, LastCreated: day(2026, time.November, 1)}}},
				Quantities: usage(map[source.Month]map[int]float64{nov: {501: 12}})},
			changes: []billing.Change{foreignLeft,
				{Kind: billing.ChangeAdd, ItemID: 501, Owned: true, Months: []source.Month{oct, nov}, NewQty: 22, NewName: "Endpoint Security (Oct–Nov 2026)"}},
			ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: nov, Lines: []billing.Entry{
				{ItemID: 501, Name: "Endpoint Security (Oct–Nov 2026)", Quantity: 22, Months: []billing.MonthQuantity{mq(oct, 10), mq(nov, 12)}, LastCreated: day(2026, time.December, 1)}}},
		},
		{
			name: "DisabledInvoiceIsLeftAndItsMonthsCarried",
			in: billing.PlanInput{Month: oct, Invoice: billing.Invoice{ID: -94, ClientID: 11, Monthly: true, Disabled: true, LastCreated: sep1, Lines: []billing.Line{sepLine, foreign}},
				Ledger: afterSep, Quantities: usage(map[source.Month]map[int]float64{oct: {501: 12}})},
			changes: []billing.Change{
				{Kind: billing.ChangeLeave, LineID: 300, ItemID: 501, Owned: true, OldQty: 10, NewQty: 10, OldName: "Endpoint Security (Sep 2026)", NewName: "Endpoint Security (Sep 2026)"},
				foreignLeft,
			},
			ledger:   billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Pending: []source.Month{oct}, Lines: afterSep.Lines},
			findings: []billing.FindingKind{billing.FindingInvoiceDisabled},
			reasons:  []string{"the invoice is disabled", "the invoice is disabled"},
		},
		{
			name: "AppendModeWithoutInvoiceCarriesTheMonths",
			in: billing.PlanInput{Month: oct, Invoice: billing.Invoice{}, Ledger: billing.Ledger{ClientID: 11, Through: sep, Pending: []source.Month{sep}},
				Quantities: usage(map[source.Month]map[int]float64{sep: {501: 10}, oct: {501: 12}})},
			ledger:   billing.Ledger{ClientID: 11, Through: oct, Pending: []source.Month{sep, oct}},
			findings: []billing.FindingKind{billing.FindingInvoiceMissing},
		},
		{
			name: "CreateModePlansTheNewInvoicesLines",
			in: billing.PlanInput{Month: oct, Invoice: billing.Invoice{ClientID: 11}, Ledger: billing.Ledger{ClientID: 11},
				Policy:     billing.Policy{Mode: billing.ModeCreate},
				Quantities: usage(map[source.Month]map[int]float64{oct: {501: 10, 502: 2}})},
			changes: []billing.Change{
				{Kind: billing.ChangeAdd, ItemID: 501, Owned: true, Months: []source.Month{oct}, NewQty: 10, NewName: "Endpoint Security"},
				{Kind: billing.ChangeAdd, ItemID: 502, Owned: true, Months: []source.Month{oct}, NewQty: 2, NewName: "EDR"},
			},
			ledger: billing.Ledger{ClientID: 11, Through: oct, Lines: []billing.Entry{
				{ItemID: 501, Name: "Endpoint Security", Quantity: 10, Months: []billing.MonthQuantity{mq(oct, 10)}},
				{ItemID: 502, Name: "EDR", Quantity: 2, Months: []billing.MonthQuantity{mq(oct, 2)}}}},
		},
		{
			name: "DeletedItemHoldsTheWholeMonth",
			in: billing.PlanInput{Month: oct, Invoice: invoice(sep1, sepLine), Ledger: afterSep,
				Items:      map[int]billing.Item{501: {ID: 501, Name: "Endpoint Security"}, 502: {ID: 502, Name: "EDR", Deleted: true}},
				Quantities: usage(map[source.Month]map[int]float64{oct: {501: 12, 502: 3}})},
			changes: []billing.Change{{Kind: billing.ChangeLeave, LineID: 300, ItemID: 501, Owned: true, Months: []source.Month{sep},
				OldQty: 10, NewQty: 10, OldName: "Endpoint Security (Sep 2026)", NewName: "Endpoint Security (Sep 2026)"}},
			ledger:   billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Pending: []source.Month{oct}, Lines: afterSep.Lines},
			findings: []billing.FindingKind{billing.FindingItemDeleted},
		},
		{
			name: "IdleLineOfADeletedItemIsLeftAndReported",
			in: billing.PlanInput{Month: oct, Invoice: invoice(sep1, sepLine, haloLine(301, 502, "EDR (Sep 2026)", 3)),
				Ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: sep, Lines: append(afterSep.Lines[:1:1],
					billing.Entry{ItemID: 502, LineID: 301, Name: "EDR (Sep 2026)", Quantity: 3, Months: []billing.MonthQuantity{mq(sep, 3)}, LastCreated: sep1})},
				Items:      map[int]billing.Item{501: {ID: 501, Name: "Endpoint Security"}},
				Quantities: usage(map[source.Month]map[int]float64{oct: {501: 12}})},
			changes: []billing.Change{
				{Kind: billing.ChangeSetQuantity, LineID: 300, ItemID: 501, Owned: true, Months: []source.Month{sep, oct},
					OldQty: 10, NewQty: 22, OldName: "Endpoint Security (Sep 2026)", NewName: "Endpoint Security (Sep–Oct 2026)"},
				{Kind: billing.ChangeLeave, LineID: 301, ItemID: 502, Owned: true, OldQty: 3, NewQty: 3, OldName: "EDR (Sep 2026)", NewName: "EDR (Sep 2026)"},
			},
			ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Lines: []billing.Entry{
				{ItemID: 501, LineID: 300, Name: "Endpoint Security (Sep–Oct 2026)", Quantity: 22, Months: []billing.MonthQuantity{mq(sep, 10), mq(oct, 12)}, LastCreated: sep1},
				{ItemID: 502, LineID: 301, Name: "EDR (Sep 2026)", Quantity: 3, Months: []billing.MonthQuantity{mq(sep, 3)}, LastCreated: sep1}}},
			findings: []billing.FindingKind{billing.FindingItemDeleted},
		},
		{
			name: "NewInvoiceStartsAfreshAndTheOldOneIsReported",
			in: billing.PlanInput{Month: oct, Invoice: invoice(sep1, foreign),
				Ledger:     billing.Ledger{ClientID: 11, InvoiceID: -90, Through: sep, Lines: afterSep.Lines},
				Quantities: usage(map[source.Month]map[int]float64{oct: {501: 12}})},
			changes: []billing.Change{foreignLeft,
				{Kind: billing.ChangeAdd, ItemID: 501, Owned: true, Months: []source.Month{oct}, NewQty: 12, NewName: "Endpoint Security (Oct 2026)"}},
			ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Lines: []billing.Entry{
				{ItemID: 501, Name: "Endpoint Security (Oct 2026)", Quantity: 12, Months: []billing.MonthQuantity{mq(oct, 12)}, LastCreated: sep1}}},
			findings: []billing.FindingKind{billing.FindingInvoiceChanged},
		},
		{
			name: "NewItemStartsAtItsFirstMonthWithUse",
			in: billing.PlanInput{Month: oct, Invoice: invoice(sep1, haloLine(300, 501, "Endpoint Security", 0)),
				Ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: aug, Pending: []source.Month{aug}, Lines: []billing.Entry{
					{ItemID: 501, LineID: 300, Name: "Endpoint Security", LastCreated: sep1}}},
				Quantities: usage(map[source.Month]map[int]float64{aug: {501: 1}, sep: {501: 1}, oct: {501: 1, 502: 4}})},
			changes: []billing.Change{
				{Kind: billing.ChangeSetQuantity, LineID: 300, ItemID: 501, Owned: true, Months: []source.Month{aug, sep, oct},
					OldQty: 0, NewQty: 3, OldName: "Endpoint Security", NewName: "Endpoint Security (Aug–Oct 2026)"},
				{Kind: billing.ChangeAdd, ItemID: 502, Owned: true, Months: []source.Month{oct}, NewQty: 4, NewName: "EDR (Oct 2026)"},
			},
			ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: oct, Lines: []billing.Entry{
				{ItemID: 501, LineID: 300, Name: "Endpoint Security (Aug–Oct 2026)", Quantity: 3, Months: []billing.MonthQuantity{mq(aug, 1), mq(sep, 1), mq(oct, 1)}, LastCreated: sep1},
				{ItemID: 502, Name: "EDR (Oct 2026)", Quantity: 4, Months: []billing.MonthQuantity{mq(oct, 4)}, LastCreated: sep1}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := tt.in
			if in.Items == nil {
				in.Items = items
			}
			if in.Policy.Mode == "" {
				in.Policy = policy
			}
			got, err := billing.PlanInvoice(in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.changes, got.Changes, cmpopts.IgnoreFields(billing.Change{}, "Reason"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			// What the ledger keeps to find corrections has tests of its own
			// (TestCorrections).
			if diff := cmp.Diff(tt.ledger, got.Ledger, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(billing.Ledger{}, "Written", "Compared", "Carried")); diff != "" {
				t.Errorf("ledger (-want +got):\n%s", diff)
			}
			var kinds []billing.FindingKind
			for _, f := range got.Findings {
				kinds = append(kinds, f.Kind)
			}
			if diff := cmp.Diff(tt.findings, kinds); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			for i, want := range tt.reasons {
				if i >= len(got.Changes) || !strings.Contains(got.Changes[i].Reason, want) {
					t.Errorf("change %d: reason does not say %q: %+v", i, want, got.Changes)
				}
			}
			if len(got.Lines) != len(got.Changes) {
				t.Errorf("%d lines for %d changes", len(got.Lines), len(got.Changes))
			}
			for i, c := range got.Changes {
				if i < len(got.Lines) && (got.Lines[i].Name != c.NewName || got.Lines[i].Quantity != c.NewQty) {
					t.Errorf("line %d is %q × %v, change says %q × %v", i, got.Lines[i].Name, got.Lines[i].Quantity, c.NewName, c.NewQty)
				}
			}
		})
	}
}

func TestPlanInvoiceWire(t *testing.T) {
	t.Parallel()

	sep, oct := month(2026, time.September), month(2026, time.October)
	sep1 := day(2026, time.September, 1)
	items := map[int]billing.Item{501: {ID: 501, Name: "Endpoint Security"}, 502: {ID: 502, Name: "R&D <seats>"}}
	foreignRaw := []byte("{\"id\": 200,\n  \"ihid\": -94, \"_itemid\": 700, \"item_shortdescription\": \"Managed Services \\u0026 Support\", \"qty_order\": 1.0}")
	var foreign billing.Line
	if err := foreign.UnmarshalJSON(foreignRaw); err != nil {
		t.Fatal(err)
	}
	in := billing.PlanInput{
		Month:   oct,
		Invoice: billing.Invoice{ID: -94, ClientID: 11, Monthly: true, LastCreated: sep1, Lines: []billing.Line{haloLine(300, 501, "Endpoint Security (Sep 2026)", 10), foreign}},
		Ledger: billing.Ledger{ClientID: 11, InvoiceID: -94, Through: sep, Lines: []billing.Entry{{ItemID: 501, LineID: 300, Name: "Endpoint Security (Sep 2026)",
			Quantity: 10, Months: []billing.MonthQuantity{{Month: sep, Quantity: 10}}, LastCreated: sep1}}},
		Quantities: billing.ClientQuantities{Months: map[source.Month]billing.MonthQuantities{oct: {Items: map[int]float64{501: 2.5, 502: 1}}}},
		Items:      items,
		Policy:     billing.Policy{Mode: billing.ModeAppend, IncludePeriodInName: true},
	}
	got, err := billing.PlanInvoice(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"_itemid":501,"id":300,"ihid":-94,"item_shortdescription":"Endpoint Security (Sep–Oct 2026)","nominal_code":"SEC","qty_order":12.5,"unit_price":4.5}`,
		string(foreignRaw),
		`{"_itemid":502,"ihid":-94,"item_shortdescription":"R\u0026D \u003cseats\u003e (Oct 2026)","qty_order":1}`,
	}
	var raws []string
	for _, l := range got.Lines {
		raws = append(raws, string(l.Raw))
	}
	if diff := cmp.Diff(want, raws); diff != "" {
		t.Errorf("lines sent (-want +got):\n%s", diff)
	}
	if !bytes.Equal(got.Lines[1].Raw, foreignRaw) {
		t.Error("the foreign line is not sent back byte for byte")
	}

	t.Run("RejectsAnOwnedLineThatIsNotAJSONObject", func(t *testing.T) {
		t.Parallel()
		bad := in
		bad.Invoice.Lines = []billing.Line{{ID: 300, ItemID: 501, Name: "Endpoint Security (Sep 2026)", Quantity: 10, Raw: []byte(`[]`)}}
		if _, err := billing.PlanInvoice(bad); err == nil || !strings.Contains(err.Error(), "line 300 of recurring invoice -94") {
			t.Errorf("PlanInvoice error = %v, want one naming line 300 of invoice -94", err)
		}
	})
}
