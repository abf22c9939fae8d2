package gravityzone

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// The statuses changeIncidentStatus takes (reads answer them as words: IncidentOpen, …).
const (
	IncidentStatusOpen          = 1
	IncidentStatusInvestigating = 2
	IncidentStatusClosed        = 3
	IncidentStatusFalsePositive = 4
)

// IncidentWriteType is the plural type the incident write methods take: reads say
// "incident" and "extendedIncident", writes "incidents" and "extendedIncidents".
type IncidentWriteType string

const (
	WriteIncidents         IncidentWriteType = "incidents"
	WriteExtendedIncidents IncidentWriteType = "extendedIncidents"
)

// IncidentWriteTypeOf is the write type of a normalised alert type: new-incident and
// new-extended-incident announce the incidents halobridge can set back; false for others.
func IncidentWriteTypeOf(alertType string) (IncidentWriteType, bool) {
	switch alertType {
	case "new-incident":
		return WriteIncidents, true
	case "new-extended-incident":
		return WriteExtendedIncidents, true
	}
	return "", false
}

// MaxIncidentNote is the longest note GravityZone keeps; a longer one is cut.
const MaxIncidentNote = 50_000

// ChangeIncidentStatus sets an incident's status (IncidentStatusClosed, …). GravityZone
// answers true, also when the incident already had the status.
func (c *Client) ChangeIncidentStatus(ctx context.Context, typ IncidentWriteType, incidentID string, status int) error {
	var result json.RawMessage
	params := map[string]any{"type": typ, "incidentId": incidentID, "status": status}
	if err := c.Call(ctx, "incidents", "changeIncidentStatus", params, &result); err != nil {
		return fmt.Errorf("set the status of GravityZone incident %s: %w", incidentID, err)
	}
	return accepted(result, "did not change the status of incident "+incidentID)
}

// UpdateIncidentNote replaces an incident's note (GravityZone keeps one). A blank note is
// refused before sending; one longer than MaxIncidentNote characters is cut.
func (c *Client) UpdateIncidentNote(ctx context.Context, typ IncidentWriteType, incidentID, note string) error {
	if strings.TrimSpace(note) == "" {
		return fmt.Errorf("note GravityZone incident %s: GravityZone refuses an empty note", incidentID)
	}
	if utf8.RuneCountInString(note) > MaxIncidentNote {
		note = string([]rune(note)[:MaxIncidentNote])
	}
	var result json.RawMessage
	params := map[string]any{"type": typ, "incidentId": incidentID, "note": note}
	if err := c.Call(ctx, "incidents", "updateIncidentNote", params, &result); err != nil {
		return fmt.Errorf("note GravityZone incident %s: %w", incidentID, err)
	}
	return accepted(result, "did not keep the note of incident "+incidentID)
}

// accepted reads a write's result: true, or an object (v1.0 answers {"success": true} or
// true with data), is success; false or null is not.
func accepted(result json.RawMessage, what string) error {
	r := bytes.TrimSpace(result)
	switch {
	case bytes.Equal(r, []byte("true")):
		return nil
	case len(r) > 0 && r[0] == '{':
		var obj struct {
			Success *bool `json:"success"`
		}
		if json.Unmarshal(r, &obj) == nil && (obj.Success == nil || *obj.Success) {
			return nil
		}
	}
	return fmt.Errorf("GravityZone %s (it answered %s)", what, string(r))
}
