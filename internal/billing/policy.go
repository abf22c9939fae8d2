package billing

import (
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
