package push

import (
	"fmt"

	"halobridge/internal/source"
)

type customerItem struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	ParentID string `json:"parent_id"`
	Domain   string `json:"domain"`
	Reseller bool   `json:"reseller"`
}

// ParseCustomers reads the body of PUT /api/push/v1/customers: an array of
// {id, name, parent_id?, domain?, reseller?}, upserted by id. An id may appear once per call
// and a customer may not be its own parent; a parent_id may name a customer sent earlier.
func ParseCustomers(body []byte) ([]source.Customer, error) {
	out, err := parseCustomers(body)
	return out, asError(err)
}

func parseCustomers(body []byte) ([]source.Customer, *Error) {
	if err := checkBody(body); err != nil {
		return nil, err
	}
	items, err := list(body, "customers")
	if err != nil {
		return nil, err
	}
	out := make([]source.Customer, 0, len(items))
	seen := map[string]int{}
	for i, raw := range items {
		at := fmt.Sprintf("customers[%d]", i)
		var it customerItem
		if err := decodeStrict(raw, at, &it); err != nil {
			return nil, err
		}
		id, e1 := text(at+".id", it.ID, 200, true)
		name, e2 := text(at+".name", it.Name, 200, true)
		parent, e3 := text(at+".parent_id", it.ParentID, 200, false)
		domain, e4 := text(at+".domain", it.Domain, 253, false)
		if err := firstError(e1, e2, e3, e4); err != nil {
			return nil, err
		}
		if j, dup := seen[id]; dup {
			return nil, fieldError(CodeDuplicate, at+".id", "%q repeats customers[%d].id", id, j)
		}
		seen[id] = i
		if parent == id {
			return nil, fieldError(CodeInvalidValue, at+".parent_id", "names the customer itself")
		}
		out = append(out, source.Customer{ID: id, Name: name, ParentID: parent, Domain: domain, Reseller: it.Reseller})
	}
	return out, nil
}
