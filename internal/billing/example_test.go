package billing_test

import (
	"encoding/json"
	"fmt"
	"time"

	"halobridge/internal/billing"
	"halobridge/internal/source"
)

// A run for one client in create mode: its first month, so halobridge creates
// the client's recurring invoice with one line. Reseller R's figure includes
// Acme's endpoints; only Acme is mapped, so its 12 endpoints are billed once.
func Example() {
	oct := source.Month{Year: 2026, Month: time.October}
	items := map[int]billing.Item{501: {ID: 501, Name: "Endpoint Security"}}
	policy := billing.Policy{
		Mode:                billing.ModeCreate,
		IncludePeriodInName: true,
		Products:            map[string]billing.ProductRule{"mspSecureMonthlyUsage": {ItemID: 501}},
	}
	reports := []billing.Report{{
		Source:    source.GravityZone,
		Month:     oct,
		Customers: []source.Customer{{ID: "R", Name: "Reseller", Reseller: true}, {ID: "A", Name: "Acme", ParentID: "R"}},
		Usage: []source.Usage{
			{CustomerID: "R", Month: oct, Product: "mspSecureMonthlyUsage", Quantity: 12, IncludesChildren: true},
			{CustomerID: "A", Month: oct, Product: "mspSecureMonthlyUsage", Quantity: 12},
			{CustomerID: "A", Month: oct, Product: "endpointMonthlyUsage", Quantity: 12},
		},
	}}
	mappings := []billing.Mapping{{Source: source.GravityZone, CustomerID: "A", ClientID: 11, Billing: true}}

	if errs := billing.Validate(policy, billing.ProductsInUse(reports), items); len(errs) > 0 {
		fmt.Println(errs)
		return
	}
	quantities, _ := billing.Quantities(reports, mappings, policy)

	client := billing.Client{ID: 11, Name: "Acme Ltd"}
	ledger := billing.Ledger{ClientID: client.ID} // the store's, on later runs
	choice := billing.ChooseInvoice(policy, client, nil, ledger, 0)
	plan, err := billing.PlanInvoice(billing.PlanInput{
		Month:      oct,
		Invoice:    billing.Invoice{ClientID: client.ID},
		Ledger:     ledger,
		Quantities: quantities[client.ID],
		Items:      items,
		Policy:     policy,
		Findings:   choice.Findings,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("create an invoice named:", choice.Reference)
	for _, r := range billing.Reconcile(plan) {
		fmt.Printf("%s %q: %v (%s)\n", r.Change, r.Name, r.Quantity, r.Reason)
	}
	lines, _ := json.Marshal(plan.Lines)
	fmt.Println(string(lines))
	// Output:
	// create an invoice named: Acme Ltd
	// add "Endpoint Security (Oct 2026)": 12 (Endpoint Security is billed for Oct 2026)
	// [{"_itemid":501,"item_shortdescription":"Endpoint Security (Oct 2026)","qty_order":12}]
}
