package billing_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"halobridge/internal/billing"
)

func TestChooseInvoice(t *testing.T) {
	t.Parallel()

	acme := billing.Client{ID: 11, Name: "Acme Ltd"}
	monthly := func(id, client int) billing.Invoice {
		return billing.Invoice{ID: id, ClientID: client, Monthly: true, Reference: "Monthly Billing"}
	}
	disabled := monthly(-95, 11)
	disabled.Disabled = true
	quarterly := billing.Invoice{ID: -96, ClientID: 11}
	ours := billing.Invoice{ID: -97, ClientID: 11, Monthly: true, Reference: "Acme Ltd", Lines: []billing.Line{
		{ID: 300, ItemID: 501, Name: "Endpoint Security (Oct 2026)", Quantity: 10},
	}}
	planned := billing.Ledger{ClientID: 11, Lines: []billing.Entry{{ItemID: 501, Name: "Endpoint Security (Oct 2026)", Quantity: 10}}}
	create := billing.Policy{Mode: billing.ModeCreate}
	appendMode := billing.Policy{Mode: billing.ModeAppend}

	tests := []struct {
		name     string
		policy   billing.Policy
		invoices []billing.Invoice
		ledger   billing.Ledger
		chosen   int
		want     billing.Choice
		kinds    []billing.FindingKind
	}{
		{"CreateModeCreatesOneNamedAfterTheClient", create, []billing.Invoice{monthly(-94, 11)}, billing.Ledger{ClientID: 11}, 0,
			billing.Choice{Create: true, Reference: "Acme Ltd"}, nil},
		{"CreateModeKeepsItsInvoice", create, []billing.Invoice{monthly(-94, 11), ours}, billing.Ledger{ClientID: 11, InvoiceID: -97}, 0,
			billing.Choice{InvoiceID: -97}, nil},
		{"CreateModeKeepsItsInvoiceWhenDisabledSoThePlanReportsIt", create, []billing.Invoice{disabled}, billing.Ledger{ClientID: 11, InvoiceID: -95}, 0,
			billing.Choice{InvoiceID: -95}, nil},
		{"CreateModeRecreatesADeletedInvoiceAndReportsIt", create, []billing.Invoice{monthly(-94, 11)}, billing.Ledger{ClientID: 11, InvoiceID: -97}, 0,
			billing.Choice{Create: true, Reference: "Acme Ltd"}, []billing.FindingKind{billing.FindingInvoiceMissing}},
		{"CreateModeAfterACrashTakesTheInvoiceHoldingAPlannedLine", create, []billing.Invoice{monthly(-94, 11), ours}, planned, 0,
			billing.Choice{InvoiceID: -97}, nil},
		{"CreateModeDoesNotTakeAPartnersInvoiceNamedAfterTheClient", create,
			[]billing.Invoice{{ID: -98, ClientID: 11, Monthly: true, Reference: "Acme Ltd"}}, planned, 0,
			billing.Choice{Create: true, Reference: "Acme Ltd"}, nil},
		{"AppendModeUsesTheOnlyMonthlyInvoice", appendMode, []billing.Invoice{monthly(-94, 11), monthly(-90, 12), quarterly, disabled}, billing.Ledger{ClientID: 11}, 0,
			billing.Choice{InvoiceID: -94}, nil},
		{"AppendModeWithoutMonthlyInvoiceReports", appendMode, []billing.Invoice{monthly(-90, 12), quarterly}, billing.Ledger{ClientID: 11}, 0,
			billing.Choice{}, []billing.FindingKind{billing.FindingInvoiceMissing}},
		{"AppendModeAsksWhichOfSeveral", appendMode, []billing.Invoice{monthly(-94, 11), monthly(-93, 11)}, billing.Ledger{ClientID: 11}, 0,
			billing.Choice{}, []billing.FindingKind{billing.FindingInvoiceAmbiguous}},
		{"AppendModeUsesThePartnersChoice", appendMode, []billing.Invoice{monthly(-94, 11), monthly(-93, 11)}, billing.Ledger{ClientID: 11}, -93,
			billing.Choice{InvoiceID: -93}, nil},
		{"AppendModeKeepsTheInvoiceItUsedBefore", appendMode, []billing.Invoice{monthly(-94, 11), monthly(-93, 11)}, billing.Ledger{ClientID: 11, InvoiceID: -94}, 0,
			billing.Choice{InvoiceID: -94}, nil},
		{"AppendModeKeepsAChosenInvoiceWhenDisabledSoThePlanReportsIt", appendMode, []billing.Invoice{disabled}, billing.Ledger{ClientID: 11}, -95,
			billing.Choice{InvoiceID: -95}, nil},
		{"AppendModeReportsAChosenInvoiceThatIsGone", appendMode, []billing.Invoice{monthly(-94, 11)}, billing.Ledger{ClientID: 11}, -93,
			billing.Choice{}, []billing.FindingKind{billing.FindingInvoiceMissing}},
		{"AppendModeRejectsAChosenInvoiceOfAnotherClient", appendMode, []billing.Invoice{monthly(-90, 12)}, billing.Ledger{ClientID: 11}, -90,
			billing.Choice{}, []billing.FindingKind{billing.FindingInvoiceMissing}},
		{"AppendModeFallsBackWhenItsInvoiceIsGone", appendMode, []billing.Invoice{monthly(-94, 11)}, billing.Ledger{ClientID: 11, InvoiceID: -80}, 0,
			billing.Choice{InvoiceID: -94}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := billing.ChooseInvoice(tt.policy, acme, tt.invoices, tt.ledger, tt.chosen)
			var kinds []billing.FindingKind
			for _, f := range got.Findings {
				kinds = append(kinds, f.Kind)
				if f.ClientID != acme.ID || f.Message == "" {
					t.Errorf("finding %+v lacks its client or message", f)
				}
			}
			if diff := cmp.Diff(tt.kinds, kinds); diff != "" {
				t.Errorf("finding kinds (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(billing.Choice{}, "Findings")); diff != "" {
				t.Errorf("choice (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInvoiceOptionsOffersOnlyTheClientsEnabledMonthlyInvoices(t *testing.T) {
	t.Parallel()

	invoices := []billing.Invoice{
		{ID: -90, ClientID: 12, Monthly: true},
		{ID: -91, ClientID: 11, Monthly: true},
		{ID: -92, ClientID: 11},
		{ID: -93, ClientID: 11, Monthly: true, Disabled: true},
		{ID: -94, ClientID: 11, Monthly: true},
	}
	var ids []int
	for _, inv := range billing.InvoiceOptions(11, invoices) {
		ids = append(ids, inv.ID)
	}
	if diff := cmp.Diff([]int{-91, -94}, ids); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
}

func TestLineJSON(t *testing.T) {
	t.Parallel()

	t.Run("ReadsHalosFieldsAndKeepsTheBytes", func(t *testing.T) {
		t.Parallel()
		raw := `{"id": 24963, "ihid": -94, "item_shortdescription": "Synergy Managed Services - Gold Infrastructure", "qty_order": 1.0, "unit_price": 825.0, "_itemid": 1402}`
		var l billing.Line
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatal(err)
		}
		want := billing.Line{ID: 24963, ItemID: 1402, Name: "Synergy Managed Services - Gold Infrastructure", Quantity: 1, Raw: json.RawMessage(raw)}
		if diff := cmp.Diff(want, l); diff != "" {
			t.Errorf("line (-want +got):\n%s", diff)
		}
		out, err := l.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != raw {
			t.Errorf("MarshalJSON = %s, want the bytes read", out)
		}
	})
	t.Run("RejectsALineThatIsNotAnObject", func(t *testing.T) {
		t.Parallel()
		var l billing.Line
		if err := json.Unmarshal([]byte(`[1]`), &l); err == nil {
			t.Error("Unmarshal accepted an array as a line")
		}
	})
	t.Run("WritesHalosFieldsWithoutRaw", func(t *testing.T) {
		t.Parallel()
		out, err := json.Marshal(billing.Line{ID: 7, ItemID: 501, Name: "R&D <seats>", Quantity: 2.5})
		if err != nil {
			t.Fatal(err)
		}
		want := `{"_itemid":501,"id":7,"item_shortdescription":"R\u0026D \u003cseats\u003e","qty_order":2.5}`
		if string(out) != want {
			t.Errorf("Marshal = %s, want %s", out, want)
		}
	})
}
