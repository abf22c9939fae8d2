package halosim

import (
	"net/http"
	"testing"
)

// TestProcessGeneratesInvoices: POST /RecurringInvoice/process generates an invoice of each
// recurring invoice named, with its active lines as they stand, readable through /Invoice;
// the recurring invoice's schedule moves on a month.
func TestProcessGeneratesInvoices(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	tok := b.token(t, "all")
	rec := invoiceWithLines(t, b)
	// One line made inactive stays off the invoice; another's quantity changes first.
	b.sim.UpdateRecurringInvoice(rec.ID, func(inv *RecurringInvoice) {
		inv.Lines[0].IsInactive = true
		inv.Lines[1].QtyOrder = 42
	})
	rec, _ = b.sim.RecurringInvoice(rec.ID)

	resp := b.send(t, "POST", "/api/RecurringInvoice/process", tok, []int{rec.ID})
	wantStatus(t, resp, http.StatusCreated)
	made := decode[Invoice](t, resp)
	if made.RecurringInvoiceID != rec.ID || made.ClientID != rec.ClientID || len(made.Lines) != len(rec.Lines)-1 {
		t.Fatalf("invoice = %+v, want %d lines of recurring invoice %d", made, len(rec.Lines)-1, rec.ID)
	}
	want := 0.0
	for _, l := range rec.Lines[1:] {
		want += l.NetAmount + l.TaxAmount
	}
	if made.Lines[0].QtyOrder != 42 || made.Lines[0].ItemShortDescription != rec.Lines[1].ItemShortDescription || made.Total != round2(want) {
		t.Fatalf("invoice lines = %+v, total %v; want the second line with 42 first and total %v", made.Lines, made.Total, round2(want))
	}
	after, _ := b.sim.RecurringInvoice(rec.ID)
	if after.LastCreated != made.InvoiceDate || after.NextCreationDate == rec.NextCreationDate {
		t.Errorf("recurring invoice schedule %q / %q after generating on %q", after.LastCreated, after.NextCreationDate, made.InvoiceDate)
	}

	_, rows := decodePage(t, b.send(t, "GET", "/api/Invoice?recurringinvoice_id="+itoa(rec.ID)+"&includelines=true", tok, nil), "invoices")
	if len(rows) != 1 || int(rows[0]["id"].(float64)) != made.ID || len(rows[0]["lines"].([]any)) != len(made.Lines) {
		t.Fatalf("/Invoice rows = %v, want the invoice made with its lines", rows)
	}
	one := decode[Invoice](t, b.send(t, "GET", "/api/Invoice/"+itoa(made.ID), tok, nil))
	if one.ID != made.ID || len(one.Lines) != len(made.Lines) {
		t.Fatalf("/Invoice/%d = %+v", made.ID, one)
	}

	// A disabled recurring invoice generates nothing, and nothing else in the same call.
	b.sim.UpdateRecurringInvoice(rec.ID, func(inv *RecurringInvoice) { inv.Disabled = true })
	wantHaloError(t, b.send(t, "POST", "/api/RecurringInvoice/process", tok, []int{rec.ID}), http.StatusBadRequest,
		"Recurring invoice "+itoa(rec.ID)+" is disabled")
	wantStatus(t, b.send(t, "POST", "/api/RecurringInvoice/process", tok, `["x"]`), http.StatusBadRequest)
	if n := len(b.sim.GeneratedInvoices()); n != 1 {
		t.Errorf("%d invoices generated, want 1", n)
	}
	wantHaloError(t, b.send(t, "GET", "/api/Invoice", b.token(t, "read:customers"), nil), http.StatusForbidden,
		"You do not have permission to access this area (read:invoices)")
}
