package run

import (
	"context"
	"encoding/json"
	"maps"
	"math"
	"slices"

	"halobridge/internal/billing"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// ItemBilled is what the real runs wrote on the lines of one HaloPSA item,
// month by month: the quantities of the latest run of each month that
// finished without error.
type ItemBilled struct {
	ItemID int
	// Name is the name on the item's line in the newest run (with the
	// billing period when the policy adds it).
	Name string
	// Products are the products billed under the item, whose Unit says
	// what the quantities count.
	Products []billing.Product
	Months   map[source.Month]float64
	// Fractional says a month's quantity was not a whole number, or came
	// from a fractional usage.
	Fractional bool
}

// Billed is what the latest real run of each month that finished without
// error wrote on the recurring invoices: the quantity of the month in all
// (whatever each line counts), and item by item in the order of the
// items' ids.
func (s *Service) Billed(ctx context.Context, partnerID int64) (totals map[source.Month]float64, byItem []ItemBilled, err error) {
	runs, err := s.Store.BillingRuns(ctx, partnerID, 1000)
	if err != nil {
		return nil, nil, err
	}
	totals = map[source.Month]float64{}
	items := map[int]*ItemBilled{}
	for _, r := range runs { // newest first
		if _, seen := totals[r.Month]; seen || r.DryRun || r.FinishedAt.IsZero() || r.Error != "" {
			continue
		}
		res := ResultOf(r)
		totals[r.Month] = res.Quantity()
		for _, c := range res.Clients {
			for _, row := range c.Rows {
				if row.Finding != "" || row.ItemID == 0 {
					continue
				}
				it := items[row.ItemID]
				if it == nil {
					it = &ItemBilled{ItemID: row.ItemID, Name: row.Name, Months: map[source.Month]float64{}}
					for _, p := range res.ProductsOf(row.ItemID) {
						it.Products = append(it.Products, p.Product)
					}
					items[row.ItemID] = it
				}
				it.Months[r.Month] += row.Quantity
				it.Fractional = it.Fractional || row.Rounding != "" || row.Quantity != math.Trunc(row.Quantity)
			}
		}
	}
	byItem = make([]ItemBilled, 0, len(items))
	for _, id := range slices.Sorted(maps.Keys(items)) {
		byItem = append(byItem, *items[id])
	}
	return totals, byItem, nil
}

// ResultOf reads what a recorded run did; a run without a readable result
// did nothing that shows.
func ResultOf(r store.BillingRun) Result {
	var res Result
	if len(r.Result) > 0 && json.Unmarshal(r.Result, &res) != nil {
		return Result{}
	}
	return res
}

// Quantity adds up the quantities of the lines halobridge keeps, over
// every client of the run.
func (r Result) Quantity() float64 {
	total := 0.0
	for _, c := range r.Clients {
		total += LineQuantity(c.Rows)
	}
	return total
}

// LineQuantity adds up the quantities of the lines halobridge keeps.
func LineQuantity(rows []billing.Row) float64 {
	total := 0.0
	for _, r := range rows {
		if r.Finding == "" {
			total += r.Quantity
		}
	}
	return total
}
