package gravityzone

import (
	"context"
	"fmt"
	"time"
)

// Incident statuses of incidents.getIncidentsList.
const (
	IncidentOpen          = "open"
	IncidentInProgress    = "in_progress"
	IncidentClosed        = "closed"
	IncidentFalsePositive = "false_positive"
)

// IncidentFilters narrows incidents.getIncidentsList; zero fields do not filter.
type IncidentFilters struct {
	CompanyID  string
	EndpointID string
	// Status holds IncidentOpen, IncidentClosed, …
	Status []string
	// Priority holds unknown, low, medium, high, critical.
	Priority []string
	// IncidentType holds incident, extendedIncident.
	IncidentType []string
	// MainAction holds reported, blocked, partially_blocked.
	MainAction    []string
	UpdatedAfter  time.Time
	UpdatedBefore time.Time
}

// Incident is one item of incidents.getIncidentsList (v1.2).
type Incident struct {
	IncidentID     string          `json:"incidentId"`
	IncidentNumber int             `json:"incidentNumber"`
	IncidentType   string          `json:"incidentType"`
	Company        IncidentCompany `json:"company"`
	Status         string          `json:"status"`
	Priority       string          `json:"priority"`
	SeverityScore  int             `json:"severityScore"`
	MainAction     string          `json:"mainAction"`
	IncidentLink   string          `json:"incidentLink"`
	Created        string          `json:"created"`
	LastUpdated    string          `json:"lastUpdated"`
	Details        IncidentDetails `json:"details"`
}

// IncidentCompany names the company an incident belongs to.
type IncidentCompany struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// IncidentDetails are the detection and endpoint of an incident.
type IncidentDetails struct {
	DetectionName string `json:"detectionName"`
	ComputerID    string `json:"computerId"`
	ComputerName  string `json:"computerName"`
	ComputerIP    string `json:"computerIp"`
	ComputerFQDN  string `json:"computerFqdn"`
}

const (
	// incidentsPerPage is the method's default; it accepts 500 to 10000.
	incidentsPerPage = 1000
	// maxPages stops a walk over a server that never says it is done.
	maxPages = 10000
)

// page is the shape of every paged GravityZone list.
type page[T any] struct {
	Page       int   `json:"page"`
	PagesCount int   `json:"pagesCount"`
	PerPage    int   `json:"perPage"`
	Total      int   `json:"total"`
	Items      []T   `json:"items"`
	HasMore    *bool `json:"hasMoreRecords"`
}

// done applies the documented stop rule: hasMoreRecords when present, else pagesCount,
// else a short page.
func (p page[T]) done(number, perPage int) bool {
	switch {
	case p.HasMore != nil:
		return !*p.HasMore
	case p.PagesCount > 0:
		return number >= p.PagesCount
	}
	return len(p.Items) < perPage
}

// Incidents lists every incident matching f, across all pages.
func (c *Client) Incidents(ctx context.Context, f IncidentFilters) ([]Incident, error) {
	var out []Incident
	for number := 1; number <= maxPages; number++ {
		params := map[string]any{"page": number, "perPage": incidentsPerPage}
		if filters := f.wire(); len(filters) > 0 {
			params["filters"] = filters
		}
		var p page[Incident]
		if err := c.Call(ctx, "incidents", "getIncidentsList", params, &p); err != nil {
			return nil, fmt.Errorf("list GravityZone incidents, page %d: %w", number, err)
		}
		out = append(out, p.Items...)
		if p.done(number, incidentsPerPage) || len(p.Items) == 0 {
			return out, nil
		}
	}
	return nil, fmt.Errorf("list GravityZone incidents: still more after %d pages", maxPages)
}

// wire spells the filters as the method takes them; the lastUpdated bounds are ISO-8601.
func (f IncidentFilters) wire() map[string]any {
	out := map[string]any{}
	if f.CompanyID != "" {
		out["companyId"] = f.CompanyID
	}
	if f.EndpointID != "" {
		out["endpointId"] = f.EndpointID
	}
	for name, values := range map[string][]string{
		"status": f.Status, "priority": f.Priority, "incidentType": f.IncidentType, "mainAction": f.MainAction,
	} {
		if len(values) > 0 {
			out[name] = values
		}
	}
	updated := map[string]string{}
	if !f.UpdatedAfter.IsZero() {
		updated["after"] = f.UpdatedAfter.UTC().Format(time.RFC3339)
	}
	if !f.UpdatedBefore.IsZero() {
		updated["before"] = f.UpdatedBefore.UTC().Format(time.RFC3339)
	}
	if len(updated) > 0 {
		out["lastUpdated"] = updated
	}
	return out
}

// lastUpdated reads an incident's lastUpdated, an ISO-8601 time.
func (i Incident) lastUpdated() (time.Time, bool) {
	return parseTimeText(i.LastUpdated)
}
