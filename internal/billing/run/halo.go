package run

import (
	"encoding/json"
	"fmt"
	"time"

	"halobridge/internal/billing"
	"halobridge/internal/halo"
)

// monthlyPeriod is the schedule period HaloPSA shows on a monthly recurring
// invoice. HaloPSA does not document the values; 2 is what a real monthly
// invoice carries (reference/halopsa/API.md §5.2).
const monthlyPeriod = 2

// noDate is how HaloPSA writes "no date" (the OLE epoch).
const noDate = "1899-12-30T00:00:00"

// haloTime reads a HaloPSA date: ISO 8601 without a zone, taken as UTC;
// "" and noDate are the zero time.
func haloTime(s string) (time.Time, error) {
	if s == "" || s == noDate {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("HaloPSA date %q is not ISO 8601", s)
}

// invoiceOf turns a HaloPSA recurring invoice into billing's. Lines keep
// every field HaloPSA sent, so lines halobridge does not own go back as
// they came. An unreadable lastcreated is an error, not "never generated":
// taken as never generated, months already invoiced would stay on the line
// and be invoiced again.
func invoiceOf(r halo.RecurringInvoice) (billing.Invoice, error) {
	last, err := haloTime(r.LastCreated)
	if err != nil {
		return billing.Invoice{}, fmt.Errorf("recurring invoice %d lastcreated: %w", r.ID, err)
	}
	inv := billing.Invoice{
		ID: r.ID, ClientID: r.ClientID, Reference: r.Reference, Monthly: r.Period == monthlyPeriod,
		Disabled: r.Disabled, LastCreated: last,
	}
	for _, l := range r.Lines {
		raw, err := json.Marshal(l)
		if err != nil {
			return billing.Invoice{}, fmt.Errorf("line %d of recurring invoice %d: %w", l.ID, r.ID, err)
		}
		var line billing.Line
		if err := json.Unmarshal(raw, &line); err != nil {
			return billing.Invoice{}, fmt.Errorf("line %d of recurring invoice %d: %w", l.ID, r.ID, err)
		}
		inv.Lines = append(inv.Lines, line)
	}
	return inv, nil
}

// haloLines turns a plan's lines into what the HaloPSA client posts. A line
// halobridge adds gets its item's price, cost and codes, as HaloPSA's own
// screens fill them in, so that a new line bills at the item's price until
// the partner sets another on the line.
func haloLines(lines []billing.Line, items map[int]halo.Item) ([]halo.InvoiceLine, error) {
	out := make([]halo.InvoiceLine, 0, len(lines))
	for _, l := range lines {
		raw, err := l.MarshalJSON()
		if err != nil {
			return nil, err
		}
		var hl halo.InvoiceLine
		if err := json.Unmarshal(raw, &hl); err != nil {
			return nil, fmt.Errorf("line for item %d: %w", l.ItemID, err)
		}
		if it, ok := items[l.ItemID]; ok && l.ID == 0 {
			hl.ItemCode, hl.NominalCode = it.AccountsID, it.NominalCode
			hl.UnitPrice, hl.UnitCost = it.BasePrice, it.CostPrice
			if it.IsRecurringItem {
				hl.UnitPrice, hl.UnitCost = it.RecurringPrice, it.RecurringCost
			}
		}
		out = append(out, hl)
	}
	return out, nil
}

// itemsOf keys HaloPSA's items by id as billing reads them. An item HaloPSA
// no longer lists is absent, which billing reports as deleted.
func itemsOf(list []halo.Item) (map[int]billing.Item, map[int]halo.Item) {
	items, full := make(map[int]billing.Item, len(list)), make(map[int]halo.Item, len(list))
	for _, it := range list {
		items[it.ID] = billing.Item{ID: it.ID, Name: it.Name}
		full[it.ID] = it
	}
	return items, full
}
