package billing_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/billing"
	"halobridge/internal/source"
)

func TestPolicyDueMonth(t *testing.T) {
	t.Parallel()

	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, time.UTC) }
	tests := []struct {
		name    string
		billDay int
		now     time.Time
		want    source.Month
	}{
		{"OnTheDefaultSecondBillsLastMonth", 0, at(2026, time.November, 2), month(2026, time.October)},
		{"OnTheFirstLastMonthIsNotDueYet", 0, at(2026, time.November, 1), month(2026, time.September)},
		{"LateInTheMonth", 0, at(2026, time.November, 30), month(2026, time.October)},
		{"JanuaryBillsDecember", 0, at(2027, time.January, 2), month(2026, time.December)},
		{"JanuaryFirstIsStillNovember", 0, at(2027, time.January, 1), month(2026, time.November)},
		{"ConfiguredDay", 5, at(2026, time.November, 4), month(2026, time.September)},
		{"ConfiguredDayReached", 5, at(2026, time.November, 5), month(2026, time.October)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := billing.Policy{BillDay: tt.billDay}
			if got := p.DueMonth(tt.now); got != tt.want {
				t.Errorf("DueMonth(%s) = %s, want %s", tt.now.Format(time.DateOnly), got, tt.want)
			}
		})
	}
}

func TestPolicyRoundingOf(t *testing.T) {
	t.Parallel()

	p := billing.Policy{Rounding: map[source.Kind]billing.Rounding{source.Push: billing.RoundDown}}
	for kind, want := range map[source.Kind]billing.Rounding{
		source.DefensX: billing.RoundDecimal, source.GravityZone: billing.RoundDecimal, source.Push: billing.RoundDown,
	} {
		if got := p.RoundingOf(kind); got != want {
			t.Errorf("RoundingOf(%s) = %q, want %q", kind, got, want)
		}
	}
}

func TestPolicyExplicitWritesEverySourcesRounding(t *testing.T) {
	t.Parallel()

	p := billing.Policy{Mode: billing.ModeCreate, Rounding: map[source.Kind]billing.Rounding{source.Push: billing.RoundDown}}
	want := map[source.Kind]billing.Rounding{source.GravityZone: billing.RoundDecimal, source.DefensX: billing.RoundDecimal, source.Push: billing.RoundDown}
	got := p.Explicit()
	if diff := cmp.Diff(want, got.Rounding); diff != "" || got.Mode != billing.ModeCreate {
		t.Errorf("Explicit (-want +got):\n%s", diff)
	}
	if len(p.Rounding) != 1 {
		t.Errorf("Explicit changed the policy it was called on: %v", p.Rounding)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()

	items := map[int]billing.Item{
		501: {ID: 501, Name: "Endpoint Security"},
		502: {ID: 502, Name: "EDR"},
		503: {ID: 503, Name: "Old item", Deleted: true},
		601: {ID: 601, Name: "DefensX Web Security"},
	}
	gz := func(key string) billing.Product { return billing.Describe(source.GravityZone, key) }
	inUse := []billing.Product{gz("mspSecureMonthlyUsage"), gz("endpointMonthlyUsage"), gz("edrMonthlyUsage")}
	valid := func() billing.Policy {
		return billing.Policy{
			Mode:     billing.ModeCreate,
			Products: map[string]billing.ProductRule{"mspSecureMonthlyUsage": {ItemID: 501}},
		}
	}

	tests := []struct {
		name   string
		change func(p *billing.Policy)
		inUse  []billing.Product
		want   []billing.FieldError
	}{
		{"AcceptsEveryProtectionModelMappedAndAddOnsLeftOut", func(*billing.Policy) {}, inUse, nil},
		{"RejectsAProtectionModelInUseWithoutItem", func(p *billing.Policy) { p.Products = nil }, inUse, []billing.FieldError{
			{Field: "products.mspSecureMonthlyUsage", Message: "MSP Secure is in use and needs a HaloPSA item before billing can be switched on"},
		}},
		{"AcceptsAnItemZeroAsNotMappedOnlyWhenNotInUse", func(p *billing.Policy) {
			p.Products["mspSecurePlusMonthlyUsage"] = billing.ProductRule{}
		}, inUse, nil},
		{"RejectsEndpointCountWhenPackagesAreBilled", func(p *billing.Policy) {
			p.Products["endpointMonthlyUsage"] = billing.ProductRule{ItemID: 501}
		}, inUse, []billing.FieldError{
			{Field: "products.endpointMonthlyUsage", Message: `endpointMonthlyUsage counts the same endpoints as the package counters; only one count is billed (count basis "package"), so leave endpointMonthlyUsage unmapped`},
		}},
		{"RejectsPackagesWhenEndpointsAreBilled", func(p *billing.Policy) {
			p.Basis = billing.BasisEndpoint
			p.Products["endpointMonthlyUsage"] = billing.ProductRule{ItemID: 501}
		}, inUse, []billing.FieldError{
			{Field: "products.mspSecureMonthlyUsage", Message: `mspSecureMonthlyUsage counts the same endpoints as endpointMonthlyUsage; only one count is billed (count basis "endpoint"), so leave mspSecureMonthlyUsage unmapped`},
		}},
		{"EndpointBasisNeedsTheEndpointCountMapped", func(p *billing.Policy) {
			p.Basis = billing.BasisEndpoint
			p.Products = nil
		}, inUse, []billing.FieldError{
			{Field: "products.endpointMonthlyUsage", Message: "Endpoint Security is in use and needs a HaloPSA item before billing can be switched on"},
		}},
		{"RejectsItemsMissingOrDeletedInHalo", func(p *billing.Policy) {
			p.Products["edrMonthlyUsage"] = billing.ProductRule{ItemID: 999}
			p.Products["encryptionMonthlyUsage"] = billing.ProductRule{ItemID: 503}
		}, inUse, []billing.FieldError{
			{Field: "products.edrMonthlyUsage", Message: "item 999 does not exist in HaloPSA"},
			{Field: "products.encryptionMonthlyUsage", Message: "item 503 (Old item) was deleted in HaloPSA"},
		}},
		{"RequiresDefensXSkusInUse", func(*billing.Policy) {}, []billing.Product{billing.Describe(source.DefensX, "DX-WEB")}, []billing.FieldError{
			{Field: "products.DX-WEB", Message: "DX-WEB is in use and needs a HaloPSA item before billing can be switched on"},
		}},
		{"RequiresPushProductsInUse", func(*billing.Policy) {}, []billing.Product{billing.Describe(source.Push, "backup-gb")}, []billing.FieldError{
			{Field: "products.backup-gb", Message: "backup-gb is in use and needs a HaloPSA item before billing can be switched on"},
		}},
		{"ChecksOverrideItemsToo", func(p *billing.Policy) {
			p.Overrides = []billing.MappingOverride{
				{Source: source.GravityZone, CustomerID: "c1", Products: map[string]billing.ProductRule{"mspSecureMonthlyUsage": {ItemID: 998}}},
				{Products: map[string]billing.ProductRule{"mspSecureMonthlyUsage": {ItemID: 0}}},
			}
		}, inUse, []billing.FieldError{
			{Field: "overrides[0].products.mspSecureMonthlyUsage", Message: "item 998 does not exist in HaloPSA"},
			{Field: "overrides[1]", Message: "needs the source and the customer of the mapping it overrides"},
		}},
		{"RejectsUnknownModeBasisAndDay", func(p *billing.Policy) {
			p.Mode = "both"
			p.Basis = "seats"
			p.BillDay = 31
		}, nil, []billing.FieldError{
			{Field: "mode", Message: `must be "create" or "append", not "both"`},
			{Field: "bill_day", Message: "must be between 1 and 28 so that every month has it, not 31"},
			{Field: "basis", Message: `must be "package" or "endpoint", not "seats"`},
		}},
		{"AcceptsEveryRoundingForEverySource", func(p *billing.Policy) {
			p.Rounding = map[source.Kind]billing.Rounding{source.DefensX: billing.RoundUp, source.Push: billing.RoundNearest,
				source.GravityZone: billing.RoundDecimal}
		}, nil, nil},
		{"RejectsAnUnknownRoundingOrSource", func(p *billing.Policy) {
			p.Rounding = map[source.Kind]billing.Rounding{source.DefensX: "ceiling", "sophos": billing.RoundUp, source.Push: ""}
		}, nil, []billing.FieldError{
			{Field: "rounding.defensx", Message: `must be "decimal", "up", "nearest" or "down", not "ceiling"`},
			{Field: "rounding.push", Message: `must be "decimal", "up", "nearest" or "down", not ""`},
			{Field: "rounding.sophos", Message: `"sophos" is not a source: use "gravityzone", "defensx" or "push"`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := valid()
			tt.change(&p)
			if diff := cmp.Diff(tt.want, billing.Validate(p, tt.inUse, items)); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()

	tests := []struct {
		kind source.Kind
		key  string
		want billing.Product
	}{
		{source.GravityZone, "mspSecurePlusMonthlyUsage", billing.Product{Source: source.GravityZone, Key: "mspSecurePlusMonthlyUsage", Name: "MSP Secure Plus",
			Role: billing.RoleSeats, Basis: billing.BasisPackage, Supplier: "Bitdefender GravityZone", Unit: "endpoints"}},
		{source.GravityZone, "endpointMonthlyUsage", billing.Product{Source: source.GravityZone, Key: "endpointMonthlyUsage", Name: "Endpoint Security",
			Role: billing.RoleSeats, Basis: billing.BasisEndpoint, Supplier: "Bitdefender GravityZone", Unit: "endpoints"}},
		{source.GravityZone, "edrMonthlyUsage", billing.Product{Source: source.GravityZone, Key: "edrMonthlyUsage", Name: "EDR",
			Role: billing.RoleAddon, Supplier: "Bitdefender GravityZone", Unit: "endpoints"}},
		// GravityZone's licensing API counts mail protection in mailboxes.
		{source.GravityZone, "exchangeMonthlyUsage", billing.Product{Source: source.GravityZone, Key: "exchangeMonthlyUsage", Name: "Security for Exchange",
			Role: billing.RoleAddon, Supplier: "Bitdefender GravityZone", Unit: "mailboxes"}},
		{source.GravityZone, "sveVdiMonthlyUsage", billing.Product{Source: source.GravityZone, Key: "sveVdiMonthlyUsage", Name: "Security for Virtualized Environments (VDI hours)",
			Role: billing.RoleAddon, Supplier: "Bitdefender GravityZone", Unit: "VDI hours"}},
		{source.GravityZone, "quantumMonthlyUsage", billing.Product{Source: source.GravityZone, Key: "quantumMonthlyUsage", Name: "quantumMonthlyUsage",
			Role: billing.RoleAddon, Supplier: "Bitdefender GravityZone", Unit: "endpoints"}},
		{source.DefensX, "DX-WEB", billing.Product{Source: source.DefensX, Key: "DX-WEB", Name: "DX-WEB", Role: billing.RoleProduct, Supplier: "DefensX", Unit: "users"}},
		{source.Push, "backup-gb", billing.Product{Source: source.Push, Key: "backup-gb", Name: "backup-gb", Role: billing.RoleProduct, Unit: "licences"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+"/"+tt.key, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, billing.Describe(tt.kind, tt.key)); diff != "" {
				t.Errorf("Describe (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProductsInUse(t *testing.T) {
	t.Parallel()

	oct := month(2026, time.October)
	reports := []billing.Report{
		{Source: source.GravityZone, Month: oct, Usage: []source.Usage{
			{CustomerID: "c1", Product: "mspSecureMonthlyUsage", Quantity: 4},
			{CustomerID: "c2", Product: "mspSecureMonthlyUsage", Quantity: 2},
			{CustomerID: "c1", Product: "edrMonthlyUsage", Quantity: 0},
		}},
		{Source: source.DefensX, Month: oct, Usage: []source.Usage{{CustomerID: "d1", Product: "DX-WEB", Quantity: 3}}},
		{Source: source.DefensX, Month: oct.Prev(), Unavailable: "timeout", Usage: []source.Usage{{CustomerID: "d1", Product: "DX-MAIL", Quantity: 3}}},
	}
	got := billing.ProductsInUse(reports)
	want := []billing.Product{billing.Describe(source.DefensX, "DX-WEB"), billing.Describe(source.GravityZone, "mspSecureMonthlyUsage")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ProductsInUse (-want +got):\n%s", diff)
	}
}

func TestProposeItems(t *testing.T) {
	t.Parallel()

	items := map[int]billing.Item{
		7: {ID: 7, Name: "edr "},
		8: {ID: 8, Name: "Patch Management", Deleted: true},
	}
	gz := func(key string) billing.Product { return billing.Describe(source.GravityZone, key) }
	inUse := []billing.Product{
		gz("mspSecureMonthlyUsage"), gz("endpointMonthlyUsage"), gz("edrMonthlyUsage"), gz("patchManagementMonthlyUsage"),
		billing.Describe(source.DefensX, "DX-WEB"),
	}
	p := billing.Policy{Products: map[string]billing.ProductRule{"mspSecureMonthlyUsage": {ItemID: 501}}}
	want := []billing.ItemProposal{
		{Product: gz("edrMonthlyUsage"), Name: "EDR", Supplier: "Bitdefender GravityZone", ExistingItemID: 7},
		{Product: gz("patchManagementMonthlyUsage"), Name: "Patch Management", Supplier: "Bitdefender GravityZone"},
		{Product: billing.Describe(source.DefensX, "DX-WEB"), Name: "DX-WEB", Supplier: "DefensX"},
	}
	if diff := cmp.Diff(want, billing.ProposeItems(p, inUse, items)); diff != "" {
		t.Errorf("ProposeItems (-want +got):\n%s", diff)
	}
}
