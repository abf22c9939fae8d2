package gravityzone

import (
	"context"
	"strings"
	"testing"

	"halobridge/internal/source/gravityzone/gzsim"
)

func TestIncidentWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	scene := func(t *testing.T) (*testBundle, gzsim.Incident) {
		t.Helper()
		b := setup(t, gzsim.Options{RateLimit: -1}, Config{})
		inc, err := b.sim.AddIncident(b.sim.Companies()[3].ID)
		if err != nil {
			t.Fatal(err)
		}
		return b, inc
	}

	t.Run("ResolvesAnIncidentWithANoteThenSetsItBackToOpen", func(t *testing.T) {
		t.Parallel()
		b, inc := scene(t)
		if err := b.client.UpdateIncidentNote(ctx, WriteIncidents, inc.IncidentID, "Closed in HaloPSA by Ann"); err != nil {
			t.Fatal(err)
		}
		if err := b.client.ChangeIncidentStatus(ctx, WriteIncidents, inc.IncidentID, IncidentStatusClosed); err != nil {
			t.Fatal(err)
		}
		got, _ := b.sim.Incident(inc.IncidentID)
		if got.Status != gzsim.StatusClosed || len(got.Notes) != 1 || got.Notes[0].Text != "Closed in HaloPSA by Ann" {
			t.Fatalf("incident = %+v, want closed with the note", got)
		}
		if err := b.client.ChangeIncidentStatus(ctx, WriteIncidents, inc.IncidentID, IncidentStatusOpen); err != nil {
			t.Fatal(err)
		}
		if got, _ := b.sim.Incident(inc.IncidentID); got.Status != gzsim.StatusOpen {
			t.Errorf("status = %q, want open", got.Status)
		}
		var paths []string
		for _, r := range b.sim.Requests() {
			paths = append(paths, r.Path+" "+r.Method)
		}
		want := "/api/v1.1/jsonrpc/incidents updateIncidentNote,/api/v1.0/jsonrpc/incidents changeIncidentStatus,/api/v1.0/jsonrpc/incidents changeIncidentStatus"
		if strings.Join(paths, ",") != want {
			t.Errorf("requests = %v, want the note on v1.1 and the status on v1.0", paths)
		}
	})

	t.Run("ReportsGravityZonesRefusalInItsWords", func(t *testing.T) {
		t.Parallel()
		b, _ := scene(t)
		err := b.client.ChangeIncidentStatus(ctx, WriteIncidents, "000000000000000000000000", IncidentStatusClosed)
		if err == nil || !strings.Contains(err.Error(), "no incident") || !strings.Contains(err.Error(), "000000000000000000000000") {
			t.Fatalf("err = %v, want GravityZone's words naming the incident", err)
		}
		if err := b.client.UpdateIncidentNote(ctx, WriteIncidents, "x", " "); err == nil || len(b.sim.Requests()) != 1 {
			t.Fatalf("blank note: %v after %d requests, want a refusal before sending", err, len(b.sim.Requests()))
		}
	})

	t.Run("AcceptsTrueOrAnObjectAndRefusesFalse", func(t *testing.T) {
		t.Parallel()
		for raw, ok := range map[string]bool{`true`: true, `{"success":true}`: true, `{"lastUpdated":"x"}`: true, `false`: false, `null`: false, `{"success":false}`: false} {
			if err := accepted([]byte(raw), "did not"); (err == nil) != ok {
				t.Errorf("accepted(%s) = %v, want ok %v", raw, err, ok)
			}
		}
	})

	t.Run("NamesTheWriteTypeOfIncidentAlertsOnly", func(t *testing.T) {
		t.Parallel()
		for typ, want := range map[string]IncidentWriteType{"new-incident": WriteIncidents, "new-extended-incident": WriteExtendedIncidents, "av": ""} {
			if got, _ := IncidentWriteTypeOf(typ); got != want {
				t.Errorf("IncidentWriteTypeOf(%q) = %q, want %q", typ, got, want)
			}
		}
	})
}
