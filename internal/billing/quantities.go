package billing

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strings"

	"halobridge/internal/source"
)

// Report is one source's usage for one month, as the lead fetched it.
type Report struct {
	Source source.Kind  `json:"source"`
	Month  source.Month `json:"month"`
	// Customers gives the parent/child tree the usage is read against.
	Customers []source.Customer `json:"customers,omitempty"`
	Usage     []source.Usage    `json:"usage,omitempty"`
	// Unavailable says why the usage could not be fetched; "" when it was.
	Unavailable string `json:"unavailable,omitempty"`
}

// Mapping is a confirmed customer ↔ client mapping, as billing sees it.
type Mapping struct {
	Source     source.Kind `json:"source"`
	CustomerID string      `json:"customer_id"`
	ClientID   int         `json:"client_id"`
	Billing    bool        `json:"billing"`
}

// ClientQuantities is what one client owes, per month, per item.
type ClientQuantities struct {
	Months map[source.Month]MonthQuantities `json:"months"`
	// Rules digests what, apart from usage, decides the client's
	// quantities (see rulesOf). A month written under the same rules whose
	// quantity is different now was corrected at the source; under other
	// rules the difference may be the rules', so it is not billed as a
	// correction. "" compares with every month.
	Rules string `json:"rules,omitempty"`
}

// MonthQuantities is one client's month: quantities per item id, or why the
// month cannot be billed yet. A month absent from ClientQuantities counts as
// unavailable too: no quantity is ever assumed to be zero.
type MonthQuantities struct {
	Items map[int]float64 `json:"items,omitempty"`
	// Rounded is, per item whose usage was fractional, the usage before
	// the policy's rounding and the rounding applied, for the dry run.
	Rounded     map[int]Rounded `json:"rounded,omitempty"`
	Unavailable string          `json:"unavailable,omitempty"`
}

// Rounded is a fractional usage and how it was billed. When several sources
// bill one item, Usage is their total and Rule the rule of the first source
// whose figure was fractional.
type Rounded struct {
	Usage float64  `json:"usage"`
	Rule  Rounding `json:"rule"`
}

// Quantities turns reports into what each client owes, per month and item.
//
// Only clients with at least one mapping that has billing on appear. A
// client's month is unavailable when any source feeding it has no usable
// report for that month, or when a product that must be mapped has no item,
// so a month is billed whole or carried whole.
//
// Parents and children, per product: a figure with IncludesChildren covers
// the customer's whole subtree, any other figure the customer alone. Each
// customer's own use (its figure less what its children's subtrees report)
// is billed once, to the nearest mapping among the customer and its
// ancestors whose figure covers it: the customer's own mapping, else the
// closest mapped ancestor with an including figure. So a parent mapped alone
// bills its unmapped children with it, a child mapped on its own is taken out
// of its parent's figure, and a child whose mapping has billing off is billed
// by no one. Endpoint counts of the basis not in force are skipped.
func Quantities(reports []Report, mappings []Mapping, p Policy) (map[int]ClientQuantities, []Finding) {
	mapped := map[source.Kind]map[string]Mapping{}
	feeds := map[int]map[source.Kind]bool{}
	for _, m := range mappings {
		if mapped[m.Source] == nil {
			mapped[m.Source] = map[string]Mapping{}
		}
		mapped[m.Source][m.CustomerID] = m
		if !m.Billing {
			continue
		}
		if feeds[m.ClientID] == nil {
			feeds[m.ClientID] = map[source.Kind]bool{}
		}
		feeds[m.ClientID][m.Source] = true
	}

	merged, months := mergeReports(reports)
	out := map[int]ClientQuantities{}
	for client, kinds := range feeds {
		cq := ClientQuantities{Months: map[source.Month]MonthQuantities{}}
		for _, m := range months {
			var why []string
			for _, kind := range sortedKinds(kinds) {
				r, ok := merged[reportKey{kind, m}]
				switch {
				case !ok:
					why = append(why, fmt.Sprintf("no %s usage was fetched", kind))
				case r.Unavailable != "":
					why = append(why, fmt.Sprintf("%s: %s", kind, r.Unavailable))
				}
			}
			if len(why) > 0 {
				cq.Months[m] = MonthQuantities{Unavailable: strings.Join(why, "; ")}
			} else {
				cq.Months[m] = MonthQuantities{Items: map[int]float64{}}
			}
		}
		out[client] = cq
	}

	var fs findingSet
	type cell struct {
		client int
		month  source.Month
		item   int
	}
	usage, fractional := map[cell]float64{}, map[cell]Rounding{}
	for _, k := range sortedReportKeys(merged) {
		r := merged[k]
		if r.Unavailable != "" {
			continue
		}
		billed, unmapped := attribute(r, mapped[r.Source], p, &fs)
		// A client's use of an item from one source in one month is
		// rounded as a whole: the invoice bills the client, not each of its
		// customers.
		rule := p.RoundingOf(r.Source)
		for _, b := range sumByItem(billed) {
			mq := out[b.client].Months[r.Month]
			if mq.Unavailable != "" {
				continue
			}
			mq.Items[b.item] = roundQty(mq.Items[b.item] + rule.apply(b.qty))
			c := cell{b.client, r.Month, b.item}
			usage[c] = roundQty(usage[c] + b.qty)
			if _, seen := fractional[c]; !seen && isFraction(b.qty) {
				fractional[c] = rule
			}
		}
		for _, u := range unmapped {
			mq := out[u.client].Months[r.Month]
			why := fmt.Sprintf("%s is in use but not mapped to a HaloPSA item", Describe(r.Source, u.product).Name)
			if mq.Unavailable != "" && !strings.Contains(mq.Unavailable, why) {
				why = mq.Unavailable + "; " + why
			}
			out[u.client].Months[r.Month] = MonthQuantities{Unavailable: why}
		}
	}
	for c, rule := range fractional {
		mq := out[c.client].Months[c.month]
		if mq.Unavailable != "" {
			continue
		}
		if mq.Rounded == nil {
			mq.Rounded = map[int]Rounded{}
		}
		mq.Rounded[c.item] = Rounded{Usage: usage[c], Rule: rule}
		out[c.client].Months[c.month] = mq
	}
	trees := treesOf(merged)
	for client, kinds := range feeds {
		cq := out[client]
		cq.Rules = rulesOf(client, kinds, mappings, trees, p)
		out[client] = cq
	}
	return out, fs.list()
}

// sumByItem adds up what one report bills each client per item, in a
// stable order.
func sumByItem(billed []billedQty) []billedQty {
	var out []billedQty
	for _, b := range billed {
		i := slices.IndexFunc(out, func(o billedQty) bool { return o.client == b.client && o.item == b.item })
		if i < 0 {
			out = append(out, b)
			continue
		}
		out[i].qty += b.qty
	}
	return out
}

// isFraction reports whether a quantity is not a whole number, to the
// hundredth HaloPSA keeps.
func isFraction(q float64) bool {
	q = roundQty(q)
	return q != math.Trunc(q)
}

// customerTree is what a source says of its customers: who they are and
// which are below which.
type customerTree struct {
	known    map[string]bool
	children map[string][]string
}

// treesOf reads each source's customers from its reports.
func treesOf(merged map[reportKey]Report) map[source.Kind]customerTree {
	out := map[source.Kind]customerTree{}
	for _, k := range sortedReportKeys(merged) {
		t, ok := out[k.kind]
		if !ok {
			t = customerTree{known: map[string]bool{}, children: map[string][]string{}}
			out[k.kind] = t
		}
		for _, c := range merged[k].Customers {
			t.known[c.ID] = true
			if c.ParentID != "" && !slices.Contains(t.children[c.ParentID], c.ID) {
				t.children[c.ParentID] = append(t.children[c.ParentID], c.ID)
			}
		}
	}
	return out
}

// rulesOf digests what decides a client's quantities apart from usage: the
// policy's product rules, overrides, count basis and rounding, and the
// mappings of the client's customers and of every customer below them,
// which say whose use the client bills, with whether the source still knows
// each: a company removed from GravityZone reports no usage for the months
// it was billed, which is no correction. A customer mapped elsewhere in the
// partner's tree leaves the digest alone, so onboarding another client does
// not stop corrections from being looked for.
func rulesOf(client int, kinds map[source.Kind]bool, mappings []Mapping, trees map[source.Kind]customerTree, p Policy) string {
	h := sha256.New()
	fmt.Fprintf(h, "basis %s\n", p.SeatBasis())
	for _, key := range sortedKeys(p.Products) {
		fmt.Fprintf(h, "product %q %d\n", key, p.Products[key].ItemID)
	}
	for _, kind := range sortedKinds(kinds) {
		fmt.Fprintf(h, "rounding %s %s\n", kind, p.RoundingOf(kind))
		below := map[string]bool{}
		var walk func(id string)
		walk = func(id string) {
			if below[id] { // also stops a malformed tree with a cycle
				return
			}
			below[id] = true
			for _, c := range trees[kind].children[id] {
				walk(c)
			}
		}
		for _, m := range mappings {
			if m.Source == kind && m.ClientID == client {
				walk(m.CustomerID)
			}
		}
		var lines []string
		for _, m := range mappings {
			if m.Source == kind && below[m.CustomerID] {
				lines = append(lines, fmt.Sprintf("mapping %q %d %t known %t", m.CustomerID, m.ClientID, m.Billing, trees[kind].known[m.CustomerID]))
			}
		}
		for _, o := range p.Overrides {
			if o.Source != kind || !below[o.CustomerID] {
				continue
			}
			for _, key := range sortedKeys(o.Products) {
				lines = append(lines, fmt.Sprintf("override %q %q %d", o.CustomerID, key, o.Products[key].ItemID))
			}
		}
		slices.Sort(lines)
		for _, l := range lines {
			fmt.Fprintln(h, l)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

type reportKey struct {
	kind  source.Kind
	month source.Month
}

// mergeReports keys reports by source and month; several reports for the same
// source and month add up, and any one unavailable makes the month unavailable.
func mergeReports(reports []Report) (map[reportKey]Report, []source.Month) {
	merged := map[reportKey]Report{}
	var months []source.Month
	for _, r := range reports {
		k := reportKey{r.Source, r.Month}
		months = append(months, r.Month)
		prev, ok := merged[k]
		if !ok {
			merged[k] = r
			continue
		}
		prev.Customers = append(slices.Clip(prev.Customers), r.Customers...)
		prev.Usage = append(slices.Clip(prev.Usage), r.Usage...)
		if r.Unavailable != "" {
			prev.Unavailable = strings.TrimPrefix(prev.Unavailable+"; "+r.Unavailable, "; ")
		}
		merged[k] = prev
	}
	return merged, sortedMonths(months)
}

func sortedReportKeys(m map[reportKey]Report) []reportKey {
	keys := make([]reportKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b reportKey) int {
		return cmp.Or(compareMonths(a.month, b.month), cmp.Compare(a.kind, b.kind))
	})
	return keys
}

func sortedKinds(set map[source.Kind]bool) []source.Kind {
	kinds := make([]source.Kind, 0, len(set))
	for k := range set {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	return kinds
}

type billedQty struct {
	client, item int
	qty          float64
}

type unmappedUse struct {
	client  int
	product string
}

// attribute bills one report's usage to clients, applying the count basis and
// the parent/child rule documented on Quantities.
func attribute(r Report, mapped map[string]Mapping, p Policy, fs *findingSet) ([]billedQty, []unmappedUse) {
	t := tree{parent: map[string]string{}, children: map[string][]string{}}
	for _, c := range r.Customers {
		if c.ParentID != "" {
			t.parent[c.ID] = c.ParentID
			t.children[c.ParentID] = append(t.children[c.ParentID], c.ID)
		}
	}
	byProduct := map[string]map[string]figure{}
	for _, u := range r.Usage {
		if byProduct[u.Product] == nil {
			byProduct[u.Product] = map[string]figure{}
		}
		f := byProduct[u.Product][u.CustomerID]
		byProduct[u.Product][u.CustomerID] = figure{qty: f.qty + u.Quantity, includes: f.includes || u.IncludesChildren}
	}

	var billed []billedQty
	var unmapped []unmappedUse
	for _, product := range sortedKeys(byProduct) {
		desc := Describe(r.Source, product)
		if !desc.billedUnder(p.SeatBasis()) {
			continue
		}
		t.figs = byProduct[product]
		for _, cust := range sortedKeys(t.figs) {
			m, ok := t.claim(cust, mapped)
			if !ok || !m.Billing {
				continue
			}
			own := t.own(cust)
			if own < 0 {
				fs.add(Finding{
					Kind: FindingUsageInconsistent, ClientID: m.ClientID, Source: r.Source, CustomerID: cust, Product: product,
					Message: fmt.Sprintf("%s reports %v %s for customer %s, a figure that should include its child companies, but they add up to more: nothing is billed for %s's own use. Check the usage in %s.",
						r.Source, t.figs[cust].qty, desc.Name, cust, cust, r.Source),
				}, r.Month)
				continue
			}
			if own == 0 {
				continue
			}
			item, decided := p.itemFor(r.Source, m.CustomerID, product)
			if !decided {
				if desc.Required() {
					unmapped = append(unmapped, unmappedUse{client: m.ClientID, product: product})
					fs.add(Finding{
						Kind: FindingProductUnmapped, ClientID: m.ClientID, Source: r.Source, CustomerID: cust, Product: product,
						Message: fmt.Sprintf("%s is in use by customer %s but is not mapped to a HaloPSA item: the client's billing waits until it is. Map it in the billing policy.", desc.Name, cust),
					}, r.Month)
				}
				continue
			}
			if item == 0 {
				continue
			}
			billed = append(billed, billedQty{client: m.ClientID, item: item, qty: own})
		}
	}
	return billed, unmapped
}

type figure struct {
	qty      float64
	includes bool
}

// tree reads one product's figures against the customers' parent/child tree.
type tree struct {
	parent   map[string]string
	children map[string][]string
	figs     map[string]figure
}

// subtree is the use of a customer and everything below it, as reported.
// depth stops a malformed tree with a cycle.
func (t tree) subtree(id string, depth int) float64 {
	f := t.figs[id]
	if f.includes || depth > len(t.parent) {
		return f.qty
	}
	s := f.qty
	for _, c := range t.children[id] {
		s += t.subtree(c, depth+1)
	}
	return s
}

// own is a customer's use without its children's.
func (t tree) own(id string) float64 {
	f := t.figs[id]
	if !f.includes {
		return roundQty(f.qty)
	}
	s := f.qty
	for _, c := range t.children[id] {
		s -= t.subtree(c, 1)
	}
	return roundQty(s)
}

// claim finds the mapping a customer's own use is billed by.
func (t tree) claim(id string, mapped map[string]Mapping) (Mapping, bool) {
	a := id
	for range len(t.parent) + 1 {
		if m, ok := mapped[a]; ok && (a == id || t.figs[a].includes) {
			return m, true
		}
		next, ok := t.parent[a]
		if !ok {
			break
		}
		a = next
	}
	return Mapping{}, false
}

// roundQty keeps quantities to two decimals, as HaloPSA keeps them, so that
// a quantity read back compares equal to the one written.
func roundQty(q float64) float64 { return math.Round(q*100) / 100 }

func sameQty(a, b float64) bool { return roundQty(a) == roundQty(b) }

// findingSet gathers findings that repeat month after month into one
// finding listing the months.
type findingSet struct {
	found []Finding
	index map[string]int
}

func (s *findingSet) add(f Finding, m source.Month) {
	key := fmt.Sprint(f.Kind, "|", f.ClientID, "|", f.Source, "|", f.CustomerID, "|", f.Product)
	if i, ok := s.index[key]; ok {
		s.found[i].Months = append(s.found[i].Months, m)
		return
	}
	if s.index == nil {
		s.index = map[string]int{}
	}
	f.Months = []source.Month{m}
	s.index[key] = len(s.found)
	s.found = append(s.found, f)
}

func (s *findingSet) list() []Finding { return s.found }
