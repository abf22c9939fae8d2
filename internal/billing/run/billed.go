package run

import (
	"context"
	"encoding/json"

	"halobridge/internal/billing"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// Billed is the quantity on the recurring invoices of each month billed:
// what the latest real run of the month that finished without error wrote.
func (s *Service) Billed(ctx context.Context, partnerID int64) (map[source.Month]float64, error) {
	runs, err := s.Store.BillingRuns(ctx, partnerID, 1000)
	if err != nil {
		return nil, err
	}
	billed := map[source.Month]float64{}
	for _, r := range runs {
		if _, seen := billed[r.Month]; !seen && !r.DryRun && !r.FinishedAt.IsZero() && r.Error == "" {
			// Runs are newest first.
			billed[r.Month] = ResultOf(r).Quantity()
		}
	}
	return billed, nil
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
