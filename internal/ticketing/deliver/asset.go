package deliver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// assetOf is the HaloPSA asset a confirmed asset mapping gives the
// endpoint of an alert routed to customerID's client clientID, nil for
// none: by the endpoint's ids at the source first, then by its host name.
// Found once a pass per endpoint.
func (p *pass) assetOf(ctx context.Context, a store.PendingAlert, customerID string, clientID int) (*ticketing.Asset, error) {
	e, ok := ticketing.EndpointOf(a.Alert)
	if !ok || customerID == "" {
		return nil, nil
	}
	ids := make([]string, 0, len(e.IDs))
	for _, id := range e.IDs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	key := fmt.Sprintf("%d %s %v %s", a.SourceID, customerID, ids, strings.ToLower(e.Name))
	if found, ok := p.assets[key]; ok {
		return found, nil
	}
	var m store.AssetMapping
	err := store.ErrNotFound
	for _, id := range slices.Compact(ids) {
		if m, err = p.svc.store.AssetOfEndpoint(ctx, p.partnerID, a.SourceID, customerID, id, ""); !errors.Is(err, store.ErrNotFound) {
			break
		}
	}
	if errors.Is(err, store.ErrNotFound) && e.Name != "" {
		m, err = p.svc.store.AssetOfEndpoint(ctx, p.partnerID, a.SourceID, customerID, "", e.Name)
	}
	var found *ticketing.Asset
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, err
	case m.ClientID == clientID && m.AssetID > 0:
		found, err = p.describeAsset(ctx, clientID, m.AssetID)
		if err != nil {
			return nil, err
		}
	}
	if p.assets == nil {
		p.assets = map[string]*ticketing.Asset{}
	}
	p.assets[key] = found
	return found, nil
}

// describeAsset is asset id of client clientID as the last sync read it,
// nil when HaloPSA no longer has it or made it inactive: a ticket must not
// carry an asset HaloPSA would refuse.
func (p *pass) describeAsset(ctx context.Context, clientID, id int) (*ticketing.Asset, error) {
	if p.clientAssets == nil {
		p.clientAssets = map[int]map[int]store.HaloAsset{}
	}
	byID, ok := p.clientAssets[clientID]
	if !ok {
		list, err := p.svc.store.HaloAssets(ctx, p.partnerID, clientID)
		if err != nil {
			return nil, err
		}
		byID = make(map[int]store.HaloAsset, len(list))
		for _, a := range list {
			byID[a.ID] = a
		}
		p.clientAssets[clientID] = byID
	}
	a, ok := byID[id]
	if !ok || a.Inactive {
		return nil, nil
	}
	name := a.InventoryNumber
	for _, v := range []string{a.KeyField, a.KeyField2} {
		if strings.TrimSpace(name) == "" {
			name = v
		}
	}
	return &ticketing.Asset{ID: a.ID, ClientID: clientID, Name: strings.TrimSpace(name), TypeName: a.AssetTypeName}, nil
}
