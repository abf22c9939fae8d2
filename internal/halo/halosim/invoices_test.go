package halosim

import (
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// invoiceWithLines returns a seeded recurring invoice that has at least two lines.
func invoiceWithLines(t *testing.T, b *testBundle) RecurringInvoice {
	t.Helper()
	for _, inv := range b.sim.RecurringInvoices() {
		if len(inv.Lines) >= 2 && !inv.Disabled {
			return inv
		}
	}
	t.Fatal("no seeded invoice with two lines")
	return RecurringInvoice{}
}

func TestRecurringInvoiceReads(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	tok := b.token(t, "all")

	t.Run("IDsAreNegativeAndLinesPointAtTheirHeader", func(t *testing.T) {
		t.Parallel()
		for _, inv := range b.sim.RecurringInvoices() {
			if inv.ID >= 0 {
				t.Fatalf("invoice id %d is not negative", inv.ID)
			}
			for _, l := range inv.Lines {
				if l.ID <= 0 || l.IHID != inv.ID {
					t.Fatalf("line %+v of invoice %d", l, inv.ID)
				}
			}
		}
	})

	t.Run("ListLeavesLinesOutUnlessAsked", func(t *testing.T) {
		t.Parallel()
		_, rows := decodePage(t, b.send(t, "GET", "/api/RecurringInvoice", tok, nil), "invoices")
		for _, r := range rows {
			if _, has := r["lines"]; has {
				t.Fatalf("invoice %v lists lines", r["id"])
			}
		}
		_, rows = decodePage(t, b.send(t, "GET", "/api/RecurringInvoice?includelines=true", tok, nil), "invoices")
		for _, r := range rows {
			if _, has := r["lines"]; !has {
				t.Fatalf("invoice %v has no lines with includelines=true", r["id"])
			}
		}
	})

	t.Run("OneInvoiceIncludesItsLines", func(t *testing.T) {
		t.Parallel()
		want := invoiceWithLines(t, b)
		got := decode[RecurringInvoice](t, b.send(t, "GET", "/api/RecurringInvoice/"+itoa(want.ID), tok, nil))
		if diff := cmp.Diff(want.Lines, got.Lines); diff != "" || got.Reference != "Monthly Billing" || got.Use != "invoice" {
			t.Fatalf("lines (-want +got):\n%s reference %q use %q", diff, got.Reference, got.Use)
		}
	})

	t.Run("FiltersByClient", func(t *testing.T) {
		t.Parallel()
		inv := invoiceWithLines(t, b)
		_, rows := decodePage(t, b.send(t, "GET", "/api/RecurringInvoice?client_id="+itoa(inv.ClientID), tok, nil), "invoices")
		if diff := cmp.Diff([]int{inv.ID}, ids(rows)); diff != "" {
			t.Fatalf("invoices (-want +got):\n%s", diff)
		}
	})
}

func TestRecurringInvoiceWrites(t *testing.T) {
	t.Parallel()

	t.Run("ValidateOnlySavesNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		inv := invoiceWithLines(t, b)
		body := []map[string]any{{"id": inv.ID, "_validateonly": true, "lines": []map[string]any{}}}
		resp := b.send(t, "POST", "/api/RecurringInvoice", b.token(t, "all"), body)
		wantStatus(t, resp, http.StatusCreated)
		got, _ := b.sim.RecurringInvoice(inv.ID)
		if len(got.Lines) != len(inv.Lines) {
			t.Fatalf("a validate-only post emptied the lines: %d left of %d", len(got.Lines), len(inv.Lines))
		}
		before := len(b.sim.RecurringInvoices())
		resp = b.send(t, "POST", "/api/RecurringInvoice", b.token(t, "all"), []map[string]any{{"client_id": inv.ClientID, "_validateonly": true}})
		wantStatus(t, resp, http.StatusCreated)
		if after := len(b.sim.RecurringInvoices()); after != before {
			t.Fatalf("a validate-only create saved an invoice: %d invoices, was %d", after, before)
		}
	})

	t.Run("PostingLinesReplacesTheLineSet", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		inv := invoiceWithLines(t, b)
		kept := inv.Lines[0]
		body := []map[string]any{{"id": inv.ID, "lines": []map[string]any{
			{"id": kept.ID, "ihid": inv.ID, "_itemid": kept.ItemID, "item_shortdescription": kept.ItemShortDescription,
				"qty_order": 12, "unit_price": 4.5, "tax_rate": 20, "contract_id": -1, "asset_id": -1},
			{"_itemid": 1402, "item_shortdescription": "EDR Add-on - March 2025", "qty_order": 3, "unit_price": 2, "tax_rate": 20},
		}}}
		resp := b.send(t, "POST", "/api/RecurringInvoice", b.token(t, "all"), body)
		wantStatus(t, resp, http.StatusCreated)
		got, _ := b.sim.RecurringInvoice(inv.ID)
		if len(got.Lines) != 2 {
			t.Fatalf("%d lines after replacing with 2: %+v", len(got.Lines), got.Lines)
		}
		first, second := got.Lines[0], got.Lines[1]
		if first.ID != kept.ID || first.QtyOrder != 12 || first.NetAmount != 54 || first.TaxAmount != 10.8 {
			t.Fatalf("kept line = %+v", first)
		}
		if second.ID <= 0 || slices.ContainsFunc(inv.Lines, func(l InvoiceLine) bool { return l.ID == second.ID }) ||
			second.IHID != inv.ID || second.ItemID != 1402 || second.NetAmount != 6 {
			t.Fatalf("new line = %+v", second)
		}
		if got.Total != 72 {
			t.Fatalf("total = %v", got.Total)
		}
	})

	t.Run("FieldsLeftOutOfAPostedLineAreEmptied", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		inv := invoiceWithLines(t, b)
		body := []map[string]any{{"id": inv.ID, "lines": []map[string]any{{"id": inv.Lines[0].ID, "qty_order": 5}}}}
		wantStatus(t, b.send(t, "POST", "/api/RecurringInvoice", b.token(t, "all"), body), http.StatusCreated)
		got, _ := b.sim.RecurringInvoice(inv.ID)
		if l := got.Lines[0]; l.ItemShortDescription != "" || l.UnitPrice != 0 || l.ItemID != 0 {
			t.Fatalf("line kept fields that were not sent: %+v", l)
		}
	})

	t.Run("HeaderOnlyUpdateKeepsTheLines", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		inv := invoiceWithLines(t, b)
		got := decode[RecurringInvoice](t, b.send(t, "POST", "/api/RecurringInvoice", b.token(t, "all"), []map[string]any{{"id": inv.ID, "notes_1": "Renamed"}}))
		if got.Notes1 != "Renamed" || len(got.Lines) != len(inv.Lines) || got.Reference != inv.Reference {
			t.Fatalf("invoice = %+v", got)
		}
	})

	t.Run("LinesEndpointAddsLines", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		inv := invoiceWithLines(t, b)
		resp := b.send(t, "POST", "/api/RecurringInvoice/Lines", b.token(t, "all"),
			[]map[string]any{{"ihid": inv.ID, "_itemid": 1403, "item_shortdescription": "Web Security", "qty_order": 7, "unit_price": 3}})
		wantStatus(t, resp, http.StatusCreated)
		line := decode[InvoiceLine](t, resp)
		got, _ := b.sim.RecurringInvoice(inv.ID)
		if len(got.Lines) != len(inv.Lines)+1 || got.Lines[len(got.Lines)-1].ID != line.ID || line.IHID != inv.ID || line.NetAmount != 21 {
			t.Fatalf("line %+v, lines now %+v", line, got.Lines)
		}
	})

	// A line written without dates, or with "" for them, holds HaloPSA's empty date
	// 1899-12-30T00:00:00, and keeps the item it bills (API.md §2.5, §5.2).
	t.Run("LinesWithoutDatesHoldTheEmptyDate", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		inv := invoiceWithLines(t, b)
		added := decode[InvoiceLine](t, b.send(t, "POST", "/api/RecurringInvoice/Lines", b.token(t, "all"),
			[]map[string]any{{"ihid": inv.ID, "_itemid": 1403, "item_shortdescription": "Web Security", "qty_order": 1}}))
		cleared := decode[InvoiceLine](t, b.send(t, "POST", "/api/RecurringInvoice/updatelines", b.token(t, "all"),
			[]map[string]any{{"id": inv.Lines[0].ID, "startdate": "", "enddate": ""}}))
		for _, l := range []InvoiceLine{added, cleared} {
			if l.StartDate != "1899-12-30T00:00:00" || l.EndDate != "1899-12-30T00:00:00" {
				t.Errorf("line %d dates = %q, %q, want 1899-12-30T00:00:00", l.ID, l.StartDate, l.EndDate)
			}
		}
		if added.ItemID != 1403 {
			t.Errorf("added line _itemid = %d, want 1403", added.ItemID)
		}
	})

	t.Run("UpdateLinesChangesOnlyTheFieldsSent", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		inv := invoiceWithLines(t, b)
		target := inv.Lines[1]
		got := decode[InvoiceLine](t, b.send(t, "POST", "/api/RecurringInvoice/updatelines", b.token(t, "all"),
			[]map[string]any{{"id": target.ID, "qty_order": 99}}))
		if got.QtyOrder != 99 || got.ItemShortDescription != target.ItemShortDescription || got.UnitPrice != target.UnitPrice {
			t.Fatalf("line = %+v", got)
		}
	})

	t.Run("CreatesAnInvoiceWithANewNegativeID", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		lowest := 0
		for _, inv := range b.sim.RecurringInvoices() {
			lowest = min(lowest, inv.ID)
		}
		client := b.sim.Clients()[2]
		got := decode[RecurringInvoice](t, b.send(t, "POST", "/api/RecurringInvoice", b.token(t, "all"), []map[string]any{{
			"client_id": client.ID, "reference": "Monthly Billing",
			"lines": []map[string]any{{"_itemid": 1401, "item_shortdescription": "Endpoint Security", "qty_order": 10, "unit_price": 4.5}},
		}}))
		if got.ID != lowest-1 || got.ClientName != client.Name || len(got.Lines) != 1 || got.Lines[0].IHID != got.ID || !got.IsRecurringInvoice {
			t.Fatalf("invoice = %+v (lowest before %d)", got, lowest)
		}
	})

	t.Run("RefusesAnUnknownClient", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		wantHaloError(t, b.send(t, "POST", "/api/RecurringInvoice", b.token(t, "all"), []map[string]any{{"client_id": 99999}}),
			http.StatusBadRequest, "Please select a valid Client")
	})
}
