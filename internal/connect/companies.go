package connect

import (
	"context"

	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// Company is a customer of one of a partner's sources.
type Company struct {
	SourceID   int64
	CustomerID string
}

// CompanyNames names every company of the partner's sources.
func CompanyNames(ctx context.Context, st *store.Store, partnerID int64) (map[Company]string, error) {
	sources, err := st.Sources(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	out := map[Company]string{}
	for _, src := range sources {
		customers, err := st.SourceCustomers(ctx, src.ID)
		if err != nil {
			return nil, err
		}
		for _, c := range customers {
			out[Company{SourceID: src.ID, CustomerID: c.ID}] = c.Name
		}
	}
	return out, nil
}

// AlertCompany names the company of an alert of sourceID for a person:
// by names (CompanyNames), or, for an alert that names no company, in
// words ("GravityZone sent this event without a company"); "" for a
// company without a known name.
func AlertCompany(names map[Company]string, sourceID int64, a source.Alert) string {
	if a.CustomerID == "" {
		return ticketing.NoCompany(a)
	}
	return names[Company{SourceID: sourceID, CustomerID: a.CustomerID}]
}
