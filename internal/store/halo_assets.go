package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// HaloAsset is a HaloPSA asset of a client as the catalog sync read it.
// Fields holds its fields and then its custom fields by name: a custom
// field named like a field overrides it.
type HaloAsset struct {
	ID              int               `json:"id"`
	ClientID        int               `json:"client_id"`
	SiteID          int               `json:"site_id"`
	AssetTypeID     int               `json:"assettype_id"`
	AssetTypeName   string            `json:"assettype_name,omitempty"`
	InventoryNumber string            `json:"inventory_number,omitempty"`
	KeyField        string            `json:"key_field,omitempty"`
	KeyField2       string            `json:"key_field2,omitempty"`
	KeyField3       string            `json:"key_field3,omitempty"`
	Fields          map[string]string `json:"fields,omitempty"`
	Inactive        bool              `json:"inactive"`
}

// KindAsset names the HaloPSA assets where events name what a sync reads
// (a permission event's kinds), though they are kept apart from the
// catalog.
const KindAsset = "asset"

// Bounds of what is kept of a client's assets: a client of more assets
// than MaxHaloAssetsPerClient, or an asset of more fields than
// MaxHaloAssetFields, is refused; values and names longer than
// MaxHaloAssetText are for the caller to shorten.
const (
	MaxHaloAssetsPerClient = 20000
	MaxHaloAssetFields     = 300
	MaxHaloAssetText       = 1000
)

// SaveHaloAssets replaces the assets of one HaloPSA client with assets,
// as HaloPSA listed them just now, and returns the ids of the assets the
// client had at the last save that it no longer has (deleted in HaloPSA,
// or moved to a client not yet saved), in ascending order.
func (s *Store) SaveHaloAssets(ctx context.Context, partnerID int64, clientID int, assets []HaloAsset) (gone []int, err error) {
	if err := checkHaloAssets(clientID, assets); err != nil {
		return nil, fmt.Errorf("save assets of HaloPSA client %d of partner %d: %w", clientID, partnerID, err)
	}
	now := s.d.timeArg(s.timestamp())
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		held, err := assetIDs(ctx, tx, partnerID, clientID)
		if err != nil {
			return err
		}
		kept := make(map[int]bool, len(assets))
		for _, a := range assets {
			kept[a.ID] = true
		}
		for _, id := range held {
			if !kept[id] {
				gone = append(gone, id)
			}
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM halo_assets WHERE partner_id = $1 AND client_id = $2", partnerID, clientID); err != nil {
			return err
		}
		for _, a := range assets {
			fields, err := json.Marshal(nonNilFields(a.Fields))
			if err != nil {
				return fmt.Errorf("encode the fields of asset %d: %w", a.ID, err)
			}
			_, err = tx.ExecContext(ctx, `
				INSERT INTO halo_assets (partner_id, asset_id, client_id, site_id, assettype_id, assettype_name, inventory_number,
					key_field, key_field2, key_field3, fields, inactive, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
				ON CONFLICT (partner_id, asset_id) DO UPDATE SET client_id = excluded.client_id, site_id = excluded.site_id,
					assettype_id = excluded.assettype_id, assettype_name = excluded.assettype_name,
					inventory_number = excluded.inventory_number, key_field = excluded.key_field, key_field2 = excluded.key_field2,
					key_field3 = excluded.key_field3, fields = excluded.fields, inactive = excluded.inactive, updated_at = excluded.updated_at`,
				partnerID, a.ID, clientID, a.SiteID, a.AssetTypeID, a.AssetTypeName, a.InventoryNumber,
				a.KeyField, a.KeyField2, a.KeyField3, string(fields), a.Inactive, now)
			if err != nil {
				return mapError(err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("save assets of HaloPSA client %d of partner %d: %w", clientID, partnerID, err)
	}
	return gone, nil
}

func checkHaloAssets(clientID int, assets []HaloAsset) error {
	if clientID <= 0 {
		return fmt.Errorf("%w: no client id", ErrInvalid)
	}
	if len(assets) > MaxHaloAssetsPerClient {
		return fmt.Errorf("%w: %d assets, more than the %d kept per client", ErrInvalid, len(assets), MaxHaloAssetsPerClient)
	}
	for _, a := range assets {
		switch {
		case a.ID <= 0:
			return fmt.Errorf("%w: an asset without an id", ErrInvalid)
		case a.ClientID != 0 && a.ClientID != clientID:
			return fmt.Errorf("%w: asset %d belongs to client %d", ErrInvalid, a.ID, a.ClientID)
		case len(a.Fields) > MaxHaloAssetFields:
			return fmt.Errorf("%w: asset %d has %d fields, more than the %d kept", ErrInvalid, a.ID, len(a.Fields), MaxHaloAssetFields)
		}
	}
	return nil
}

func nonNilFields(fields map[string]string) map[string]string {
	if fields == nil {
		return map[string]string{}
	}
	return fields
}

func assetIDs(ctx context.Context, tx *sql.Tx, partnerID int64, clientID int) ([]int, error) {
	rows, err := tx.QueryContext(ctx, "SELECT asset_id FROM halo_assets WHERE partner_id = $1 AND client_id = $2 ORDER BY asset_id", partnerID, clientID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// HaloAssets reads the assets of one HaloPSA client, by id.
func (s *Store) HaloAssets(ctx context.Context, partnerID int64, clientID int) ([]HaloAsset, error) {
	rows, err := s.reader.QueryContext(ctx, `
		SELECT asset_id, client_id, site_id, assettype_id, assettype_name, inventory_number, key_field, key_field2, key_field3, fields, inactive
		FROM halo_assets WHERE partner_id = $1 AND client_id = $2 ORDER BY asset_id`, partnerID, clientID)
	if err != nil {
		return nil, fmt.Errorf("read assets of HaloPSA client %d of partner %d: %w", clientID, partnerID, err)
	}
	defer rows.Close()
	var out []HaloAsset
	for rows.Next() {
		var a HaloAsset
		var fields []byte
		if err := rows.Scan(&a.ID, &a.ClientID, &a.SiteID, &a.AssetTypeID, &a.AssetTypeName, &a.InventoryNumber,
			&a.KeyField, &a.KeyField2, &a.KeyField3, &fields, &a.Inactive); err != nil {
			return nil, fmt.Errorf("read assets of HaloPSA client %d of partner %d: %w", clientID, partnerID, err)
		}
		if err := json.Unmarshal(fields, &a.Fields); err != nil {
			return nil, fmt.Errorf("read the fields of asset %d of partner %d: %w", a.ID, partnerID, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read assets of HaloPSA client %d of partner %d: %w", clientID, partnerID, err)
	}
	return out, nil
}

// HaloAssetFieldNames lists the names of the fields the partner's assets
// have, sorted case-insensitively, each once: what a person may choose to
// compare with an endpoint's properties.
func (s *Store) HaloAssetFieldNames(ctx context.Context, partnerID int64) ([]string, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT fields FROM halo_assets WHERE partner_id = $1", partnerID)
	if err != nil {
		return nil, fmt.Errorf("read the asset field names of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	var names []string
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return nil, fmt.Errorf("read the asset field names of partner %d: %w", partnerID, err)
		}
		var fields map[string]string
		if err := json.Unmarshal(raw, &fields); err != nil {
			return nil, fmt.Errorf("read the asset field names of partner %d: %w", partnerID, err)
		}
		for name := range fields {
			if !seen[name] {
				seen[name] = true
				names = append(names, name)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the asset field names of partner %d: %w", partnerID, err)
	}
	slices.SortFunc(names, func(a, b string) int {
		if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return names, nil
}

// HaloAssetType is an asset type of a partner's HaloPSA, as its assets
// name it.
type HaloAssetType struct {
	ID   int    `json:"id"`
	Name string `json:"name,omitempty"`
}

// HaloAssetTypes are the asset types the partner's stored assets have,
// sorted by name: those a person most likely means when choosing the type
// of new assets.
func (s *Store) HaloAssetTypes(ctx context.Context, partnerID int64) ([]HaloAssetType, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT assettype_id, MAX(assettype_name) FROM halo_assets
		WHERE partner_id = $1 AND assettype_id > 0 GROUP BY assettype_id`, partnerID)
	if err != nil {
		return nil, fmt.Errorf("read the asset types of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	var types []HaloAssetType
	for rows.Next() {
		var t HaloAssetType
		if err := rows.Scan(&t.ID, &t.Name); err != nil {
			return nil, fmt.Errorf("read the asset types of partner %d: %w", partnerID, err)
		}
		types = append(types, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the asset types of partner %d: %w", partnerID, err)
	}
	slices.SortFunc(types, func(a, b HaloAssetType) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return a.ID - b.ID
	})
	return types, nil
}
