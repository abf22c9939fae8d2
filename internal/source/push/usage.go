package push

import (
	"fmt"
	"math"

	"halobridge/internal/source"
)

type usageItem struct {
	CustomerID       string   `json:"customer_id"`
	Month            string   `json:"month"`
	Product          string   `json:"product"`
	Quantity         *float64 `json:"quantity"`
	IncludesChildren bool     `json:"includes_children"`
}

// ParseUsage reads the body of PUT /api/push/v1/usage: an array of {customer_id, month
// "YYYY-MM", product, quantity, includes_children?}. A quantity is a number from 0 to
// source.MaxQuantity, so that billing's sums of them stay finite; a customer, month and
// product may appear once per call, and a later call replaces the figure.
func ParseUsage(body []byte) ([]source.Usage, error) {
	out, err := parseUsage(body)
	return out, asError(err)
}

func parseUsage(body []byte) ([]source.Usage, *Error) {
	if err := checkBody(body); err != nil {
		return nil, err
	}
	items, err := list(body, "usage")
	if err != nil {
		return nil, err
	}
	type cell struct {
		customer, product string
		month             source.Month
	}
	seen := map[cell]int{}
	out := make([]source.Usage, 0, len(items))
	for i, raw := range items {
		at := fmt.Sprintf("usage[%d]", i)
		var it usageItem
		if err := decodeStrict(raw, at, &it); err != nil {
			return nil, err
		}
		customer, e1 := text(at+".customer_id", it.CustomerID, 200, true)
		product, e2 := text(at+".product", it.Product, 200, true)
		rawMonth, e3 := text(at+".month", it.Month, 7, true)
		if err := firstError(e1, e3, e2); err != nil {
			return nil, err
		}
		month, perr := source.ParseMonth(rawMonth)
		if perr != nil || month.Year < 2000 || month.Year > 2999 {
			return nil, fieldError(CodeInvalidValue, at+".month", "%q is not a month as YYYY-MM", rawMonth)
		}
		if it.Quantity == nil {
			return nil, fieldError(CodeRequired, at+".quantity", "is required")
		}
		switch q := *it.Quantity; {
		case q < 0 || math.IsNaN(q):
			return nil, fieldError(CodeInvalidValue, at+".quantity", "must be zero or more")
		case q > source.MaxQuantity:
			return nil, fieldError(CodeInvalidValue, at+".quantity", "is %g; at most %.0f is accepted", q, source.MaxQuantity)
		}
		k := cell{customer, product, month}
		if j, dup := seen[k]; dup {
			return nil, fieldError(CodeDuplicate, at, "repeats usage[%d]: one quantity per customer, month and product", j)
		}
		seen[k] = i
		out = append(out, source.Usage{CustomerID: customer, Month: month, Product: product, Quantity: *it.Quantity, IncludesChildren: it.IncludesChildren})
	}
	return out, nil
}
