package portal

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/billing"
	"halobridge/internal/billing/run"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// A real run for March 2026: one client whose DefensX line went from 40
// to 42.18 users (a decimal, as DefensX bills per-user usage pro rata),
// whose GravityZone line was added, and whose other line stayed.
func billedRun(t *testing.T) store.BillingRun {
	t.Helper()
	march := source.Month{Year: 2026, Month: time.March}
	res := run.Result{Month: march, Clients: []run.ClientResult{{
		ClientID: 109, Name: "Brightwater Dental LLC", InvoiceID: -94, Changed: true,
		Rows: []billing.Row{
			{ItemID: 1414, Name: "DefensX Web Security", HaloQuantity: 40, Quantity: 42.18, Usage: 42.18, Rounding: billing.RoundDecimal, Change: billing.ChangeSetQuantity},
			{ItemID: 1401, Name: "", HaloQuantity: 0, Quantity: 12, Change: billing.ChangeAdd},
			{ItemID: 1500, Name: "Support hours", HaloQuantity: 3, Quantity: 3, Change: billing.ChangeLeave},
		},
	}}, Products: []run.BilledProduct{
		{Product: billing.Describe(source.DefensX, "DX-WEB"), ItemID: 1414},
		{Product: billing.Describe(source.GravityZone, "endpointMonthlyUsage"), ItemID: 1401},
	}}
	raw, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	return store.BillingRun{ID: 7, Month: march, StartedAt: time.Date(2026, 4, 2, 6, 0, 0, 0, time.UTC), FinishedAt: time.Date(2026, 4, 2, 6, 1, 0, 0, time.UTC), Result: raw}
}

func TestBilledView(t *testing.T) {
	t.Parallel()
	// Item 1401 was created by halobridge since the last sync: the catalog
	// knows its name, the run's line does not say it.
	v := newBilledView(billedRun(t), "https://acme.halopsa.com", map[int]string{1401: "Endpoint Security"})
	if v.Month != "March 2026" || len(v.Clients) != 1 {
		t.Fatalf("view: %+v", v)
	}
	want := []lineChange{
		{Name: "DefensX Web Security", Change: "changed", Old: 40, New: 42.18, Usage: "42.18 as a decimal", Fraction: true},
		{Name: "Endpoint Security", Change: "added", Old: 0, New: 12},
	}
	if diff := cmp.Diff(want, v.Clients[0].Lines); diff != "" {
		t.Errorf("lines added or changed (-want +got):\n%s", diff)
	}
	if v.Clients[0].Unchanged != 1 {
		t.Errorf("unchanged lines: %d, want 1", v.Clients[0].Unchanged)
	}
	if len(v.Notes) != 1 || !strings.HasPrefix(v.Notes[0], "DefensX bills each subscription per user, pro rata over the month") {
		t.Errorf("the fractional quantity is explained by %q, want DefensX's per-user pro-rata billing", v.Notes)
	}
}

func TestProductCharts(t *testing.T) {
	t.Parallel()
	march := source.Month{Year: 2026, Month: time.March}
	billed := []run.ItemBilled{
		{ItemID: 1401, Name: "Endpoint Security - Mar 2026", Products: []billing.Product{billing.Describe(source.GravityZone, "endpointMonthlyUsage")}, Months: map[source.Month]float64{march: 12}},
		{ItemID: 1414, Products: []billing.Product{billing.Describe(source.DefensX, "DX-WEB")}, Months: map[source.Month]float64{march: 42.18}, Fractional: true},
		{ItemID: 1600, Products: []billing.Product{billing.Describe(source.GravityZone, "exchangeMonthlyUsage"), billing.Describe(source.DefensX, "DX-MAIL")}, Months: map[source.Month]float64{march: 5}},
	}
	charts := productCharts(billed, map[int]string{1401: "Endpoint Security", 1414: "Web Security"}, march, 3)
	type got struct{ Title, Unit, Bar, Legend string }
	var gots []got
	for _, c := range charts {
		gots = append(gots, got{c.Title, c.Unit, c.Chart.Bars[2].Title, c.Chart.Legend[0].Text})
	}
	want := []got{
		{"Endpoint Security", "endpoints", "Mar 26 — endpoints billed: 12", "Endpoints on recurring invoices"},
		{"DX-WEB — HaloPSA item Web Security", "users", "Mar 26 — users billed: 42.18", "Users on recurring invoices"},
		// Products that count different things under one item: licences.
		{"Security for Exchange, DX-MAIL", "licences", "Mar 26 — licences billed: 5", "Licences on recurring invoices"},
	}
	if diff := cmp.Diff(want, gots); diff != "" {
		t.Errorf("charts (-want +got):\n%s", diff)
	}
	if len(charts[1].Notes) != 1 || !strings.Contains(charts[1].Notes[0], "pro rata") || len(charts[0].Notes) != 0 {
		t.Errorf("notes: whole endpoints %q, DefensX's decimals %q", charts[0].Notes, charts[1].Notes)
	}
}
