package gravityzone

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source/gravityzone/gzsim"
)

func TestIncidents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("WalksEveryPage", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1, Companies: []gzsim.Company{
			{ID: "dddddddddddddddddddddd01", Name: "MSP", Partner: true},
			{ID: "dddddddddddddddddddddd02", Name: "Busy Customer"},
		}}, Config{})
		for range 2100 {
			if _, err := b.sim.AddIncident("dddddddddddddddddddddd02"); err != nil {
				t.Fatal(err)
			}
		}
		want := len(b.sim.Incidents())
		got, err := b.client.Incidents(ctx, IncidentFilters{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != want {
			t.Errorf("%d incidents, want %d", len(got), want)
		}
		if pages := len(b.sim.Requests()); pages != 3 {
			t.Errorf("%d pages read, want 3 of 1000", pages)
		}
	})

	t.Run("FiltersByStatusAndCompany", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1}, Config{})
		customer := b.sim.Companies()[3]
		first, err := b.sim.AddIncident(customer.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.sim.AddIncident(customer.ID); err != nil {
			t.Fatal(err)
		}
		if err := b.sim.CloseIncident(first.IncidentID); err != nil {
			t.Fatal(err)
		}
		got, err := b.client.Incidents(ctx, IncidentFilters{CompanyID: customer.ID, Status: []string{IncidentClosed}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].IncidentID != first.IncidentID || got[0].Status != IncidentClosed || got[0].Company.Name != customer.Name {
			t.Errorf("incidents %+v, want only the closed one", got)
		}
		wantFilters := map[string]any{"companyId": customer.ID, "status": []any{"closed"}}
		params := map[string]any{}
		for _, r := range b.sim.Requests() {
			if r.Method == "getIncidentsList" {
				if err := json.Unmarshal(r.Params, &params); err != nil {
					t.Fatal(err)
				}
			}
		}
		if diff := cmp.Diff(wantFilters, params["filters"]); diff != "" {
			t.Errorf("filters sent (-want +got):\n%s", diff)
		}
	})

	t.Run("FiltersByLastUpdate", func(t *testing.T) {
		t.Parallel()
		b := setup(t, gzsim.Options{RateLimit: -1}, Config{})
		got, err := b.client.Incidents(ctx, IncidentFilters{UpdatedAfter: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 {
			t.Errorf("%d incidents updated in the future", len(got))
		}
	})
}
