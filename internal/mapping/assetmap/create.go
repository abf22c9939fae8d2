package assetmap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// CreateResult says what Create did.
type CreateResult struct {
	// Created counts the assets created in HaloPSA, Adopted the endpoints
	// mapped to an asset HaloPSA already had under the endpoint's name (one
	// an earlier, interrupted creation made).
	Created, Adopted int
}

// Create creates, in HaloPSA, an asset of type assetTypeID for each of the
// given endpoints of a customer that no mapping confirms, and confirms
// the mapping; with no endpoints given, for every managed endpoint left
// unmapped. It is idempotent: an asset of the client tagged with the
// endpoint's name, as halobridge tags the assets it creates, is mapped
// instead of a second one created.
func (s *Service) Create(ctx context.Context, partnerID, sourceID int64, customerID string, endpointIDs []string, assetTypeID int) (CreateResult, error) {
	if assetTypeID <= 0 {
		return CreateResult{}, &events.InputError{Field: "assettype_id", Message: "assettype_id is required: the id of the HaloPSA asset type the new assets get"}
	}
	sc, err := s.scope(ctx, partnerID, sourceID, customerID)
	if err != nil {
		return CreateResult{}, err
	}
	in, err := s.load(ctx, partnerID, sc)
	if err != nil {
		return CreateResult{}, err
	}
	mapped := map[string]bool{}
	for _, m := range in.rows {
		mapped[m.EndpointID] = m.State == store.AssetConfirmed
	}
	var todo []source.Endpoint
	if len(endpointIDs) == 0 {
		for _, e := range in.byID {
			if e.Managed && !mapped[e.ID] {
				todo = append(todo, e)
			}
		}
	}
	for _, id := range endpointIDs {
		e, ok := in.byID[id]
		switch {
		case !ok:
			return CreateResult{}, &events.InputError{Field: "endpoint_ids", Message: fmt.Sprintf("company %q has no endpoint %q as of the last sync: sync, or leave it out", customerID, id)}
		case mapped[id]:
			return CreateResult{}, &events.InputError{Field: "endpoint_ids", Message: fmt.Sprintf("endpoint %q is already mapped to an asset: unmap it first", e.Name)}
		}
		todo = append(todo, e)
	}
	return s.create(ctx, partnerID, sc, todo, assetTypeID)
}

// createUnmatched creates the assets of a sync: the managed endpoints the
// smart match found nothing for, at most limit of them.
func (s *Service) createUnmatched(ctx context.Context, partnerID int64, sc scope, assetTypeID int, in inputs, unmatched []string, limit int) (int, error) {
	var todo []source.Endpoint
	for _, id := range unmatched {
		if e, ok := in.byID[id]; ok && e.Managed && strings.TrimSpace(e.Name) != "" {
			todo = append(todo, e)
		}
		if len(todo) == limit {
			break
		}
	}
	if len(todo) == 0 {
		return 0, nil
	}
	res, err := s.create(ctx, partnerID, sc, todo, assetTypeID)
	return res.Created + res.Adopted, err
}

func (s *Service) create(ctx context.Context, partnerID int64, sc scope, todo []source.Endpoint, assetTypeID int) (CreateResult, error) {
	var res CreateResult
	if len(todo) == 0 {
		return res, nil
	}
	hc, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		return res, err
	}
	// The client's assets as HaloPSA has them now, not as the last sync
	// read them: an asset created by an interrupted run is found here.
	existing, err := hc.Assets(ctx, halo.AssetQuery{ClientID: sc.clientID})
	if err != nil {
		return res, fmt.Errorf("read the assets of HaloPSA client %d: %w", sc.clientID, err)
	}
	byTag := map[string]int{}
	for _, a := range existing {
		if tag := strings.ToLower(strings.TrimSpace(a.InventoryNumber)); tag != "" && !a.Inactive {
			byTag[tag] = a.ID
		}
	}
	siteID, err := s.siteFor(ctx, partnerID, hc, sc)
	if err != nil {
		return res, err
	}
	for _, e := range todo {
		name := strings.TrimSpace(e.Name)
		if name == "" {
			continue
		}
		id, found := byTag[strings.ToLower(name)]
		if found {
			res.Adopted++
		} else {
			created, err := hc.CreateAsset(ctx, halo.NewAsset{ClientID: sc.clientID, SiteID: siteID, AssetTypeID: assetTypeID, InventoryNumber: name})
			if err != nil {
				return res, fmt.Errorf("create the HaloPSA asset of endpoint %q: %w", name, err)
			}
			id = created.ID
			byTag[strings.ToLower(name)] = id
			res.Created++
		}
		err := s.Store.SetAssetMapping(ctx, partnerID, store.AssetMapping{SourceID: sc.sourceID, CustomerID: sc.customerID, EndpointID: e.ID,
			EndpointName: name, ClientID: sc.clientID, AssetID: id, State: store.AssetConfirmed})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// siteFor is the site new assets of the scope's client go on: the
// mapping's, else the client's main site as the last sync read it, else
// as HaloPSA says now.
func (s *Service) siteFor(ctx context.Context, partnerID int64, hc *halo.Client, sc scope) (int, error) {
	if sc.siteID != 0 {
		return sc.siteID, nil
	}
	var client halo.ClientRecord
	e, err := s.Store.CatalogEntry(ctx, partnerID, store.KindClient, strconv.Itoa(sc.clientID))
	switch {
	case err == nil:
		if err := json.Unmarshal(e.Data, &client); err != nil {
			return 0, fmt.Errorf("read HaloPSA client %d of the catalog: %w", sc.clientID, err)
		}
	case !errors.Is(err, store.ErrNotFound):
		return 0, err
	}
	if client.MainSiteID == 0 {
		if client, err = hc.Client(ctx, sc.clientID); err != nil {
			return 0, fmt.Errorf("read HaloPSA client %d for its main site: %w", sc.clientID, err)
		}
	}
	if client.MainSiteID == 0 {
		return 0, &events.InputError{Field: "client_id", Message: fmt.Sprintf("HaloPSA client %d has no main site for new assets: map the company to a site, or give the client a main site in HaloPSA", sc.clientID)}
	}
	return client.MainSiteID, nil
}
