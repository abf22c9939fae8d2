package billing

import (
	"fmt"
	"math"
	"time"

	"halobridge/internal/source"
)

// Mode says which recurring invoice a client's lines go on.
type Mode string

const (
	// ModeCreate: halobridge creates one monthly recurring invoice per client,
	// named after the client, and writes only there.
	ModeCreate Mode = "create"
	// ModeAppend: halobridge writes to one of the client's existing Monthly
	// recurring invoices assigned to that client; without one it reports the
	// client and carries its months.
	ModeAppend Mode = "append"
)

// Basis says how GravityZone endpoints are counted. endpointMonthlyUsage and
// the package counters (aLaCarte, mspSecure…) count the same seats, so only
// one of the two is ever billed.
type Basis string

const (
	// BasisPackage bills the package counters: endpoints split by protection
	// model. It is the default because Bitdefender's own integration makes a
	// HaloPSA item mandatory for every protection model.
	BasisPackage Basis = "package"
	// BasisEndpoint bills endpointMonthlyUsage: every endpoint, whatever its
	// protection model.
	BasisEndpoint Basis = "endpoint"
)

// counters names what a basis bills, for messages.
func (b Basis) counters() string {
	if b == BasisEndpoint {
		return "endpointMonthlyUsage"
	}
	return "the package counters"
}

const defaultBillDay = 2

// Rounding says how a client's fractional monthly use of a product is
// billed. HaloPSA keeps a line's quantity (qty_order) as a decimal number, so
// every rounding is a choice of the partner's, not a limit of HaloPSA's.
type Rounding string

const (
	// RoundDecimal bills the quantity as the source counts it, to two
	// decimals. It is the default for every source: DefensX counts seats
	// pro rata (a user who started on the 28th counts 0.17) and charges the
	// partner those decimals, so billing them passes on exactly what the
	// partner pays, where rounding up would bill a whole month for a few
	// days; GravityZone counts whole endpoints, which no rounding changes.
	RoundDecimal Rounding = "decimal"
	// RoundUp bills whole licences, any part of one counting as one.
	RoundUp Rounding = "up"
	// RoundNearest bills the nearest whole number, halves going up.
	RoundNearest Rounding = "nearest"
	// RoundDown bills whole licences, parts left out.
	RoundDown Rounding = "down"
)

// apply rounds a quantity. Float sums carry noise below a hundredth (0.17 ×
// 6 is 1.0200000000000002), which must not round a whole number up, so the
// quantity is taken to two decimals first.
func (r Rounding) apply(q float64) float64 {
	q = roundQty(q)
	switch r {
	case RoundUp:
		return math.Ceil(q)
	case RoundNearest:
		return math.Floor(q + 0.5)
	case RoundDown:
		return math.Floor(q)
	}
	return q
}

// describe says what a rounding did to a figure, for the dry run.
func (r Rounding) describe(usage, billed float64) string {
	switch r {
	case RoundUp:
		return fmt.Sprintf("usage %v rounded up to whole licences: %v", usage, billed)
	case RoundNearest:
		return fmt.Sprintf("usage %v rounded to the nearest whole licence: %v", usage, billed)
	case RoundDown:
		return fmt.Sprintf("usage %v rounded down to whole licences: %v", usage, billed)
	}
	return fmt.Sprintf("usage %v billed as a decimal quantity", usage)
}

// ProductRule maps one product (a usage counter, a DefensX SKU, a push
// product) to the HaloPSA item its quantity is billed as.
type ProductRule struct {
	ItemID int `json:"item_id"` // 0: not mapped
}

// MappingOverride replaces the policy's product → item rules for the
// customer of one mapping. A rule with ItemID 0 here means "do not bill this
// product for this customer", which is how a partner excludes one customer
// from one product.
type MappingOverride struct {
	Source     source.Kind            `json:"source"`
	CustomerID string                 `json:"customer_id"`
	Products   map[string]ProductRule `json:"products"`
}

// Policy is a partner's billing configuration.
type Policy struct {
	// Products is keyed by the product key a source reports (source.Usage.Product).
	Products  map[string]ProductRule `json:"products"`
	Overrides []MappingOverride      `json:"overrides,omitempty"`
	// Basis is how GravityZone endpoints are counted; empty means BasisPackage.
	Basis               Basis `json:"basis,omitempty"`
	IncludePeriodInName bool  `json:"include_period_in_name"`
	Mode                Mode  `json:"mode"`
	// BillDay is the day of month M+1 on which month M is billed; 0 means 2.
	BillDay int `json:"bill_day,omitempty"`
	// Rounding says, per source, how fractional quantities are billed; a
	// source left out is billed as RoundDecimal.
	Rounding map[source.Kind]Rounding `json:"rounding,omitempty"`
}

// Sources are the kinds of source a policy can say something about.
var Sources = []source.Kind{source.GravityZone, source.DefensX, source.Push}

// Explicit is the policy with the rounding in force for every source
// written out, defaults included, for people to read.
func (p Policy) Explicit() Policy {
	r := make(map[source.Kind]Rounding, len(Sources))
	for _, kind := range Sources {
		r[kind] = p.RoundingOf(kind)
	}
	p.Rounding = r
	return p
}

// RoundingOf is the rounding in force for a source's usage, with the
// default applied.
func (p Policy) RoundingOf(kind source.Kind) Rounding {
	if r, ok := p.Rounding[kind]; ok && r != "" {
		return r
	}
	return RoundDecimal
}

// SeatBasis is the basis in force, with the default applied.
func (p Policy) SeatBasis() Basis {
	if p.Basis == "" {
		return BasisPackage
	}
	return p.Basis
}

// Day is the billing day in force, with the default applied.
func (p Policy) Day() int {
	if p.BillDay == 0 {
		return defaultBillDay
	}
	return p.BillDay
}

// DueMonth is the latest month whose billing day has come at now (in now's
// location): on 2 November with the default day that is October, on 1
// November it is still September. The scheduler bills it when the ledger has
// not yet; only complete months may be planned, because a month's quantity is
// written once.
func (p Policy) DueMonth(now time.Time) source.Month {
	m := source.MonthOf(now).Prev()
	if now.Day() < p.Day() {
		m = m.Prev()
	}
	return m
}

// itemFor says which item a product used by a customer is billed as. decided
// is false when neither an override nor the policy maps the product, which
// is worth reporting for a product that must be mapped; an override with item
// 0 is a decision not to bill.
func (p Policy) itemFor(kind source.Kind, customerID, product string) (itemID int, decided bool) {
	for _, o := range p.Overrides {
		if o.Source != kind || o.CustomerID != customerID {
			continue
		}
		if r, ok := o.Products[product]; ok {
			return r.ItemID, true
		}
	}
	if r, ok := p.Products[product]; ok && r.ItemID > 0 {
		return r.ItemID, true
	}
	return 0, false
}
