package run

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"halobridge/internal/billing"
	"halobridge/internal/halo"
	"halobridge/internal/store"
)

// Proposals are the HaloPSA items halobridge offers to create for the
// products in use that the policy does not map.
type Proposals struct {
	Items []billing.ItemProposal `json:"items"`
	// Unchecked says which sources could not be read, and why: products
	// only they use are not proposed.
	Unchecked []string `json:"unchecked,omitempty"`
}

// CreatedItem is a product CreateItems gave an item.
type CreatedItem struct {
	Product billing.Product `json:"product"`
	ItemID  int             `json:"item_id"`
	Name    string          `json:"name"`
	// Existing is true when HaloPSA already had an item of that name, which
	// the product was mapped to instead of creating a duplicate.
	Existing bool `json:"existing,omitempty"`
}

// ProposeItems lists the items the partner's products in use lack; with no
// policy yet, every product in use is proposed.
func (s *Service) ProposeItems(ctx context.Context, partnerID int64) (Proposals, error) {
	p, hc, err := s.policyOrNew(ctx, partnerID)
	if err != nil {
		return Proposals{}, err
	}
	proposals, _, err := s.propose(ctx, hc, partnerID, p)
	return proposals, err
}

// propose is ProposeItems with the HaloPSA items it read, by id.
func (s *Service) propose(ctx context.Context, hc *halo.Client, partnerID int64, p Policy) (Proposals, map[int]halo.Item, error) {
	list, err := hc.Items(ctx)
	if err != nil {
		return Proposals{}, nil, fmt.Errorf("read the HaloPSA items: %w", err)
	}
	items, held := itemsOf(list)
	inUse, unchecked, err := s.inUse(ctx, partnerID)
	if err != nil {
		return Proposals{}, nil, err
	}
	return Proposals{Items: billing.ProposeItems(p.Policy, inUse, items), Unchecked: unchecked}, held, nil
}

// CreateItems gives each proposed product whose key is in keys (every
// proposed product when keys is empty) an item: an item HaloPSA already has
// under that name, or a new recurring item named after the product, its
// prices left for the partner to set, filed under the supplier named after
// its source (HaloPSA's supplier of that name in any case, or one created
// for the first item that needs it). The products' items are recorded in
// the policy, which is created without an invoice mode when there is none
// yet; what was done before an error is kept.
func (s *Service) CreateItems(ctx context.Context, partnerID int64, keys []string) ([]CreatedItem, error) {
	p, hc, err := s.policyOrNew(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	proposals, held, err := s.propose(ctx, hc, partnerID, p)
	if err != nil {
		return nil, err
	}
	wanted := map[string]bool{}
	for _, k := range keys {
		wanted[k] = true
	}
	for _, prop := range proposals.Items {
		delete(wanted, prop.Product.Key)
	}
	if len(wanted) > 0 {
		return nil, fmt.Errorf("no product in use lacks an item under the key(s) %s: see 'halobridge billing items propose'",
			strings.Join(slices.Sorted(maps.Keys(wanted)), ", "))
	}

	var done []CreatedItem
	var failed error
	sups := &suppliers{hc: hc}
	for _, prop := range proposals.Items {
		if len(keys) > 0 && !slices.Contains(keys, prop.Product.Key) {
			continue
		}
		c := CreatedItem{Product: prop.Product, ItemID: prop.ExistingItemID, Name: prop.Name, Existing: prop.ExistingItemID != 0}
		if !c.Existing {
			supplierID, err := sups.id(ctx, prop.Supplier)
			if err != nil {
				failed = fmt.Errorf("create the HaloPSA item %q: %w", prop.Name, err)
				break
			}
			it, err := hc.CreateItem(ctx, halo.Item{Name: prop.Name, IsRecurringItem: true, SupplierID: supplierID})
			if err != nil {
				failed = fmt.Errorf("create the HaloPSA item %q: %w", prop.Name, err)
				break
			}
			c.ItemID = it.ID
			held[it.ID] = it
		}
		done = append(done, c)
		// The pages name the item at once, not only after the next sync
		// has read HaloPSA's items.
		it := held[c.ItemID]
		it.ID = c.ItemID
		if err := s.rememberItem(ctx, partnerID, it, c.Name); err != nil {
			failed = err
			break
		}
	}
	if len(done) > 0 {
		if p.Products == nil {
			p.Products = map[string]billing.ProductRule{}
		}
		for _, c := range done {
			p.Products[c.Product.Key] = billing.ProductRule{ItemID: c.ItemID}
		}
		if err := s.storePolicy(ctx, partnerID, p); err != nil {
			return done, errors.Join(failed, err)
		}
	}
	return done, failed
}

// rememberItem puts an item halobridge created or chose in the stored
// catalog of HaloPSA's items.
func (s *Service) rememberItem(ctx context.Context, partnerID int64, it halo.Item, name string) error {
	it.Name = cmp.Or(it.Name, name)
	data, err := json.Marshal(it)
	if err != nil {
		return fmt.Errorf("encode HaloPSA item %d: %w", it.ID, err)
	}
	e := store.CatalogEntry{PartnerID: partnerID, Kind: store.KindItem, HaloID: strconv.Itoa(it.ID), Name: it.Name, Data: data, SyncedAt: s.now()}
	if err := s.Store.PutCatalogEntry(ctx, e); err != nil {
		return fmt.Errorf("remember the HaloPSA item %q: %w", it.Name, err)
	}
	return nil
}

// policyOrNew is the partner's policy, or an empty one when none is set,
// with the partner's HaloPSA client.
func (s *Service) policyOrNew(ctx context.Context, partnerID int64) (Policy, *halo.Client, error) {
	p, err := s.Policy(ctx, partnerID)
	if err != nil && !errors.Is(err, ErrNoPolicy) {
		return Policy{}, nil, err
	}
	hc, err := s.haloClient(ctx, partnerID)
	if err != nil {
		return Policy{}, nil, err
	}
	return p, hc, nil
}
