package syncrun

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"halobridge/internal/halo"
	"halobridge/internal/jobs"
	"halobridge/internal/store"
)

// countAssets is the progress count of the assets kept.
const countAssets = "assets"

// assets is the list of the HaloPSA assets of the clients tickets go to:
// the asset mapping matches source endpoints against them, and a ticket
// about a mapped host carries its asset. They are kept apart from the
// catalog, per client, inactive ones included so that an asset made
// inactive is not taken for one deleted.
func (s *Syncer) assets(partnerID int64) haloList {
	return haloList{what: "assets of mapped clients", kinds: []string{store.KindAsset},
		keep: func(ctx context.Context, c *halo.Client, p *jobs.Progress, res *Result) error {
			clients, err := s.ticketingClients(ctx, partnerID)
			if err != nil || len(clients) == 0 {
				return err
			}
			assets, err := readPerClient(ctx, clients, "assets",
				func(ctx context.Context) (int, error) {
					return c.CountAssets(ctx, halo.AssetQuery{IncludeInactive: true})
				},
				func(ctx context.Context, clientID int) ([]halo.Asset, error) {
					return c.Assets(ctx, halo.AssetQuery{ClientID: clientID, IncludeInactive: true})
				},
				func(a halo.Asset) int { return a.ClientID })
			if err != nil {
				return err
			}
			byClient := make(map[int][]store.HaloAsset, len(clients))
			for _, a := range assets {
				byClient[a.ClientID] = append(byClient[a.ClientID], storedAsset(a))
			}
			var errs []error
			for _, id := range clients {
				gone, err := s.Store.SaveHaloAssets(ctx, partnerID, id, byClient[id])
				if err != nil {
					errs = append(errs, err)
					continue
				}
				res.Assets += len(byClient[id])
				res.GoneAssets = append(res.GoneAssets, gone...)
				p.Count(countAssets, len(byClient[id]))
			}
			return errors.Join(errs...)
		}}
}

// storedAsset is what the store keeps of an asset: its fields, then its
// custom fields, by name, each name and value cut to the store's bound,
// and no more fields than it keeps.
func storedAsset(a halo.Asset) store.HaloAsset {
	fields := map[string]string{}
	for _, f := range append(append([]halo.AssetField(nil), a.Fields...), a.CustomFields...) {
		name := clip(strings.TrimSpace(f.Name))
		if name == "" {
			continue
		}
		if _, ok := fields[name]; !ok && len(fields) >= store.MaxHaloAssetFields {
			continue
		}
		fields[name] = clip(f.Value)
	}
	return store.HaloAsset{
		ID: a.ID, ClientID: a.ClientID, SiteID: a.SiteID, AssetTypeID: a.AssetTypeID,
		AssetTypeName: clip(a.AssetTypeName), InventoryNumber: clip(a.InventoryNumber),
		KeyField: clip(a.KeyField), KeyField2: clip(a.KeyField2), KeyField3: clip(a.KeyField3),
		Fields: fields, Inactive: a.Inactive,
	}
}

// clip cuts s to the store's bound on an asset's texts, on a character
// boundary.
func clip(s string) string {
	if len(s) <= store.MaxHaloAssetText {
		return s
	}
	s = s[:store.MaxHaloAssetText]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// readClientAssets reads the assets of one HaloPSA client again, inactive
// ones included, and keeps them as a sync does.
func (s *Syncer) readClientAssets(ctx context.Context, partnerID int64, clientID int) error {
	c, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		return err
	}
	list, err := c.Assets(ctx, halo.AssetQuery{ClientID: clientID, IncludeInactive: true})
	if err != nil {
		return fmt.Errorf("read the assets of HaloPSA client %d: %w", clientID, err)
	}
	kept := make([]store.HaloAsset, 0, len(list))
	for _, a := range list {
		kept = append(kept, storedAsset(a))
	}
	_, err = s.Store.SaveHaloAssets(ctx, partnerID, clientID, kept)
	return err
}
