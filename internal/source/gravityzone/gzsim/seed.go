package gzsim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Company is one company of the simulated partner tree.
type Company struct {
	ID       string
	Name     string
	Partner  bool   // a partner (MSP, reseller) groups other companies; else an end customer
	ParentID string // "" for the API key's own company
}

// Endpoint is one machine of a company: managed (with the agent, in events) or
// unmanaged (seen on the network only, in getEndpointsList alone).
type Endpoint struct {
	CompanyID string
	// ComputerID and EndpointID are both GravityZone ids of the machine; events carry
	// either or both (computer_id, endpointId) and they differ.
	ComputerID string
	EndpointID string
	Name       string
	FQDN       string
	IP         string
	HWID       string
	User       string
	UserSID    string
	// What network.getEndpointsList tells of it: Label is "" when unset,
	// MACs are 12 lowercase hex digits, GroupID is the group it sits in (its
	// company's id for an endpoint at the company's root).
	Label       string
	OS          string
	MACs        []string
	Managed     bool
	GroupID     string
	MachineType int
}

// company is a Company with what the simulator derives for it.
type company struct {
	Company
	endpoints []Endpoint
	// unmanaged are the machines seen on its network without the agent:
	// listed, never in events.
	unmanaged []Endpoint
	// group is the id of the custom group its managed endpoints sit in.
	group     string
	domain    string
	country   string
	phone     string
	address   string
	createdAt time.Time
	model     string // assignedProtectionModel
	addOns    addOns
	minimum   int // committed minimum seats
}

type addOns struct {
	edr, patch, encryption, ats, email, exchange bool
}

// seedTree is the default partner tree: an MSP with its own customers and one reseller
// with customers of its own.
func seedTree() []Company {
	return []Company{
		{Name: "Northgate IT Services", Partner: true},
		{Name: "Contoso Ltd"},
		{Name: "Fabrikam, Inc."},
		{Name: "Adventure Works Cycles"},
		{Name: "Tailspin Toys"},
		{Name: "Wide World Importers"},
		{Name: "Northwind Traders"},
		{Name: "Litware Inc"},
		{Name: "Blue Yonder Reseller Group", Partner: true},
		{Name: "Alpine Ski House", ParentID: "Blue Yonder Reseller Group"},
		{Name: "Coho Winery", ParentID: "Blue Yonder Reseller Group"},
		{Name: "Fourth Coffee", ParentID: "Blue Yonder Reseller Group"},
	}
}

var protectionModels = []string{"mspSecure", "mspSecure", "mspSecurePlus", "mspSecureExtra", "aLaCarte", "mspSecureEssentials"}

// seedCompanies builds the tree from Options.Companies or seedTree. In seedTree a ParentID
// names the parent; in Options.Companies it is the parent's id.
func (s *Sim) seedCompanies() {
	list, byName := s.opts.Companies, false
	if len(list) == 0 {
		list, byName = seedTree(), true
	}
	for i, c := range list {
		if c.ID == "" {
			c.ID = s.hexID()
		}
		co := &company{Company: c}
		if i == 0 {
			co.ParentID = ""
		}
		s.companies = append(s.companies, co)
		s.byID[co.ID] = co
	}
	root := s.companies[0]
	for i, co := range s.companies[1:] {
		parent := s.byID[co.ParentID]
		if byName {
			parent = s.byName(list[i+1].ParentID)
		}
		if parent == nil {
			parent = root
		}
		co.ParentID = parent.ID
	}
	for i, co := range s.companies {
		s.describe(co, i)
	}
}

func (s *Sim) byName(name string) *company {
	for _, c := range s.companies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// describe gives a company its seeded details, licence and endpoints.
func (s *Sim) describe(co *company, index int) {
	prefix := hostPrefix(co.Name)
	co.domain = strings.ToLower(prefix) + ".example"
	co.country = []string{"US", "GB", "DE", "FR", "NL", "CA"}[s.rng.IntN(6)]
	co.phone = fmt.Sprintf("+1 555 01%02d", s.rng.IntN(100))
	co.address = fmt.Sprintf("%d Main Street, Springfield", 10+s.rng.IntN(900))
	co.createdAt = time.Date(2019+s.rng.IntN(5), time.Month(1+s.rng.IntN(12)), 1+s.rng.IntN(28), 9, 0, 0, 0, time.UTC)
	co.model = protectionModels[s.rng.IntN(len(protectionModels))]
	co.addOns = addOns{
		edr: s.rng.IntN(2) == 0, patch: s.rng.IntN(2) == 0, encryption: s.rng.IntN(3) == 0,
		ats: s.rng.IntN(3) == 0, email: s.rng.IntN(2) == 0, exchange: s.rng.IntN(4) == 0,
	}
	if s.rng.IntN(3) == 0 {
		co.minimum = 5
	}
	count := 2 + s.rng.IntN(4)
	if co.Partner {
		count = 1 + s.rng.IntN(2)
	}
	kinds := []string{"SRV", "WS", "WS", "LT", "WS", "LT"}
	for n := range count {
		name := fmt.Sprintf("%s-%s%02d", prefix, kinds[n%len(kinds)], n+1)
		user := users[s.rng.IntN(len(users))]
		co.endpoints = append(co.endpoints, Endpoint{
			CompanyID:  co.ID,
			ComputerID: s.hexID(),
			EndpointID: s.hexID(),
			Name:       name,
			FQDN:       strings.ToLower(name) + "." + co.domain,
			IP:         fmt.Sprintf("10.%d.%d.%d", 10+index%200, 1+s.rng.IntN(20), 10+n),
			HWID:       fmt.Sprintf("00000000-0000-0000-0000-%012x", s.rng.Uint64()&0xffffffffffff),
			User:       user,
			UserSID:    fmt.Sprintf("S-1-5-21-%d-%d-%d-%d", s.rng.Uint32(), s.rng.Uint32(), s.rng.Uint32(), 1001+s.rng.IntN(50)),
		})
	}
	describeInventory(co)
}

// describeInventory gives a company's endpoints what getEndpointsList tells
// of them, and gives a customer company unmanaged machines. Everything is
// derived from what describe drew, not drawn from the seeded generator, so
// that the usage, events and incidents a seed gave before stay the same.
func describeInventory(co *company) {
	co.group = derivedID(co.ID, "group")
	for n := range co.endpoints {
		ep := &co.endpoints[n]
		ep.Managed, ep.GroupID, ep.MachineType = true, co.group, 1
		mac := ep.HWID[len(ep.HWID)-12:]
		ep.MACs = []string{mac}
		switch kind := ep.Name[strings.LastIndex(ep.Name, "-")+1:]; {
		case strings.HasPrefix(kind, "SRV"):
			ep.OS, ep.Label, ep.MachineType = "Windows Server 2022 Datacenter", "Domain controller", 2
			ep.MACs = append(ep.MACs, derivedID(ep.HWID, "mac")[:12])
		case strings.HasPrefix(kind, "LT"):
			ep.OS, ep.Label = "Windows 11 Pro", "Laptop of "+ep.User
		case n == 4:
			ep.OS = "Linux Ubuntu 24.04.2 LTS"
		default:
			ep.OS = "Windows 10 Pro"
		}
	}
	if co.Partner {
		return
	}
	prefix := hostPrefix(co.Name)
	for n, kind := range []string{"PRN", "NAS"}[:1+len(co.endpoints)%2] {
		name := fmt.Sprintf("%s-%s%02d", prefix, kind, n+1)
		id := derivedID(co.ID, name)
		co.unmanaged = append(co.unmanaged, Endpoint{
			CompanyID: co.ID, EndpointID: id, Name: name,
			FQDN:    strings.ToLower(name) + "." + co.domain,
			IP:      fmt.Sprintf("10.%s.%d", strings.Join(strings.Split(co.endpoints[0].IP, ".")[1:3], "."), 200+n),
			MACs:    []string{id[12:]},
			GroupID: co.ID,
		})
	}
}

// derivedID is a 24-hex id derived from a seeded one and a purpose.
func derivedID(from, purpose string) string {
	sum := sha256.Sum256([]byte(from + "/" + purpose))
	return hex.EncodeToString(sum[:12])
}

var users = []string{"jsmith", "mgarcia", "lchen", "apatel", "okowalski", "sbrown", "tnguyen", "ejohnson"}

// hostPrefix makes a machine-name prefix of a company name: "Fabrikam, Inc." → "FABRIKAM".
func hostPrefix(name string) string {
	word := strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(word) == 0 {
		return "HOST"
	}
	p := strings.ToUpper(word[0])
	if len(p) > 8 {
		p = p[:8]
	}
	return p
}

// hexID is a 24-hex GravityZone id.
func (s *Sim) hexID() string {
	return fmt.Sprintf("%08x%016x", s.rng.Uint32(), s.rng.Uint64())
}

// Companies returns the simulated companies, the API key's own first.
func (s *Sim) Companies() []Company {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Company, len(s.companies))
	for i, c := range s.companies {
		out[i] = c.Company
	}
	return out
}

// Endpoints returns a company's managed endpoints, those its events name;
// Inventory lists the unmanaged ones too.
func (s *Sim) Endpoints(companyID string) []Endpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.byID[companyID]
	if c == nil {
		return nil
	}
	return append([]Endpoint(nil), c.endpoints...)
}

// children are the companies directly below c.
func (s *Sim) children(c *company) []*company {
	var out []*company
	for _, o := range s.companies {
		if o.ParentID == c.ID && o != c {
			out = append(out, o)
		}
	}
	return out
}
