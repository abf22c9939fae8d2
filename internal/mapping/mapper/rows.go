package mapper

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"halobridge/internal/events"
	"halobridge/internal/mapping"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// MappingView is one mapping or suggestion as the mapping table shows it.
type MappingView struct {
	SourceID     int64       `json:"source_id"`
	SourceName   string      `json:"source_name"`
	SourceKind   source.Kind `json:"source_kind"`
	CustomerID   string      `json:"customer_id"`
	CustomerName string      `json:"customer_name"`
	// SeenInPush marks a company known from the events it pushed, not
	// (yet) from the source's customer list.
	SeenInPush bool    `json:"seen_in_push,omitempty"`
	ClientID   int     `json:"client_id"`
	ClientName string  `json:"client_name"`
	SiteID     int     `json:"site_id,omitempty"`
	SiteName   string  `json:"site_name,omitempty"`
	Ticketing  bool    `json:"ticketing"`
	Billing    bool    `json:"billing"`
	Confirmed  bool    `json:"confirmed"`
	Rule       string  `json:"rule,omitempty"`
	Score      float64 `json:"score,omitempty"`
	// Status is "ok", "has_events" or "n/a" (mapping.Status).
	Status string `json:"status"`
	// Events counts the open or acknowledged events about the mapping.
	Events int `json:"events"`
}

// ClientRow is one HaloPSA client with the customers mapped or suggested
// to it.
type ClientRow struct {
	ClientID     int    `json:"client_id"`
	Name         string `json:"name"`
	TopLevelID   int    `json:"toplevel_id,omitempty"`
	TopLevelName string `json:"toplevel_name,omitempty"`
	Inactive     bool   `json:"inactive,omitempty"`
	// Missing marks a client HaloPSA no longer has that mappings still name.
	Missing  bool          `json:"missing,omitempty"`
	Mappings []MappingView `json:"mappings"`
}

// TopLevel is a HaloPSA top level, for filtering the table.
type TopLevel struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// MappingTable is what the mapping page shows.
type MappingTable struct {
	Rows      []ClientRow `json:"rows"`
	TopLevels []TopLevel  `json:"top_levels"`
	// Unmapped are the companies without a confirmed mapping, which a
	// person may map, by source and name (resellers, which only group
	// other companies, left out).
	Unmapped []Company `json:"unmapped"`
}

// Company is a company of a source as the mapping table lists it.
type Company struct {
	SourceID     int64       `json:"source_id"`
	SourceName   string      `json:"source_name"`
	SourceKind   source.Kind `json:"source_kind"`
	CustomerID   string      `json:"customer_id"`
	CustomerName string      `json:"customer_name"`
	// SeenInPush marks a company known from the events it pushed, not
	// (yet) from the source's customer list.
	SeenInPush bool `json:"seen_in_push,omitempty"`
	// Suggested says a client is suggested for it (see Rows).
	Suggested bool `json:"suggested,omitempty"`
}

// RowFilter narrows the mapping table; zero fields do not filter.
type RowFilter struct {
	// Mapped is "mapped" for clients with a confirmed mapping, "unmapped"
	// for the others.
	Mapped     string
	TopLevelID int
	// Search matches client names and the names and ids of their
	// customers, ignoring case.
	Search string
}

// MappingRows lists every HaloPSA client of the last sync with its
// mappings and suggestions, by client name, then rows for clients that
// mappings name but HaloPSA no longer has.
func (s *Service) MappingRows(ctx context.Context, partnerID int64, f RowFilter) (MappingTable, error) {
	if f.Mapped != "" && f.Mapped != "mapped" && f.Mapped != "unmapped" {
		return MappingTable{}, &events.InputError{Field: "mapped", Message: fmt.Sprintf("mapped must be 'mapped' or 'unmapped', not %q", f.Mapped)}
	}
	snap, err := LoadSnapshot(ctx, s.Store, partnerID)
	if err != nil {
		return MappingTable{}, err
	}
	views, err := s.views(ctx, partnerID, snap)
	if err != nil {
		return MappingTable{}, err
	}
	byClient := map[int][]MappingView{}
	for _, v := range views {
		byClient[v.ClientID] = append(byClient[v.ClientID], v)
	}
	table := MappingTable{Rows: []ClientRow{}, TopLevels: []TopLevel{}, Unmapped: []Company{}}
	levels := map[int]bool{}
	for _, cl := range snap.clients {
		r := snap.records[cl.ID]
		if r.TopLevelID != 0 && !levels[r.TopLevelID] {
			levels[r.TopLevelID] = true
			table.TopLevels = append(table.TopLevels, TopLevel{ID: r.TopLevelID, Name: r.TopLevelName})
		}
		row := ClientRow{ClientID: cl.ID, Name: cl.Name, TopLevelID: r.TopLevelID, TopLevelName: r.TopLevelName, Inactive: cl.Inactive, Mappings: byClient[cl.ID]}
		delete(byClient, cl.ID)
		if f.keeps(row) {
			table.Rows = append(table.Rows, row)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(byClient)) {
		row := ClientRow{ClientID: id, Name: snap.ClientName(id), Missing: true, Mappings: byClient[id]}
		if f.keeps(row) {
			table.Rows = append(table.Rows, row)
		}
	}
	for i := range table.Rows {
		if table.Rows[i].Mappings == nil {
			table.Rows[i].Mappings = []MappingView{}
		}
	}
	slices.SortFunc(table.TopLevels, func(a, b TopLevel) int { return cmp.Compare(a.ID, b.ID) })
	if f.Mapped != "mapped" && f.TopLevelID == 0 {
		if table.Unmapped, err = s.unmapped(ctx, partnerID, f.Search); err != nil {
			return MappingTable{}, err
		}
	}
	return table, nil
}

// unmapped lists the partner's companies without a confirmed mapping whose
// name or id contains search (ignoring case), by source and name.
func (s *Service) unmapped(ctx context.Context, partnerID int64, search string) ([]Company, error) {
	sources, err := s.Store.Sources(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	all, err := s.Store.Mappings(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	term := strings.ToLower(search)
	out := []Company{}
	for _, src := range sources {
		stored := map[string]store.Mapping{}
		for _, m := range mappingsOf(all, src.ID) {
			stored[m.CustomerID] = m
		}
		list, err := s.Store.SourceCustomers(ctx, src.ID)
		if err != nil {
			return nil, err
		}
		for _, c := range list {
			m, ok := stored[c.ID]
			if c.Reseller || ok && m.Confirmed {
				continue
			}
			if term != "" && !strings.Contains(strings.ToLower(c.Name), term) && !strings.Contains(strings.ToLower(c.ID), term) {
				continue
			}
			out = append(out, Company{SourceID: src.ID, SourceName: src.Name, SourceKind: src.Kind, CustomerID: c.ID, CustomerName: c.Name,
				SeenInPush: c.SeenInPush, Suggested: ok})
		}
	}
	return out, nil
}

func (f RowFilter) keeps(row ClientRow) bool {
	mapped := slices.ContainsFunc(row.Mappings, func(v MappingView) bool { return v.Confirmed })
	switch {
	case f.Mapped == "mapped" && !mapped, f.Mapped == "unmapped" && mapped:
		return false
	case f.TopLevelID != 0 && row.TopLevelID != f.TopLevelID:
		return false
	case f.Search == "":
		return true
	}
	term := strings.ToLower(f.Search)
	if strings.Contains(strings.ToLower(row.Name), term) {
		return true
	}
	return slices.ContainsFunc(row.Mappings, func(v MappingView) bool {
		return strings.Contains(strings.ToLower(v.CustomerName), term) || strings.Contains(strings.ToLower(v.CustomerID), term)
	})
}

// views returns every mapping and suggestion of the partner as the table
// shows them, by source and customer name.
func (s *Service) views(ctx context.Context, partnerID int64, snap *Snapshot) ([]MappingView, error) {
	sources, err := s.Store.Sources(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	all, err := s.Store.Mappings(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	active, err := events.Active(ctx, s.Store, partnerID)
	if err != nil {
		return nil, err
	}
	counts := eventCounts(active)
	var out []MappingView
	for _, src := range sources {
		list, err := s.Store.SourceCustomers(ctx, src.ID)
		if err != nil {
			return nil, err
		}
		customers := customersByID(list)
		for _, m := range mappingsOf(all, src.ID) {
			out = append(out, viewOf(m, src, customers, snap, counts))
		}
	}
	slices.SortStableFunc(out, func(a, b MappingView) int {
		return cmp.Or(cmp.Compare(a.SourceID, b.SourceID), compareFold(a.CustomerName, b.CustomerName), cmp.Compare(a.CustomerID, b.CustomerID))
	})
	return out, nil
}

func viewOf(m store.Mapping, src store.Source, customers map[string]source.Customer, snap *Snapshot, counts tally) MappingView {
	v := MappingView{
		SourceID: src.ID, SourceName: src.Name, SourceKind: src.Kind,
		CustomerID: m.CustomerID, CustomerName: customers[m.CustomerID].Name, SeenInPush: customers[m.CustomerID].SeenInPush,
		ClientID: m.ClientID, ClientName: snap.ClientName(m.ClientID), SiteID: m.SiteID,
		Ticketing: m.Ticketing, Billing: m.Billing, Confirmed: m.Confirmed, Rule: m.Rule, Score: m.Score,
	}
	if site, ok := snap.sites[m.SiteID]; ok {
		v.SiteName = site.Name
	}
	v.Events = counts.byCustomer[customerRef{src.ID, m.CustomerID}]
	if m.Billing {
		v.Events += counts.billing[m.ClientID]
	}
	if m.Ticketing {
		v.Events += counts.tickets[m.ClientID]
	}
	switch {
	case !m.Confirmed || (!m.Ticketing && !m.Billing):
		v.Status = string(mapping.StatusNA)
	case v.Events > 0:
		v.Status = string(mapping.StatusHasEvents)
	default:
		v.Status = string(mapping.StatusOK)
	}
	return v
}

type customerRef struct {
	sourceID   int64
	customerID string
}

// tally counts the active events about each mapping: its findings, the
// events of its client's billing for billed mappings (a missing invoice,
// what a billing run found), and those of its client's tickets for
// mappings with ticketing on (a client HaloPSA refuses tickets for, a site
// without a General User).
type tally struct {
	byCustomer map[customerRef]int
	billing    map[int]int
	tickets    map[int]int
}

func eventCounts(active []store.Event) tally {
	c := tally{byCustomer: map[customerRef]int{}, billing: map[int]int{}, tickets: map[int]int{}}
	for _, e := range active {
		d := events.DataOf(e)
		switch {
		case d.SourceID != 0 && d.CustomerID != "":
			c.byCustomer[customerRef{d.SourceID, d.CustomerID}]++
		case d.ClientID == 0:
		case e.Kind == events.EventNoRecurringInvoice || events.IsBillingKind(e.Kind):
			c.billing[d.ClientID]++
		default:
			c.tickets[d.ClientID]++
		}
	}
	return c
}

func compareFold(a, b string) int {
	return cmp.Or(strings.Compare(strings.ToLower(a), strings.ToLower(b)), strings.Compare(a, b))
}
