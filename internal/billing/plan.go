package billing

import (
	"cmp"
	"fmt"
	"slices"

	"halobridge/internal/source"
)

// ChangeKind is what a plan does to one line.
type ChangeKind string

const (
	ChangeAdd         ChangeKind = "add"
	ChangeSetQuantity ChangeKind = "set_quantity" // the name may change with it
	ChangeRename      ChangeKind = "rename"
	ChangeLeave       ChangeKind = "leave"
)

// Change is the decision for one line, with the reason a person reads in the
// dry run.
type Change struct {
	Kind   ChangeKind `json:"kind"`
	LineID int        `json:"line_id,omitempty"` // 0 for a line to add
	ItemID int        `json:"item_id"`
	// Owned is false for a line halobridge did not create; those are always left.
	Owned   bool           `json:"owned"`
	Months  []source.Month `json:"months,omitempty"`
	OldQty  float64        `json:"old_qty"`
	NewQty  float64        `json:"new_qty"`
	OldName string         `json:"old_name,omitempty"`
	NewName string         `json:"new_name"`
	// Usage is, when a month on the line had a fractional usage, the usage
	// of the line's months before rounding, and Rounding how it was
	// rounded; 0 and "" otherwise.
	Usage    float64  `json:"usage,omitempty"`
	Rounding Rounding `json:"rounding,omitempty"`
	Reason   string   `json:"reason"`
}

// PlanInput is everything a plan for one client looks at.
type PlanInput struct {
	// Month is the month being billed; it must be complete.
	Month source.Month
	// Invoice is the invoice from ChooseInvoice as HaloPSA holds it now, every
	// line included; Invoice{ClientID: id} when the choice is to create one or
	// there is none.
	Invoice Invoice
	// Ledger is the client's ledger from the last plan; Ledger{ClientID: id}
	// for a client never billed.
	Ledger     Ledger
	Quantities ClientQuantities
	Items      map[int]Item
	Policy     Policy
	// Findings made before planning (ChooseInvoice's) are reported with the
	// plan, so that a dry run shows everything about the client in one place.
	Findings []Finding
}

// Plan is the decision for one client.
type Plan struct {
	ClientID  int          `json:"client_id"`
	InvoiceID int          `json:"invoice_id"`
	Month     source.Month `json:"month"`
	Changes   []Change     `json:"changes"`
	Lines     []Line       `json:"lines"` // the full line set to send
	Ledger    Ledger       `json:"ledger"`
	Findings  []Finding    `json:"findings,omitempty"`
	// Corrections are the usage corrections of months written before that
	// the plan found, and what it did with each.
	Corrections []Correction `json:"corrections,omitempty"`
}

// Changed reports whether Lines differ from what HaloPSA holds, that is
// whether there is anything to send. The ledger is persisted either way.
func (p Plan) Changed() bool {
	return slices.ContainsFunc(p.Changes, func(c Change) bool { return c.Kind != ChangeLeave })
}

// PlanInvoice decides the line changes that bill a client's due months on its
// invoice; the package documentation gives the rules. Planning again with the
// ledger it returns and the invoice as HaloPSA then holds it changes nothing.
// The error is for input that cannot be planned: a line HaloPSA sent that is
// not a JSON object.
func PlanInvoice(in PlanInput) (Plan, error) {
	inv := in.Invoice
	pl := Plan{ClientID: cmp.Or(in.Ledger.ClientID, inv.ClientID), InvoiceID: inv.ID, Month: in.Month, Findings: slices.Clone(in.Findings)}
	due, later := in.Ledger.due(in.Month)
	led := in.Ledger
	led.ClientID = pl.ClientID
	led.Through = in.Ledger.advanced(in.Month)
	carry := func(months []source.Month) {
		led.Pending = nil
		if all := append(slices.Clone(months), later...); len(all) > 0 {
			led.Pending = sortedMonths(all)
		}
	}

	switch {
	case inv.ID == 0 && in.Policy.Mode != ModeCreate:
		if !slices.ContainsFunc(pl.Findings, isInvoiceFinding) {
			pl.Findings = append(pl.Findings, Finding{Kind: FindingInvoiceMissing, ClientID: pl.ClientID, Months: due, Message: fmt.Sprintf(
				"Client %d has no recurring invoice for halobridge to write to: months are carried until it has one.", pl.ClientID)})
		}
		carry(due)
		pl.Ledger = led
		return pl, nil
	case inv.Disabled:
		pl.Findings = append(pl.Findings, Finding{Kind: FindingInvoiceDisabled, ClientID: pl.ClientID, InvoiceID: inv.ID, Months: due, Message: fmt.Sprintf(
			"Recurring invoice %d is disabled in HaloPSA: halobridge leaves it as it is and carries %s until it is enabled again (or billing is switched off for the client).", inv.ID, describeMonths(due))})
		carry(due)
		pl.Ledger = led
		for _, l := range inv.Lines {
			pl.Changes = append(pl.Changes, leave(l, in.Ledger, "the invoice is disabled"))
			pl.Lines = append(pl.Lines, l)
		}
		return pl, nil
	}

	// Corrections are looked for back from the month after the last plan
	// that looked for them: a plan that could not leaves the window where
	// it was.
	p := planner{in: in, inv: inv, clientID: pl.ClientID, include: in.Policy.IncludePeriodInName, cutoff: led.Through}
	if c := in.Ledger.Compared; c != (source.Month{}) && c.Next().Before(led.Through) {
		p.cutoff = c.Next()
	}
	led.Compared = led.Through
	for range correctionMonths {
		p.cutoff = p.cutoff.Prev()
	}
	p.load(in.Ledger)
	entries := slices.Clone(in.Ledger.Lines)
	if in.Ledger.InvoiceID != 0 && in.Ledger.InvoiceID != inv.ID {
		if inv.ID != 0 {
			pl.Findings = append(pl.Findings, Finding{Kind: FindingInvoiceChanged, ClientID: pl.ClientID, InvoiceID: inv.ID, Message: fmt.Sprintf(
				"halobridge now bills client %d on recurring invoice %d instead of %d; the lines it wrote on %d are no longer updated: delete them there if that invoice still generates.",
				pl.ClientID, inv.ID, in.Ledger.InvoiceID, in.Ledger.InvoiceID)})
		}
		// The old invoice's lines count as billed, as a deleted line does:
		// billing their months twice is the worse mistake, and a
		// correction of them is still carried.
		for _, e := range entries {
			p.billLine(e)
		}
		entries = nil
	}
	led.InvoiceID = inv.ID

	p.split(due)
	p.checkItems()
	carry(p.carried)
	if err := p.decide(entries); err != nil {
		return Plan{}, err
	}
	pl.Changes, pl.Lines, led.Lines = p.changes, p.lines, p.entries
	led.Written, led.Carried = p.finish()
	pl.Findings = append(pl.Findings, p.findings...)
	pl.Corrections = p.corrections
	pl.Ledger = led
	return pl, nil
}

// usageOf is the usage of a line's months before rounding and the rounding
// applied, when any month's usage was fractional.
func usageOf(ms []MonthQuantity) (float64, Rounding) {
	var usage float64
	var rule Rounding
	for _, mq := range ms {
		if mq.Rounding == "" {
			usage += mq.Quantity
			continue
		}
		usage += mq.Usage
		if rule == "" {
			rule = mq.Rounding
		}
	}
	if rule == "" {
		return 0, ""
	}
	return roundQty(usage), rule
}

func isInvoiceFinding(f Finding) bool {
	return f.Kind == FindingInvoiceMissing || f.Kind == FindingInvoiceAmbiguous
}
