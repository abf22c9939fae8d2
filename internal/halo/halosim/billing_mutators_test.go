package halosim

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestBillingMutators(t *testing.T) {
	t.Parallel()

	t.Run("GeneratingMovesLastCreatedAndNextCreationDateAsTheAPIShowsThem", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		inv := invoiceWithLines(t, b)
		if !b.sim.GenerateInvoice(inv.ID, time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("invoice %d did not generate", inv.ID)
		}
		r := b.send(t, http.MethodGet, fmt.Sprintf("/api/RecurringInvoice/%d", inv.ID), b.token(t, "all"), nil)
		got := decode[RecurringInvoice](t, r)
		if got.LastCreated != "2025-04-01T00:00:00" || got.NextCreationDate != "2025-05-01T00:00:00" {
			t.Errorf("after generating on 1 April: lastcreated %q, nextcreationdate %q", got.LastCreated, got.NextCreationDate)
		}
	})

	t.Run("ADisabledInvoiceDoesNotGenerate", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		inv := invoiceWithLines(t, b)
		b.sim.UpdateRecurringInvoice(inv.ID, func(r *RecurringInvoice) { r.Disabled = true })
		if b.sim.GenerateInvoice(inv.ID, time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)) {
			t.Error("a disabled invoice generated")
		}
		if got, _ := b.sim.RecurringInvoice(inv.ID); got.LastCreated != inv.LastCreated {
			t.Errorf("lastcreated went from %q to %q", inv.LastCreated, got.LastCreated)
		}
		if b.sim.GenerateInvoice(-9999, time.Now()) {
			t.Error("an unknown invoice generated")
		}
	})

	t.Run("LinesAddedByHandGetIDsAndAmounts", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		inv := invoiceWithLines(t, b)
		b.sim.UpdateRecurringInvoice(inv.ID, func(r *RecurringInvoice) {
			r.Lines = append(r.Lines[1:], InvoiceLine{ItemID: 1405, ItemShortDescription: "Managed Backup", QtyOrder: 2, UnitPrice: 25})
		})
		got, _ := b.sim.RecurringInvoice(inv.ID)
		if len(got.Lines) != len(inv.Lines) {
			t.Fatalf("%d lines, want %d", len(got.Lines), len(inv.Lines))
		}
		added := got.Lines[len(got.Lines)-1]
		if added.ID <= inv.Lines[len(inv.Lines)-1].ID || added.IHID != inv.ID || added.NetAmount != 50 {
			t.Errorf("added line: %+v", added)
		}
		if got.Lines[0].ID != inv.Lines[1].ID {
			t.Errorf("the first line left is %d, want %d", got.Lines[0].ID, inv.Lines[1].ID)
		}
	})

	t.Run("RenamingAnItemShowsInTheAPI", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		b.sim.UpdateItem(1401, func(it *Item) { it.Name = "Endpoint Protection" })
		got := decode[Item](t, b.send(t, http.MethodGet, "/api/Item/1401", b.token(t, "all"), nil))
		if got.Name != "Endpoint Protection" || got.RecurringPrice != 4.5 {
			t.Errorf("item 1401 after renaming: %+v", got)
		}
	})
}
