package billing

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Client is the HaloPSA client a plan is for.
type Client struct {
	ID   int
	Name string
}

// Invoice is a HaloPSA recurring invoice as billing needs it.
type Invoice struct {
	ID        int // negative in HaloPSA; 0 for one not created yet
	ClientID  int
	Reference string
	// Monthly is true when the invoice's schedule is monthly; the HaloPSA
	// client decides it from the schedule.
	Monthly     bool
	Disabled    bool
	LastCreated time.Time // zero when the invoice never generated
	Lines       []Line
}

// Choice is the invoice a client's lines go on.
type Choice struct {
	// InvoiceID is the HaloPSA invoice to plan against; 0 with Create false
	// means there is none, and the client's months are carried.
	InvoiceID int
	// Create asks for a new invoice named Reference: plan against
	// Invoice{ClientID: client.ID} and create it with the planned lines.
	Create    bool
	Reference string
	Findings  []Finding
}

// InvoiceOptions lists the invoices append mode may use for a client: its
// enabled Monthly recurring invoices, the only ones a partner is offered, in
// the order HaloPSA created them (recurring invoice ids count down).
func InvoiceOptions(clientID int, invoices []Invoice) []Invoice {
	var out []Invoice
	for _, inv := range invoices {
		if inv.ClientID == clientID && inv.Monthly && !inv.Disabled {
			out = append(out, inv)
		}
	}
	slices.SortFunc(out, func(a, b Invoice) int { return cmp.Compare(b.ID, a.ID) })
	return out
}

// ChooseInvoice picks the invoice for a client by the policy's mode.
// invoices are the recurring invoices HaloPSA holds (with their lines);
// chosen is the invoice a partner picked for the client in append mode, 0 for
// none.
//
// Append mode uses the chosen invoice, else the one halobridge used before,
// else the client's only option; several options and no choice, or none at
// all, are reported and the client's months are carried. Create mode keeps
// the invoice halobridge created; if the partner deleted it, a new one is
// created and the deletion reported. Before halobridge knows its invoice's id
// (a crash between creating the invoice and recording it), the client's
// invoice named after it that holds a line the ledger planned is taken as
// halobridge's, so a second invoice is never created.
func ChooseInvoice(p Policy, client Client, invoices []Invoice, l Ledger, chosen int) Choice {
	find := func(id int) (Invoice, bool) {
		i := slices.IndexFunc(invoices, func(inv Invoice) bool { return inv.ID == id && inv.ClientID == client.ID })
		if i < 0 {
			return Invoice{}, false
		}
		return invoices[i], true
	}
	missing := func(msg string, args ...any) Finding {
		return Finding{Kind: FindingInvoiceMissing, ClientID: client.ID, Message: fmt.Sprintf(msg, args...)}
	}

	if p.Mode == ModeCreate {
		if l.InvoiceID != 0 {
			if _, ok := find(l.InvoiceID); ok {
				return Choice{InvoiceID: l.InvoiceID}
			}
			return Choice{Create: true, Reference: client.Name, Findings: []Finding{missing(
				"The recurring invoice %d halobridge created for %s was deleted in HaloPSA; halobridge creates a new one. Months it held that were not yet invoiced are not billed again.",
				l.InvoiceID, client.Name)}}
		}
		for _, inv := range invoices {
			if inv.ClientID == client.ID && inv.Reference == client.Name && holdsPlannedLine(inv, l) {
				return Choice{InvoiceID: inv.ID}
			}
		}
		return Choice{Create: true, Reference: client.Name}
	}

	var findings []Finding
	if chosen != 0 {
		inv, ok := find(chosen)
		if ok && inv.Monthly {
			return Choice{InvoiceID: chosen}
		}
		findings = append(findings, missing(
			"The recurring invoice %d chosen for %s is no longer a Monthly recurring invoice assigned to it in HaloPSA: choose another.", chosen, client.Name))
	} else if l.InvoiceID != 0 {
		if inv, ok := find(l.InvoiceID); ok && inv.Monthly {
			return Choice{InvoiceID: l.InvoiceID}
		}
	}
	options := InvoiceOptions(client.ID, invoices)
	switch {
	case chosen != 0:
		return Choice{Findings: findings}
	case len(options) == 1:
		return Choice{InvoiceID: options[0].ID}
	case len(options) == 0:
		return Choice{Findings: []Finding{missing(
			"%s has no Monthly recurring invoice assigned to it in HaloPSA: create one (or assign one to the client) and billing resumes with the months carried until then.", client.Name)}}
	}
	ids := make([]int, len(options))
	for i, inv := range options {
		ids[i] = inv.ID
	}
	return Choice{Findings: []Finding{{Kind: FindingInvoiceAmbiguous, ClientID: client.ID, Message: fmt.Sprintf(
		"%s has several Monthly recurring invoices (%v): choose the one halobridge writes to.", client.Name, ids)}}}
}

// holdsPlannedLine reports whether an invoice holds a line the ledger planned
// but never saw HaloPSA hold.
func holdsPlannedLine(inv Invoice, l Ledger) bool {
	for _, e := range l.Lines {
		if e.LineID != 0 {
			continue
		}
		for _, line := range inv.Lines {
			if line.ItemID == e.ItemID && line.Name == e.Name && sameQty(line.Quantity, e.Quantity) {
				return true
			}
		}
	}
	return false
}
