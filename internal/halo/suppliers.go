package halo

import (
	"context"
	"net/url"
)

// Supplier is a company the MSP buys from (Halo's "Supplier"; written as a "Company"). Items
// name theirs in supplier_id.
type Supplier struct {
	ID       int    `json:"id,omitempty"`
	Name     string `json:"name,omitempty"`
	Inactive bool   `json:"inactive,omitempty"`
}

// Suppliers returns every supplier, inactive ones included: a caller looking for one by name
// must see a deactivated supplier rather than create a second of that name.
func (c *Client) Suppliers(ctx context.Context) ([]Supplier, error) {
	return readAll[Supplier](ctx, c, list{
		template: "/Supplier", key: "suppliers", pageSize: pageSizeUncapped,
		query: url.Values{"includeinactive": {"true"}},
	})
}

// CreateSupplier creates a supplier.
func (c *Client) CreateSupplier(ctx context.Context, s Supplier) (Supplier, error) {
	if err := mustCreate("supplier", s.ID); err != nil {
		return Supplier{}, err
	}
	return postOne(ctx, c, "/Supplier", s)
}
