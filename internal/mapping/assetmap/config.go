package assetmap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"halobridge/internal/events"
	"halobridge/internal/mapping/assetmatch"
	"halobridge/internal/store"
)

// Config is a partner's asset mapping settings: how the smart match
// compares endpoints with assets, and whether a sync creates the HaloPSA
// asset of an endpoint nothing matches.
type Config struct {
	Match assetmatch.Settings `json:"match"`
	// CreateAssets has each sync create, in HaloPSA, an asset of type
	// AssetTypeID for the managed endpoints of a mapped customer that no
	// asset matches, at most MaxCreatesPerSync a sync.
	CreateAssets bool `json:"create_assets"`
	AssetTypeID  int  `json:"assettype_id,omitempty"`
}

// MaxCreatesPerSync bounds the assets one sync creates, so that a first
// sync of a large customer cannot spend the HaloPSA budget on assets.
const MaxCreatesPerSync = 50

// DefaultConfig is what a partner that saved no settings gets: the smart
// match's default rules, and no asset created.
func DefaultConfig() Config { return Config{Match: assetmatch.DefaultSettings()} }

// Validate says what a person must change for c to be saved.
func (c Config) Validate() error {
	if err := c.Match.Validate(); err != nil {
		return &events.InputError{Field: "match", Message: err.Error()}
	}
	if c.CreateAssets && c.AssetTypeID <= 0 {
		return &events.InputError{Field: "assettype_id", Message: "assettype_id is required to create assets: choose the HaloPSA asset type new assets get"}
	}
	if c.AssetTypeID < 0 {
		return &events.InputError{Field: "assettype_id", Message: "assettype_id must be the id of a HaloPSA asset type"}
	}
	return nil
}

// Config reads the partner's settings, or the defaults when none are saved.
func (s *Service) Config(ctx context.Context, partnerID int64) (Config, error) {
	raw, err := s.Store.AssetMatchSettings(ctx, partnerID)
	if errors.Is(err, store.ErrNotFound) {
		return DefaultConfig(), nil
	}
	if err != nil {
		return Config{}, err
	}
	c := DefaultConfig()
	if err := json.Unmarshal(raw, &c); err != nil {
		return Config{}, fmt.Errorf("read the asset mapping settings of partner %d: %w; save them again on the Asset mapping page", partnerID, err)
	}
	return c, nil
}

// SaveConfig checks c and saves it; the next sync matches by it.
func (s *Service) SaveConfig(ctx context.Context, partnerID int64, c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return s.Store.SaveAssetMatchSettings(ctx, partnerID, raw)
}
