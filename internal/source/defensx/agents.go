package defensx

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"halobridge/internal/source"
)

// Agent is a desktop agent of a DefensX customer as the Partner API's Agent
// describes it.
type Agent struct {
	ID           string `json:"id"`
	DeploymentID string `json:"deployment_id"`
	Hostname     string `json:"hostname"`
	Platform     string `json:"platform"`
	Version      string `json:"version"`
	Uninstalled  bool   `json:"uninstalled"`
}

// Agents lists the desktop agents of one customer (GET
// /customers/{customerId}/agents), which the spec answers as a plain array
// without paging; at most source.MaxEndpointsPerCustomer are kept.
func (c *Client) Agents(ctx context.Context, customerID string) ([]Agent, error) {
	if strings.TrimSpace(customerID) == "" {
		return nil, fmt.Errorf("list DefensX agents: no customer id")
	}
	var list []Agent
	if err := c.get(ctx, "/customers/"+url.PathEscape(customerID)+"/agents", nil, &list); err != nil {
		return nil, err
	}
	if len(list) > source.MaxEndpointsPerCustomer {
		list = list[:source.MaxEndpointsPerCustomer]
	}
	return list, nil
}

// Endpoints lists the devices of one customer from its desktop agents: the
// host name, the platform as the OS, managed while the agent is installed.
// DefensX knows no IP or MAC address of an agent.
func (s *Connector) Endpoints(ctx context.Context, customerID string) ([]source.Endpoint, error) {
	list, err := s.client.Agents(ctx, customerID)
	if err != nil {
		return nil, err
	}
	out := make([]source.Endpoint, 0, len(list))
	for _, a := range list {
		out = append(out, source.Endpoint{ID: a.ID, CustomerID: customerID, Name: strings.TrimSpace(a.Hostname),
			OS: strings.TrimSpace(a.Platform), Managed: !a.Uninstalled})
	}
	return out, nil
}

var _ source.EndpointLister = (*Connector)(nil)
