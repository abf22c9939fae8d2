package mapping_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/mapping"
	"halobridge/internal/source"
)

func TestEvaluate(t *testing.T) {
	t.Parallel()

	customers := map[string]source.Customer{
		"gz-1": {ID: "gz-1", Name: "Contoso"},
	}
	clients := map[int]mapping.HaloClient{
		42: {ID: 42, Name: "Contoso Ltd"},
		43: {ID: 43, Name: "Fabrikam", Inactive: true},
		44: {ID: 44, Name: "Globex"},
		45: {ID: 45, Name: "Initech"},
		46: {ID: 46, Name: "Umbrella"},
	}
	sites := map[int]mapping.Site{
		7:  {ID: 7, ClientID: 42, Name: "Main", HasGeneralUser: true},
		8:  {ID: 8, ClientID: 42, Name: "Warehouse"},
		9:  {ID: 9, ClientID: 42, Name: "Old Office", HasGeneralUser: true, Inactive: true},
		10: {ID: 10, ClientID: 44, Name: "Branch", HasGeneralUser: true},
		11: {ID: 11, ClientID: 45, Name: "Main"},
		12: {ID: 12, ClientID: 45, Name: "Closed", HasGeneralUser: true, Inactive: true},
	}
	on := func(m mapping.Mapping) mapping.Mapping {
		m.Ticketing, m.Billing, m.Confirmed = true, true, true
		return m
	}

	tests := []struct {
		name         string
		mapping      mapping.Mapping
		wantStatus   mapping.Status
		wantFindings []mapping.Finding
	}{
		{
			name:       "IsOKWhenEverythingExists",
			mapping:    on(mapping.Mapping{CustomerID: "gz-1", ClientID: 42, SiteID: 7}),
			wantStatus: mapping.StatusOK,
		},
		{
			name:       "IsOKWithoutSiteWhenSomeSiteHasGeneralUser",
			mapping:    on(mapping.Mapping{CustomerID: "gz-1", ClientID: 42}),
			wantStatus: mapping.StatusOK,
		},
		{
			name:       "IsOKWithoutSiteWhenNoSiteOfTheClientIsKnown",
			mapping:    on(mapping.Mapping{CustomerID: "gz-1", ClientID: 46}),
			wantStatus: mapping.StatusOK,
		},
		{
			name:       "IsNotApplicableWithTicketingAndBillingOff",
			mapping:    mapping.Mapping{CustomerID: "gz-gone", ClientID: 999, Confirmed: true},
			wantStatus: mapping.StatusNA,
		},
		{
			name:       "IsNotApplicableUntilConfirmed",
			mapping:    mapping.Mapping{CustomerID: "gz-gone", ClientID: 999, Ticketing: true, Billing: true},
			wantStatus: mapping.StatusNA,
		},
		{
			name:       "FindsDeletedClient",
			mapping:    on(mapping.Mapping{CustomerID: "gz-1", ClientID: 999, SiteID: 7}),
			wantStatus: mapping.StatusHasEvents,
			wantFindings: []mapping.Finding{{
				Kind: mapping.FindingClientNotFound, CustomerID: "gz-1", ClientID: 999,
				Message: "HaloPSA client id 999, mapped to company 'Contoso', no longer exists: it was deleted or merged into another client.",
				Fix:     "Map company 'Contoso' to another HaloPSA client, or unmap it.",
			}},
		},
		{
			name:       "FindsInactiveClient",
			mapping:    on(mapping.Mapping{CustomerID: "gz-1", ClientID: 43}),
			wantStatus: mapping.StatusHasEvents,
			wantFindings: []mapping.Finding{{
				Kind: mapping.FindingClientInactive, CustomerID: "gz-1", ClientID: 43,
				Message: "HaloPSA client 'Fabrikam' (id 43) was made inactive.",
				Fix:     "Map company 'Contoso' to another client, or reactivate the client in HaloPSA under Customers.",
			}},
		},
		{
			name:       "FindsMissingCustomer",
			mapping:    on(mapping.Mapping{CustomerID: "gz-gone", ClientID: 42}),
			wantStatus: mapping.StatusHasEvents,
			wantFindings: []mapping.Finding{{
				Kind: mapping.FindingCustomerNotFound, CustomerID: "gz-gone", ClientID: 42,
				Message: "Company id 'gz-gone', mapped to HaloPSA client 'Contoso Ltd' (id 42), is no longer listed by the security console: it was deleted, or the API key can no longer see it.",
				Fix:     "If the company was removed on purpose, unmap it; otherwise give the security console's API key access to it again.",
			}},
		},
		{
			name:       "FindsBothMissing",
			mapping:    on(mapping.Mapping{CustomerID: "gz-gone", ClientID: 999}),
			wantStatus: mapping.StatusHasEvents,
			wantFindings: []mapping.Finding{{
				Kind: mapping.FindingBothNotFound, CustomerID: "gz-gone", ClientID: 999,
				Message: "Neither company id 'gz-gone' in the security console nor HaloPSA client id 999 exists any more.",
				Fix:     "Remove the mapping: there is nothing left to connect.",
			}},
		},
		{
			name:       "FindsDeletedSite",
			mapping:    on(mapping.Mapping{CustomerID: "gz-1", ClientID: 42, SiteID: 77}),
			wantStatus: mapping.StatusHasEvents,
			wantFindings: []mapping.Finding{{
				Kind: mapping.FindingSiteNotFound, CustomerID: "gz-1", ClientID: 42, SiteID: 77,
				Message: "Site id 77 of HaloPSA client 'Contoso Ltd' (id 42) no longer exists: it was deleted.",
				Fix:     "Choose another site for company 'Contoso', or clear the site so tickets go to the client's General User.",
			}},
		},
		{
			name:       "FindsSiteMovedToAnotherClient",
			mapping:    on(mapping.Mapping{CustomerID: "gz-1", ClientID: 42, SiteID: 10}),
			wantStatus: mapping.StatusHasEvents,
			wantFindings: []mapping.Finding{{
				Kind: mapping.FindingSiteNotFound, CustomerID: "gz-1", ClientID: 42, SiteID: 10,
				Message: "Site 'Branch' (id 10) no longer belongs to HaloPSA client 'Contoso Ltd' (id 42): it was moved to another client.",
				Fix:     "Choose another site for company 'Contoso', or clear the site so tickets go to the client's General User.",
			}},
		},
		{
			name:       "FindsInactiveSite",
			mapping:    on(mapping.Mapping{CustomerID: "gz-1", ClientID: 42, SiteID: 9}),
			wantStatus: mapping.StatusHasEvents,
			wantFindings: []mapping.Finding{{
				Kind: mapping.FindingSiteNotFound, CustomerID: "gz-1", ClientID: 42, SiteID: 9,
				Message: "Site 'Old Office' (id 9) of HaloPSA client 'Contoso Ltd' (id 42) was made inactive.",
				Fix:     "Choose another site for company 'Contoso', or clear the site so tickets go to the client's General User.",
			}},
		},
		{
			name:       "FindsSiteWithoutGeneralUser",
			mapping:    on(mapping.Mapping{CustomerID: "gz-1", ClientID: 42, SiteID: 8}),
			wantStatus: mapping.StatusHasEvents,
			wantFindings: []mapping.Finding{{
				Kind: mapping.FindingSiteWithoutGeneralUser, CustomerID: "gz-1", ClientID: 42, SiteID: 8,
				Message: "Site 'Warehouse' of 'Contoso Ltd' has no General User, so tickets without a specific user cannot be created there.",
				Fix:     "Add a user named 'General User' to that site in HaloPSA, or let halobridge create it.",
			}},
		},
		{
			name:       "IgnoresMissingGeneralUserWhenOnlyBilling",
			mapping:    mapping.Mapping{CustomerID: "gz-1", ClientID: 42, SiteID: 8, Billing: true, Confirmed: true},
			wantStatus: mapping.StatusOK,
		},
		{
			name:       "FindsClientWhoseActiveSitesLackGeneralUser",
			mapping:    on(mapping.Mapping{CustomerID: "gz-1", ClientID: 45}),
			wantStatus: mapping.StatusHasEvents,
			wantFindings: []mapping.Finding{{
				Kind: mapping.FindingSiteWithoutGeneralUser, CustomerID: "gz-1", ClientID: 45,
				Message: "No site of 'Initech' has a General User, so tickets without a specific user cannot be created for it.",
				Fix:     "Add a user named 'General User' to the client's main site in HaloPSA, or let halobridge create it.",
			}},
		},
		{
			name:       "ReportsInactiveClientBeforeItsSite",
			mapping:    on(mapping.Mapping{CustomerID: "gz-1", ClientID: 43, SiteID: 77}),
			wantStatus: mapping.StatusHasEvents,
			wantFindings: []mapping.Finding{{
				Kind: mapping.FindingClientInactive, CustomerID: "gz-1", ClientID: 43,
				Message: "HaloPSA client 'Fabrikam' (id 43) was made inactive.",
				Fix:     "Map company 'Contoso' to another client, or reactivate the client in HaloPSA under Customers.",
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, findings := mapping.Evaluate(tt.mapping, customers, clients, sites)
			if status != tt.wantStatus {
				t.Errorf("status = %q, want %q", status, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.wantFindings, findings); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFindingKey(t *testing.T) {
	t.Parallel()

	a := mapping.Finding{Kind: mapping.FindingSiteNotFound, CustomerID: "gz-1", ClientID: 42, SiteID: 7, Message: "one wording"}
	b := a
	b.Message = "another wording"
	if a.Key() != b.Key() {
		t.Errorf("keys differ with the wording: %q, %q", a.Key(), b.Key())
	}
	if want := "site_not_found/gz-1/42/7"; a.Key() != want {
		t.Errorf("Key() = %q, want %q", a.Key(), want)
	}
	c := a
	c.SiteID = 8
	if a.Key() == c.Key() {
		t.Errorf("findings about sites 7 and 8 share key %q", a.Key())
	}
}
