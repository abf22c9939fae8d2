package mapping_test

import (
	"fmt"

	"halobridge/internal/mapping"
	"halobridge/internal/source"
)

func ExampleNormaliseName() {
	for _, name := range []string{"Acme Holdings Pty Ltd", "Société Générale S.A.", "The Coca-Cola Company", "Müller GmbH & Co. KG"} {
		fmt.Println(mapping.NormaliseName(name))
	}
	// Output:
	// acme holdings
	// societe generale
	// coca cola
	// muller
}

func ExampleDomainOf() {
	for _, s := range []string{"Jane <jane@mail.contoso.co.uk>", "https://www.fabrikam.com/contact", "bob@gmail.com"} {
		fmt.Printf("%q\n", mapping.DomainOf(s))
	}
	// Output:
	// "contoso.co.uk"
	// "fabrikam.com"
	// ""
}

func ExampleSimilarity() {
	fmt.Printf("%.2f\n", mapping.Similarity("Contoso Ltd", "Contoso Limited"))
	fmt.Printf("%.2f\n", mapping.Similarity("Northwind Traders", "Northwind Trading"))
	fmt.Printf("%.2f\n", mapping.Similarity("Acme East", "Acme West"))
	// Output:
	// 1.00
	// 0.91
	// 0.78
}

// A sync suggests clients for the source's customers, a person accepts the
// clear ones and picks a candidate for the ambiguous one, and Apply turns
// them into confirmed mappings.
func ExampleSuggest() {
	customers := []source.Customer{
		{ID: "gz-1", Name: "Contoso, Ltd."},
		{ID: "gz-2", Name: "CTS", Domain: "it@fabrikam.com"},
		{ID: "gz-3", Name: "Northwind Traders"},
		{ID: "gz-4", Name: "Globex"},
		{ID: "gz-5", Name: "Reseller EMEA", Reseller: true},
	}
	clients := []mapping.HaloClient{
		{ID: 10, Name: "Contoso Limited"},
		{ID: 20, Name: "Fabrikam Inc", Website: "https://www.fabrikam.com"},
		{ID: 30, Name: "Northwind Trading"},
		{ID: 40, Name: "Globex Corp"},
		{ID: 41, Name: "Globex Corporation"},
	}

	suggestions := mapping.Suggest(source.GravityZone, customers, clients, nil)
	var accepted []mapping.Suggestion
	for _, s := range suggestions {
		if s.Ambiguous {
			fmt.Printf("%s: %s, ambiguous between %d and %d\n", s.CustomerName, s.Rule, s.Candidates[0].ClientID, s.Candidates[1].ClientID)
			chosen, err := s.Choose(41)
			if err != nil {
				fmt.Println(err)
				return
			}
			s = chosen
		} else {
			fmt.Printf("%s: %s → %s (score %.2f)\n", s.CustomerName, s.Rule, s.ClientName, s.Score)
		}
		accepted = append(accepted, s)
	}

	mappings, conflicts := mapping.Apply(nil, accepted)
	for _, m := range mappings {
		fmt.Printf("%s → client %d\n", m.CustomerID, m.ClientID)
	}
	fmt.Println(len(conflicts), "conflicts")
	// Output:
	// Contoso, Ltd.: normalised_name → Contoso Limited (score 1.00)
	// Globex: normalised_name, ambiguous between 40 and 41
	// CTS: domain → Fabrikam Inc (score 1.00)
	// Northwind Traders: fuzzy → Northwind Trading (score 0.91)
	// gz-1 → client 10
	// gz-4 → client 41
	// gz-2 → client 20
	// gz-3 → client 30
	// 0 conflicts
}

func ExampleEvaluate() {
	m := mapping.Mapping{CustomerID: "gz-1", ClientID: 42, SiteID: 7, Ticketing: true, Billing: true, Confirmed: true}
	customers := map[string]source.Customer{"gz-1": {ID: "gz-1", Name: "Contoso"}}
	clients := map[int]mapping.HaloClient{42: {ID: 42, Name: "Contoso Ltd"}}
	sites := map[int]mapping.Site{7: {ID: 7, ClientID: 42, Name: "Main"}}

	status, findings := mapping.Evaluate(m, customers, clients, sites)
	fmt.Println(status)
	for _, f := range findings {
		fmt.Println(f.Kind)
		fmt.Println(f.Message)
		fmt.Println(f.Fix)
	}
	// Output:
	// has_events
	// site_without_general_user
	// Site 'Main' of 'Contoso Ltd' has no General User, so tickets without a specific user cannot be created there.
	// Add a user named 'General User' to that site in HaloPSA, or let halobridge create it.
}
