package billing

import (
	"cmp"
	"strconv"

	"halobridge/internal/source"
)

// Row is one line of the dry run: for a line, halobridge's quantity against
// the one HaloPSA holds now, the change and why; for a finding, its kind and
// message.
type Row struct {
	ClientID     int            `json:"client_id"`
	InvoiceID    int            `json:"invoice_id"`
	LineID       int            `json:"line_id,omitempty"`
	ItemID       int            `json:"item_id,omitempty"`
	Name         string         `json:"name,omitempty"` // the line's name after the run
	Months       []source.Month `json:"months,omitempty"`
	HaloQuantity float64        `json:"halo_quantity"`
	Quantity     float64        `json:"quantity"` // after the run
	// Usage and Rounding are set when the usage of a month on the line was
	// fractional: the usage before rounding and how it was rounded.
	Usage    float64     `json:"usage,omitempty"`
	Rounding Rounding    `json:"rounding,omitempty"`
	Change   ChangeKind  `json:"change,omitempty"`
	Finding  FindingKind `json:"finding,omitempty"`
	Reason   string      `json:"reason"`
}

// Reconcile lays a plan out for the dry run: one row per line of the invoice
// after the run, in the order the lines are sent, then one per finding. It
// reads the plan only, so what it shows is exactly what applying the plan does.
func Reconcile(p Plan) []Row {
	rows := make([]Row, 0, len(p.Changes)+len(p.Findings))
	for _, c := range p.Changes {
		rows = append(rows, Row{
			ClientID: p.ClientID, InvoiceID: p.InvoiceID, LineID: c.LineID, ItemID: c.ItemID, Name: c.NewName, Months: c.Months,
			HaloQuantity: c.OldQty, Quantity: c.NewQty, Usage: c.Usage, Rounding: c.Rounding, Change: c.Kind, Reason: c.Reason,
		})
	}
	for _, f := range p.Findings {
		rows = append(rows, Row{
			ClientID: p.ClientID, InvoiceID: cmp.Or(f.InvoiceID, p.InvoiceID), LineID: f.LineID, ItemID: f.ItemID, Months: f.Months,
			Finding: f.Kind, Reason: f.Message,
		})
	}
	return rows
}

// UsageText shows a fractional usage beside the quantity billed for it:
// "1.9 rounded up", "1.8 as a decimal"; "" for whole numbers.
func (r Row) UsageText() string {
	switch r.Rounding {
	case "":
		return ""
	case RoundDecimal:
		return qty(r.Usage) + " as a decimal"
	case RoundNearest:
		return qty(r.Usage) + " rounded to nearest"
	}
	return qty(r.Usage) + " rounded " + string(r.Rounding)
}

func qty(q float64) string { return strconv.FormatFloat(q, 'f', -1, 64) }
