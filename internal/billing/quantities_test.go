package billing_test

import (
	"slices"
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
			want: map[int]billing.ClientQuantities{20: {Months: map[source.Month]billing.MonthQuantities{oct: {
				Items: map[int]float64{601: 0.3}, Rounded: map[int]billing.Rounded{601: {Usage: 0.3, Rule: billing.RoundDecimal}},
			}}}},
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
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(billing.ClientQuantities{}, "Rules")); diff != "" {
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

// TestQuantitiesRounding bills fractional DefensX seats (counted pro rata,
// like 1.8 or 0.17 a user) by each rounding. A client's use of an item from
// one source in one month is rounded as a whole, never customer by
// customer.
func TestQuantitiesRounding(t *testing.T) {
	t.Parallel()

	oct := month(2026, time.October)
	dx := func(usage ...source.Usage) billing.Report {
		return billing.Report{Source: source.DefensX, Month: oct, Usage: usage}
	}
	use := func(customer string, q float64) source.Usage {
		return source.Usage{CustomerID: customer, Month: oct, Product: "DX-WEB", Quantity: q}
	}
	mappings := []billing.Mapping{
		{Source: source.DefensX, CustomerID: "D1", ClientID: 20, Billing: true},
		{Source: source.DefensX, CustomerID: "D2", ClientID: 20, Billing: true},
		{Source: source.DefensX, CustomerID: "D3", ClientID: 20, Billing: true},
		{Source: source.GravityZone, CustomerID: "A", ClientID: 20, Billing: true},
	}
	gz := billing.Report{Source: source.GravityZone, Month: oct, Usage: []source.Usage{{CustomerID: "A", Month: oct, Product: "mspSecureMonthlyUsage", Quantity: 10}}}
	// D1's 1.8 and D2's 0.1 make 1.9 seats.
	pair := dx(use("D1", 1.8), use("D2", 0.1))
	// In floating point 0.06 + 0.57 + 0.37 is 0.9999999999999999, and
	// 0.33 + 0.56 + 0.11 is 1.0000000000000002.
	below := dx(use("D1", 0.06), use("D2", 0.57), use("D3", 0.37))
	above := dx(use("D1", 0.33), use("D2", 0.56), use("D3", 0.11))
	tests := []struct {
		name     string
		rounding billing.Rounding // for DefensX; "" leaves the default
		reports  []billing.Report
		items    map[int]float64
		rounded  map[int]billing.Rounded
	}{
		{"DecimalByDefault", "", []billing.Report{pair, gz}, map[int]float64{601: 1.9, 501: 10},
			map[int]billing.Rounded{601: {Usage: 1.9, Rule: billing.RoundDecimal}}},
		{"UpToWholeLicencesForTheClientNotPerCustomer", billing.RoundUp, []billing.Report{pair, gz}, map[int]float64{601: 2, 501: 10},
			map[int]billing.Rounded{601: {Usage: 1.9, Rule: billing.RoundUp}}},
		{"Nearest", billing.RoundNearest, []billing.Report{pair, gz}, map[int]float64{601: 2, 501: 10},
			map[int]billing.Rounded{601: {Usage: 1.9, Rule: billing.RoundNearest}}},
		{"NearestTakesAHalfUp", billing.RoundNearest, []billing.Report{dx(use("D1", 2.5)), gz}, map[int]float64{601: 3, 501: 10},
			map[int]billing.Rounded{601: {Usage: 2.5, Rule: billing.RoundNearest}}},
		{"Down", billing.RoundDown, []billing.Report{pair, gz}, map[int]float64{601: 1, 501: 10},
			map[int]billing.Rounded{601: {Usage: 1.9, Rule: billing.RoundDown}}},
		{"DownToNothingIsStillShown", billing.RoundDown, []billing.Report{dx(use("D1", 0.17)), gz}, map[int]float64{601: 0, 501: 10},
			map[int]billing.Rounded{601: {Usage: 0.17, Rule: billing.RoundDown}}},
		{"FloatNoiseDoesNotRoundAWholeNumberDown", billing.RoundDown, []billing.Report{below, gz}, map[int]float64{601: 1, 501: 10}, nil},
		{"FloatNoiseDoesNotRoundAWholeNumberUp", billing.RoundUp, []billing.Report{above, gz}, map[int]float64{601: 1, 501: 10}, nil},
		{"WholeSeatsAreNotRounded", billing.RoundUp, []billing.Report{dx(use("D1", 2), use("D2", 3)), gz}, map[int]float64{601: 5, 501: 10}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := billing.Policy{Products: map[string]billing.ProductRule{"DX-WEB": {ItemID: 601}, "mspSecureMonthlyUsage": {ItemID: 501}}}
			if tt.rounding != "" {
				p.Rounding = map[source.Kind]billing.Rounding{source.DefensX: tt.rounding}
			}
			got, _ := billing.Quantities(tt.reports, mappings, p)
			want := billing.MonthQuantities{Items: tt.items, Rounded: tt.rounded}
			if diff := cmp.Diff(want, got[20].Months[oct], cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("October of client 20 (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("ItemBilledFromTwoSourcesRoundsEachSourcesShare", func(t *testing.T) {
		t.Parallel()
		p := billing.Policy{Products: map[string]billing.ProductRule{"DX-WEB": {ItemID: 601}, "mspSecureMonthlyUsage": {ItemID: 601}},
			Rounding: map[source.Kind]billing.Rounding{source.DefensX: billing.RoundUp}}
		got, _ := billing.Quantities([]billing.Report{pair, gz}, mappings, p)
		want := billing.MonthQuantities{Items: map[int]float64{601: 12}, Rounded: map[int]billing.Rounded{601: {Usage: 11.9, Rule: billing.RoundUp}}}
		if diff := cmp.Diff(want, got[20].Months[oct]); diff != "" {
			t.Errorf("October of client 20 (-want +got):\n%s", diff)
		}
	})
}

// TestQuantitiesRules checks what changes the digest of the rules a
// client's quantities are worked out under: the policy and the mappings that
// decide whose use the client bills, but not usage, nor a customer mapped
// elsewhere in the partner's tree.
func TestQuantitiesRules(t *testing.T) {
	t.Parallel()

	oct := month(2026, time.October)
	customers := []source.Customer{{ID: "R", Name: "Reseller", Reseller: true}, {ID: "A", Name: "Acme", ParentID: "R"},
		{ID: "B", Name: "Beta", ParentID: "R"}, {ID: "X", Name: "Other"}}
	report := func(a float64) billing.Report {
		return billing.Report{Source: source.GravityZone, Month: oct, Customers: customers, Usage: []source.Usage{
			{CustomerID: "R", Month: oct, Product: "mspSecureMonthlyUsage", Quantity: a + 5, IncludesChildren: true},
			{CustomerID: "A", Month: oct, Product: "mspSecureMonthlyUsage", Quantity: a},
			{CustomerID: "X", Month: oct, Product: "mspSecureMonthlyUsage", Quantity: 3},
		}}
	}
	gzMap := func(customer string, client int, on bool) billing.Mapping {
		return billing.Mapping{Source: source.GravityZone, CustomerID: customer, ClientID: client, Billing: on}
	}
	base := func() ([]billing.Report, []billing.Mapping, billing.Policy) {
		return []billing.Report{report(10)}, []billing.Mapping{gzMap("R", 10, true), gzMap("X", 30, true)},
			billing.Policy{Products: map[string]billing.ProductRule{"mspSecureMonthlyUsage": {ItemID: 501}}}
	}
	rules := func(reports []billing.Report, mappings []billing.Mapping, p billing.Policy) string {
		got, _ := billing.Quantities(reports, mappings, p)
		return got[10].Rules
	}
	before := rules(base())
	if before == "" {
		t.Fatal("no rules digest")
	}
	tests := []struct {
		name    string
		change  func(r *[]billing.Report, m *[]billing.Mapping, p *billing.Policy)
		changed bool
	}{
		{"UsageCorrectedKeepsTheRules", func(r *[]billing.Report, _ *[]billing.Mapping, _ *billing.Policy) { *r = []billing.Report{report(12)} }, false},
		{"CustomerMappedOutsideTheClientsTreeKeepsTheRules", func(_ *[]billing.Report, m *[]billing.Mapping, _ *billing.Policy) {
			*m = append(*m, billing.Mapping{Source: source.DefensX, CustomerID: "D1", ClientID: 30, Billing: true}, gzMap("X", 31, false))
		}, false},
		{"ChildMappedToAnotherClientChangesThem", func(_ *[]billing.Report, m *[]billing.Mapping, _ *billing.Policy) {
			*m = append(*m, gzMap("A", 11, true))
		}, true},
		{"BillingSwitchedOffForAChildChangesThem", func(_ *[]billing.Report, m *[]billing.Mapping, _ *billing.Policy) {
			*m = append(*m, gzMap("B", 10, false))
		}, true},
		{"CustomerGoneFromTheSourceChangesThem", func(r *[]billing.Report, _ *[]billing.Mapping, _ *billing.Policy) {
			gone := report(10)
			gone.Customers = slices.DeleteFunc(slices.Clone(customers), func(c source.Customer) bool { return c.ID == "R" })
			*r = []billing.Report{gone}
		}, true},
		{"ProductMappedToAnotherItemChangesThem", func(_ *[]billing.Report, _ *[]billing.Mapping, p *billing.Policy) {
			p.Products = map[string]billing.ProductRule{"mspSecureMonthlyUsage": {ItemID: 502}}
		}, true},
		{"OverrideForAChildChangesThem", func(_ *[]billing.Report, _ *[]billing.Mapping, p *billing.Policy) {
			p.Overrides = []billing.MappingOverride{{Source: source.GravityZone, CustomerID: "A", Products: map[string]billing.ProductRule{"mspSecureMonthlyUsage": {}}}}
		}, true},
		{"CountBasisChangesThem", func(_ *[]billing.Report, _ *[]billing.Mapping, p *billing.Policy) { p.Basis = billing.BasisEndpoint }, true},
		{"RoundingOfTheClientsSourceChangesThem", func(_ *[]billing.Report, _ *[]billing.Mapping, p *billing.Policy) {
			p.Rounding = map[source.Kind]billing.Rounding{source.GravityZone: billing.RoundUp}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, m, p := base()
			tt.change(&r, &m, &p)
			if after := rules(r, m, p); (after != before) != tt.changed {
				t.Errorf("rules %s → %s, want changed %v", before, after, tt.changed)
			}
		})
	}
}
