package billing_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"halobridge/internal/billing"
	"halobridge/internal/source"
)

func TestQuantities(t *testing.T) {
	t.Parallel()

	oct := month(2026, time.October)
	// A GravityZone reseller R with two companies A and B, and a deeper tree
	// P → K → G for figures that do not include children.
	customers := []source.Customer{
		{ID: "R", Name: "Reseller", Reseller: true}, {ID: "A", Name: "Acme", ParentID: "R"}, {ID: "B", Name: "Beta", ParentID: "R"},
		{ID: "P", Name: "Parent"}, {ID: "K", Name: "Kid", ParentID: "P"}, {ID: "G", Name: "Grandkid", ParentID: "K"},
	}
	msp := func(customer string, q float64, includes bool) source.Usage {
		return source.Usage{CustomerID: customer, Month: oct, Product: "mspSecureMonthlyUsage", Quantity: q, IncludesChildren: includes}
	}
	use := func(customer, product string, q float64) source.Usage {
		return source.Usage{CustomerID: customer, Month: oct, Product: product, Quantity: q}
	}
	gzReport := func(usage ...source.Usage) billing.Report {
		return billing.Report{Source: source.GravityZone, Month: oct, Customers: customers, Usage: usage}
	}
	gzMap := func(customer string, client int) billing.Mapping {
		return billing.Mapping{Source: source.GravityZone, CustomerID: customer, ClientID: client, Billing: true}
	}
	dxMap := func(customer string, client int) billing.Mapping {
		return billing.Mapping{Source: source.DefensX, CustomerID: customer, ClientID: client, Billing: true}
	}
	policy := billing.Policy{Products: map[string]billing.ProductRule{
		"mspSecureMonthlyUsage": {ItemID: 501}, "endpointMonthlyUsage": {ItemID: 509}, "DX-WEB": {ItemID: 601},
	}}
	owes := func(items map[int]float64) billing.ClientQuantities {
		return billing.ClientQuantities{Months: map[source.Month]billing.MonthQuantities{oct: {Items: items}}}
	}
	waits := func(why string) billing.ClientQuantities {
		return billing.ClientQuantities{Months: map[source.Month]billing.MonthQuantities{oct: {Unavailable: why}}}
	}
	// R's figure includes A (10) and B (5).
	family := gzReport(msp("R", 15, true), msp("A", 10, false), msp("B", 5, false))

	tests := []struct {
		name         string
		reports      []billing.Report
		mappings     []billing.Mapping
		policy       billing.Policy
		want         map[int]billing.ClientQuantities
		wantFindings []billing.Finding
	}{
		{
			name: "ParentMappedAloneBillsItsChildrenWithIt", reports: []billing.Report{family},
			mappings: []billing.Mapping{gzMap("R", 10)},
			want:     map[int]billing.ClientQuantities{10: owes(map[int]float64{501: 15})},
		},
		{
			name: "ChildMappedOnItsOwnIsTakenOutOfItsParent", reports: []billing.Report{family},
			mappings: []billing.Mapping{gzMap("R", 10), gzMap("A", 11)},
			want:     map[int]billing.ClientQuantities{10: owes(map[int]float64{501: 5}), 11: owes(map[int]float64{501: 10})},
		},
		{
			name: "ParentAndChildOnOneClientCountOnce", reports: []billing.Report{family},
			mappings: []billing.Mapping{gzMap("R", 10), gzMap("A", 10)},
			want:     map[int]billing.ClientQuantities{10: owes(map[int]float64{501: 15})},
		},
		{
			name: "ChildWithBillingOffIsBilledByNoOne", reports: []billing.Report{family},
			mappings: []billing.Mapping{gzMap("R", 10), {Source: source.GravityZone, CustomerID: "A", ClientID: 11}},
			want:     map[int]billing.ClientQuantities{10: owes(map[int]float64{501: 5})},
		},
		{
			name: "ParentsOwnEndpointsStayWithTheParent", reports: []billing.Report{gzReport(msp("R", 17, true), msp("A", 10, false), msp("B", 5, false))},
			mappings: []billing.Mapping{gzMap("R", 10), gzMap("A", 11)},
			want:     map[int]billing.ClientQuantities{10: owes(map[int]float64{501: 7}), 11: owes(map[int]float64{501: 10})},
		},
		{
			name: "FigureWithoutChildrenCoversTheParentOnly", reports: []billing.Report{gzReport(msp("R", 2, false), msp("A", 10, false), msp("B", 5, false))},
			mappings: []billing.Mapping{gzMap("R", 10)},
			want:     map[int]billing.ClientQuantities{10: owes(map[int]float64{501: 2})},
		},
		{
			name: "ChildMappedParentNot", reports: []billing.Report{family},
			mappings: []billing.Mapping{gzMap("A", 11)},
			want:     map[int]billing.ClientQuantities{11: owes(map[int]float64{501: 10})},
		},
		{
			// P's 20 includes K's subtree: K's own 4 (a figure without its
			// child) and G's 15, so P's own use is 1.
			name: "GrandchildMappedOnItsOwnUnderAMiddleWithoutChildren", reports: []billing.Report{gzReport(msp("P", 20, true), msp("K", 4, false), msp("G", 15, false))},
			mappings: []billing.Mapping{gzMap("P", 10), gzMap("G", 12)},
			want:     map[int]billing.ClientQuantities{10: owes(map[int]float64{501: 5}), 12: owes(map[int]float64{501: 15})},
		},
		{
			name: "UnmappedGrandchildGoesToTheAncestorWhoseFigureIncludesIt", reports: []billing.Report{gzReport(msp("P", 20, true), msp("K", 4, false), msp("G", 15, false))},
			mappings: []billing.Mapping{gzMap("P", 10), gzMap("K", 11)},
			want:     map[int]billing.ClientQuantities{10: owes(map[int]float64{501: 16}), 11: owes(map[int]float64{501: 4})},
		},
		{
			name: "ParentFigureSmallerThanItsChildrenIsReported", reports: []billing.Report{gzReport(msp("R", 12, true), msp("A", 10, false), msp("B", 5, false))},
			mappings: []billing.Mapping{gzMap("R", 10), gzMap("A", 11)},
			want:     map[int]billing.ClientQuantities{10: owes(map[int]float64{501: 5}), 11: owes(map[int]float64{501: 10})},
			wantFindings: []billing.Finding{{Kind: billing.FindingUsageInconsistent, ClientID: 10, Source: source.GravityZone, CustomerID: "R",
				Product: "mspSecureMonthlyUsage", Months: []source.Month{oct}}},
		},
		{
			name: "EndpointCountIsNotBilledUnderPackageBasis", reports: []billing.Report{gzReport(msp("A", 10, false), use("A", "endpointMonthlyUsage", 10))},
			mappings: []billing.Mapping{gzMap("A", 11)},
			want:     map[int]billing.ClientQuantities{11: owes(map[int]float64{501: 10})},
		},
		{
			name: "PackagesAreNotBilledUnderEndpointBasis", reports: []billing.Report{gzReport(msp("A", 10, false), use("A", "endpointMonthlyUsage", 10))},
			mappings: []billing.Mapping{gzMap("A", 11)},
			policy:   billing.Policy{Basis: billing.BasisEndpoint, Products: policy.Products},
			want:     map[int]billing.ClientQuantities{11: owes(map[int]float64{509: 10})},
		},
		{
			name: "OverrideReplacesTheItemForOneCustomer", reports: []billing.Report{family},
			mappings: []billing.Mapping{gzMap("A", 11), gzMap("B", 12)},
			policy: billing.Policy{Products: policy.Products, Overrides: []billing.MappingOverride{
				{Source: source.GravityZone, CustomerID: "A", Products: map[string]billing.ProductRule{"mspSecureMonthlyUsage": {ItemID: 520}}},
			}},
			want: map[int]billing.ClientQuantities{11: owes(map[int]float64{520: 10}), 12: owes(map[int]float64{501: 5})},
		},
		{
			name: "OverrideWithItemZeroLeavesTheProductUnbilled", reports: []billing.Report{family},
			mappings: []billing.Mapping{gzMap("A", 11)},
			policy: billing.Policy{Products: policy.Products, Overrides: []billing.MappingOverride{
				{Source: source.GravityZone, CustomerID: "A", Products: map[string]billing.ProductRule{"mspSecureMonthlyUsage": {}}},
			}},
			want: map[int]billing.ClientQuantities{11: owes(map[int]float64{})},
		},
		{
			name: "AddOnWithoutItemIsNotBilled", reports: []billing.Report{gzReport(msp("A", 10, false), use("A", "edrMonthlyUsage", 3))},
			mappings: []billing.Mapping{gzMap("A", 11)},
			want:     map[int]billing.ClientQuantities{11: owes(map[int]float64{501: 10})},
		},
		{
			name: "RequiredProductWithoutItemHoldsTheClientsMonth",
			reports: []billing.Report{{Source: source.DefensX, Month: oct, Usage: []source.Usage{
				use("D1", "DX-WEB", 4), use("D1", "DX-MAIL", 2), use("D1", "DX-MAIL", 1),
			}}},
			mappings: []billing.Mapping{dxMap("D1", 20)},
			want:     map[int]billing.ClientQuantities{20: waits("DX-MAIL is in use but not mapped to a HaloPSA item")},
			wantFindings: []billing.Finding{{Kind: billing.FindingProductUnmapped, ClientID: 20, Source: source.DefensX, CustomerID: "D1",
				Product: "DX-MAIL", Months: []source.Month{oct}}},
		},
		{
			name: "UnavailableSourceHoldsTheMonthOfEveryClientItFeeds",
			reports: []billing.Report{
				{Source: source.GravityZone, Month: oct, Unavailable: "GravityZone answered 503"},
				{Source: source.DefensX, Month: oct, Usage: []source.Usage{use("D1", "DX-WEB", 4), use("D2", "DX-WEB", 1)}},
			},
			mappings: []billing.Mapping{gzMap("A", 11), dxMap("D1", 20), dxMap("D2", 11)},
			want: map[int]billing.ClientQuantities{
				11: waits("gravityzone: GravityZone answered 503"),
				20: owes(map[int]float64{601: 4}),
			},
		},
		{
			name:     "MonthNotFetchedFromOneSourceHoldsTheClient",
			reports:  []billing.Report{family},
			mappings: []billing.Mapping{gzMap("A", 11), dxMap("D1", 11)},
			want:     map[int]billing.ClientQuantities{11: waits("no defensx usage was fetched")},
		},
		{
			name: "SeveralCustomersAndSubscriptionsAddUpOnOneClient",
			reports: []billing.Report{{Source: source.DefensX, Month: oct, Usage: []source.Usage{
				use("D1", "DX-WEB", 3), use("D1", "DX-WEB", 2), use("D2", "DX-WEB", 4),
			}}},
			mappings: []billing.Mapping{dxMap("D1", 20), dxMap("D2", 20)},
			want:     map[int]billing.ClientQuantities{20: owes(map[int]float64{601: 9})},
		},
		{
			name: "FractionsKeepTwoDecimals",
			reports: []billing.Report{{Source: source.DefensX, Month: oct, Usage: []source.Usage{
				use("D1", "DX-WEB", 0.1), use("D2", "DX-WEB", 0.2),
			}}},
			mappings: []billing.Mapping{dxMap("D1", 20), dxMap("D2", 20)},
			want:     map[int]billing.ClientQuantities{20: owes(map[int]float64{601: 0.3})},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := tt.policy
			if p.Products == nil {
				p = policy
			}
			got, findings := billing.Quantities(tt.reports, tt.mappings, p)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("quantities (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantFindings, findings, cmpopts.IgnoreFields(billing.Finding{}, "Message")); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			for _, f := range findings {
				if f.Message == "" {
					t.Errorf("finding %s has no message", f.Kind)
				}
			}
		})
	}
}

func TestQuantitiesGathersARepeatedFindingIntoOne(t *testing.T) {
	t.Parallel()

	sep, oct := month(2026, time.September), month(2026, time.October)
	report := func(m source.Month) billing.Report {
		return billing.Report{Source: source.GravityZone, Month: m, Usage: []source.Usage{{CustomerID: "A", Product: "mspSecurePlusMonthlyUsage", Quantity: 3}}}
	}
	_, findings := billing.Quantities([]billing.Report{report(oct), report(sep)},
		[]billing.Mapping{{Source: source.GravityZone, CustomerID: "A", ClientID: 11, Billing: true}}, billing.Policy{})
	want := []billing.Finding{{
		Kind: billing.FindingProductUnmapped, ClientID: 11, Source: source.GravityZone, CustomerID: "A", Product: "mspSecurePlusMonthlyUsage",
		Months:  []source.Month{sep, oct},
		Message: "MSP Secure Plus is in use by customer A but is not mapped to a HaloPSA item: the client's billing waits until it is. Map it in the billing policy.",
	}}
	if diff := cmp.Diff(want, findings); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}
