package assetmap

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"halobridge/internal/events"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// Row states, as the page's filter and the API name them: the store's
// three, and unmapped for an endpoint without any row.
const (
	StateConfirmed = store.AssetConfirmed
	StateSuggested = store.AssetSuggested
	StateAmbiguous = store.AssetAmbiguous
	StateUnmapped  = "unmapped"
)

// States are the states a filter takes, in the page's order.
var States = []string{StateSuggested, StateAmbiguous, StateUnmapped, StateConfirmed}

// PageSize is how many rows a page shows.
const PageSize = 50

// Filter narrows a customer's rows.
type Filter struct {
	// State is "" for every row, else one of States.
	State string
	// Search keeps endpoints whose name, label, FQDN, IP or MAC, or whose
	// asset's tag, contains it (case-insensitive).
	Search string
	// Page counts from 1.
	Page int
}

// Row is one endpoint of a mapped customer with what it maps to.
type Row struct {
	Endpoint source.Endpoint `json:"endpoint"`
	State    string          `json:"state"`
	// Asset is the confirmed or suggested asset, nil otherwise.
	Asset *store.HaloAsset `json:"asset,omitempty"`
	// Candidates are the assets an ambiguous match found.
	Candidates []store.HaloAsset `json:"candidates,omitempty"`
	// Why says which rule matched and on what value, for a suggestion.
	Why string `json:"why,omitempty"`
	// Gone is true for a confirmed mapping whose endpoint the source no
	// longer lists (Endpoint then holds only what the mapping kept).
	Gone bool `json:"gone,omitempty"`
}

// Table is one page of a customer's rows.
type Table struct {
	SourceID   int64  `json:"source_id"`
	CustomerID string `json:"customer_id"`
	ClientID   int    `json:"client_id"`
	Rows       []Row  `json:"rows"`
	// Counts are the rows in each state, before the filter.
	Counts map[string]int `json:"counts"`
	// Total counts the rows the filter keeps.
	Total int `json:"total"`
	Page  int `json:"page"`
	Pages int `json:"pages"`
	// Assets are the client's active assets, for a person to choose from.
	Assets []store.HaloAsset `json:"assets"`
}

// Rows is one page of the endpoints of the customer sourceID/customerID,
// which a confirmed mapping sends to a HaloPSA client.
func (s *Service) Rows(ctx context.Context, partnerID, sourceID int64, customerID string, f Filter) (Table, error) {
	sc, err := s.scope(ctx, partnerID, sourceID, customerID)
	if err != nil {
		return Table{}, err
	}
	if f.State != "" && !slices.Contains(States, f.State) {
		return Table{}, &events.InputError{Field: "state", Message: fmt.Sprintf("state %q is not one of %s", f.State, strings.Join(States, ", "))}
	}
	in, err := s.load(ctx, partnerID, sc)
	if err != nil {
		return Table{}, err
	}
	cfg, err := s.Config(ctx, partnerID)
	if err != nil {
		return Table{}, err
	}
	all := in.table(cfg)
	t := Table{SourceID: sc.sourceID, CustomerID: sc.customerID, ClientID: sc.clientID, Counts: map[string]int{}}
	for _, a := range in.stored {
		if !a.Inactive {
			t.Assets = append(t.Assets, a)
		}
	}
	slices.SortFunc(t.Assets, func(a, b store.HaloAsset) int {
		return strings.Compare(strings.ToLower(assetLabel(a)), strings.ToLower(assetLabel(b)))
	})
	search := strings.ToLower(strings.TrimSpace(f.Search))
	var kept []Row
	for _, r := range all {
		t.Counts[r.State]++
		if (f.State == "" || r.State == f.State) && (search == "" || r.matches(search)) {
			kept = append(kept, r)
		}
	}
	t.Total = len(kept)
	t.Pages = max(1, (len(kept)+PageSize-1)/PageSize)
	t.Page = min(max(f.Page, 1), t.Pages)
	start := (t.Page - 1) * PageSize
	t.Rows = kept[start:min(start+PageSize, len(kept))]
	return t, nil
}

// table is every row of the scope, by endpoint name.
func (in inputs) table(cfg Config) []Row {
	byEndpoint := make(map[string]store.AssetMapping, len(in.rows))
	for _, m := range in.rows {
		byEndpoint[m.EndpointID] = m
	}
	asset := func(id int) *store.HaloAsset {
		if a, ok := in.stored[id]; ok {
			return &a
		}
		return nil
	}
	rows := make([]Row, 0, len(in.byID))
	for id, e := range in.byID {
		m, ok := byEndpoint[id]
		r := Row{Endpoint: e, State: StateUnmapped}
		if ok {
			r.State = m.State
			r.Asset = asset(m.AssetID)
			for _, c := range m.Candidates {
				if a := asset(c); a != nil {
					r.Candidates = append(r.Candidates, *a)
				}
			}
			if m.State == StateSuggested {
				r.Why = cfg.describe(m.Rule, m.Value)
			}
		}
		rows = append(rows, r)
	}
	for _, m := range in.rows {
		if _, listed := in.byID[m.EndpointID]; !listed && m.State == StateConfirmed {
			rows = append(rows, Row{Endpoint: source.Endpoint{ID: m.EndpointID, CustomerID: m.CustomerID, Name: m.EndpointName},
				State: StateConfirmed, Asset: asset(m.AssetID), Gone: true})
		}
	}
	slices.SortFunc(rows, func(a, b Row) int {
		if c := strings.Compare(strings.ToLower(a.Endpoint.Name), strings.ToLower(b.Endpoint.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.Endpoint.ID, b.Endpoint.ID)
	})
	return rows
}

// describe says in words which rule matched on which value.
func (c Config) describe(rule int, value string) string {
	if rule < 0 || rule >= len(c.Match.Rules) {
		return fmt.Sprintf("matched on %q", value)
	}
	r := c.Match.Rules[rule]
	return fmt.Sprintf("%s %s %s: %q", r.Property, modeWords(string(r.Mode)), r.AssetField, value)
}

func modeWords(mode string) string {
	if mode == "contains" {
		return "contains or is contained in"
	}
	return "equals"
}

func (r Row) matches(search string) bool {
	e := r.Endpoint
	values := append([]string{e.Name, e.Label, e.FQDN, e.ID}, append(e.IPs, e.MACs...)...)
	if r.Asset != nil {
		values = append(values, r.Asset.InventoryNumber, r.Asset.KeyField)
	}
	for _, v := range values {
		if strings.Contains(strings.ToLower(v), search) {
			return true
		}
	}
	return false
}

// scope is the confirmed mapping of sourceID/customerID; an input error
// when there is none, since assets are matched per mapped client.
func (s *Service) scope(ctx context.Context, partnerID, sourceID int64, customerID string) (scope, error) {
	if _, err := mapper.PartnerSource(ctx, s.Store, partnerID, sourceID); err != nil {
		return scope{}, err
	}
	all, err := s.Store.Mappings(ctx, partnerID)
	if err != nil {
		return scope{}, err
	}
	for _, m := range all {
		if m.SourceID == sourceID && m.CustomerID == customerID && m.Confirmed && m.ClientID > 0 {
			return scope{sourceID: sourceID, customerID: customerID, clientID: m.ClientID, siteID: m.SiteID}, nil
		}
	}
	return scope{}, fmt.Errorf("company %q of source %d: %w: map it to a HaloPSA client first", customerID, sourceID, store.ErrNotFound)
}

// Accept confirms the suggestions of the given endpoints of a customer, or
// every suggestion it has when endpointIDs is empty; ambiguous matches and
// confirmed mappings are left alone. It returns how many it confirmed.
func (s *Service) Accept(ctx context.Context, partnerID, sourceID int64, customerID string, endpointIDs []string) (int, error) {
	if _, err := s.scope(ctx, partnerID, sourceID, customerID); err != nil {
		return 0, err
	}
	if len(endpointIDs) == 0 {
		rows, _, err := s.Store.AssetMappings(ctx, partnerID, store.AssetMappingQuery{SourceID: sourceID, CustomerID: customerID, State: store.AssetSuggested})
		if err != nil {
			return 0, err
		}
		for _, r := range rows {
			endpointIDs = append(endpointIDs, r.EndpointID)
		}
	}
	keys := make([]store.AssetKey, 0, len(endpointIDs))
	for _, id := range endpointIDs {
		keys = append(keys, store.AssetKey{SourceID: sourceID, EndpointID: id})
	}
	return s.Store.ConfirmAssetMappings(ctx, partnerID, keys)
}

// Map confirms endpointID of a customer on the client's asset assetID, by
// a person's choice, in place of any suggestion.
func (s *Service) Map(ctx context.Context, partnerID, sourceID int64, customerID, endpointID string, assetID int) error {
	sc, err := s.scope(ctx, partnerID, sourceID, customerID)
	if err != nil {
		return err
	}
	in, err := s.load(ctx, partnerID, sc)
	if err != nil {
		return err
	}
	e, ok := in.byID[endpointID]
	if !ok {
		return &events.InputError{Field: "endpoint_id", Message: fmt.Sprintf("company %q has no endpoint %q as of the last sync: sync, or choose another endpoint", customerID, endpointID)}
	}
	a, ok := in.stored[assetID]
	switch {
	case assetID <= 0:
		return &events.InputError{Field: "asset_id", Message: "asset_id is required: the id of the HaloPSA asset to map the endpoint to"}
	case !ok:
		return &events.InputError{Field: "asset_id", Message: fmt.Sprintf("HaloPSA client %d has no asset %d as of the last sync: sync, or choose another asset", sc.clientID, assetID)}
	case a.Inactive:
		return &events.InputError{Field: "asset_id", Message: fmt.Sprintf("HaloPSA asset %s (id %d) is inactive: make it active in HaloPSA first, or choose another asset", assetLabel(a), a.ID)}
	}
	err = s.Store.SetAssetMapping(ctx, partnerID, store.AssetMapping{SourceID: sourceID, CustomerID: customerID, EndpointID: endpointID,
		EndpointName: e.Name, ClientID: sc.clientID, AssetID: assetID, State: store.AssetConfirmed})
	if errors.Is(err, store.ErrConflict) {
		return &events.InputError{Field: "asset_id", Message: err.Error()}
	}
	return err
}

// Unmap forgets what endpointID of a customer maps to; the next sync
// suggests again.
func (s *Service) Unmap(ctx context.Context, partnerID, sourceID int64, customerID, endpointID string) error {
	if _, err := s.scope(ctx, partnerID, sourceID, customerID); err != nil {
		return err
	}
	return s.Store.DeleteAssetMapping(ctx, partnerID, store.AssetKey{SourceID: sourceID, EndpointID: endpointID})
}
