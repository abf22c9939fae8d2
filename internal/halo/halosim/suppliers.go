package halosim

import (
	"net/http"
	"strings"
)

// Supplier is a company the MSP buys from. Halo lists it under the schema "Supplier" (id and
// name only) and writes it as a "Company"; these are the Company fields the simulator keeps.
type Supplier struct {
	ID           int    `json:"id"`
	Name         string `json:"name"`
	Inactive     bool   `json:"inactive"`
	AccountsID   string `json:"accounts_id"`
	EmailAddress string `json:"email_address"`
	PhoneNumber  string `json:"phone_number"`
	Website      string `json:"website"`
	Notes        string `json:"notes"`
}

// listSuppliers answers GET /Supplier, a paginated list wrapped under "suppliers"
// (API.md §2.2: its document operation takes pageinate), active suppliers unless asked.
func (s *Sim) listSuppliers(c *call) reply {
	active, inactive := c.q.activeFilter()
	term := c.q.text("search")
	rows := filter(sortedValues(s.db.suppliers), func(sp Supplier) bool {
		return keepActive(active, inactive, sp.Inactive) && (term == "" || containsFold(sp.Name, term))
	})
	return wrapped(c.q, "suppliers", rows, s.pageCap(false))
}

func (s *Sim) getSupplier(_ *call, seg string) reply {
	id, _ := parseID(seg)
	sp, ok := s.db.suppliers[id]
	if !ok {
		return notFound("Supplier", seg)
	}
	return jsonReply(http.StatusOK, sp)
}

// postSuppliers creates suppliers and updates the fields sent on existing ones. Halo does not
// refuse a second supplier of the same name, so neither does the simulator: finding the
// existing one first is the caller's job.
func (s *Sim) postSuppliers(_ *call, objs []object) reply {
	var out []Supplier
	for _, o := range objs {
		var base Supplier
		id := o.id()
		if id > 0 {
			existing, ok := s.db.suppliers[id]
			if !ok {
				return notFound("Supplier", id)
			}
			base = existing
		}
		sp, rep, ok := patch(base, o)
		if !ok {
			return rep
		}
		sp.Name = strings.TrimSpace(sp.Name)
		if sp.Name == "" {
			return badRequest("Please enter a name for the Supplier")
		}
		if id == 0 {
			sp.ID = s.db.nextID("supplier")
		}
		s.db.suppliers[sp.ID] = sp
		out = append(out, sp)
	}
	return saved(out)
}

// supplierName is the name items show in supplier_name; empty when the id names no supplier.
func (s *Sim) supplierName(id int) string {
	return s.db.suppliers[id].Name
}

// Suppliers returns every supplier, inactive ones included, ordered by id.
func (s *Sim) Suppliers() []Supplier {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedValues(s.db.suppliers)
}

// AddSupplier stores a supplier as a person would create it in Halo's screens, giving it the
// next id when it has none, and returns it.
func (s *Sim) AddSupplier(sp Supplier) Supplier {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sp.ID == 0 {
		sp.ID = s.db.nextID("supplier")
	}
	s.db.reserveID("supplier", sp.ID)
	s.db.suppliers[sp.ID] = sp
	return sp
}

// Seeded supplier ids; the hardware items name the first two.
const (
	seedSupplierDell     = 11
	seedSupplierFortinet = 12
)

// seedSuppliers gives the instance the suppliers a small MSP has: its hardware vendors and a
// distributor it no longer buys from. None is a security platform, so halobridge has to add
// those itself.
func seedSuppliers(db *store) {
	for _, sp := range []Supplier{
		{ID: seedSupplierDell, Name: "Dell Technologies", Website: "https://www.dell.com", AccountsID: "SUP-DELL"},
		{ID: seedSupplierFortinet, Name: "Fortinet", Website: "https://www.fortinet.com", AccountsID: "SUP-FTNT"},
		{ID: 13, Name: "Northgate Distribution Ltd", Inactive: true, Notes: "Account closed; orders go through Dell direct"},
	} {
		db.suppliers[sp.ID] = sp
	}
	db.reserveID("supplier", 13)
}
