package mapping_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/mapping"
	"halobridge/internal/source"
)

func linked(cl mapping.HaloClient, keys ...string) mapping.HaloClient {
	cl.ExternalIDs = map[string]string{}
	for _, k := range keys {
		cl.ExternalIDs[k] = "linked earlier"
	}
	return cl
}

func TestSuggest(t *testing.T) {
	t.Parallel()

	contoso := source.Customer{ID: "gz-1", Name: "Contoso"}

	tests := []struct {
		name      string
		customers []source.Customer
		clients   []mapping.HaloClient
		existing  []mapping.Mapping
		want      []mapping.Suggestion
	}{
		{
			name:      "PrefersExternalIDOverName",
			customers: []source.Customer{contoso},
			clients: []mapping.HaloClient{
				{ID: 10, Name: "Contoso"},
				linked(mapping.HaloClient{ID: 20, Name: "Contoso Holdings (renamed)"}, "gravityzone:gz-1"),
			},
			want: []mapping.Suggestion{{CustomerID: "gz-1", CustomerName: "Contoso", ClientID: 20, ClientName: "Contoso Holdings (renamed)", Rule: mapping.RuleExternalID, Score: 1}},
		},
		{
			name:      "IgnoresExternalIDOfAnotherSourceKind",
			customers: []source.Customer{contoso},
			clients: []mapping.HaloClient{
				{ID: 10, Name: "Contoso"},
				linked(mapping.HaloClient{ID: 20, Name: "Elsewhere"}, "defensx:gz-1"),
			},
			want: []mapping.Suggestion{{CustomerID: "gz-1", CustomerName: "Contoso", ClientID: 10, ClientName: "Contoso", Rule: mapping.RuleName, Score: 1}},
		},
		{
			name:      "IgnoresExternalIDOnInactiveClient",
			customers: []source.Customer{contoso},
			clients: []mapping.HaloClient{
				linked(mapping.HaloClient{ID: 20, Name: "Old Contoso", Inactive: true}, "gravityzone:gz-1"),
				{ID: 10, Name: "CONTOSO LIMITED"},
			},
			want: []mapping.Suggestion{{CustomerID: "gz-1", CustomerName: "Contoso", ClientID: 10, ClientName: "CONTOSO LIMITED", Rule: mapping.RuleName, Score: 1}},
		},
		{
			name:      "ReportsExternalIDOnTwoClientsAsAmbiguous",
			customers: []source.Customer{contoso},
			clients: []mapping.HaloClient{
				linked(mapping.HaloClient{ID: 20, Name: "Contoso B"}, "gravityzone:gz-1"),
				linked(mapping.HaloClient{ID: 10, Name: "Contoso A"}, "gravityzone:gz-1"),
			},
			want: []mapping.Suggestion{{
				CustomerID: "gz-1", CustomerName: "Contoso", Rule: mapping.RuleExternalID, Score: 1, Ambiguous: true,
				Candidates: []mapping.Candidate{{ClientID: 10, Name: "Contoso A", Score: 1}, {ClientID: 20, Name: "Contoso B", Score: 1}},
			}},
		},
		{
			name:      "MatchesNormalisedName",
			customers: []source.Customer{{ID: "gz-1", Name: "Société Générale, S.A."}},
			clients:   []mapping.HaloClient{{ID: 10, Name: "SOCIETE GENERALE"}, {ID: 11, Name: "Societe Generale Bank"}},
			want:      []mapping.Suggestion{{CustomerID: "gz-1", CustomerName: "Société Générale, S.A.", ClientID: 10, ClientName: "SOCIETE GENERALE", Rule: mapping.RuleName, Score: 1}},
		},
		{
			name:      "PrefersNameOverDomain",
			customers: []source.Customer{{ID: "gz-1", Name: "Contoso", Domain: "contoso.com"}},
			clients:   []mapping.HaloClient{{ID: 10, Name: "Contoso Ltd"}, {ID: 20, Name: "Contoso Group IT", Website: "contoso.com"}},
			want:      []mapping.Suggestion{{CustomerID: "gz-1", CustomerName: "Contoso", ClientID: 10, ClientName: "Contoso Ltd", Rule: mapping.RuleName, Score: 1}},
		},
		{
			name:      "MatchesWebsiteDomainWhenNamesDiffer",
			customers: []source.Customer{{ID: "gz-1", Name: "CTS", Domain: "it@mail.contoso.com"}},
			clients:   []mapping.HaloClient{{ID: 10, Name: "Contoso Technical Services", Website: "https://www.contoso.com/"}},
			want:      []mapping.Suggestion{{CustomerID: "gz-1", CustomerName: "CTS", ClientID: 10, ClientName: "Contoso Technical Services", Rule: mapping.RuleDomain, Score: 1}},
		},
		{
			name:      "MatchesUserEmailDomain",
			customers: []source.Customer{{ID: "gz-1", Name: "CTS", Domain: "contoso.co.uk"}},
			clients:   []mapping.HaloClient{{ID: 10, Name: "Contoso UK", Domains: []string{"jane@contoso.co.uk"}}},
			want:      []mapping.Suggestion{{CustomerID: "gz-1", CustomerName: "CTS", ClientID: 10, ClientName: "Contoso UK", Rule: mapping.RuleDomain, Score: 1}},
		},
		{
			name:      "PrefersDomainOverFuzzyName",
			customers: []source.Customer{{ID: "gz-1", Name: "Northwind Traders", Domain: "nwt.example"}},
			clients:   []mapping.HaloClient{{ID: 10, Name: "Northwind Trading"}, {ID: 20, Name: "NWT", Website: "nwt.example"}},
			want:      []mapping.Suggestion{{CustomerID: "gz-1", CustomerName: "Northwind Traders", ClientID: 20, ClientName: "NWT", Rule: mapping.RuleDomain, Score: 1}},
		},
		{
			name:      "NeverMatchesOnFreeMail",
			customers: []source.Customer{{ID: "gz-1", Name: "Bob's Plumbing", Domain: "bob@gmail.com"}},
			clients:   []mapping.HaloClient{{ID: 10, Name: "Alice Bakery", Domains: []string{"alice@gmail.com"}}},
		},
		{
			name:      "ReportsSharedDomainAsAmbiguous",
			customers: []source.Customer{{ID: "gz-1", Name: "CTS", Domain: "contoso.com"}},
			clients: []mapping.HaloClient{
				{ID: 20, Name: "Contoso US", Website: "us.contoso.com"},
				{ID: 10, Name: "Contoso EU", Website: "eu.contoso.com"},
			},
			want: []mapping.Suggestion{{
				CustomerID: "gz-1", CustomerName: "CTS", Rule: mapping.RuleDomain, Score: 1, Ambiguous: true,
				Candidates: []mapping.Candidate{{ClientID: 10, Name: "Contoso EU", Score: 1}, {ClientID: 20, Name: "Contoso US", Score: 1}},
			}},
		},
		{
			name:      "MatchesFuzzyNameWithItsScore",
			customers: []source.Customer{{ID: "gz-1", Name: "Northwind Traders"}},
			clients:   []mapping.HaloClient{{ID: 10, Name: "Northwind Trading"}, {ID: 20, Name: "Southwind Traders"}},
			// "northwind traders" / "southwind traders": 2 substitutions in 17, same in the stems.
			want: []mapping.Suggestion{{CustomerID: "gz-1", CustomerName: "Northwind Traders", ClientID: 10, ClientName: "Northwind Trading", Rule: mapping.RuleFuzzy, Score: (14.0/17 + 1) / 2}},
		},
		{
			name:      "PicksBestFuzzyScore",
			customers: []source.Customer{{ID: "gz-1", Name: "Woodgrove Bank"}},
			// "woodgrove bnak": 1 swap in 14 (13/14); "woodgrove bankk": 1 insertion in 15 (14/15).
			clients: []mapping.HaloClient{{ID: 10, Name: "Woodgrove Bnak"}, {ID: 20, Name: "Woodgrove Bankk"}},
			want:    []mapping.Suggestion{{CustomerID: "gz-1", CustomerName: "Woodgrove Bank", ClientID: 20, ClientName: "Woodgrove Bankk", Rule: mapping.RuleFuzzy, Score: 14.0 / 15}},
		},
		{
			name:      "ReportsEqualFuzzyScoresAsAmbiguous",
			customers: []source.Customer{{ID: "gz-1", Name: "Woodgrove Bank"}},
			clients:   []mapping.HaloClient{{ID: 20, Name: "Woodgrove Bnak"}, {ID: 10, Name: "Woodgrove Bnak"}},
			want: []mapping.Suggestion{{
				CustomerID: "gz-1", CustomerName: "Woodgrove Bank", Rule: mapping.RuleFuzzy, Score: 13.0 / 14, Ambiguous: true,
				Candidates: []mapping.Candidate{{ClientID: 10, Name: "Woodgrove Bnak", Score: 13.0 / 14}, {ClientID: 20, Name: "Woodgrove Bnak", Score: 13.0 / 14}},
			}},
		},
		{
			name:      "RejectsFuzzyScoreBelowThreshold",
			customers: []source.Customer{{ID: "gz-1", Name: "Acme East"}, {ID: "gz-2", Name: "Fabrikam"}},
			clients:   []mapping.HaloClient{{ID: 10, Name: "Acme West"}, {ID: 20, Name: "Fabrikan"}},
		},
		{
			name:      "ReportsTwoClientsWithOneNormalisedNameAsAmbiguous",
			customers: []source.Customer{{ID: "gz-1", Name: "Globex, Inc."}},
			clients:   []mapping.HaloClient{{ID: 20, Name: "Globex Corporation"}, {ID: 10, Name: "Globex Corp"}},
			want: []mapping.Suggestion{{
				CustomerID: "gz-1", CustomerName: "Globex, Inc.", Rule: mapping.RuleName, Score: 1, Ambiguous: true,
				Candidates: []mapping.Candidate{{ClientID: 10, Name: "Globex Corp", Score: 1}, {ClientID: 20, Name: "Globex Corporation", Score: 1}},
			}},
		},
		{
			name:      "DoesNotFallThroughFromAmbiguousNameToDomain",
			customers: []source.Customer{{ID: "gz-1", Name: "Globex", Domain: "globex.com"}},
			clients: []mapping.HaloClient{
				{ID: 10, Name: "Globex Corp"},
				{ID: 20, Name: "Globex Corporation"},
				{ID: 30, Name: "Globex Head Office", Website: "www.globex.com"},
			},
			want: []mapping.Suggestion{{
				CustomerID: "gz-1", CustomerName: "Globex", Rule: mapping.RuleName, Score: 1, Ambiguous: true,
				Candidates: []mapping.Candidate{{ClientID: 10, Name: "Globex Corp", Score: 1}, {ClientID: 20, Name: "Globex Corporation", Score: 1}},
			}},
		},
		{
			name:      "NeverSuggestsInactiveClient",
			customers: []source.Customer{contoso, {ID: "gz-2", Name: "Fabrikam", Domain: "fabrikam.com"}},
			clients: []mapping.HaloClient{
				{ID: 10, Name: "Contoso", Inactive: true},
				{ID: 20, Name: "Fabrikam Inc", Website: "fabrikam.com", Inactive: true},
			},
		},
		{
			name:      "LeavesInactiveTwinOutOfAmbiguity",
			customers: []source.Customer{contoso},
			clients:   []mapping.HaloClient{{ID: 10, Name: "Contoso", Inactive: true}, {ID: 20, Name: "Contoso Ltd"}},
			want:      []mapping.Suggestion{{CustomerID: "gz-1", CustomerName: "Contoso", ClientID: 20, ClientName: "Contoso Ltd", Rule: mapping.RuleName, Score: 1}},
		},
		{
			name:      "SkipsConfirmedCustomer",
			customers: []source.Customer{contoso},
			clients:   []mapping.HaloClient{{ID: 10, Name: "Contoso"}},
			existing:  []mapping.Mapping{{CustomerID: "gz-1", ClientID: 99, Confirmed: true}},
		},
		{
			name:      "SuggestsAgainForUnconfirmedMapping",
			customers: []source.Customer{contoso},
			clients:   []mapping.HaloClient{{ID: 10, Name: "Contoso"}},
			existing:  []mapping.Mapping{{CustomerID: "gz-1", ClientID: 99}},
			want:      []mapping.Suggestion{{CustomerID: "gz-1", CustomerName: "Contoso", ClientID: 10, ClientName: "Contoso", Rule: mapping.RuleName, Score: 1}},
		},
		{
			name:      "SkipsResellers",
			customers: []source.Customer{{ID: "gz-1", Name: "Contoso", Reseller: true}},
			clients:   []mapping.HaloClient{{ID: 10, Name: "Contoso"}},
		},
		{
			name:      "SkipsCustomerWithoutID",
			customers: []source.Customer{{Name: "Contoso"}},
			clients:   []mapping.HaloClient{{ID: 10, Name: "Contoso"}},
		},
		{
			name:      "SkipsNamelessCustomerWithoutDomain",
			customers: []source.Customer{{ID: "gz-1", Name: "  "}},
			clients:   []mapping.HaloClient{{ID: 10, Name: ""}},
		},
		{
			name:      "SuggestsClientAlreadyConfirmedForAnotherCustomer",
			customers: []source.Customer{contoso, {ID: "gz-2", Name: "Contoso Sales"}},
			clients:   []mapping.HaloClient{{ID: 10, Name: "Contoso Ltd"}},
			existing:  []mapping.Mapping{{CustomerID: "gz-2", ClientID: 10, Confirmed: true}, {CustomerID: "gz-3", ClientID: 10, Confirmed: true}},
			want:      []mapping.Suggestion{{CustomerID: "gz-1", CustomerName: "Contoso", ClientID: 10, ClientName: "Contoso Ltd", Rule: mapping.RuleName, Score: 1, SharedWith: []string{"gz-2", "gz-3"}}},
		},
		{
			name:      "RanksFreeCandidatesBeforeSharedOnes",
			customers: []source.Customer{{ID: "gz-1", Name: "Globex"}},
			clients:   []mapping.HaloClient{{ID: 10, Name: "Globex Corp"}, {ID: 20, Name: "Globex Corporation"}},
			existing:  []mapping.Mapping{{CustomerID: "gz-9", ClientID: 10, Confirmed: true}},
			want: []mapping.Suggestion{{
				CustomerID: "gz-1", CustomerName: "Globex", Rule: mapping.RuleName, Score: 1, Ambiguous: true,
				Candidates: []mapping.Candidate{
					{ClientID: 20, Name: "Globex Corporation", Score: 1},
					{ClientID: 10, Name: "Globex Corp", Score: 1, SharedWith: []string{"gz-9"}},
				},
			}},
		},
		{
			name: "SortsByRuleThenNormalisedNameThenID",
			customers: []source.Customer{
				{ID: "gz-5", Name: "Woodgrove Bank"},
				{ID: "gz-4", Name: "CTS", Domain: "contoso.com"},
				{ID: "gz-3", Name: "the Zeta Ltd"},
				{ID: "gz-2", Name: "Alpha"},
				{ID: "gz-1", Name: "ALPHA"},
				{ID: "gz-6", Name: "Omega"},
			},
			clients: []mapping.HaloClient{
				{ID: 10, Name: "Alpha"},
				{ID: 20, Name: "Zeta"},
				{ID: 30, Name: "Contoso", Website: "contoso.com"},
				{ID: 40, Name: "Woodgrove Bnak"},
				linked(mapping.HaloClient{ID: 50, Name: "Omega Industries"}, "gravityzone:gz-6"),
			},
			want: []mapping.Suggestion{
				{CustomerID: "gz-6", CustomerName: "Omega", ClientID: 50, ClientName: "Omega Industries", Rule: mapping.RuleExternalID, Score: 1},
				{CustomerID: "gz-1", CustomerName: "ALPHA", ClientID: 10, ClientName: "Alpha", Rule: mapping.RuleName, Score: 1},
				{CustomerID: "gz-2", CustomerName: "Alpha", ClientID: 10, ClientName: "Alpha", Rule: mapping.RuleName, Score: 1},
				{CustomerID: "gz-3", CustomerName: "the Zeta Ltd", ClientID: 20, ClientName: "Zeta", Rule: mapping.RuleName, Score: 1},
				{CustomerID: "gz-4", CustomerName: "CTS", ClientID: 30, ClientName: "Contoso", Rule: mapping.RuleDomain, Score: 1},
				{CustomerID: "gz-5", CustomerName: "Woodgrove Bank", ClientID: 40, ClientName: "Woodgrove Bnak", Rule: mapping.RuleFuzzy, Score: 13.0 / 14},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := mapping.Suggest(source.GravityZone, tt.customers, tt.clients, tt.existing)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Suggest mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSuggestIsStable(t *testing.T) {
	t.Parallel()

	customers := []source.Customer{
		{ID: "gz-1", Name: "Contoso"},
		{ID: "gz-2", Name: "Globex"},
		{ID: "gz-3", Name: "CTS", Domain: "fabrikam.com"},
		{ID: "gz-4", Name: "Woodgrove Bank"},
		{ID: "gz-5", Name: "Nobody"},
		{ID: "gz-6", Name: "Contoso Sales"},
	}
	clients := []mapping.HaloClient{
		{ID: 10, Name: "Contoso Ltd"},
		{ID: 20, Name: "Globex Corp"},
		{ID: 21, Name: "Globex Corporation"},
		{ID: 30, Name: "Fabrikam", Website: "fabrikam.com"},
		{ID: 40, Name: "Woodgrove Bnak"},
		{ID: 41, Name: "Woodgrove Bnak"},
		linked(mapping.HaloClient{ID: 50, Name: "Sales"}, "gravityzone:gz-6"),
	}
	existing := []mapping.Mapping{{CustomerID: "gz-9", ClientID: 20, Confirmed: true}}
	want := mapping.Suggest(source.GravityZone, customers, clients, existing)

	t.Run("GivesSameResultWhateverTheInputOrder", func(t *testing.T) {
		t.Parallel()
		for shift := range len(clients) {
			cs, cls := slices.Clone(customers), slices.Clone(clients)
			slices.Reverse(cs)
			cs = append(cs[shift%len(cs):], cs[:shift%len(cs)]...)
			cls = append(cls[shift:], cls[:shift]...)
			if diff := cmp.Diff(want, mapping.Suggest(source.GravityZone, cs, cls, existing)); diff != "" {
				t.Errorf("rotation %d: Suggest changed with input order (-first +now):\n%s", shift, diff)
			}
		}
	})

	t.Run("GivesSameResultWhenRunAgain", func(t *testing.T) {
		t.Parallel()
		if diff := cmp.Diff(want, mapping.Suggest(source.GravityZone, customers, clients, existing)); diff != "" {
			t.Errorf("second run differs (-first +second):\n%s", diff)
		}
	})

	t.Run("LeavesOnlyAmbiguousOnesOnceTheOthersAreApplied", func(t *testing.T) {
		t.Parallel()
		var clear []mapping.Suggestion
		var ambiguous []string
		for _, s := range want {
			if s.Ambiguous {
				ambiguous = append(ambiguous, s.CustomerID)
			} else {
				clear = append(clear, s)
			}
		}
		applied, conflicts := mapping.Apply(existing, clear)
		if len(conflicts) != 0 {
			t.Fatalf("Apply conflicts: %+v", conflicts)
		}
		var left []string
		for _, s := range mapping.Suggest(source.GravityZone, customers, clients, applied) {
			left = append(left, s.CustomerID)
		}
		if diff := cmp.Diff([]string{"gz-2", "gz-4"}, left); diff != "" {
			t.Errorf("customers still suggested (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"gz-2", "gz-4"}, ambiguous); diff != "" {
			t.Errorf("ambiguous customers (-want +got):\n%s", diff)
		}
	})
}
