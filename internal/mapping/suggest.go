package mapping

import (
	"cmp"
	"slices"

	"halobridge/internal/source"
)

// Rule is the evidence a suggestion rests on.
type Rule string

// The rules, from the most trusted to the least.
const (
	// RuleExternalID: the client carries an external link halobridge wrote
	// for this very customer when a person confirmed the mapping before.
	RuleExternalID Rule = "exact_external_id"
	// RuleName: the names are equal once normalised.
	RuleName Rule = "normalised_name"
	// RuleDomain: the customer's e-mail or web domain is one of the client's.
	RuleDomain Rule = "domain"
	// RuleFuzzy: the names are at least FuzzyThreshold similar.
	RuleFuzzy Rule = "fuzzy"
)

// rulesByTrust lists the rules in the order Suggest tries them.
var rulesByTrust = []Rule{RuleExternalID, RuleName, RuleDomain, RuleFuzzy}

// Candidate is one of the clients an ambiguous suggestion could mean.
type Candidate struct {
	ClientID int
	Name     string
	Score    float64
	// SharedWith lists the customers already confirmed on this client.
	SharedWith []string
}

// Suggestion proposes a client for a customer, for a person to confirm.
type Suggestion struct {
	CustomerID   string
	CustomerName string
	// ClientID and ClientName are the suggested client; both are empty when
	// the suggestion is Ambiguous.
	ClientID   int
	ClientName string
	Rule       Rule
	// Score is 1 for the exact rules and the Similarity for RuleFuzzy.
	Score float64
	// Ambiguous is true when Rule found several equally good clients; they
	// are in Candidates, and a person picks one with Choose.
	Ambiguous  bool
	Candidates []Candidate
	// SharedWith lists the customers already confirmed on the suggested
	// client, so that the person confirming sees that it would be shared.
	SharedWith []string
}

// scoreEpsilon absorbs floating-point noise when deciding that two fuzzy
// scores are equally good.
const scoreEpsilon = 1e-9

// Suggest proposes a client for every customer of one source (kind) that has
// no confirmed mapping, trying the rules from the most trusted to the least
// and keeping the first that finds anything. Reseller customers, which only
// group other customers, get no suggestion, and inactive clients are never
// suggested. The result depends only on the contents of its arguments, not
// their order: suggestions come sorted by rule, then normalised customer
// name, then customer id. Customers without any match are left out.
//
// When the first rule that finds anything finds several equally good
// clients, the suggestion is Ambiguous and lists them all; Suggest does not
// fall through to a weaker rule that might single one out. Two Halo clients
// that equally claim one company are usually a duplicate or a company split
// across records, and a weaker rule's pick (a shared domain, a near name)
// would hide that from the person while resting on less evidence than the
// tie it overrides; tickets and invoice lines on the wrong record cost more
// than one manual choice.
//
// A client already confirmed for another customer may still be suggested,
// because several customers (a company's departments in the console, say)
// may share one client; SharedWith says so. Among the candidates of an
// ambiguous suggestion, clients nobody is mapped to yet come first, then by
// name and id, as the likelier choice for a new customer.
func Suggest(kind source.Kind, customers []source.Customer, clients []HaloClient, existing []Mapping) []Suggestion {
	ix := newClientIndex(clients, existing)
	confirmed := confirmedCustomers(existing)
	type ranked struct {
		name string // normalised, computed once for sorting
		s    Suggestion
	}
	var found []ranked
	for _, c := range customers {
		if c.ID == "" || c.Reseller || confirmed[c.ID] {
			continue
		}
		if s, ok := ix.suggest(kind, c); ok {
			found = append(found, ranked{NormaliseName(c.Name), s})
		}
	}
	slices.SortFunc(found, func(a, b ranked) int {
		return cmp.Or(
			cmp.Compare(slices.Index(rulesByTrust, a.s.Rule), slices.Index(rulesByTrust, b.s.Rule)),
			cmp.Compare(a.name, b.name),
			cmp.Compare(a.s.CustomerID, b.s.CustomerID),
		)
	})
	var out []Suggestion
	for _, r := range found {
		out = append(out, r.s)
	}
	return out
}

func confirmedCustomers(existing []Mapping) map[string]bool {
	confirmed := map[string]bool{}
	for _, m := range existing {
		if m.Confirmed {
			confirmed[m.CustomerID] = true
		}
	}
	return confirmed
}

// clientIndex holds the active clients with every lookup the rules need,
// built once per Suggest call.
type clientIndex struct {
	clients  []HaloClient // active only, by id
	forms    []nameForms  // forms[i] belongs to clients[i]
	byKey    map[string][]int
	byName   map[string][]int
	byDomain map[string][]int
	shared   map[int][]string // client id → customers confirmed on it
}

func newClientIndex(clients []HaloClient, existing []Mapping) *clientIndex {
	ix := &clientIndex{
		byKey:    map[string][]int{},
		byName:   map[string][]int{},
		byDomain: map[string][]int{},
		shared:   map[int][]string{},
	}
	for _, cl := range clients {
		if !cl.Inactive {
			ix.clients = append(ix.clients, cl)
		}
	}
	slices.SortFunc(ix.clients, func(a, b HaloClient) int { return cmp.Compare(a.ID, b.ID) })
	for i, cl := range ix.clients {
		f := newNameForms(cl.Name)
		ix.forms = append(ix.forms, f)
		for key := range cl.ExternalIDs {
			ix.byKey[key] = append(ix.byKey[key], i)
		}
		if len(f.normal) > 0 {
			ix.byName[string(f.normal)] = append(ix.byName[string(f.normal)], i)
		}
		for _, d := range clientDomains(cl) {
			ix.byDomain[d] = append(ix.byDomain[d], i)
		}
	}
	for _, m := range existing {
		if m.Confirmed {
			ix.shared[m.ClientID] = append(ix.shared[m.ClientID], m.CustomerID)
		}
	}
	for id := range ix.shared {
		slices.Sort(ix.shared[id])
		ix.shared[id] = slices.Compact(ix.shared[id])
	}
	return ix
}

// clientDomains is the set of registrable domains a client is known by.
func clientDomains(cl HaloClient) []string {
	var out []string
	for _, s := range append([]string{cl.Website}, cl.Domains...) {
		if d := DomainOf(s); d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// suggest applies the rules in order of trust to one customer.
func (ix *clientIndex) suggest(kind source.Kind, c source.Customer) (Suggestion, bool) {
	if m := ix.byKey[ExternalKey(kind, c.ID)]; len(m) > 0 {
		return ix.suggestion(c, RuleExternalID, m, 1), true
	}
	if name := NormaliseName(c.Name); name != "" && len(ix.byName[name]) > 0 {
		return ix.suggestion(c, RuleName, ix.byName[name], 1), true
	}
	if d := DomainOf(c.Domain); d != "" && len(ix.byDomain[d]) > 0 {
		return ix.suggestion(c, RuleDomain, ix.byDomain[d], 1), true
	}
	if m, score := ix.fuzzy(newNameForms(c.Name)); len(m) > 0 {
		return ix.suggestion(c, RuleFuzzy, m, score), true
	}
	return Suggestion{}, false
}

// fuzzy finds the clients with the best Similarity of at least
// FuzzyThreshold.
func (ix *clientIndex) fuzzy(name nameForms) ([]int, float64) {
	if len(name.normal) == 0 {
		return nil, 0
	}
	var matches []int
	best := FuzzyThreshold
	for i, f := range ix.forms {
		if bound := upperBound(name, f); bound < FuzzyThreshold || bound < best-scoreEpsilon {
			continue
		}
		s := similarity(name, f)
		switch {
		case s < FuzzyThreshold:
		case len(matches) == 0 || s > best+scoreEpsilon:
			best, matches = s, []int{i}
		case s >= best-scoreEpsilon:
			matches = append(matches, i)
		}
	}
	return matches, best
}

func (ix *clientIndex) suggestion(c source.Customer, rule Rule, matches []int, score float64) Suggestion {
	s := Suggestion{CustomerID: c.ID, CustomerName: c.Name, Rule: rule, Score: score}
	if len(matches) == 1 {
		cl := ix.clients[matches[0]]
		s.ClientID, s.ClientName, s.SharedWith = cl.ID, cl.Name, slices.Clone(ix.shared[cl.ID])
		return s
	}
	s.Ambiguous = true
	for _, i := range matches {
		cl := ix.clients[i]
		s.Candidates = append(s.Candidates, Candidate{
			ClientID: cl.ID, Name: cl.Name, Score: score, SharedWith: slices.Clone(ix.shared[cl.ID]),
		})
	}
	slices.SortFunc(s.Candidates, func(a, b Candidate) int {
		return cmp.Or(
			cmp.Compare(len(a.SharedWith), len(b.SharedWith)),
			cmp.Compare(a.Name, b.Name),
			cmp.Compare(a.ClientID, b.ClientID),
		)
	})
	return s
}
