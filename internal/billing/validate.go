package billing

import (
	"fmt"
	"slices"

	"halobridge/internal/source"
)

// FieldError is one problem with a billing policy, addressed to the field a
// person has to change.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// Validate checks a policy before billing can be switched on: every product
// in use that must be mapped has an item, every item it names exists in
// HaloPSA, and GravityZone endpoints are never billed both per endpoint and
// per package. inUse comes from ProductsInUse; items is the HaloPSA catalog.
func Validate(p Policy, inUse []Product, items map[int]Item) []FieldError {
	var errs []FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	switch p.Mode {
	case ModeCreate, ModeAppend:
	default:
		add("mode", "must be %q or %q, not %q", ModeCreate, ModeAppend, p.Mode)
	}
	if p.BillDay < 0 || p.BillDay > 28 {
		add("bill_day", "must be between 1 and 28 so that every month has it, not %d", p.BillDay)
	}
	basisKnown := true
	switch p.Basis {
	case "", BasisPackage, BasisEndpoint:
	default:
		basisKnown = false
		add("basis", "must be %q or %q, not %q", BasisPackage, BasisEndpoint, p.Basis)
	}
	for _, kind := range sortedKeys(p.Rounding) {
		if !slices.Contains(Sources, kind) {
			add("rounding."+string(kind), "%q is not a source: use %q, %q or %q", kind, source.GravityZone, source.DefensX, source.Push)
			continue
		}
		switch r := p.Rounding[kind]; r {
		case RoundDecimal, RoundUp, RoundNearest, RoundDown:
		default:
			add("rounding."+string(kind), "must be %q, %q, %q or %q, not %q", RoundDecimal, RoundUp, RoundNearest, RoundDown, r)
		}
	}
	checkRules := func(prefix string, rules map[string]ProductRule) {
		for _, key := range sortedKeys(rules) {
			field := prefix + key
			id := rules[key].ItemID
			if id == 0 {
				continue
			}
			if msg := itemProblem(id, items); msg != "" {
				add(field, "%s", msg)
			}
			if b := seatBasisOf(key); basisKnown && b != "" && b != p.SeatBasis() {
				add(field, "%s counts the same endpoints as %s; only one count is billed (count basis %q), so leave %s unmapped",
					key, p.SeatBasis().counters(), p.SeatBasis(), key)
			}
		}
	}
	checkRules("products.", p.Products)
	for i, o := range p.Overrides {
		if o.Source == "" || o.CustomerID == "" {
			add(fmt.Sprintf("overrides[%d]", i), "needs the source and the customer of the mapping it overrides")
		}
		checkRules(fmt.Sprintf("overrides[%d].products.", i), o.Products)
	}
	for _, prod := range inUse {
		if !prod.Required() || !prod.billedUnder(p.SeatBasis()) || p.Products[prod.Key].ItemID > 0 {
			continue
		}
		add("products."+prod.Key, "%s is in use and needs a HaloPSA item before billing can be switched on", prod.Name)
	}
	return errs
}

func itemProblem(id int, items map[int]Item) string {
	it, ok := items[id]
	switch {
	case id < 0:
		return fmt.Sprintf("%d is not a HaloPSA item id", id)
	case !ok:
		return fmt.Sprintf("item %d does not exist in HaloPSA", id)
	case it.Deleted:
		return fmt.Sprintf("item %d (%s) was deleted in HaloPSA", id, it.Name)
	}
	return ""
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
