package run

import (
	"context"
	"errors"
	"sort"
	"strconv"

	"halobridge/internal/billing"
	"halobridge/internal/ref"
	"halobridge/internal/store"
)

// Refs lists the HaloPSA items the partner's billing policy maps products
// to, so that every catalog sync checks they still exist (ref.ConfigRefs).
func (s *Service) Refs(ctx context.Context, partnerID int64) ([]ref.Ref, error) {
	p, err := s.Policy(ctx, partnerID)
	if errors.Is(err, ErrNoPolicy) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	products := make([]string, 0, len(p.Products))
	for k := range p.Products {
		products = append(products, k)
	}
	sort.Strings(products)
	var refs []ref.Ref
	for _, k := range products {
		if id := p.Products[k].ItemID; id > 0 {
			refs = append(refs, ref.Ref{Kind: store.KindItem, HaloID: strconv.Itoa(id), Label: "billing policy: item for " + k})
		}
	}
	return refs, nil
}

// AppendsToExistingInvoice says whether the partner's billing writes to each
// client's existing monthly recurring invoice (ref.InvoiceMode).
func (s *Service) AppendsToExistingInvoice(ctx context.Context, partnerID int64) (bool, error) {
	p, err := s.Policy(ctx, partnerID)
	if errors.Is(err, ErrNoPolicy) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return p.Mode == billing.ModeAppend, nil
}
