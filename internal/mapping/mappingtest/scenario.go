// Package mappingtest builds large catalogs with a known answer for testing
// auto-matching end to end: a HaloPSA with 500 clients and a GravityZone with
// 300 companies, each company built to be found by one particular rule (or
// by none), so that the expected suggestion follows from how it was built
// rather than from running the matcher.
package mappingtest

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"halobridge/internal/mapping"
	"halobridge/internal/source"
)

// Kind is the source the scenario's companies come from; the clients'
// external links are keyed with it.
const Kind = source.GravityZone

// The scenario's mix of companies, by what should find them.
const (
	ExactExternalID = 40  // a link halobridge wrote earlier; half were renamed since
	NormalisedName  = 120 // the same name spelt differently (legal form, case, accents, punctuation)
	DomainOnly      = 50  // unrelated names, shared e-mail or web domain
	Fuzzy           = 40  // one typo in a long name
	AmbiguousName   = 15  // two clients normalise to the company's name
	AmbiguousDomain = 5   // two clients share the company's domain
	NoMatch         = 30  // 20 unrelated, 5 named like an inactive client, 5 resellers named like a client

	Companies = ExactExternalID + NormalisedName + DomainOnly + Fuzzy + AmbiguousName + AmbiguousDomain + NoMatch
	Clients   = 500
)

// Expect is the suggestion a company should get.
type Expect struct {
	// Rule is "" when the company should get no suggestion.
	Rule mapping.Rule
	// ClientID is the suggested client when exactly one is expected.
	ClientID int
	// Candidates are the clients of an ambiguous suggestion, in ascending id order.
	Candidates []int
}

// Scenario returns the companies, the clients, and the expected suggestion
// for every company by id. The same seed gives the same scenario; both
// slices come shuffled, so that nothing can rely on their order.
func Scenario(seed int64) (customers []source.Customer, clients []mapping.HaloClient, want map[string]Expect) {
	b := &builder{
		rng:       rand.New(rand.NewPCG(uint64(seed), 0x6d617070696e67)),
		clientIDs: map[int]bool{},
		want:      map[string]Expect{},
	}
	b.exactExternalIDs()
	b.normalisedNames()
	b.domainsOnly()
	b.fuzzyNames()
	b.ambiguousNames()
	b.ambiguousDomains()
	b.noMatches()
	b.distractors()
	for _, cl := range b.clients {
		clients = append(clients, *cl)
	}
	b.rng.Shuffle(len(b.customers), func(i, j int) { b.customers[i], b.customers[j] = b.customers[j], b.customers[i] })
	b.rng.Shuffle(len(clients), func(i, j int) { clients[i], clients[j] = clients[j], clients[i] })
	return b.customers, clients, b.want
}

// builder accumulates one scenario. It holds clients by pointer so that a
// category can add links or domains to a client after creating it.
type builder struct {
	rng       *rand.Rand
	words     []string // every invented word so far, lower case
	clientIDs map[int]bool
	customers []source.Customer
	clients   []*mapping.HaloClient
	want      map[string]Expect
}

// client adds an active client with a fresh id.
func (b *builder) client(name string) *mapping.HaloClient {
	id := 0
	for id == 0 || b.clientIDs[id] {
		id = 1000 + b.rng.IntN(90000)
	}
	b.clientIDs[id] = true
	cl := &mapping.HaloClient{ID: id, Name: name, TopLevelID: 1 + b.rng.IntN(3)}
	b.clients = append(b.clients, cl)
	return cl
}

// customer adds c with a fresh GravityZone-like id and what it should get.
func (b *builder) customer(c source.Customer, want Expect) source.Customer {
	for {
		c.ID = fmt.Sprintf("%08x%016x", b.rng.Uint32(), b.rng.Uint64())
		if _, taken := b.want[c.ID]; !taken {
			break
		}
	}
	b.customers = append(b.customers, c)
	b.want[c.ID] = want
	return c
}

// link records on cl the external link halobridge writes when a person
// confirms c on it.
func link(cl *mapping.HaloClient, kind source.Kind, c source.Customer) {
	if cl.ExternalIDs == nil {
		cl.ExternalIDs = map[string]string{}
	}
	cl.ExternalIDs[mapping.ExternalKey(kind, c.ID)] = c.Name
}

func (b *builder) exactExternalIDs() {
	for i := range ExactExternalID {
		base := b.base()
		cl := b.client(b.variant(base))
		name := b.variant(base)
		if i%2 == 1 {
			name = b.variant(b.base()) // renamed in the console since the link was written
		}
		c := b.customer(source.Customer{Name: name}, Expect{Rule: mapping.RuleExternalID, ClientID: cl.ID})
		link(cl, Kind, c)
	}
}

func (b *builder) normalisedNames() {
	for i := range NormalisedName {
		base := b.base()
		id := b.client(b.variant(base)).ID
		c := b.customer(source.Customer{Name: b.variant(base)}, Expect{Rule: mapping.RuleName, ClientID: id})
		if i < 5 {
			// An old link on a client made inactive since must not win.
			inactive := b.client(b.variant(b.base()))
			inactive.Inactive = true
			link(inactive, Kind, c)
		}
	}
}

func (b *builder) domainsOnly() {
	for range DomainOnly {
		base := b.base()
		d := b.domain(base)
		cl := b.client(b.variant(base))
		b.clientDomain(cl, d)
		b.customer(source.Customer{Name: b.variant(b.base()), Domain: b.customerDomain(d)}, Expect{Rule: mapping.RuleDomain, ClientID: cl.ID})
	}
}

func (b *builder) fuzzyNames() {
	for range Fuzzy {
		base := b.base()
		id := b.client(b.variant(base)).ID
		b.customer(source.Customer{Name: b.variant(b.typo(base))}, Expect{Rule: mapping.RuleFuzzy, ClientID: id})
	}
}

func (b *builder) ambiguousNames() {
	for range AmbiguousName {
		base := b.base()
		ids := []int{b.client(b.variant(base)).ID, b.client(b.variant(base)).ID}
		slices.Sort(ids)
		b.customer(source.Customer{Name: b.variant(base)}, Expect{Rule: mapping.RuleName, Candidates: ids})
	}
}

func (b *builder) ambiguousDomains() {
	for range AmbiguousDomain {
		d := b.domain(b.base())
		one, two := b.client(b.variant(b.base())), b.client(b.variant(b.base()))
		b.clientDomain(one, d)
		b.clientDomain(two, d)
		ids := []int{one.ID, two.ID}
		slices.Sort(ids)
		b.customer(source.Customer{Name: b.variant(b.base()), Domain: b.customerDomain(d)}, Expect{Rule: mapping.RuleDomain, Candidates: ids})
	}
}

var freeMail = []string{"gmail.com", "outlook.com", "hotmail.co.uk", "yahoo.fr", "icloud.com"}

func (b *builder) noMatches() {
	for i := range 20 {
		domain := ""
		if i%2 == 0 {
			domain = "owner@" + freeMail[i%len(freeMail)]
		}
		b.customer(source.Customer{Name: b.variant(b.base()), Domain: domain}, Expect{})
	}
	for range 5 {
		base := b.base()
		b.client(b.variant(base)).Inactive = true
		b.customer(source.Customer{Name: b.variant(base)}, Expect{})
	}
	for range 5 {
		base := b.base()
		b.client(b.variant(base))
		b.customer(source.Customer{Name: b.variant(base), Reseller: true}, Expect{})
	}
}

// distractors fill the HaloPSA up to Clients with clients no company
// matches: some with websites, some sharing free-mail domains (which
// identify nobody), some with links to companies of another source kind.
func (b *builder) distractors() {
	var exact []source.Customer
	for _, c := range b.customers {
		if b.want[c.ID].Rule == mapping.RuleExternalID {
			exact = append(exact, c)
		}
	}
	for i := 0; len(b.clients) < Clients; i++ {
		base := b.base()
		cl := b.client(b.variant(base))
		switch i % 4 {
		case 0:
			b.clientDomain(cl, b.domain(base))
		case 1:
			cl.Domains = append(cl.Domains, "office@"+freeMail[i%len(freeMail)])
		case 2:
			if i/4 < len(exact) {
				link(cl, source.DefensX, exact[i/4])
			}
		}
	}
}
