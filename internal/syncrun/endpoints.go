package syncrun

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"halobridge/internal/jobs"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// readEndpoints keeps the endpoints of every customer of a source that can
// list them, so that an alert naming no company is routed by its endpoint
// and assets are matched to devices: one customer's list replaces what the
// last sync kept of it. Endpoints without an id, or with one too long to be
// found again, are left out.
//
// A partner company's list holds the endpoints of the companies below it
// too (GravityZone lists recursively), so customers are read deepest first
// and an endpoint stays with the deepest company that lists it. The first
// customer whose list fails stops the read, before any company above it
// could take its endpoints.
func (s *Syncer) readEndpoints(ctx context.Context, src store.Source, lister source.EndpointLister, customers []source.Customer, p *jobs.Progress, res *Result) error {
	claimed := map[string]bool{}
	for _, c := range deepestFirst(customers) {
		// A change the source pushes while the list is read is newer than
		// the list and wins over it.
		listedAt := s.Store.Now()
		eps, err := lister.Endpoints(ctx, c.ID)
		if err != nil {
			return fmt.Errorf("list the endpoints of customer %s: %w", customerNamed(c), err)
		}
		kept := keepEndpoints(eps, c.ID, claimed)
		if _, err := s.Store.SaveSourceEndpoints(ctx, src.ID, c.ID, kept, listedAt); err != nil {
			return err
		}
		res.Endpoints += len(kept)
		p.Count("endpoints", len(kept))
	}
	return nil
}

// keepEndpoints is what is kept of a customer's list: each endpoint
// cleaned, of this customer, once, and not claimed by a company below it;
// at most source.MaxEndpointsPerCustomer. The ids kept are added to
// claimed.
func keepEndpoints(eps []source.Endpoint, customerID string, claimed map[string]bool) []source.Endpoint {
	kept := eps[:0]
	for _, e := range eps {
		if !e.Clean() || claimed[e.ID] || len(kept) == source.MaxEndpointsPerCustomer {
			continue
		}
		e.CustomerID = customerID
		claimed[e.ID] = true
		kept = append(kept, e)
	}
	return kept
}

// deepestFirst orders customers by their depth in the source's tree, the
// deepest first, keeping the source's order among equals.
func deepestFirst(customers []source.Customer) []source.Customer {
	parent := make(map[string]string, len(customers))
	for _, c := range customers {
		parent[c.ID] = c.ParentID
	}
	depth := func(id string) int {
		d := 0
		// A cycle in a hostile tree stops at the number of customers.
		for seen := 0; parent[id] != "" && seen < len(customers); seen++ {
			id, d = parent[id], d+1
		}
		return d
	}
	depths := make(map[string]int, len(customers))
	for _, c := range customers {
		depths[c.ID] = depth(c.ID)
	}
	out := slices.Clone(customers)
	slices.SortStableFunc(out, func(a, b source.Customer) int { return cmp.Compare(depths[b.ID], depths[a.ID]) })
	return out
}
