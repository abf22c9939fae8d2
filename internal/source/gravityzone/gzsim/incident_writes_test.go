package gzsim_test

import (
	"net/http"
	"strings"
	"testing"

	"halobridge/internal/source/gravityzone/gzsim"
)

func TestIncidentWrites(t *testing.T) {
	t.Parallel()

	openIncident := func(t *testing.T) (*testBundle, gzsim.Incident) {
		t.Helper()
		b := setup(t, gzsim.Options{})
		for _, inc := range b.sim.Incidents() {
			if inc.IncidentType == "incident" && inc.Status == gzsim.StatusOpen {
				return b, inc
			}
		}
		t.Fatal("no open incident seeded")
		return nil, gzsim.Incident{}
	}

	t.Run("ChangesTheStatusByItsNumberAndReadsItBackAsAWord", func(t *testing.T) {
		t.Parallel()
		b, inc := openIncident(t)
		var ok bool
		wantResult(t, b.call(t, "v1.0", "incidents", "changeIncidentStatus", map[string]any{"type": "incidents", "incidentId": inc.IncidentID, "status": 3}), &ok)
		if !ok {
			t.Fatal("changeIncidentStatus answered false")
		}
		// The same status again is also true.
		wantResult(t, b.call(t, "v1.1", "incidents", "changeIncidentStatus", map[string]any{"type": "incidents", "incidentId": inc.IncidentID, "status": 3}), &ok)
		var got gzsim.IncidentWithNotes
		wantResult(t, b.call(t, "v1.2", "incidents", "getIncident", map[string]any{"id": inc.IncidentID}), &got)
		if !ok || got.Status != "closed" || got.IncidentID != inc.IncidentID {
			t.Fatalf("getIncident = %+v, want closed", got)
		}
		wantResult(t, b.call(t, "v1.0", "incidents", "changeIncidentStatus", map[string]any{"type": "incidents", "incidentId": inc.IncidentID, "status": 1}), &ok)
		if got, _ := b.sim.Incident(inc.IncidentID); got.Status != "open" {
			t.Errorf("after status 1: %q, want open", got.Status)
		}
	})

	t.Run("KeepsOneNoteAndShowsItInGetIncident", func(t *testing.T) {
		t.Parallel()
		b, inc := openIncident(t)
		var ok bool
		for _, note := range []string{"first", "Closed in HaloPSA"} {
			wantResult(t, b.call(t, "v1.1", "incidents", "updateIncidentNote", map[string]any{"type": "incidents", "incidentId": inc.IncidentID, "note": note}), &ok)
		}
		var got gzsim.IncidentWithNotes
		wantResult(t, b.call(t, "v1.2", "incidents", "getIncident", map[string]any{"id": inc.IncidentID}), &got)
		if len(got.Notes) != 1 || got.Notes[0].Text != "Closed in HaloPSA" || got.Notes[0].UserName == "" || got.Notes[0].Created == "" {
			t.Fatalf("notes = %+v, want the second note only", got.Notes)
		}
	})

	t.Run("RefusesWhatTheReferenceSaysIsInvalid", func(t *testing.T) {
		t.Parallel()
		b, inc := openIncident(t)
		for _, tc := range []struct {
			method  string
			params  map[string]any
			details string
		}{
			{"changeIncidentStatus", map[string]any{"incidentId": inc.IncidentID, "status": 3}, "Missing parameter 'type'"},
			{"changeIncidentStatus", map[string]any{"type": "incidents", "incidentId": inc.IncidentID, "status": 5}, "'status'"},
			{"changeIncidentStatus", map[string]any{"type": "extendedIncidents", "incidentId": inc.IncidentID, "status": 3}, "'type'"},
			{"changeIncidentStatus", map[string]any{"type": "incidents", "incidentId": "000000000000000000000000", "status": 3}, "'incidentId'"},
			{"updateIncidentNote", map[string]any{"type": "incidents", "incidentId": inc.IncidentID, "note": "  "}, "cannot be empty"},
			{"updateIncidentNote", map[string]any{"type": "incidents", "incidentId": inc.IncidentID, "note": strings.Repeat("x", 50_001)}, "50000"},
		} {
			a := b.call(t, "v1.0", "incidents", tc.method, tc.params)
			wantError(t, a, http.StatusOK, -32602, tc.details)
		}
		if got, _ := b.sim.Incident(inc.IncidentID); got.Status != "open" || len(got.Notes) != 0 {
			t.Errorf("after refusals: %+v, want it unchanged", got)
		}
	})

	t.Run("AnOutageFailsTheMethodAsAServerErrorChangingNothingThenEnds", func(t *testing.T) {
		t.Parallel()
		b, inc := openIncident(t)
		b.sim.InjectOutage(gzsim.Outage{Method: "updateIncidentNote", Details: "The service is temporarily unavailable", Times: 2})
		note := map[string]any{"type": "incidents", "incidentId": inc.IncidentID, "note": "Closed in HaloPSA"}
		for range 2 {
			wantError(t, b.call(t, "v1.1", "incidents", "updateIncidentNote", note), http.StatusOK, -32000, "temporarily unavailable")
		}
		var ok bool
		// Other methods answer meanwhile; once the two failures are spent the note is kept.
		wantResult(t, b.call(t, "v1.0", "incidents", "changeIncidentStatus", map[string]any{"type": "incidents", "incidentId": inc.IncidentID, "status": 3}), &ok)
		wantResult(t, b.call(t, "v1.1", "incidents", "updateIncidentNote", note), &ok)
		if got, _ := b.sim.Incident(inc.IncidentID); len(got.Notes) != 1 || got.Notes[0].Text != "Closed in HaloPSA" {
			t.Fatalf("notes after the outage = %+v", got.Notes)
		}

		b.sim.InjectOutage(gzsim.Outage{HTTPStatus: http.StatusServiceUnavailable, Details: "maintenance"})
		for range 3 {
			wantError(t, b.call(t, "v1.0", "incidents", "changeIncidentStatus", map[string]any{"type": "incidents", "incidentId": inc.IncidentID, "status": 1}),
				http.StatusServiceUnavailable, -32000, "maintenance")
		}
		b.sim.EndOutages()
		wantResult(t, b.call(t, "v1.0", "incidents", "changeIncidentStatus", map[string]any{"type": "incidents", "incidentId": inc.IncidentID, "status": 1}), &ok)
		if got, _ := b.sim.Incident(inc.IncidentID); got.Status != "open" {
			t.Errorf("status after the outage ended = %q, want open", got.Status)
		}
	})
}
