package run

import (
	"context"
	"fmt"
	"slices"

	"halobridge/internal/billing"
	"halobridge/internal/halo"
)

// billClient plans one client's invoice and, in a real run, applies the
// plan in the order the billing package's crash safety needs: the plan's
// ledger first, then the lines, then the ledger planned again against the
// invoice HaloPSA then holds.
func (s *Service) billClient(ctx context.Context, r *partnerRun, clientID int) (ClientResult, error) {
	cr := ClientResult{ClientID: clientID}
	led := r.ledger(clientID)
	name, err := r.clientName(ctx, clientID)
	if err != nil {
		return cr, err
	}
	cr.Name = name
	client := billing.Client{ID: clientID, Name: name}
	candidates, err := r.candidates(ctx, client, led)
	if err != nil {
		return cr, err
	}
	choice := billing.ChooseInvoice(r.policy.Policy, client, candidates, led, r.policy.Invoices[clientID])

	in := billing.PlanInput{
		Month: r.month, Invoice: billing.Invoice{ClientID: clientID}, Ledger: led, Quantities: r.quantities[clientID],
		Items: r.items, Policy: r.policy.Policy, Findings: append(choice.Findings, r.findings[clientID]...),
	}
	if choice.InvoiceID != 0 {
		if in.Invoice, err = r.invoice(ctx, choice.InvoiceID); err != nil {
			return cr, err
		}
	}
	plan, err := billing.PlanInvoice(in)
	if err != nil {
		return cr, fmt.Errorf("plan the invoice of client %d: %w", clientID, err)
	}
	cr.InvoiceID, cr.Changed, cr.Rows, cr.Findings, cr.Corrections = plan.InvoiceID, plan.Changed(), billing.Reconcile(plan), plan.Findings, plan.Corrections
	if choice.Create && cr.Changed {
		cr.CreateInvoice, cr.Reference = true, choice.Reference
	}
	if r.dryRun {
		return cr, nil
	}
	if cr.Changed {
		// The lines, then the invoice read back: taken from the budget
		// before anything is written, so that a client is never left half
		// billed for want of it.
		if ctx, err = r.hc.Reserve(ctx, clientWrites); err != nil {
			return cr, err
		}
	}
	if err := s.saveLedger(ctx, r, plan.Ledger, name, plan.Corrections); err != nil {
		return cr, err
	}
	if !cr.Changed {
		return cr, nil
	}
	id, err := r.send(ctx, plan, choice)
	if err != nil {
		return cr, err
	}
	cr.InvoiceID = id
	if in.Invoice, err = r.invoice(ctx, id); err != nil {
		return cr, err
	}
	in.Ledger = plan.Ledger
	after, err := billing.PlanInvoice(in)
	if err != nil {
		return cr, fmt.Errorf("plan the invoice of client %d again: %w", clientID, err)
	}
	if err := s.saveLedger(ctx, r, after.Ledger, name, after.Corrections); err != nil {
		return cr, err
	}
	if after.Changed() {
		return cr, fmt.Errorf("recurring invoice %d does not hold the lines halobridge sent: the next run compares them again", id)
	}
	return cr, nil
}

// clientWrites is what billing a changed client costs HaloPSA once it is
// planned: the lines (or the new invoice) and the invoice read back.
const clientWrites = 2

// send posts a plan's lines: the whole line set of the invoice, or a new
// invoice with them. It returns the invoice's id.
func (r *partnerRun) send(ctx context.Context, plan billing.Plan, choice billing.Choice) (int, error) {
	lines, err := haloLines(plan.Lines, r.haloItems)
	if err != nil {
		return 0, fmt.Errorf("lines of client %d: %w", plan.ClientID, err)
	}
	if plan.InvoiceID != 0 {
		if _, err := r.hc.SaveRecurringInvoiceLines(ctx, plan.InvoiceID, lines); err != nil {
			return 0, fmt.Errorf("write the lines of recurring invoice %d: %w", plan.InvoiceID, err)
		}
		return plan.InvoiceID, nil
	}
	created, err := r.hc.SaveRecurringInvoice(ctx, halo.RecurringInvoice{
		ClientID: plan.ClientID, Reference: choice.Reference, IsRecurringInvoice: true, Period: monthlyPeriod, Lines: lines,
	})
	if err != nil {
		return 0, fmt.Errorf("create the recurring invoice %q of client %d: %w", choice.Reference, plan.ClientID, err)
	}
	if created.ID == 0 {
		return 0, fmt.Errorf("HaloPSA created the recurring invoice %q of client %d without saying its id", choice.Reference, plan.ClientID)
	}
	return created.ID, nil
}

// invoice reads one recurring invoice with its lines.
func (r *partnerRun) invoice(ctx context.Context, id int) (billing.Invoice, error) {
	held, err := r.hc.RecurringInvoice(ctx, id)
	if err != nil {
		return billing.Invoice{}, fmt.Errorf("read recurring invoice %d: %w", id, err)
	}
	return invoiceOf(held)
}

// clientName is the client's name in HaloPSA: from its invoices when it has
// any, else asked.
func (r *partnerRun) clientName(ctx context.Context, clientID int) (string, error) {
	for _, inv := range r.invoices {
		if inv.ClientID == clientID && inv.ClientName != "" {
			return inv.ClientName, nil
		}
	}
	c, err := r.hc.Client(ctx, clientID)
	if err != nil {
		return "", fmt.Errorf("read HaloPSA client %d: %w", clientID, err)
	}
	return c.Name, nil
}

// candidates are the client's recurring invoices for ChooseInvoice. Their
// lines matter in one case only: in create mode, before halobridge knows the
// id of the invoice it created (a run stopped between creating it and
// recording it), the invoice is recognised by the lines it planned, so the
// client's invoices named after it are read whole.
func (r *partnerRun) candidates(ctx context.Context, client billing.Client, led billing.Ledger) ([]billing.Invoice, error) {
	var out []billing.Invoice
	for _, h := range r.invoices {
		if h.ClientID != client.ID {
			continue
		}
		if r.policy.Mode == billing.ModeCreate && led.InvoiceID == 0 && h.Reference == client.Name && slices.ContainsFunc(led.Lines, unseen) {
			inv, err := r.invoice(ctx, h.ID)
			if err != nil {
				return nil, err
			}
			out = append(out, inv)
			continue
		}
		inv, err := invoiceOf(h)
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, nil
}

// unseen reports whether an entry was planned but never seen on an invoice.
func unseen(e billing.Entry) bool { return e.LineID == 0 }
