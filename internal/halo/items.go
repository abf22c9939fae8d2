package halo

import "context"

// Item is a product or service the MSP sells; recurring-invoice lines point at it.
type Item struct {
	ID                int     `json:"id,omitempty"`
	Name              string  `json:"name,omitempty"`
	Description       string  `json:"description,omitempty"`
	BasePrice         float64 `json:"baseprice,omitempty"`
	CostPrice         float64 `json:"costprice,omitempty"`
	RecurringPrice    float64 `json:"recurringprice,omitempty"`
	RecurringCost     float64 `json:"recurringcost,omitempty"`
	IsRecurringItem   bool    `json:"isrecurringitem,omitempty"`
	NominalCode       string  `json:"nominalcode,omitempty"`
	TaxCode           int     `json:"taxcode,omitempty"`
	AccountsID        string  `json:"accountsid,omitempty"`
	InternalReference string  `json:"internalreference,omitempty"`
	ExternalReference string  `json:"externalreference,omitempty"`
	SupplierID        int     `json:"supplier_id,omitempty"`
	ThirdPartyID      string  `json:"third_party_id,omitempty"`
}

// Items returns every item.
func (c *Client) Items(ctx context.Context) ([]Item, error) {
	return readAll[Item](ctx, c, list{template: "/Item", key: "items", pageSize: pageSizeUncapped})
}

// CreateItem creates an item.
func (c *Client) CreateItem(ctx context.Context, item Item) (Item, error) {
	if err := mustCreate("item", item.ID); err != nil {
		return Item{}, err
	}
	return postOne(ctx, c, "/Item", item)
}
