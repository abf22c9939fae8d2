package portal

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
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

// newItem is the choice that has halobridge create a HaloPSA item named
// after the product.
const newItem = "new"

// billingForm is the wizard's billing step: an item per product, and how
// invoices are written.
type billingForm struct {
	Products []productRow
	Mode     string
	Basis    string
	// IncludePeriod adds the billing period to each line's name.
	IncludePeriod  bool
	BillDay        int
	HasGravityZone bool
	// Rounding offers, per source that can count fractions (DefensX, push),
	// how its fractional quantities are billed; rounding holds the choices.
	Rounding []roundingChoice
	rounding map[source.Kind]billing.Rounding
	Errors   fieldErrors
	// Other are the problems of fields the form does not show (overrides
	// saved through the API).
	Other []string
}

// roundingChoice is the rounding of one kind of source.
type roundingChoice struct {
	Field, Source string
	Options       []option
	Error         string
}

// productRow is one product in use (or mapped before) and its item.
type productRow struct {
	Product billing.Product
	Field   string
	// Kind says whether the product must be billed, in the guides' words.
	Kind  string
	Items []option
	// InUse is false for a product the policy maps that no source reports now.
	InUse bool
	Error string
}

func (h *handler) billingFormFor(r *http.Request, partnerID int64) (*billingForm, error) {
	policy, err := h.deps.Billing.Policy(r.Context(), partnerID)
	if err != nil && !errors.Is(err, run.ErrNoPolicy) {
		return nil, err
	}
	chosen := map[string]string{}
	for key, rule := range policy.Products {
		if rule.ItemID > 0 {
			chosen[key] = itoa(rule.ItemID)
		}
	}
	f := &billingForm{Mode: string(policy.Mode), Basis: string(policy.SeatBasis()), IncludePeriod: policy.IncludePeriodInName,
		BillDay: policy.Day(), rounding: policy.Rounding, Errors: fieldErrors{}}
	if f.Mode == "" {
		f.Mode = string(billing.ModeCreate)
	}
	return f, h.fillProducts(r.Context(), partnerID, f, chosen)
}

// fillProducts lists the products in use, then those the policy maps
// that are not in use now, each with the HaloPSA items to choose from.
func (h *handler) fillProducts(ctx context.Context, partnerID int64, f *billingForm, chosen map[string]string) error {
	inUse, kinds, err := h.productsInUse(ctx, partnerID)
	if err != nil {
		return err
	}
	f.HasGravityZone = slices.Contains(kinds, source.GravityZone)
	for _, kind := range kinds {
		field := "rounding." + string(kind)
		if kind == source.GravityZone || slices.ContainsFunc(f.Rounding, func(r roundingChoice) bool { return r.Field == field }) {
			continue // GravityZone counts whole endpoints
		}
		current := billing.Policy{Rounding: f.rounding}.RoundingOf(kind)
		var opts []option
		for _, r := range []billing.Rounding{billing.RoundDecimal, billing.RoundUp, billing.RoundNearest, billing.RoundDown} {
			label := roundingWords(r)
			if r == billing.RoundDecimal {
				label = "billed as a decimal (the default)"
			}
			opts = append(opts, option{Value: string(r), Label: label, Selected: r == current})
		}
		f.Rounding = append(f.Rounding, roundingChoice{Field: field, Source: connect.KindName(kind), Options: opts, Error: f.Errors[field]})
	}
	items, err := h.deps.Store.Catalog(ctx, partnerID, store.KindItem)
	if err != nil {
		return err
	}
	add := func(p billing.Product, used bool) {
		current := chosen[p.Key]
		opts := []option{{Value: "", Label: "Not billed", Selected: current == ""}}
		if used {
			opts = append(opts, option{Value: newItem, Label: fmt.Sprintf("Create the item %q", p.Name), Selected: current == newItem})
		}
		known := false
		for _, it := range items {
			opts = append(opts, option{Value: it.HaloID, Label: it.Name, Selected: current == it.HaloID})
			known = known || current == it.HaloID
		}
		if !known && current != "" && current != newItem {
			// An item created since the last sync: the catalog learns its name then.
			opts = append(opts, option{Value: current, Label: "Item " + current + " (created by halobridge)", Selected: true})
		}
		f.Products = append(f.Products, productRow{Product: p, Field: "products." + p.Key, Kind: productKind(p), Items: opts, InUse: used})
	}
	seen := map[string]bool{}
	for _, p := range inUse {
		if !seen[p.Key] {
			seen[p.Key] = true
			add(p, true)
		}
	}
	var rest []string
	for key := range chosen {
		if !seen[key] {
			rest = append(rest, key)
		}
	}
	slices.Sort(rest)
	for _, key := range rest {
		add(billing.Product{Key: key, Name: key, Role: billing.RoleAddon}, false)
	}
	return nil
}

// productsInUse reads the products the partner's sources reported this
// month or last, from the usage the last sync stored, and the kinds of
// source the partner has.
func (h *handler) productsInUse(ctx context.Context, partnerID int64) ([]billing.Product, []source.Kind, error) {
	sources, err := h.deps.Store.Sources(ctx, partnerID)
	if err != nil {
		return nil, nil, err
	}
	this := source.MonthOf(h.deps.Now().UTC())
	var products []billing.Product
	var kinds []source.Kind
	for _, src := range sources {
		kind := src.Kind
		kinds = append(kinds, kind)
		var reports []billing.Report
		for _, m := range []source.Month{this.Prev(), this} {
			usage, err := h.deps.Store.Usage(ctx, src.ID, m)
			if err != nil {
				return nil, nil, err
			}
			reports = append(reports, billing.Report{Source: kind, Month: m, Usage: usage})
		}
		for _, p := range billing.ProductsInUse(reports) {
			if kind == source.Push {
				p.Supplier = src.Name
			}
			products = append(products, p)
		}
	}
	slices.SortStableFunc(products, func(a, b billing.Product) int {
		// Mandatory products first, as the guides ask for them first.
		return cmp.Compare(roleOrder(a.Role), roleOrder(b.Role))
	})
	return products, kinds, nil
}

func productKind(p billing.Product) string {
	switch {
	case p.Role == billing.RoleSeats && p.Basis == billing.BasisEndpoint:
		return "All endpoints (billed when counting all endpoints together)"
	case p.Role == billing.RoleSeats:
		return "Protection model (mandatory)"
	case p.Role == billing.RoleProduct:
		return "Product (mandatory)"
	}
	return "Add-on (optional)"
}

func roleOrder(r billing.Role) int {
	switch r {
	case billing.RoleSeats:
		return 0
	case billing.RoleProduct:
		return 1
	}
	return 2
}

// saveBillingPolicy saves the billing step: it creates the items asked
// for, then checks and stores the policy.
func (h *handler) saveBillingPolicy(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	form, ok := parseForm(w, r)
	if !ok {
		return
	}
	current, err := h.deps.Billing.Policy(r.Context(), c.partnerID)
	if err != nil && !errors.Is(err, run.ErrNoPolicy) {
		h.fail(w, r, err)
		return
	}
	chosen := map[string]string{}
	rounding := maps.Clone(current.Rounding)
	var create []string
	for name := range form {
		if kind, ok := strings.CutPrefix(name, "rounding."); ok {
			if rounding == nil {
				rounding = map[source.Kind]billing.Rounding{}
			}
			rounding[source.Kind(kind)] = billing.Rounding(form.Get(name))
			continue
		}
		key, ok := strings.CutPrefix(name, "products.")
		if !ok {
			continue
		}
		switch v := form.Get(name); v {
		case "":
		case newItem:
			create = append(create, key)
			chosen[key] = newItem
		default:
			chosen[key] = v
		}
	}
	slices.Sort(create)
	f := &billingForm{Mode: form.Get("mode"), Basis: form.Get("basis"), IncludePeriod: checked(form, "include_period"),
		BillDay: formInt(form, "bill_day"), rounding: rounding, Errors: fieldErrors{}}
	if len(create) > 0 {
		created, err := h.deps.Billing.CreateItems(r.Context(), c.partnerID, create)
		for _, it := range created {
			chosen[it.Product.Key] = itoa(it.ItemID)
		}
		if err != nil {
			f.Errors.add("products", "HaloPSA items could not be created: "+err.Error())
			h.renderBillingForm(w, r, f, chosen)
			return
		}
	}
	p := current
	p.Products = map[string]billing.ProductRule{}
	for key, v := range chosen {
		id, err := strconv.Atoi(v)
		if err != nil || id <= 0 {
			f.Errors.add("products."+key, "choose an item")
			continue
		}
		p.Products[key] = billing.ProductRule{ItemID: id}
	}
	p.Mode, p.Basis, p.IncludePeriodInName, p.BillDay, p.Rounding = billing.Mode(f.Mode), billing.Basis(f.Basis), f.IncludePeriod, f.BillDay, rounding
	if len(f.Errors) == 0 {
		_, err = h.deps.Billing.SavePolicy(r.Context(), c.partnerID, p)
		var pe *run.PolicyError
		switch {
		case errors.As(err, &pe):
			for _, fe := range pe.Fields {
				f.Errors.add(fe.Field, fe.Message)
			}
		case err != nil:
			h.fail(w, r, err)
			return
		}
	}
	if len(f.Errors) > 0 {
		h.renderBillingForm(w, r, f, chosen)
		return
	}
	progress, err := h.deps.Store.CompleteSetupStep(r.Context(), c.partnerID, store.SetupBilling)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, nextStep(progress, store.SetupBilling), http.StatusSeeOther)
}

// renderBillingForm shows the billing step again with what was sent and
// what is wrong with it.
func (h *handler) renderBillingForm(w http.ResponseWriter, r *http.Request, f *billingForm, chosen map[string]string) {
	c := callerOf(r)
	if err := h.fillProducts(r.Context(), c.partnerID, f, chosen); err != nil {
		h.fail(w, r, err)
		return
	}
	shown := map[string]bool{"mode": true, "basis": true, "bill_day": true, "products": true}
	for i, row := range f.Products {
		f.Products[i].Error = f.Errors[row.Field]
		shown[row.Field] = true
	}
	for _, r := range f.Rounding {
		shown[r.Field] = true
	}
	for _, field := range slices.Sorted(maps.Keys(f.Errors)) {
		if !shown[field] {
			f.Other = append(f.Other, field+": "+f.Errors[field])
		}
	}
	progress, err := h.deps.Store.SetupProgress(r.Context(), c.partnerID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := &setupView{Step: store.SetupBilling, Progress: progress, Billing: f, Catalog: &catalogState{Ready: true},
		Flash: flash{Error: "The billing policy was not saved; see below."}}
	h.renderSetup(w, r, http.StatusUnprocessableEntity, v)
}
