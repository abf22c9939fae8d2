package halosim

import (
	"net/http"
	"slices"
	"strings"
)

// Item is a product or service that can be sold or billed (SW Item).
type Item struct {
	ID                int            `json:"id"`
	Name              string         `json:"name"`
	Description       string         `json:"description"`
	BasePrice         float64        `json:"baseprice"`
	CostPrice         float64        `json:"costprice"`
	RecurringPrice    float64        `json:"recurringprice"`
	RecurringCost     float64        `json:"recurringcost"`
	IsRecurringItem   bool           `json:"isrecurringitem"`
	NominalCode       string         `json:"nominalcode"`
	TaxCode           int            `json:"taxcode"`
	AccountsID        string         `json:"accountsid"`
	InternalReference string         `json:"internalreference"`
	ExternalReference string         `json:"externalreference"`
	SupplierID        int            `json:"supplier_id"`
	SupplierName      string         `json:"supplier_name"`
	ThirdPartyID      string         `json:"third_party_id"`
	Type              int            `json:"type"`
	CustomFields      []CustomField  `json:"customfields"`
	ExternalLinks     []ExternalLink `json:"external_links"`
	Use               string         `json:"use"`
}

func (s *Sim) itemView(it Item) Item {
	it.CustomFields = nonNil(slices.Clone(it.CustomFields))
	it.ExternalLinks = s.linksFor(tableItem, it.ID)
	it.SupplierName = s.supplierName(it.SupplierID)
	it.Use = "item"
	return it
}

func (s *Sim) listItems(c *call) reply {
	term := c.q.text("search")
	recurringOnly := c.q.flag("recurringonly", false)
	excludeRecurring := c.q.flag("excluderecurring", false)
	rows := filter(sortedValues(s.db.items), func(it Item) bool {
		return (term == "" || containsFold(it.Name, term) || containsFold(it.Description, term)) &&
			(!recurringOnly || it.IsRecurringItem) &&
			(!excludeRecurring || !it.IsRecurringItem)
	})
	views := make([]Item, 0, len(rows))
	for _, it := range rows {
		views = append(views, s.itemView(it))
	}
	views, rep, ok := advancedSearch(c.q, views)
	if !ok {
		return rep
	}
	return wrapped(c.q, "items", views, s.pageCap(false))
}

func (s *Sim) getItem(_ *call, seg string) reply {
	id, _ := parseID(seg)
	it, ok := s.db.items[id]
	if !ok {
		return notFound("Item", seg)
	}
	return jsonReply(http.StatusOK, s.itemView(it))
}

func (s *Sim) postItems(_ *call, objs []object) reply {
	var out []Item
	for _, o := range objs {
		var base Item
		id := o.id()
		if id > 0 {
			existing, ok := s.db.items[id]
			if !ok {
				return notFound("Item", id)
			}
			base = existing
		}
		it, rep, ok := patch(base, o)
		if !ok {
			return rep
		}
		it.Name = strings.TrimSpace(it.Name)
		if it.Name == "" {
			return badRequest("Please enter a name for the Item")
		}
		if id == 0 {
			it.ID = s.db.nextID("item")
		}
		it.ExternalLinks, it.SupplierName = nil, ""
		s.db.items[it.ID] = it
		if rep, ok := s.addNewLink(o, tableItem, it.ID, it.Name); !ok {
			return rep
		}
		out = append(out, s.itemView(it))
	}
	return saved(out)
}

func (s *Sim) deleteItem(_ *call, seg string) reply {
	id, _ := parseID(seg)
	it, ok := s.db.items[id]
	if !ok {
		return notFound("Item", seg)
	}
	view := s.itemView(it)
	s.removeItem(id)
	return jsonReply(http.StatusOK, view)
}

// removeItem deletes an item; invoice lines keep pointing at its id, as billing must notice.
func (s *Sim) removeItem(id int) {
	s.dropLinks(tableItem, id)
	delete(s.db.items, id)
}

// Items returns every item ordered by id.
func (s *Sim) Items() []Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Item{}
	for _, it := range sortedValues(s.db.items) {
		out = append(out, s.itemView(it))
	}
	return out
}

// DeleteItem removes an item (recurring-invoice lines that bill it stay).
func (s *Sim) DeleteItem(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeItem(id)
}
