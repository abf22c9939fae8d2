package gravityzone

import (
	"context"
	"fmt"
	"strings"

	"halobridge/internal/source"
)

// EndpointItem is one item of network.getEndpointsList (v1.1), as API.md
// §2.2 and §2.9 describe it. The list says nothing of when an endpoint was
// last seen: only getManagedEndpointDetails does, one endpoint a call.
type EndpointItem struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Label       string   `json:"label"`
	FQDN        string   `json:"fqdn"`
	GroupID     string   `json:"groupId"`
	IsManaged   bool     `json:"isManaged"`
	MachineType int      `json:"machineType"`
	OS          string   `json:"operatingSystemVersion"`
	IP          string   `json:"ip"`
	MACs        []string `json:"macs"`
}

// endpointsPerPage is the largest page v1.1 serves (v1.0 would cap at 100).
const endpointsPerPage = 1000

// EndpointsList lists every endpoint under parentID (a company or a group),
// managed and unmanaged, those of its groups and of the companies below it
// included, across all pages, at most source.MaxEndpointsPerCustomer: a
// company with more keeps its first ones. Paging stops as API.md §2.2 says:
// on hasMoreRecords=false, else when page reaches pagesCount (given on the
// first page only), else on an empty or short page.
func (c *Client) EndpointsList(ctx context.Context, parentID string) ([]EndpointItem, error) {
	var out []EndpointItem
	pagesCount := 0
	for number := 1; number <= maxPages; number++ {
		params := map[string]any{
			"parentId": parentID, "page": number, "perPage": endpointsPerPage,
			"filters": map[string]any{"depth": map[string]any{"allItemsRecursively": true}},
		}
		var p page[EndpointItem]
		if err := c.Call(ctx, "network", "getEndpointsList", params, &p); err != nil {
			return nil, fmt.Errorf("list the endpoints of GravityZone company %s, page %d: %w", parentID, number, err)
		}
		if number == 1 {
			pagesCount = p.PagesCount
		}
		p.PagesCount = pagesCount
		out = append(out, p.Items...)
		if len(out) >= source.MaxEndpointsPerCustomer {
			return out[:source.MaxEndpointsPerCustomer], nil
		}
		if p.done(number, endpointsPerPage) || len(p.Items) == 0 {
			return out, nil
		}
	}
	return nil, fmt.Errorf("list the endpoints of GravityZone company %s: still more after %d pages", parentID, maxPages)
}

// Endpoints lists the endpoints of a company (every one below it, its
// groups' and its child companies' included) for the catalog: name, label,
// FQDN, OS, its IP and MAC addresses, whether the agent manages it.
func (c *Connector) Endpoints(ctx context.Context, customerID string) ([]source.Endpoint, error) {
	if strings.TrimSpace(customerID) == "" {
		return nil, fmt.Errorf("list GravityZone endpoints: no company id")
	}
	items, err := c.client.EndpointsList(ctx, customerID)
	if err != nil {
		return nil, err
	}
	out := make([]source.Endpoint, 0, len(items))
	for _, it := range items {
		e := source.Endpoint{ID: it.ID, CustomerID: customerID, Name: it.Name, Label: it.Label, FQDN: it.FQDN,
			OS: it.OS, MACs: it.MACs, Managed: it.IsManaged}
		if ip := strings.TrimSpace(it.IP); ip != "" {
			e.IPs = []string{ip}
		}
		out = append(out, e)
	}
	return out, nil
}

var _ source.EndpointLister = (*Connector)(nil)
