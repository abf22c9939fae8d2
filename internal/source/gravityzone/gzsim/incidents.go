package gzsim

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Incident statuses.
const (
	StatusOpen          = "open"
	StatusInProgress    = "in_progress"
	StatusClosed        = "closed"
	StatusFalsePositive = "false_positive"
)

// Incident is one item of incidents.getIncidentsList.
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

// IncidentCompany names an incident's company.
type IncidentCompany struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// IncidentDetails are an incident's detection and endpoint.
type IncidentDetails struct {
	DetectionName string `json:"detectionName"`
	ComputerID    string `json:"computerId"`
	ComputerName  string `json:"computerName"`
	ComputerIP    string `json:"computerIp"`
	ComputerFQDN  string `json:"computerFqdn"`
}

const isoMillis = "2006-01-02T15:04:05.000Z"

var detections = []string{"ATC.Malicious", "EICAR-Test-File (not a virus)", "Trojan.GenericKD.46542180",
	"Gen:Variant.Ransom.LockBit.12", "Exploit.CVE-2023-23397.Gen", "Heur.BZC.ONG.Boxter.631.B"}

// seedIncidents opens a few incidents on some customers, over the last days.
func (s *Sim) seedIncidents() {
	for _, c := range s.companies {
		if c.Partner || len(c.endpoints) == 0 {
			continue
		}
		for range s.rng.IntN(3) {
			created := s.now().Add(-time.Duration(1+s.rng.IntN(20*24)) * time.Hour)
			s.newIncident(c, c.endpoints[s.rng.IntN(len(c.endpoints))], s.hexID(),
				detections[s.rng.IntN(len(detections))], 20+s.rng.IntN(80), created)
		}
	}
}

// newIncident records an open incident.
func (s *Sim) newIncident(c *company, ep Endpoint, id, detection string, score int, created time.Time) *Incident {
	inc := &Incident{
		IncidentID:     id,
		IncidentNumber: len(s.incidents) + 1,
		IncidentType:   "incident",
		Company:        IncidentCompany{ID: c.ID, Name: c.Name},
		Status:         StatusOpen,
		Priority:       priorityOf(score),
		SeverityScore:  score,
		MainAction:     "reported",
		IncidentLink:   "https://gravityzone.invalid/#!/incidents/view/" + id,
		Created:        created.UTC().Format(isoMillis),
		LastUpdated:    created.UTC().Format(isoMillis),
		Details: IncidentDetails{DetectionName: detection, ComputerID: ep.ComputerID, ComputerName: ep.Name,
			ComputerIP: ep.IP, ComputerFQDN: ep.FQDN},
	}
	s.incidents = append(s.incidents, inc)
	return inc
}

func priorityOf(score int) string {
	switch {
	case score >= 90:
		return "critical"
	case score >= 70:
		return "high"
	case score >= 40:
		return "medium"
	}
	return "low"
}

// severityOf is the severity word new-incident events carry for a score.
func severityOf(score int) string {
	switch {
	case score >= 70:
		return "high"
	case score >= 40:
		return "medium"
	}
	return "low"
}

// AddIncident opens a new incident on one of a company's endpoints.
func (s *Sim) AddIncident(companyID string) (Incident, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.byID[companyID]
	if c == nil || len(c.endpoints) == 0 {
		return Incident{}, fmt.Errorf("gzsim: company %q has no endpoints", companyID)
	}
	inc := s.newIncident(c, c.endpoints[s.rng.IntN(len(c.endpoints))], s.hexID(),
		detections[s.rng.IntN(len(detections))], 20+s.rng.IntN(80), s.now())
	return *inc, nil
}

// SetIncidentStatus changes an incident's status (open, in_progress, closed,
// false_positive), as an analyst does in Control Center.
func (s *Sim) SetIncidentStatus(id, status string) error {
	if !slices.Contains([]string{StatusOpen, StatusInProgress, StatusClosed, StatusFalsePositive}, status) {
		return fmt.Errorf("gzsim: %q is not an incident status", status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, inc := range s.incidents {
		if inc.IncidentID == id {
			inc.Status = status
			inc.LastUpdated = s.now().Format(isoMillis)
			return nil
		}
	}
	return fmt.Errorf("gzsim: no incident %q", id)
}

// CloseIncident closes an incident.
func (s *Sim) CloseIncident(id string) error { return s.SetIncidentStatus(id, StatusClosed) }

// Incidents returns every incident, oldest first.
func (s *Sim) Incidents() []Incident {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Incident, len(s.incidents))
	for i, inc := range s.incidents {
		out[i] = *inc
	}
	return out
}

type incidentFilters struct {
	CompanyID    *string  `json:"companyId"`
	EndpointID   *string  `json:"endpointId"`
	Status       []string `json:"status"`
	Priority     []string `json:"priority"`
	IncidentType []string `json:"incidentType"`
	MainAction   []string `json:"mainAction"`
	Assignee     any      `json:"assignee"`
	LastUpdated  *struct {
		After  *string `json:"after"`
		Before *string `json:"before"`
	} `json:"lastUpdated"`
}

// getIncidentsList pages the incidents: perPage 500–10000 (default 1000).
func (s *Sim) getIncidentsList(_ context.Context, params json.RawMessage) (any, *rpcError) {
	var p struct {
		Page    *int             `json:"page"`
		PerPage *int             `json:"perPage"`
		Filters *incidentFilters `json:"filters"`
		Options map[string]any   `json:"options"`
	}
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	page, perPage := 1, 1000
	if p.Page != nil {
		if *p.Page < 1 {
			return nil, invalidParams("Invalid value for 'page'")
		}
		page = *p.Page
	}
	if p.PerPage != nil {
		if *p.PerPage < 500 || *p.PerPage > 10000 {
			return nil, invalidParams("Invalid value for 'perPage': expected 500 to 10000")
		}
		perPage = *p.PerPage
	}
	match, err := incidentMatcher(p.Filters)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var items []Incident
	for _, inc := range s.incidents {
		if match(inc) {
			items = append(items, *inc)
		}
	}
	total := len(items)
	from := min((page-1)*perPage, total)
	to := min(from+perPage, total)
	return map[string]any{
		"page": page, "perPage": perPage, "total": total,
		"pagesCount": (total + perPage - 1) / perPage, "items": append([]Incident{}, items[from:to]...),
	}, nil
}

// incidentMatcher checks the filters and returns the test they make.
func incidentMatcher(f *incidentFilters) (func(*Incident) bool, *rpcError) {
	if f == nil {
		return func(*Incident) bool { return true }, nil
	}
	for name, check := range map[string]struct {
		values  []string
		allowed []string
	}{
		"status":       {f.Status, []string{StatusOpen, StatusInProgress, StatusClosed, StatusFalsePositive}},
		"priority":     {f.Priority, []string{"unknown", "low", "medium", "high", "critical"}},
		"incidentType": {f.IncidentType, []string{"incident", "extendedIncident"}},
		"mainAction":   {f.MainAction, []string{"reported", "blocked", "partially_blocked"}},
	} {
		for _, v := range check.values {
			if !slices.Contains(check.allowed, v) {
				return nil, invalidParams("Invalid value for 'filters.%s'", name)
			}
		}
	}
	var after, before time.Time
	if f.LastUpdated != nil {
		var err *rpcError
		if after, err = isoParam(f.LastUpdated.After, "filters.lastUpdated.after"); err != nil {
			return nil, err
		}
		if before, err = isoParam(f.LastUpdated.Before, "filters.lastUpdated.before"); err != nil {
			return nil, err
		}
	}
	return func(inc *Incident) bool {
		updated, _ := time.Parse(time.RFC3339, inc.LastUpdated)
		switch {
		case f.CompanyID != nil && inc.Company.ID != *f.CompanyID,
			f.EndpointID != nil && inc.Details.ComputerID != *f.EndpointID,
			len(f.Status) > 0 && !slices.Contains(f.Status, inc.Status),
			len(f.Priority) > 0 && !slices.Contains(f.Priority, inc.Priority),
			len(f.IncidentType) > 0 && !slices.Contains(f.IncidentType, inc.IncidentType),
			len(f.MainAction) > 0 && !slices.Contains(f.MainAction, inc.MainAction),
			!after.IsZero() && !updated.After(after),
			!before.IsZero() && !updated.Before(before):
			return false
		}
		return true
	}, nil
}

func isoParam(v *string, name string) (time.Time, *rpcError) {
	if v == nil {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, *v)
	if err != nil {
		return time.Time{}, invalidParams("Invalid value for '%s': expected ISO-8601", name)
	}
	return t, nil
}
