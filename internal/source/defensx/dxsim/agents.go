package dxsim

import (
	"net/http"
	"time"
)

// Agent is a desktop agent of a simulated customer, as GET
// /customers/{id}/agents lists it; Product is what Agent.* notifications
// add ("Windows 11 Pro"), which the list does not carry.
type Agent struct {
	ID           string
	DeploymentID string
	Hostname     string
	Platform     string
	Product      string
	Version      string
	Uninstalled  bool
}

// agentBody is the spec's Agent.
type agentBody struct {
	ID            string  `json:"id"`
	DeploymentID  string  `json:"deployment_id"`
	Hostname      string  `json:"hostname"`
	Platform      string  `json:"platform"`
	Version       string  `json:"version"`
	Role          string  `json:"role"`
	Uninstalled   bool    `json:"uninstalled"`
	CreatedAt     string  `json:"created_at"`
	UpdatedAt     string  `json:"updated_at"`
	UninstalledAt *string `json:"uninstalled_at"`
}

// agentsInstalled is when the seeded agents were installed, one day apart.
var agentsInstalled = time.Date(2025, 9, 1, 8, 0, 0, 0, time.UTC)

// agentList answers GET /customers/{id}/agents: the spec's AgentList, a
// plain array without paging.
func (s *Sim) agentList(customerID string) reply {
	c, found := s.byID[customerID]
	if !found {
		return apiError(http.StatusNotFound, "Customer not found")
	}
	items := make([]agentBody, 0, len(c.agents))
	for k, a := range c.agents {
		if a.deleted {
			continue
		}
		at := jsTime(agentsInstalled.AddDate(0, 0, k))
		body := agentBody{ID: a.id, DeploymentID: a.deploymentID, Hostname: a.hostname, Platform: a.platform,
			Version: a.version, Role: "endpoint", Uninstalled: a.uninstalled, CreatedAt: at, UpdatedAt: at}
		if a.uninstalled {
			body.UninstalledAt = &at
		}
		items = append(items, body)
	}
	return ok(items)
}

// Agents returns a customer's desktop agents but the deleted ones, nil for
// an unknown customer.
func (s *Sim) Agents(customerID string) []Agent {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, found := s.byID[customerID]
	if !found {
		return nil
	}
	out := make([]Agent, 0, len(c.agents))
	for _, a := range c.agents {
		if !a.deleted {
			out = append(out, Agent{ID: a.id, DeploymentID: a.deploymentID, Hostname: a.hostname, Platform: a.platform,
				Product: a.product, Version: a.version, Uninstalled: a.uninstalled})
		}
	}
	return out
}
