package portal

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"halobridge/internal/billing"
	"halobridge/internal/billing/run"
	"halobridge/internal/connect"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// billingMonths is how many complete months a person can dry-run or bill
// from the page, and the chart shows.
const (
	billingMonths = 6
	chartMonths   = 12
)

// billingView is the billing page: the policy, the dry run, the last runs
// and the history of usage corrected after it was billed.
type billingView struct {
	Policy      *billingSummary
	Months      []option
	Runs        []billingRunRow
	Corrections []store.BillingCorrection
	Chart       chart
}

// billingCorrections is how many of the latest corrections the page shows;
// the JSON API and the CLI list more.
const billingCorrections = 20

type billingSummary struct {
	HasGravityZone bool
	Mode           string
	Basis          string
	IncludePeriod  bool
	BillDay        int
	Products       []productItem
	Rounding       []roundingItem
}

// roundingItem says how one source's fractional quantities are billed.
type roundingItem struct {
	Source, Rule string
	Default      bool
}

type productItem struct {
	Product, Item string
}

// billingRunRow is one run of the history with what it did in numbers.
type billingRunRow struct {
	store.BillingRun
	Clients, Changed, Failed int
	Quantity                 float64
}

func (h *handler) billingPage(w http.ResponseWriter, r *http.Request) {
	v, err := h.billingView(r.Context(), callerOf(r).partnerID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, viewBilling, "Billing", "billing", v)
}

func (h *handler) billingView(ctx context.Context, partnerID int64) (*billingView, error) {
	v := &billingView{}
	policy, err := h.deps.Billing.Policy(ctx, partnerID)
	switch {
	case errors.Is(err, run.ErrNoPolicy):
	case err != nil:
		return nil, err
	default:
		if v.Policy, err = h.billingSummary(ctx, partnerID, policy); err != nil {
			return nil, err
		}
	}
	last := source.MonthOf(h.deps.Now().UTC()).Prev()
	if v.Policy != nil {
		last = policy.DueMonth(h.deps.Now().UTC())
	}
	m := last
	for range billingMonths {
		v.Months = append(v.Months, option{Value: m.String(), Label: monthLabel(m), Selected: m == last})
		m = m.Prev()
	}
	runs, err := h.deps.Store.BillingRuns(ctx, partnerID, 20)
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		v.Runs = append(v.Runs, runRow(r))
	}
	if v.Corrections, err = h.deps.Store.BillingCorrections(ctx, partnerID, billingCorrections); err != nil {
		return nil, err
	}
	billed, err := h.deps.Billing.Billed(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	v.Chart = billedChart(billed, source.MonthOf(h.deps.Now().UTC()).Prev(), chartMonths)
	return v, nil
}

// runRow counts what a billing run did.
func runRow(r store.BillingRun) billingRunRow {
	row := billingRunRow{BillingRun: r}
	for _, c := range run.ResultOf(r).Clients {
		row.Clients++
		if c.Changed {
			row.Changed++
		}
		if c.Error != "" {
			row.Failed++
		}
		row.Quantity += run.LineQuantity(c.Rows)
	}
	return row
}

func monthLabel(m source.Month) string { return m.Start().Format("January 2006") }

func (h *handler) billingSummary(ctx context.Context, partnerID int64, p run.Policy) (*billingSummary, error) {
	s := &billingSummary{Mode: string(p.Mode), Basis: string(p.SeatBasis()), IncludePeriod: p.IncludePeriodInName, BillDay: p.Day()}
	kinds, err := h.sourceKinds(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	s.HasGravityZone = slices.Contains(kinds, source.GravityZone)
	for _, kind := range kinds {
		if kind == source.GravityZone || slices.ContainsFunc(s.Rounding, func(r roundingItem) bool { return r.Source == connect.KindName(kind) }) {
			continue // GravityZone counts whole endpoints
		}
		_, set := p.Rounding[kind]
		s.Rounding = append(s.Rounding, roundingItem{Source: connect.KindName(kind), Rule: roundingWords(p.RoundingOf(kind)), Default: !set})
	}
	items, err := h.deps.Store.Catalog(ctx, partnerID, store.KindItem)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, it := range items {
		names[it.HaloID] = it.Name
	}
	for key, rule := range p.Products {
		if rule.ItemID == 0 {
			continue
		}
		id := strconv.Itoa(rule.ItemID)
		item := names[id]
		if item == "" {
			item = "item " + id
		}
		s.Products = append(s.Products, productItem{Product: billing.Describe(source.GravityZone, key).Name, Item: item})
	}
	slices.SortFunc(s.Products, func(a, b productItem) int { return strings.Compare(a.Product, b.Product) })
	return s, nil
}

// roundingWords says a rounding as the billing page shows it.
func roundingWords(r billing.Rounding) string {
	switch r {
	case billing.RoundUp:
		return "rounded up to whole licences"
	case billing.RoundNearest:
		return "rounded to the nearest whole licence"
	case billing.RoundDown:
		return "rounded down to whole licences"
	}
	return "billed as a decimal quantity"
}
