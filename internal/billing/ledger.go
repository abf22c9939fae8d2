package billing

import (
	"time"

	"halobridge/internal/source"
)

// Ledger is what halobridge wrote to one client's recurring invoice: plain
// data the store persists as it is and hands back to the next plan. It is the
// only memory billing has; HaloPSA's lines are compared against it, never
// trusted to say which lines are halobridge's.
type Ledger struct {
	ClientID int `json:"client_id"`
	// InvoiceID is the invoice the lines are on; 0 until HaloPSA has one.
	InvoiceID int `json:"invoice_id,omitempty"`
	// Through is the latest month planned; zero before the first plan, which
	// bills its own month only (billing never reaches back before it was on).
	Through source.Month `json:"through,omitzero"`
	// Pending are months up to Through that could not be written yet: usage
	// unavailable, item deleted, invoice missing or disabled. Each later plan
	// tries them again.
	Pending []source.Month `json:"pending,omitempty"`
	// Lines holds one entry per item halobridge bills on the invoice.
	Lines []Entry `json:"lines,omitempty"`
}

// Entry is one line halobridge owns: per (client, invoice, item).
type Entry struct {
	ItemID int `json:"item_id"`
	// LineID is HaloPSA's id of the line; 0 while the line has been planned
	// but HaloPSA has not yet been seen holding it.
	LineID   int     `json:"line_id,omitempty"`
	Name     string  `json:"name"`
	Quantity float64 `json:"quantity"`
	// Months the line carries now (written, not yet invoiced), each with the
	// quantity it was written with.
	Months []MonthQuantity `json:"months,omitempty"`
	// LastCreated is the invoice's lastcreated when the months were written:
	// once HaloPSA's is later, the invoice has billed them.
	LastCreated time.Time `json:"last_created,omitzero"`
}

// MonthQuantity is the quantity one month contributed to a line.
type MonthQuantity struct {
	Month    source.Month `json:"month"`
	Quantity float64      `json:"quantity"`
}

func (e Entry) monthList() []source.Month {
	ms := make([]source.Month, len(e.Months))
	for i, mq := range e.Months {
		ms[i] = mq.Month
	}
	return ms
}

// due splits the months a plan for m looks at: those to write now (pending
// ones up to m and every month after Through up to m) and pending months
// after m, which a plan for an earlier month leaves alone.
func (l Ledger) due(m source.Month) (due, later []source.Month) {
	for _, p := range l.Pending {
		if m.Before(p) {
			later = append(later, p)
		} else {
			due = append(due, p)
		}
	}
	start := m
	if l.Through != (source.Month{}) {
		start = l.Through.Next()
	}
	for x := start; !m.Before(x); x = x.Next() {
		due = append(due, x)
	}
	return sortedMonths(due), later
}

// advanced is the ledger's Through after planning m (the zero month is
// before every month).
func (l Ledger) advanced(m source.Month) source.Month {
	if l.Through.Before(m) {
		return m
	}
	return l.Through
}
