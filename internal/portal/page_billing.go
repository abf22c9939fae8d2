package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"halobridge/internal/billing"
	"halobridge/internal/billing/run"
	"halobridge/internal/connect"
	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// billingMonths is how many complete months a person can dry-run or bill
// from the page, and the chart shows.
const (
	billingMonths = 6
	chartMonths   = 12
)

// billingView is the billing page: the policy, what the last real run
// wrote beside the last dry run, the last runs, the quantities billed and
// the history of usage corrected after it was billed.
type billingView struct {
	Policy      *billingSummary
	Months      []option
	Runs        []billingRunRow
	Corrections []store.BillingCorrection
	// Billed is the last real run, or the run chosen from the list;
	// DryRun the last dry run. Each is nil when there is none.
	Billed *billedView
	DryRun *dryRunView
	Charts []productChart
	// ChartEmpty says why there is no chart yet.
	ChartEmpty string
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
	var chosen int64
	if q := r.URL.Query().Get("run"); q != "" {
		id, err := strconv.ParseInt(q, 10, 64)
		if err != nil || id <= 0 {
			h.fail(w, r, fmt.Errorf("billing run %q: %w", outbound.Excerpt(q), store.ErrNotFound))
			return
		}
		chosen = id
	}
	v, err := h.billingView(r.Context(), callerOf(r).partnerID, chosen)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, viewBilling, "Billing", "billing", v)
}

// billingView is the page; chosen, when not 0, is the run shown instead of
// the latest of its kind.
func (h *handler) billingView(ctx context.Context, partnerID, chosen int64) (*billingView, error) {
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
	items, err := h.itemNames(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	root, err := h.deps.Halo.Root(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	dry, real := latestRun(runs, true), latestRun(runs, false)
	if chosen != 0 {
		rec, err := h.deps.Store.BillingRun(ctx, partnerID, chosen)
		if err != nil {
			return nil, err
		}
		if rec.DryRun {
			dry = &rec
		} else {
			real = &rec
		}
	}
	if dry != nil {
		d := newDryRunView(run.ResultOf(*dry), root, items)
		d.Month = monthLabel(dry.Month)
		v.DryRun = &d
	}
	if real != nil {
		b := newBilledView(*real, root, items)
		v.Billed = &b
	}
	if v.Charts, err = h.billedCharts(ctx, partnerID); err != nil {
		return nil, err
	}
	v.ChartEmpty = billedEmpty
	return v, nil
}

// billedEmpty is what the place of the billed charts says before anything
// was billed.
const billedEmpty = "Nothing billed yet: the first quantities appear after the first billing run."

// billedCharts are the charts of the quantities billed, one per item.
func (h *handler) billedCharts(ctx context.Context, partnerID int64) ([]productChart, error) {
	_, billed, err := h.deps.Billing.Billed(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	items, err := h.itemNames(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	return productCharts(billed, items, source.MonthOf(h.deps.Now().UTC()).Prev(), chartMonths), nil
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
	names, err := h.itemNames(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	for key, rule := range p.Products {
		if rule.ItemID == 0 {
			continue
		}
		s.Products = append(s.Products, productItem{Product: billing.Describe(source.GravityZone, key).Name, Item: itemName(names, rule.ItemID)})
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
