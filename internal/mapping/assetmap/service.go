package assetmap

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/mapping/assetmatch"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// Service is what a sync and a person do with a partner's asset mappings.
// Every method takes the partner the caller acts for.
type Service struct {
	Store *store.Store
	// Halo reaches the partner's HaloPSA, to create assets.
	Halo *connect.Halo
	// ReadAssets reads the assets of one HaloPSA client again and keeps
	// them, as a sync does; a recheck of an asset's event uses it.
	ReadAssets func(ctx context.Context, partnerID int64, clientID int) error
}

// Result counts what Refresh did.
type Result struct {
	Suggested, Ambiguous, Created int
	Raised, Cleared               int
}

// scope is one customer mapped to a client: the unit asset mappings are
// kept and matched in.
type scope struct {
	sourceID   int64
	customerID string
	clientID   int
	// siteID is the mapping's site, 0 for the client's main site.
	siteID int
}

// scopes are the confirmed mappings with ticketing on: the clients whose
// assets the catalog keeps.
func (s *Service) scopes(ctx context.Context, partnerID int64) ([]scope, error) {
	all, err := s.Store.Mappings(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	var out []scope
	for _, m := range all {
		if m.Confirmed && m.Ticketing && m.ClientID > 0 {
			out = append(out, scope{sourceID: m.SourceID, customerID: m.CustomerID, clientID: m.ClientID, siteID: m.SiteID})
		}
	}
	return out, nil
}

// Refresh stores the smart match's suggestions for every customer mapped
// to a client with ticketing on, creates the assets the settings ask for,
// and settles the events of confirmed mappings whose endpoint or asset is
// gone. It runs after a sync read both the endpoints and the assets.
func (s *Service) Refresh(ctx context.Context, partnerID int64) (Result, error) {
	return s.refresh(ctx, partnerID, true)
}

// refresh is Refresh; create false creates no asset whatever the settings.
func (s *Service) refresh(ctx context.Context, partnerID int64, create bool) (Result, error) {
	var res Result
	cfg, err := s.Config(ctx, partnerID)
	if err != nil {
		return res, err
	}
	scopes, err := s.scopes(ctx, partnerID)
	if err != nil {
		return res, err
	}
	var found []store.Event
	creates := MaxCreatesPerSync
	for _, sc := range scopes {
		in, err := s.load(ctx, partnerID, sc)
		if err != nil {
			return res, err
		}
		got := assetmatch.Match(cfg.Match, in.endpoints, in.assets, in.confirmed)
		rows := suggestionRows(sc, cfg.Match, got, in.byID)
		if err := s.Store.SaveAssetSuggestions(ctx, partnerID, sc.sourceID, sc.customerID, sc.clientID, rows); err != nil {
			return res, err
		}
		res.Suggested += len(got.Suggestions)
		res.Ambiguous += len(got.Ambiguous)
		found = append(found, in.problems(partnerID, sc)...)
		if create && cfg.CreateAssets && creates > 0 {
			n, err := s.createUnmatched(ctx, partnerID, sc, cfg.AssetTypeID, in, got.Unmatched, creates)
			res.Created += n
			creates -= n
			if err != nil {
				return res, err
			}
		}
	}
	raised, cleared, err := events.Settle(ctx, s.Store, partnerID, found, func(e store.Event) bool {
		return e.Kind == events.EventEndpointGone || e.Kind == events.EventAssetDeleted
	})
	res.Raised, res.Cleared = raised, cleared
	return res, err
}

// inputs are one scope's endpoints, assets and confirmed mappings, as the
// matcher takes them and as a person reads them.
type inputs struct {
	endpoints []assetmatch.Endpoint
	byID      map[string]source.Endpoint
	assets    []assetmatch.Asset
	stored    map[int]store.HaloAsset
	confirmed map[string]int
	rows      []store.AssetMapping
}

func (s *Service) load(ctx context.Context, partnerID int64, sc scope) (inputs, error) {
	eps, err := s.Store.SourceEndpoints(ctx, sc.sourceID, sc.customerID)
	if err != nil {
		return inputs{}, err
	}
	assets, err := s.Store.HaloAssets(ctx, partnerID, sc.clientID)
	if err != nil {
		return inputs{}, err
	}
	rows, _, err := s.Store.AssetMappings(ctx, partnerID, store.AssetMappingQuery{SourceID: sc.sourceID, CustomerID: sc.customerID})
	if err != nil {
		return inputs{}, err
	}
	in := inputs{byID: make(map[string]source.Endpoint, len(eps)), stored: make(map[int]store.HaloAsset, len(assets)), confirmed: map[string]int{}, rows: rows}
	for _, e := range eps {
		in.byID[e.ID] = e
		in.endpoints = append(in.endpoints, matchEndpoint(e))
	}
	for _, a := range assets {
		in.stored[a.ID] = a
		if !a.Inactive {
			in.assets = append(in.assets, matchAsset(a))
		}
	}
	// An asset confirmed for an endpoint of another customer of the same
	// client is taken too: the matcher never suggests it again.
	taken, _, err := s.Store.AssetMappings(ctx, partnerID, store.AssetMappingQuery{ClientID: sc.clientID, State: store.AssetConfirmed})
	if err != nil {
		return inputs{}, err
	}
	for _, m := range taken {
		key := m.EndpointID
		if m.SourceID != sc.sourceID || m.CustomerID != sc.customerID {
			key = fmt.Sprintf("other:%d:%s", m.SourceID, m.EndpointID)
		}
		in.confirmed[key] = m.AssetID
	}
	return in, nil
}

// matchEndpoint is what the matcher compares of an endpoint.
func matchEndpoint(e source.Endpoint) assetmatch.Endpoint {
	return assetmatch.Endpoint{ID: e.ID, Name: e.Name, Label: e.Label, FQDN: e.FQDN, IPs: e.IPs, MACs: e.MACs}
}

// matchAsset is what the matcher compares of an asset: its top-level
// identifying fields by their HaloPSA names, then its fields by name.
func matchAsset(a store.HaloAsset) assetmatch.Asset {
	fields := make(map[string]string, len(a.Fields)+4)
	for name, v := range a.Fields {
		fields[name] = v
	}
	fields["inventory_number"] = a.InventoryNumber
	fields["key_field"] = a.KeyField
	fields["key_field2"] = a.KeyField2
	fields["key_field3"] = a.KeyField3
	return assetmatch.Asset{ID: a.ID, Fields: fields}
}

// suggestionRows are the rows SaveAssetSuggestions keeps of a match.
func suggestionRows(sc scope, set assetmatch.Settings, got assetmatch.Result, eps map[string]source.Endpoint) []store.AssetMapping {
	rows := make([]store.AssetMapping, 0, len(got.Suggestions)+len(got.Ambiguous))
	for _, sg := range got.Suggestions {
		rows = append(rows, store.AssetMapping{SourceID: sc.sourceID, CustomerID: sc.customerID, EndpointID: sg.EndpointID,
			EndpointName: eps[sg.EndpointID].Name, ClientID: sc.clientID, AssetID: sg.AssetID, State: store.AssetSuggested, Rule: sg.Rule, Value: sg.Value})
	}
	for _, am := range got.Ambiguous {
		rows = append(rows, store.AssetMapping{SourceID: sc.sourceID, CustomerID: sc.customerID, EndpointID: am.EndpointID,
			EndpointName: eps[am.EndpointID].Name, ClientID: sc.clientID, State: store.AssetAmbiguous, Rule: am.Rule, Candidates: am.AssetIDs})
	}
	return rows
}

// problems are the events of the scope's confirmed mappings whose endpoint
// the source no longer lists, or whose asset HaloPSA no longer has.
func (in inputs) problems(partnerID int64, sc scope) []store.Event {
	var out []store.Event
	for _, m := range in.rows {
		if m.State != store.AssetConfirmed {
			continue
		}
		data := events.Data{SourceID: sc.sourceID, CustomerID: sc.customerID, ClientID: sc.clientID, RefKind: "endpoint", RefID: m.EndpointID}.Encode()
		name := endpointLabel(m)
		if _, ok := in.byID[m.EndpointID]; !ok {
			out = append(out, store.Event{PartnerID: partnerID, Kind: events.EventEndpointGone, Key: eventKey(events.EventEndpointGone, m), Data: data, Subject: "Endpoint " + name,
				Message: fmt.Sprintf("The security console no longer lists endpoint %s, mapped to HaloPSA asset %d: tickets for it no longer name the asset.", name, m.AssetID),
				Fix:     "If the device was retired, remove the mapping (Resolve does it) and retire the asset in HaloPSA; if it was reinstalled under a new id, map the new endpoint on the Asset mapping page."})
			continue
		}
		a, ok := in.stored[m.AssetID]
		switch {
		case !ok:
			out = append(out, store.Event{PartnerID: partnerID, Kind: events.EventAssetDeleted, Key: eventKey(events.EventAssetDeleted, m), Data: data, Subject: fmt.Sprintf("HaloPSA asset %d", m.AssetID),
				Message: fmt.Sprintf("HaloPSA no longer has asset %d, mapped to endpoint %s: tickets for the endpoint carry no asset.", m.AssetID, name),
				Fix:     "Remove the mapping (Resolve does it) so that the smart match suggests another asset, or map the endpoint to another asset on the Asset mapping page."})
		case a.Inactive:
			out = append(out, store.Event{PartnerID: partnerID, Kind: events.EventAssetDeleted, Key: eventKey(events.EventAssetDeleted, m), Data: data, Subject: fmt.Sprintf("HaloPSA asset %d", m.AssetID),
				Message: fmt.Sprintf("HaloPSA asset %s (id %d), mapped to endpoint %s, is inactive.", assetLabel(a), a.ID, name),
				Fix:     "Make the asset active again in HaloPSA, or remove the mapping (Resolve does it) and map the endpoint to another asset."})
		}
	}
	return out
}

func eventKey(kind string, m store.AssetMapping) string {
	return fmt.Sprintf("%s/%d/%s", kind, m.SourceID, m.EndpointID)
}

// endpointLabel names an endpoint for a person: "PC-01" (id …).
func endpointLabel(m store.AssetMapping) string {
	if strings.TrimSpace(m.EndpointName) == "" {
		return fmt.Sprintf("%q", m.EndpointID)
	}
	return fmt.Sprintf("%q (id %s)", m.EndpointName, m.EndpointID)
}

// assetLabel names an asset for a person: its tag, else its first key
// field, else its id.
func assetLabel(a store.HaloAsset) string {
	for _, v := range []string{a.InventoryNumber, a.KeyField, a.KeyField2} {
		if v = strings.TrimSpace(v); v != "" {
			return fmt.Sprintf("%q", v)
		}
	}
	return fmt.Sprintf("#%d", a.ID)
}

// RecheckAssets reads the assets of the event's client from HaloPSA again,
// keeps them, and settles the partner's asset mapping events on them and
// the endpoints of the last sync; it creates no asset.
func (s *Service) RecheckAssets(ctx context.Context, partnerID int64, e store.Event) error {
	d := events.DataOf(e)
	if d.ClientID > 0 && s.ReadAssets != nil {
		if err := s.ReadAssets(ctx, partnerID, d.ClientID); err != nil {
			return err
		}
	}
	_, err := s.refresh(ctx, partnerID, false)
	return err
}

// RemoveAssetMapping forgets the mapping of the event's endpoint, and
// settles the partner's asset mapping events.
func (s *Service) RemoveAssetMapping(ctx context.Context, partnerID int64, e store.Event) (string, error) {
	d := events.DataOf(e)
	if d.SourceID == 0 || d.RefID == "" {
		return "", &events.InputError{Field: "id", Message: "the event does not name an endpoint: recheck it instead"}
	}
	if err := s.Store.DeleteAssetMapping(ctx, partnerID, store.AssetKey{SourceID: d.SourceID, EndpointID: d.RefID}); err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	if _, err := s.refresh(ctx, partnerID, false); err != nil {
		return "", err
	}
	return fmt.Sprintf("halobridge removed the asset mapping of endpoint %q; the smart match suggests an asset for it again if one matches.", d.RefID), nil
}
