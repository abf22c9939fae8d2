package gzsim_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source/gravityzone"
	"halobridge/internal/source/gravityzone/gzsim"
)

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// samplesDir holds GravityZone's Event Push samples, kept with the
// gravityzone package's test data (see its testdata/README.md).
func samplesDir(t *testing.T) string {
	t.Helper()
	const dir = "../testdata/events"
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		t.Fatalf("the GravityZone push samples are missing from %s: %v", dir, err)
	}
	return dir
}

// shape is a JSON value's layout: member names and value kinds, recursively; an array's is
// its first element's.
func shape(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, item := range v {
			out[k] = shape(item)
		}
		return out
	case []any:
		if len(v) == 0 {
			return "array"
		}
		return []any{shape(v[0])}
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	}
	return "null"
}

// roundTrip reads v back as JSON would arrive.
func roundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// sampleFiles names the reference sample of each module; new-incident follows the 2024 capture.
func sampleFile(module string) string {
	if module == "new-incident" {
		return "addEvents.new-incident.2024.json"
	}
	return "addEvents." + module + ".json"
}

func TestEvents(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	sim := gzsim.New(gzsim.Options{Seed: 5, Now: func() time.Time { return now }})

	t.Run("CoverEveryModuleButTheUnsampledIncidentKind", func(t *testing.T) {
		t.Parallel()
		var want []string
		for _, module := range gravityzone.EventTypes() {
			if module != "new-extended-incident" {
				want = append(want, module)
			}
		}
		want = append(want, "exchange-organization-info")
		slices.Sort(want)
		if diff := cmp.Diff(want, gzsim.Modules()); diff != "" {
			t.Errorf("modules (-want +got):\n%s", diff)
		}
	})

	t.Run("KeepTheLayoutOfTheReferenceSamples", func(t *testing.T) {
		t.Parallel()
		dir := samplesDir(t)
		for _, module := range gzsim.Modules() {
			raw, err := os.ReadFile(filepath.Join(dir, sampleFile(module)))
			if os.IsNotExist(err) {
				continue // security-container-update-available has no jsonRPC sample
			}
			if err != nil {
				t.Fatal(err)
			}
			var envelope struct {
				Params struct {
					Events []any `json:"events"`
				} `json:"params"`
			}
			if err := json.Unmarshal(raw, &envelope); err != nil {
				t.Fatal(err)
			}
			ev, err := sim.NewEvent(module, "")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(shape(envelope.Params.Events[0]), shape(roundTrip(t, ev))); diff != "" {
				t.Errorf("%s layout (-sample +simulator):\n%s", module, diff)
			}
		}
	})

	t.Run("ParseIntoTheirModulesAlert", func(t *testing.T) {
		t.Parallel()
		untimed := map[string]bool{"modules": true, "registration": true, "install": true, "uninstall": true,
			"hwid-change": true, "endpoint-moved-in": true, "endpoint-moved-out": true, "supa-update-status": true,
			"sva": true, "sva-load": true, "security-container-update-available": true, "task-status": true,
			"exchange-organization-info": true, "exchange-user-credentials": true, "partner-changed": true}
		for _, module := range gzsim.Modules() {
			ev, err := sim.NewEvent(module, "")
			if err != nil {
				t.Fatal(err)
			}
			body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "addEvents", "params": map[string]any{"events": []any{ev}}, "id": 1})
			if err != nil {
				t.Fatal(err)
			}
			in, err := gravityzone.ParsePush(nil, body)
			if err != nil {
				t.Fatalf("%s: %v", module, err)
			}
			a := in.Alerts[0]
			company, _ := ev["companyId"].(string)
			host := ""
			for _, field := range []string{"computer_name", "computerName", "host_name"} {
				if name, ok := ev[field].(string); ok && host == "" {
					host = name
				}
			}
			if a.Type != module || a.CustomerID != company || a.HostName != host {
				t.Errorf("%s: type %q, customer %q (event %q), host %q (event %q)", module, a.Type, a.CustomerID, company, a.HostName, host)
			}
			_, fellBack := a.Facts["occurred_at_fallback"]
			if fellBack != untimed[module] {
				t.Errorf("%s: fell back to the receive time = %v, want %v", module, fellBack, untimed[module])
			}
			if !fellBack && (a.OccurredAt.After(now) || a.OccurredAt.Before(now.Add(-time.Hour))) {
				t.Errorf("%s: occurred at %s, want the event's own time, within the hour before %s", module, a.OccurredAt, now)
			}
		}
	})

	t.Run("NewIncidentOpensTheIncident", func(t *testing.T) {
		t.Parallel()
		customer := sim.Companies()[4].ID
		ev, err := sim.NewEvent("new-incident", customer)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, inc := range sim.Incidents() {
			if inc.IncidentID == ev["incident_id"] {
				found = inc.Company.ID == customer && inc.Status == gzsim.StatusOpen
			}
		}
		if !found {
			t.Errorf("incident %v is not open under %s", ev["incident_id"], customer)
		}
	})

	t.Run("AreDeterministicForASeed", func(t *testing.T) {
		t.Parallel()
		build := func() (gzsim.Event, []gzsim.Company) {
			s := gzsim.New(gzsim.Options{Seed: 42, Now: func() time.Time { return now }})
			ev, err := s.NewEvent("av", "")
			if err != nil {
				t.Fatal(err)
			}
			return ev, s.Companies()
		}
		ev1, companies1 := build()
		ev2, companies2 := build()
		if diff := cmp.Diff(ev1, ev2); diff != "" {
			t.Errorf("events differ for one seed:\n%s", diff)
		}
		if diff := cmp.Diff(companies1, companies2); diff != "" {
			t.Errorf("companies differ for one seed:\n%s", diff)
		}
		other := gzsim.New(gzsim.Options{Seed: 43}).Companies()
		if other[0].ID == companies1[0].ID {
			t.Error("another seed must give other ids")
		}
	})

	t.Run("RefuseUnknownModuleAndCompany", func(t *testing.T) {
		t.Parallel()
		if _, err := sim.NewEvent("telepathy", ""); err == nil {
			t.Error("want an error for an unknown module")
		}
		if _, err := sim.NewEvent("av", "ffffffffffffffffffffffff"); err == nil {
			t.Error("want an error for an unknown company")
		}
	})
}
