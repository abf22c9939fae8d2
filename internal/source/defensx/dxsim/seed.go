package dxsim

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"
)

// Customer is a DefensX customer of the simulated partner.
type Customer struct {
	ID       string
	Name     string
	Domain   string
	Disabled bool
}

// Subscription is one customer's subscription to one product. Its usage has one record per
// monthly term: the first term runs from Start to the next first of a month, and no term
// starts at or after End.
type Subscription struct {
	ID           string
	CustomerID   string
	SKU          string
	Status       string // active, in_trial, non_renewing, paused or cancelled
	FreeQuantity int
	Start        time.Time
	End          time.Time // zero: still running
	// Quantities, when set, gives the quantity per month ("2026-03") and makes usage records
	// exist for those months only; nil generates a quantity for every month.
	Quantities map[string]float64
}

type product struct {
	ID   int    `json:"id"`
	SKU  string `json:"sku"`
	Name string `json:"name"`
}

type customer struct {
	Customer
	users  []user
	agents []agent
}

// user is one user of a customer; login is the e-mail address DefensX signs them in
// with.
type user struct {
	id, login, name, username string
	inactive                  bool
}

type agent struct {
	id, deploymentID, hostname, platform, product, version string
	// uninstalled and deleted are what Agent.Uninstall and Agent.Delete
	// notifications announced: the list shows the one and leaves out the other.
	uninstalled, deleted bool
}

// The simulator's own product catalogue: DefensX publishes no SKU list (its spec's example
// uses TST-P01), so these codes are made up, named after DefensX's products.
func catalogue() []product {
	return []product{
		{1, "DX-WEBSEC", "DNS & Web Filtering"},
		{2, "DX-ZTCRED", "Zero Trust Credentials"},
		{3, "DX-ZTFILES", "Zero Trust Files"},
		{4, "DX-RBI", "Remote Browser Isolation"},
	}
}

func companyNames() []string {
	return []string{
		"Bright Harbor Dental", "Cedar Ridge Logistics", "Northwind Accounting", "Maple & Finch Law",
		"Bluewater Marine Supply", "Summit Peak Engineering", "Greenfield Family Clinic",
		"Harbor Point Realty", "Ironwood Manufacturing", "Lakeside Veterinary Group",
		"Oakmont Insurance Brokers", "Pinecrest Schools Foundation", "Redstone Construction",
		"Silverline Travel", "Trident Freight", "Willow Creek Bakery",
	}
}

func firstNames() []string {
	return []string{"anna", "ben", "carla", "dmitri", "elif", "farah", "george", "hana", "ivan", "julia", "kofi", "lena"}
}

func lastNames() []string {
	return []string{"moreau", "nakamura", "okafor", "petrov", "quinn", "rossi", "schmidt", "tanaka", "umar", "varga"}
}

// seed fills s from its options; it runs before s is shared.
func seed(s *Sim) {
	o := s.opts
	s.products = catalogue()
	s.partnerID = s.uuid("partner")
	s.self = s.newCustomer(Customer{ID: s.uuid("self"), Name: o.PartnerName}, -1)
	given := o.Customers
	if given == nil {
		names := companyNames()
		for i := 0; i < o.NumCustomers; i++ {
			name := names[i%len(names)]
			if i >= len(names) {
				name = fmt.Sprintf("%s %d", name, i/len(names)+1)
			}
			given = append(given, Customer{Name: name})
		}
	}
	for i, c := range given {
		cust := s.newCustomer(c, i)
		s.customers = append(s.customers, cust)
		s.byID[cust.ID] = cust
	}
	s.byID[s.self.ID] = s.self
	if o.Subscriptions != nil {
		for i, sub := range o.Subscriptions {
			if sub.ID == "" {
				sub.ID = s.uuid("subscription", i)
			}
			s.subs = append(s.subs, sub)
		}
	} else {
		s.generateSubscriptions()
	}
	start := s.now()
	for i, c := range append([]*customer{s.self}, s.customers...) {
		s.logs[c.ID] = s.generateLogs(c, i, start)
	}
}

func (s *Sim) newCustomer(c Customer, i int) *customer {
	if c.ID == "" {
		c.ID = s.uuid("customer", i)
	}
	if c.Domain == "" {
		c.Domain = domainOf(c.Name)
	}
	cust := &customer{Customer: c}
	for k := range 12 {
		cust.users = append(cust.users, s.userOf(cust, k))
	}
	prefix := initials(c.Name)
	for k := range 2 + s.pick(3, "agents", c.ID) {
		platform, prod := "Windows", "Windows 11 Pro"
		if k%3 == 2 {
			platform, prod = "Mac OS", "macOS 14 Sonoma"
		}
		cust.agents = append(cust.agents, agent{
			id:           s.uuid("agent", c.ID, k),
			deploymentID: s.uuid("deployment", c.ID),
			hostname:     fmt.Sprintf("%s-PC-%02d", prefix, k+1),
			platform:     platform,
			product:      prod,
			version:      "1.9.12",
		})
	}
	return cust
}

func (s *Sim) userOf(c *customer, k int) user {
	firsts, lasts := firstNames(), lastNames()
	first := firsts[k%len(firsts)]
	last := lasts[(k/len(firsts)+k)%len(lasts)]
	login := first + "." + last
	if k >= len(firsts)*len(lasts) {
		login += fmt.Sprint(k)
	}
	name := strings.ToUpper(first[:1]) + first[1:] + " " + strings.ToUpper(last[:1]) + last[1:]
	return user{id: s.uuid("user", c.ID, k), login: login + "@" + c.Domain, name: name, username: login}
}

// generateSubscriptions gives every customer one to three products. Statuses and free
// quantities follow the subscription's position so that every status appears once there
// are ten subscriptions.
func (s *Sim) generateSubscriptions() {
	now := s.now()
	n := 0
	for _, c := range s.customers {
		count := 1 + s.pick(3, "subs", c.ID)
		for k := range count {
			p := s.products[(s.pick(len(s.products), "sku", c.ID)+k)%len(s.products)]
			months := 3 + s.pick(12, "start", c.ID, k)
			day := 1 + s.pick(27, "day", c.ID, k)
			first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -months, day-1)
			sub := Subscription{
				ID:         s.uuid("subscription", c.ID, k),
				CustomerID: c.ID,
				SKU:        p.SKU,
				Status:     statusAt(n),
				Start:      first,
			}
			switch {
			case n%4 == 1:
				sub.FreeQuantity = 1
			case n%6 == 2:
				sub.FreeQuantity = 2
			}
			if sub.Status == "cancelled" {
				sub.End = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
				if !sub.End.After(sub.Start) {
					sub.End = monthStart(sub.Start).AddDate(0, 1, 0)
				}
			}
			s.subs = append(s.subs, sub)
			n++
		}
	}
}

func statusAt(n int) string {
	switch n % 10 {
	case 3:
		return "in_trial"
	case 5:
		return "non_renewing"
	case 7:
		return "paused"
	case 9:
		return "cancelled"
	}
	return "active"
}

// quantity is a subscription's quantity in the month starting at month: a base seat count
// that drifts by up to three seats a month, plus now and then a user who joined mid-month
// and counts for part of it, as DefensX prorates. A first term shorter than the month counts
// its share of the month.
func (s *Sim) quantity(sub Subscription, month time.Time) (float64, bool) {
	key := month.Format("2006-01")
	if sub.Quantities != nil {
		q, found := sub.Quantities[key]
		return q, found
	}
	base := 3 + s.pick(58, "base", sub.ID)
	seats := max(1, base+s.pick(7, "drift", sub.ID, key)-3)
	q := float64(seats)
	if s.pick(3, "joiner", sub.ID, key) == 0 {
		q += float64(5+s.pick(90, "share", sub.ID, key)) / 100
	}
	if start := sub.Start; start.After(month) {
		next := month.AddDate(0, 1, 0)
		q *= next.Sub(start).Hours() / next.Sub(month).Hours()
	}
	return math.Round(q*100) / 100, true
}

// pick is a deterministic number in [0, n) for the seed and parts.
func (s *Sim) pick(n int, parts ...any) int {
	sum := sha256.Sum256([]byte(fmt.Sprint(append([]any{s.opts.Seed}, parts...)...)))
	return int(binary.BigEndian.Uint64(sum[:8]) % uint64(n))
}

// uuid is a deterministic version-4-shaped UUID for the seed and parts.
func (s *Sim) uuid(parts ...any) string {
	b := sha256.Sum256([]byte(fmt.Sprint(append([]any{s.opts.Seed, "uuid"}, parts...)...)))
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func domainOf(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "example.com"
	}
	return b.String() + ".com"
}

func initials(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		if r := []rune(w)[0]; r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "DX"
	}
	return b.String()
}

func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}
