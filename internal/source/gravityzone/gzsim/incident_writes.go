package gzsim

import (
	"context"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// IncidentNote is an incident's note as getIncident shows it in notes[]. GravityZone keeps
// one note per incident: a new one overwrites it.
type IncidentNote struct {
	Text     string `json:"text"`
	UserName string `json:"userName"`
	Created  string `json:"created"`
}

// IncidentWithNotes is getIncident's answer: the incident and its note.
type IncidentWithNotes struct {
	Incident
	Notes []IncidentNote `json:"notes"`
}

// maxIncidentNote is the longest note updateIncidentNote takes (API.md §2.6).
const maxIncidentNote = 50_000

// The integer statuses changeIncidentStatus takes, and the words reads answer with.
var incidentStatusCodes = map[int]string{1: StatusOpen, 2: StatusInProgress, 3: StatusClosed, 4: StatusFalsePositive}

// apiKeyUser is who the simulator says wrote a note through the API.
const apiKeyUser = "API key"

// writeTarget is the incident a write names: type (plural) and incidentId, both mandatory.
type writeTarget struct {
	Type       *string `json:"type"`
	IncidentID *string `json:"incidentId"`
}

// find resolves the target under the lock; the type must be the incident's, pluralised.
func (s *Sim) find(t writeTarget) (*Incident, *rpcError) {
	switch {
	case t.Type == nil:
		return nil, invalidParams("Missing parameter 'type'")
	case t.IncidentID == nil:
		return nil, invalidParams("Missing parameter 'incidentId'")
	case *t.Type != "incidents" && *t.Type != "extendedIncidents":
		return nil, invalidParams("Invalid value for 'type': expected incidents or extendedIncidents")
	}
	for _, inc := range s.incidents {
		if inc.IncidentID == *t.IncidentID {
			if inc.IncidentType+"s" != *t.Type {
				return nil, invalidParams("Invalid value for 'type': the incident is of type %s", inc.IncidentType)
			}
			return inc, nil
		}
	}
	return nil, invalidParams("Invalid value for 'incidentId': no incident %q", *t.IncidentID)
}

// changeIncidentStatus sets an incident's status (1 open, 2 investigating, 3 closed,
// 4 false positive); true also when it already had it.
func (s *Sim) changeIncidentStatus(_ context.Context, params json.RawMessage) (any, *rpcError) {
	var p struct {
		writeTarget
		Status *int `json:"status"`
	}
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	if p.Status == nil {
		return nil, invalidParams("Missing parameter 'status'")
	}
	status, ok := incidentStatusCodes[*p.Status]
	if !ok {
		return nil, invalidParams("Invalid value for 'status': expected 1 to 4")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	inc, err := s.find(p.writeTarget)
	if err != nil {
		return nil, err
	}
	if inc.Status != status {
		inc.Status, inc.LastUpdated = status, s.now().UTC().Format(isoMillis)
	}
	return true, nil
}

// updateIncidentNote replaces an incident's note (1 to 50,000 characters, not blank).
func (s *Sim) updateIncidentNote(_ context.Context, params json.RawMessage) (any, *rpcError) {
	var p struct {
		writeTarget
		Note *string `json:"note"`
	}
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	switch {
	case p.Note == nil:
		return nil, invalidParams("Missing parameter 'note'")
	case strings.TrimSpace(*p.Note) == "":
		return nil, invalidParams("Invalid value for 'note': the note cannot be empty")
	case utf8.RuneCountInString(*p.Note) > maxIncidentNote:
		return nil, invalidParams("Invalid value for 'note': at most 50000 characters")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	inc, err := s.find(p.writeTarget)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Format(isoMillis)
	s.notes[inc.IncidentID] = IncidentNote{Text: *p.Note, UserName: apiKeyUser, Created: now}
	inc.LastUpdated = now
	return true, nil
}

// getIncident reads one incident by id, with its note.
func (s *Sim) getIncident(_ context.Context, params json.RawMessage) (any, *rpcError) {
	var p struct {
		ID *string `json:"id"`
	}
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	if p.ID == nil {
		return nil, invalidParams("Missing parameter 'id'")
	}
	inc, ok := s.Incident(*p.ID)
	if !ok {
		return nil, invalidParams("Invalid value for 'id': no incident %q", *p.ID)
	}
	return inc, nil
}

// Incident returns one incident with its note, as getIncident answers.
func (s *Sim) Incident(id string) (IncidentWithNotes, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, inc := range s.incidents {
		if inc.IncidentID == id {
			out := IncidentWithNotes{Incident: *inc, Notes: []IncidentNote{}}
			if n, ok := s.notes[id]; ok {
				out.Notes = append(out.Notes, n)
			}
			return out, true
		}
	}
	return IncidentWithNotes{}, false
}
