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
	// Written are the months whose usage is compared again at each plan,
	// to find corrections: every month a line still carries, and the
	// months written since correctionMonths before Compared.
	Written []WrittenMonth `json:"written,omitempty"`
	// Compared is Through as of the latest plan that compared them. A plan
	// that cannot (the invoice missing or disabled) leaves it, so that a
	// correction made meanwhile is still found once it can.
	Compared source.Month `json:"compared,omitzero"`
	// Carried are, per item, the differences corrections of months already
	// billed add to the item's line (or, negative, take off it) until the
	// invoice generates with them.
	Carried []Carry `json:"carried,omitempty"`
}

// correctionMonths is how far back usage corrections are looked for:
// months written up to this many months before the latest month planned
// (Ledger.Compared).
// Vendors correct a month in the weeks after it (a recount, a late
// subscription), and every month looked at is read again from its source
// at every run.
const correctionMonths = 3

// WrittenMonth is one month written to the client's invoice.
type WrittenMonth struct {
	Month source.Month `json:"month"`
	// Rules are ClientQuantities.Rules when the month was written.
	Rules string `json:"rules,omitempty"`
	// Billed is, per item, the quantity the month is billed at once no line
	// carries it any more: what the invoice billed, corrected since. An
	// item absent was billed nothing for the month.
	Billed map[int]float64 `json:"billed,omitempty"`
}

// Carry is what corrections add to one item's line.
type Carry struct {
	ItemID int `json:"item_id"`
	// Quantity is the difference still to bill; negative, a credit the
	// client is owed. A line never goes below 0, so a credit larger than
	// the line stays here until later months take it.
	Quantity float64 `json:"quantity"`
	// Corrections are the corrections the quantity comes from.
	Corrections []Correction `json:"corrections"`
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
	// Usage and Rounding are set when the usage was fractional: the figure
	// before rounding, and how it was rounded into Quantity.
	Usage    float64  `json:"usage,omitempty"`
	Rounding Rounding `json:"rounding,omitempty"`
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

// Reads lists the months whose usage a plan for m reads: the months due
// and every month whose usage is compared again for corrections.
func (l Ledger) Reads(m source.Month) []source.Month {
	due, _ := l.due(m)
	for _, w := range l.Written {
		due = append(due, w.Month)
	}
	for _, e := range l.Lines {
		due = append(due, e.monthList()...)
	}
	return sortedMonths(due)
}

// advanced is the ledger's Through after planning m (the zero month is
// before every month).
func (l Ledger) advanced(m source.Month) source.Month {
	if l.Through.Before(m) {
		return m
	}
	return l.Through
}
