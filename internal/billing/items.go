package billing

import (
	"slices"
	"strings"
)

// Item is the part of a HaloPSA item billing needs.
type Item struct {
	ID      int    `json:"id"`
	Name    string `json:"name"`
	Deleted bool   `json:"deleted,omitempty"`
}

// usableItem returns the item when it exists in HaloPSA and was not deleted.
func usableItem(items map[int]Item, id int) (Item, bool) {
	it, ok := items[id]
	return it, ok && !it.Deleted
}

// ItemProposal offers to create a HaloPSA item for a product in use that has
// none yet. Prices are left for the partner to set.
type ItemProposal struct {
	Product  Product `json:"product"`
	Name     string  `json:"name"`
	Supplier string  `json:"supplier,omitempty"`
	// ExistingItemID is an item that already has this name: offer to map the
	// product to it instead of creating a duplicate.
	ExistingItemID int `json:"existing_item_id,omitempty"`
}

// ProposeItems lists the products in use that the policy does not map,
// skipping endpoint counts of the basis not in force (they are never billed).
func ProposeItems(p Policy, inUse []Product, items map[int]Item) []ItemProposal {
	byName := map[string]int{}
	ids := make([]int, 0, len(items))
	for id := range items {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		it := items[id]
		name := strings.ToLower(strings.TrimSpace(it.Name))
		if _, taken := byName[name]; !taken && !it.Deleted {
			byName[name] = id
		}
	}
	var out []ItemProposal
	for _, prod := range inUse {
		if !prod.billedUnder(p.SeatBasis()) || p.Products[prod.Key].ItemID > 0 {
			continue
		}
		out = append(out, ItemProposal{
			Product:        prod,
			Name:           prod.Name,
			Supplier:       prod.Supplier,
			ExistingItemID: byName[strings.ToLower(strings.TrimSpace(prod.Name))],
		})
	}
	return out
}
