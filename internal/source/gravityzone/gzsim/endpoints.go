package gzsim

import (
	"context"
	"encoding/json"
	"strings"
)

// Page sizes of network.getEndpointsList (API.md §2.2, §2.9): perPage 1–1000
// at v1.1, at most 100 at v1.0, 30 when not given.
const (
	endpointsPerPageV11     = 1000
	endpointsPerPageV10     = 100
	endpointsPerPageDefault = 30
)

// getEndpointsList answers the endpoints under parentId (a company or a
// group; the API key's company when not given), managed and unmanaged
// unless isManaged says which, one page at a time. Without
// filters.depth.allItemsRecursively only the endpoints directly under
// parentId are listed; with it, those of its groups and of every company
// below it too. At v1.1 every page says hasMoreRecords and only the first
// carries pagesCount and total; at v1.0 every page carries them.
func (s *Sim) getEndpointsList(ctx context.Context, params json.RawMessage) (any, *rpcError) {
	var p struct {
		ParentID  *string `json:"parentId"`
		IsManaged *bool   `json:"isManaged"`
		Page      *int    `json:"page"`
		PerPage   *int    `json:"perPage"`
		Filters   *struct {
			Type     json.RawMessage `json:"type"`
			Security json.RawMessage `json:"security"`
			Details  json.RawMessage `json:"details"`
			Depth    *struct {
				AllItemsRecursively *bool `json:"allItemsRecursively"`
			} `json:"depth"`
		} `json:"filters"`
		Options json.RawMessage `json:"options"`
	}
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	v11 := versionOf(ctx) == "v1.1"
	page, perPage, most := 1, endpointsPerPageDefault, endpointsPerPageV10
	if v11 {
		most = endpointsPerPageV11
	}
	if p.Page != nil {
		if page = *p.Page; page < 1 {
			return nil, invalidParams("Invalid value for 'page'")
		}
	}
	if p.PerPage != nil {
		if perPage = *p.PerPage; perPage < 1 || perPage > most {
			return nil, invalidParams("Invalid value for 'perPage': it must be between 1 and %d", most)
		}
	}
	recursive := p.Filters != nil && p.Filters.Depth != nil && p.Filters.Depth.AllItemsRecursively != nil && *p.Filters.Depth.AllItemsRecursively

	s.mu.Lock()
	defer s.mu.Unlock()
	var under []Endpoint
	switch parent, group := s.parentOf(p.ParentID); {
	case parent == nil:
		return nil, invalidParams("Invalid value for 'parentId'")
	case group:
		under = parent.endpoints
	default:
		under = s.inventory(parent, recursive)
	}
	var items []map[string]any
	for _, ep := range under {
		if p.IsManaged != nil && ep.Managed != *p.IsManaged {
			continue
		}
		items = append(items, endpointItem(ep))
	}
	total := len(items)
	pages := (total + perPage - 1) / perPage
	from, to := min((page-1)*perPage, total), min(page*perPage, total)
	result := map[string]any{"page": page, "perPage": perPage, "items": append([]map[string]any{}, items[from:to]...)}
	if !v11 || page == 1 {
		result["pagesCount"], result["total"] = pages, total
	}
	if v11 {
		result["hasMoreRecords"] = to < total
	}
	return result, nil
}

// parentOf finds getEndpointsList's parentId: a company, or the custom group
// of one (group true); the API key's company when id is nil; nil when
// unknown.
func (s *Sim) parentOf(id *string) (c *company, group bool) {
	if id == nil {
		return s.companies[0], false
	}
	if c := s.byID[*id]; c != nil {
		return c, false
	}
	for _, c := range s.companies {
		if c.group == *id {
			return c, true
		}
	}
	return nil, false
}

// inventory is what getEndpointsList lists under a company: the unmanaged
// machines at its root, and, recursively, the endpoints of its group and
// of every company below it, depth first.
func (s *Sim) inventory(c *company, recursive bool) []Endpoint {
	out := append([]Endpoint(nil), c.unmanaged...)
	if !recursive {
		return out
	}
	out = append(out, c.endpoints...)
	for _, child := range s.children(c) {
		out = append(out, s.inventory(child, true)...)
	}
	return out
}

// endpointItem is an endpoint as getEndpointsList lists it (API.md §2.9):
// managedWithBest is missing on Linux items and on unmanaged ones, which
// have no policy either.
func endpointItem(ep Endpoint) map[string]any {
	item := map[string]any{
		"id": ep.EndpointID, "name": ep.Name, "label": ep.Label, "fqdn": ep.FQDN, "groupId": ep.GroupID,
		"isManaged": ep.Managed, "machineType": ep.MachineType, "operatingSystemVersion": ep.OS,
		"ip": ep.IP, "macs": append([]string{}, ep.MACs...), "ssid": "",
	}
	if !ep.Managed {
		return item
	}
	if !strings.HasPrefix(ep.OS, "Linux") {
		item["managedWithBest"] = true
	}
	item["policy"] = map[string]any{"id": derivedID(ep.GroupID, "policy"), "name": "Default policy", "applied": true}
	return item
}

// Inventory returns every endpoint getEndpointsList lists of a company,
// recursively: its unmanaged machines, its managed endpoints, and those of
// the companies below it.
func (s *Sim) Inventory(companyID string) []Endpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.byID[companyID]
	if c == nil {
		return nil
	}
	return s.inventory(c, true)
}
