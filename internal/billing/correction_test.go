package billing_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"halobridge/internal/billing"
	"halobridge/internal/source"
)

// TestCorrections bills one client (append mode, the period in the lines'
// names) month after month against the stand-in HaloPSA while usage of
// months already written changes. Each step may change usage, let the
// invoice generate on a day, then bills a month; it states by hand the
// lines HaloPSA holds afterwards, the corrections the plan found and words
// its reasons must say. At the end, what the invoice generated adds up to
// what was used, item by item, less a credit still owed.
func TestCorrections(t *testing.T) {
	t.Parallel()

	jun, jul, aug, sep := month(2026, time.June), month(2026, time.July), month(2026, time.August), month(2026, time.September)
	oct, nov, dec := month(2026, time.October), month(2026, time.November), month(2026, time.December)
	items := map[int]billing.Item{501: {ID: 501, Name: "Endpoint Security"}, 502: {ID: 502, Name: "EDR"}}
	type line struct {
		Name string
		Qty  float64
	}
	type step struct {
		usage       map[source.Month]map[int]float64 // sets these months' usage
		unreadable  []source.Month                   // months whose usage cannot be read during this run
		rules       string                           // ClientQuantities.Rules of this run
		generate    time.Time                        // the invoice generates then, before the run
		disabled    bool                             // the invoice is disabled during this step
		bill        source.Month
		lines       []line
		corrections []billing.Correction // Note compared when set
		reasons     []string             // said, in this order, by the reasons of halobridge's lines
		findings    []billing.FindingKind
		says        []string // said, in this order, by the findings' messages
	}
	tests := []struct {
		name   string
		steps  []step
		billed map[int]float64 // what generated invoices billed, by item
	}{
		{
			name: "CorrectedBeforeTheInvoiceGeneratesIsSetOnTheLine",
			steps: []step{
				{usage: map[source.Month]map[int]float64{sep: {501: 42}}, bill: sep, lines: []line{{"Endpoint Security (Sep 2026)", 42}}},
				{usage: map[source.Month]map[int]float64{sep: {501: 45}}, bill: sep, lines: []line{{"Endpoint Security (Sep 2026)", 45}},
					corrections: []billing.Correction{{ItemID: 501, Month: sep, Old: 42, New: 45,
						Note: "September corrected from 42 to 45 before it was invoiced: the line now bills 45 for it"}},
					reasons: []string{"covers Sep 2026; September corrected from 42 to 45 before it was invoiced: the line now bills 45 for it"}},
				{bill: sep, lines: []line{{"Endpoint Security (Sep 2026)", 45}}},
				{generate: day(2026, time.October, 1), usage: map[source.Month]map[int]float64{oct: {501: 45}}, bill: oct,
					lines: []line{{"Endpoint Security (Oct 2026)", 45}}},
			},
			billed: map[int]float64{501: 45},
		},
		{
			name: "CorrectedAfterTheInvoiceGeneratedIsCarriedToTheNextMonth",
			steps: []step{
				{usage: map[source.Month]map[int]float64{sep: {501: 42}}, bill: sep, lines: []line{{"Endpoint Security (Sep 2026)", 42}}},
				{generate: day(2026, time.October, 1), usage: map[source.Month]map[int]float64{sep: {501: 45}, oct: {501: 40}}, bill: oct,
					lines: []line{{"Endpoint Security (Oct 2026)", 43}},
					corrections: []billing.Correction{{ItemID: 501, Month: sep, Old: 42, New: 45, Carried: true,
						Note: "September corrected from 42 to 45 after it was invoiced: +3 carried to October"}},
					reasons: []string{"the invoice generated on 2026-10-01 and billed Sep 2026; covers Oct 2026; September corrected from 42 to 45 after it was invoiced: +3 carried to October"}},
				// Running October again finds nothing new: the correction is
				// carried once.
				{bill: oct, lines: []line{{"Endpoint Security (Oct 2026)", 43}}, reasons: []string{"up to date"}},
				{generate: day(2026, time.November, 1), usage: map[source.Month]map[int]float64{nov: {501: 40}}, bill: nov,
					lines: []line{{"Endpoint Security (Nov 2026)", 40}}},
			},
			billed: map[int]float64{501: 42 + 43}, // September's 45 and October's 40
		},
		{
			name: "CreditIsTakenOffTheNextMonth",
			steps: []step{
				{usage: map[source.Month]map[int]float64{sep: {501: 45}}, bill: sep, lines: []line{{"Endpoint Security (Sep 2026)", 45}}},
				{generate: day(2026, time.October, 1), usage: map[source.Month]map[int]float64{sep: {501: 42}, oct: {501: 40}}, bill: oct,
					lines: []line{{"Endpoint Security (Oct 2026)", 37}},
					corrections: []billing.Correction{{ItemID: 501, Month: sep, Old: 45, New: 42, Carried: true,
						Note: "September corrected from 45 to 42 after it was invoiced: -3 carried to October"}}},
				{generate: day(2026, time.November, 1), usage: map[source.Month]map[int]float64{nov: {501: 40}}, bill: nov,
					lines: []line{{"Endpoint Security (Nov 2026)", 40}}},
			},
			billed: map[int]float64{501: 45 + 37},
		},
		{
			name: "CreditLargerThanTheLineWaitsForLaterMonths",
			steps: []step{
				{usage: map[source.Month]map[int]float64{sep: {501: 10}}, bill: sep, lines: []line{{"Endpoint Security (Sep 2026)", 10}}},
				{generate: day(2026, time.October, 1), usage: map[source.Month]map[int]float64{sep: {501: 2}, oct: {501: 5}}, bill: oct,
					lines:       []line{{"Endpoint Security (Oct 2026)", 0}},
					corrections: []billing.Correction{{ItemID: 501, Month: sep, Old: 10, New: 2, Carried: true}},
					reasons:     []string{"September corrected from 10 to 2 after it was invoiced: -8 carried to October; a line cannot go below 0: 3 more of Endpoint Security is taken off the next months"},
					findings:    []billing.FindingKind{billing.FindingCreditCarried},
					says:        []string{"Client 11 is owed 3 Endpoint Security for usage corrected down after it was invoiced (Sep 2026), more than its line bills now"}},
				{generate: day(2026, time.November, 1), usage: map[source.Month]map[int]float64{nov: {501: 6}}, bill: nov,
					lines:   []line{{"Endpoint Security (Nov 2026)", 3}},
					reasons: []string{"still carries corrections made before (September 10 → 2): -3 in all"}},
				{generate: day(2026, time.December, 1), usage: map[source.Month]map[int]float64{dec: {501: 6}}, bill: dec,
					lines: []line{{"Endpoint Security (Dec 2026)", 6}}},
			},
			billed: map[int]float64{501: 10 + 0 + 3}, // 2 + 5 + 6 used
		},
		{
			name: "SeveralCorrectionsAddUpAndACorrectedCorrectionCountsOnce",
			steps: []step{
				{usage: map[source.Month]map[int]float64{aug: {501: 10}}, bill: aug, lines: []line{{"Endpoint Security (Aug 2026)", 10}}},
				{generate: day(2026, time.September, 1), usage: map[source.Month]map[int]float64{sep: {501: 10}}, bill: sep,
					lines: []line{{"Endpoint Security (Sep 2026)", 10}}},
				{generate: day(2026, time.October, 1), usage: map[source.Month]map[int]float64{aug: {501: 12}, sep: {501: 9}, oct: {501: 10}}, bill: oct,
					lines: []line{{"Endpoint Security (Oct 2026)", 11}},
					corrections: []billing.Correction{
						{ItemID: 501, Month: aug, Old: 10, New: 12, Carried: true, Note: "August corrected from 10 to 12 after it was invoiced: +2 carried to October"},
						{ItemID: 501, Month: sep, Old: 10, New: 9, Carried: true, Note: "September corrected from 10 to 9 after it was invoiced: -1 carried to October"},
					}},
				// September is corrected again before the invoice generates:
				// only the difference to the corrected figure is added.
				{usage: map[source.Month]map[int]float64{sep: {501: 11}}, bill: oct,
					lines: []line{{"Endpoint Security (Oct 2026)", 13}},
					corrections: []billing.Correction{{ItemID: 501, Month: sep, Old: 9, New: 11, Carried: true,
						Note: "September corrected from 9 to 11 after it was invoiced: +2 carried to October"}},
					reasons: []string{"still carries corrections made before (August 10 → 12, September 10 → 9): +3 in all"}},
				{generate: day(2026, time.November, 1), usage: map[source.Month]map[int]float64{nov: {501: 10}}, bill: nov,
					lines: []line{{"Endpoint Security (Nov 2026)", 10}}},
			},
			billed: map[int]float64{501: 10 + 10 + 13}, // 12 + 11 + 10 used
		},
		{
			name: "ProductAddedToAnInvoicedMonthGetsALineOfItsOwn",
			steps: []step{
				{usage: map[source.Month]map[int]float64{sep: {501: 10}}, bill: sep, lines: []line{{"Endpoint Security (Sep 2026)", 10}}},
				{generate: day(2026, time.October, 1), usage: map[source.Month]map[int]float64{sep: {501: 10, 502: 2}, oct: {501: 10}}, bill: oct,
					lines:       []line{{"Endpoint Security (Oct 2026)", 10}, {"EDR", 2}},
					corrections: []billing.Correction{{ItemID: 502, Month: sep, Old: 0, New: 2, Carried: true}},
					reasons: []string{"covers Oct 2026",
						"EDR has no new month to bill; the line bills what corrections carry; September corrected from 0 to 2 after it was invoiced: +2 carried to the next invoice"}},
				{generate: day(2026, time.November, 1), usage: map[source.Month]map[int]float64{nov: {501: 10}}, bill: nov,
					lines: []line{{"Endpoint Security (Nov 2026)", 10}, {"EDR (Nov 2026)", 0}}},
			},
			billed: map[int]float64{501: 20, 502: 2},
		},
		{
			name: "MonthThatCannotBeReadIsComparedOnceItCan",
			steps: []step{
				{usage: map[source.Month]map[int]float64{sep: {501: 42}}, bill: sep, lines: []line{{"Endpoint Security (Sep 2026)", 42}}},
				{generate: day(2026, time.October, 1), usage: map[source.Month]map[int]float64{sep: {501: 45}, oct: {501: 40}}, unreadable: []source.Month{sep},
					bill: oct, lines: []line{{"Endpoint Security (Oct 2026)", 40}}},
				{usage: map[source.Month]map[int]float64{nov: {501: 40}}, bill: nov, lines: []line{{"Endpoint Security (Oct–Nov 2026)", 83}},
					corrections: []billing.Correction{{ItemID: 501, Month: sep, Old: 42, New: 45, Carried: true,
						Note: "September corrected from 42 to 45 after it was invoiced: +3 carried to October, November"}}},
			},
			billed: map[int]float64{501: 42},
		},
		{
			name: "MonthsBeforeTheWindowAreNoLongerCompared",
			steps: []step{
				{usage: map[source.Month]map[int]float64{jun: {501: 5}}, bill: jun, lines: []line{{"Endpoint Security (Jun 2026)", 5}}},
				{generate: day(2026, time.July, 1), usage: map[source.Month]map[int]float64{jul: {501: 5}}, bill: jul, lines: []line{{"Endpoint Security (Jul 2026)", 5}}},
				{generate: day(2026, time.August, 1), usage: map[source.Month]map[int]float64{aug: {501: 5}}, bill: aug, lines: []line{{"Endpoint Security (Aug 2026)", 5}}},
				{generate: day(2026, time.September, 1), usage: map[source.Month]map[int]float64{sep: {501: 5}}, bill: sep, lines: []line{{"Endpoint Security (Sep 2026)", 5}}},
				// Billing October looks back to July: June's correction
				// comes too late, July's is carried.
				{generate: day(2026, time.October, 1), usage: map[source.Month]map[int]float64{jun: {501: 9}, jul: {501: 6}, oct: {501: 5}}, bill: oct,
					lines:       []line{{"Endpoint Security (Oct 2026)", 6}},
					corrections: []billing.Correction{{ItemID: 501, Month: jul, Old: 5, New: 6, Carried: true}}},
			},
			billed: map[int]float64{501: 20},
		},
		{
			name: "CorrectionMadeWhileTheInvoiceIsDisabledIsFoundOnceItIsEnabled",
			steps: []step{
				{usage: map[source.Month]map[int]float64{jun: {501: 5}}, bill: jun, lines: []line{{"Endpoint Security (Jun 2026)", 5}}},
				{generate: day(2026, time.July, 1), usage: map[source.Month]map[int]float64{jul: {501: 5}}, bill: jul, lines: []line{{"Endpoint Security (Jul 2026)", 5}}},
				{generate: day(2026, time.August, 1), usage: map[source.Month]map[int]float64{aug: {501: 5}}, bill: aug, lines: []line{{"Endpoint Security (Aug 2026)", 5}}},
				{disabled: true, usage: map[source.Month]map[int]float64{jun: {501: 9}, sep: {501: 5}}, bill: sep,
					lines: []line{{"Endpoint Security (Aug 2026)", 5}}, findings: []billing.FindingKind{billing.FindingInvoiceDisabled}},
				{disabled: true, generate: day(2026, time.October, 1), usage: map[source.Month]map[int]float64{oct: {501: 5}}, bill: oct,
					lines: []line{{"Endpoint Security (Aug 2026)", 5}}, findings: []billing.FindingKind{billing.FindingInvoiceDisabled}},
				// Three months later than June, but the window waited while
				// the invoice could not be written.
				{generate: day(2026, time.November, 1), usage: map[source.Month]map[int]float64{nov: {501: 5}}, bill: nov,
					lines:       []line{{"Endpoint Security (Sep–Nov 2026)", 19}},
					corrections: []billing.Correction{{ItemID: 501, Month: jun, Old: 5, New: 9, Carried: true}}},
			},
			billed: map[int]float64{501: 15},
		},
		{
			name: "DifferenceUnderChangedRulesIsNotACorrection",
			steps: []step{
				{rules: "before", usage: map[source.Month]map[int]float64{sep: {501: 42}}, bill: sep, lines: []line{{"Endpoint Security (Sep 2026)", 42}}},
				{rules: "after", generate: day(2026, time.October, 1), usage: map[source.Month]map[int]float64{sep: {501: 30}, oct: {501: 30}}, bill: oct,
					lines:   []line{{"Endpoint Security (Oct 2026)", 30}},
					reasons: []string{"September now counts 30 where 42 was written, but the billing policy or the client's mappings changed since, so the difference is not billed as a correction"}},
			},
			billed: map[int]float64{501: 42},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHalo()
			h.create(billing.Invoice{ID: -94, ClientID: 11, Monthly: true})
			client := billing.Client{ID: 11, Name: "Acme Ltd"}
			policy := billing.Policy{Mode: billing.ModeAppend, IncludePeriodInName: true}
			truth := map[source.Month]map[int]float64{}
			led := billing.Ledger{ClientID: client.ID}
			for i, s := range tt.steps {
				for m, u := range s.usage {
					truth[m] = u
				}
				h.invoices[-94].Disabled = s.disabled
				if !s.generate.IsZero() {
					h.generate(s.generate)
				}
				q := billing.ClientQuantities{Months: map[source.Month]billing.MonthQuantities{}, Rules: s.rules}
				for m, u := range truth {
					q.Months[m] = billing.MonthQuantities{Items: u}
				}
				for _, m := range s.unreadable {
					q.Months[m] = billing.MonthQuantities{Unavailable: "the source answered 503"}
				}
				var plan billing.Plan
				plan, led = h.bill(t, client, s.bill, led, q, items, policy, 0)

				var got []line
				for _, l := range h.get(-94).Lines {
					got = append(got, line{l.Name, l.Quantity})
				}
				if diff := cmp.Diff(s.lines, got); diff != "" {
					t.Errorf("step %d: lines (-want +got):\n%s", i, diff)
				}
				ignoreNote := cmpopts.IgnoreFields(billing.Correction{}, "Note")
				for j, c := range s.corrections {
					if j < len(plan.Corrections) && c.Note != "" && c.Note != plan.Corrections[j].Note {
						t.Errorf("step %d: correction %d says %q, want %q", i, j, plan.Corrections[j].Note, c.Note)
					}
				}
				if diff := cmp.Diff(s.corrections, plan.Corrections, ignoreNote, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("step %d: corrections (-want +got):\n%s", i, diff)
				}
				for _, c := range plan.Corrections {
					if c.Note == "" {
						t.Errorf("step %d: correction of %s says nothing", i, c.Month)
					}
				}
				var reasons []string
				for _, c := range plan.Changes {
					if c.Owned {
						reasons = append(reasons, c.Reason)
					}
				}
				for j, want := range s.reasons {
					if j >= len(reasons) || !strings.Contains(reasons[j], want) {
						t.Errorf("step %d: reason %d does not say %q: %q", i, j, want, reasons)
					}
				}
				var kinds []billing.FindingKind
				for _, f := range plan.Findings {
					kinds = append(kinds, f.Kind)
				}
				if diff := cmp.Diff(s.findings, kinds); diff != "" {
					t.Errorf("step %d: findings (-want +got):\n%s", i, diff)
				}
				for j, want := range s.says {
					if j >= len(plan.Findings) || !strings.Contains(plan.Findings[j].Message, want) {
						t.Errorf("step %d: finding %d does not say %q: %+v", i, j, want, plan.Findings)
					}
				}
			}
			if diff := cmp.Diff(tt.billed, h.billed[-94]); diff != "" {
				t.Errorf("billed by the generated invoices (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPlanShowsHowFractionsWereBilled plans DefensX seats counted pro rata
// and rounded up: the line bills whole licences, the dry run shows the usage
// beside them and says how it was rounded, and a correction is measured in
// what is billed, not in the fraction.
func TestPlanShowsHowFractionsWereBilled(t *testing.T) {
	t.Parallel()

	sep := month(2026, time.September)
	items := map[int]billing.Item{601: {ID: 601, Name: "DefensX Web Security"}}
	policy := billing.Policy{Mode: billing.ModeAppend, IncludePeriodInName: true, Rounding: map[source.Kind]billing.Rounding{source.DefensX: billing.RoundUp}}
	// seats is September's usage, and the whole licences it rounds up to.
	seats := func(usage, licences float64) billing.ClientQuantities {
		return billing.ClientQuantities{Months: map[source.Month]billing.MonthQuantities{sep: {
			Items: map[int]float64{601: licences}, Rounded: map[int]billing.Rounded{601: {Usage: usage, Rule: billing.RoundUp}},
		}}}
	}
	h := newHalo()
	h.create(billing.Invoice{ID: -94, ClientID: 20, Monthly: true})
	client := billing.Client{ID: 20, Name: "Delta Inc"}

	plan, led := h.bill(t, client, sep, billing.Ledger{ClientID: 20}, seats(1.8, 2), items, policy, 0)
	want := billing.Change{Kind: billing.ChangeAdd, ItemID: 601, Owned: true, Months: []source.Month{sep}, NewQty: 2, NewName: "DefensX Web Security (Sep 2026)",
		Usage: 1.8, Rounding: billing.RoundUp, Reason: "DefensX Web Security is billed for Sep 2026; usage 1.8 rounded up to whole licences: 2"}
	if diff := cmp.Diff([]billing.Change{want}, plan.Changes); diff != "" {
		t.Errorf("September (-want +got):\n%s", diff)
	}
	rows := billing.Reconcile(plan)
	if len(rows) != 1 || rows[0].Usage != 1.8 || rows[0].Rounding != billing.RoundUp || rows[0].UsageText() != "1.8 rounded up" {
		t.Errorf("the dry run's row does not show the usage beside the quantity: %+v", rows)
	}
	wantMonths := []billing.MonthQuantity{{Month: sep, Quantity: 2, Usage: 1.8, Rounding: billing.RoundUp}}
	if diff := cmp.Diff(wantMonths, led.Lines[0].Months); diff != "" {
		t.Errorf("the ledger's month (-want +got):\n%s", diff)
	}

	// Corrected to 1.9 before the invoice generates: still 2 licences, so
	// nothing to correct; to 2.1, one licence more.
	plan, led = h.bill(t, client, sep, led, seats(1.9, 2), items, policy, 0)
	if plan.Changed() || len(plan.Corrections) > 0 {
		t.Errorf("1.8 corrected to 1.9 changes %+v, corrections %+v", plan.Changes, plan.Corrections)
	}
	plan, _ = h.bill(t, client, sep, led, seats(2.1, 3), items, policy, 0)
	wantCorrections := []billing.Correction{{ItemID: 601, Month: sep, Old: 2, New: 3,
		Note: "September corrected from 2 to 3 before it was invoiced: the line now bills 3 for it"}}
	if diff := cmp.Diff(wantCorrections, plan.Corrections); diff != "" {
		t.Errorf("corrections (-want +got):\n%s", diff)
	}
	if got := plan.Changes[0]; got.NewQty != 3 || got.Usage != 2.1 || !strings.HasSuffix(got.Reason, "usage 2.1 rounded up to whole licences: 3") {
		t.Errorf("after the correction the line is %+v", got)
	}
}
