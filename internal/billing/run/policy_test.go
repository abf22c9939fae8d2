package run_test

import (
	"errors"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/billing"
	"halobridge/internal/billing/run"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
)

// gravityZoneBundle is a partner with a HaloPSA and a GravityZone source,
// both simulated and reached over HTTP.
type gravityZoneBundle struct {
	*testBundle
	partner store.Partner
	halo    *halosim.Sim
	gz      *gravityzone.Client
	src     store.Source
}

func setupGravityZone(t *testing.T) *gravityZoneBundle {
	t.Helper()
	b := setup(t)
	p, sim := b.partner(t, "North IT")
	// A small tree keeps the test quick (the connector spends GravityZone's
	// 10 requests a second) and still uses three protection models.
	srv := httptest.NewServer(gzsim.New(gzsim.Options{Seed: 1, RateLimit: -1, Now: b.clock.Now, Companies: []gzsim.Company{
		{Name: "Northgate IT Services", Partner: true}, {Name: "Contoso Ltd"}, {Name: "Fabrikam, Inc."}, {Name: "Tailspin Toys"},
	}}))
	t.Cleanup(srv.Close)
	src := b.source(t, store.Source{PartnerID: p.ID, Kind: source.GravityZone, Name: "GravityZone", APIURL: srv.URL + "/api", APIKey: gzsim.DefaultAPIKey})
	gz, err := gravityzone.New(gravityzone.Config{Outbound: outbound.Local(), AccessURL: srv.URL + "/api", APIKey: gzsim.DefaultAPIKey, RatePerSecond: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return &gravityZoneBundle{testBundle: b, partner: p, halo: sim, gz: gz, src: src}
}

// protectionModels lists the usage counters of the protection models
// GravityZone's licences assign, read from the licensing API rather than
// from the usage billing reads.
func (b *gravityZoneBundle) protectionModels(t *testing.T) []string {
	t.Helper()
	companies, err := b.gz.Companies(b.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range companies {
		info, err := b.gz.LicenseInfo(b.ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if counter := info.AssignedProtectionModel + "MonthlyUsage"; !slices.Contains(out, counter) {
			out = append(out, counter)
		}
	}
	slices.Sort(out)
	return out
}

func TestPolicy(t *testing.T) {
	t.Parallel()

	t.Run("RefusesAPolicyUntilEveryProtectionModelInUseHasAnItem", func(t *testing.T) {
		t.Parallel()
		b := setupGravityZone(t)
		models := b.protectionModels(t)
		if len(models) < 2 {
			t.Fatalf("the simulated GravityZone uses %v; the test needs several protection models", models)
		}

		_, err := b.svc.SavePolicy(b.ctx, b.partner.ID, run.Policy{Policy: billing.Policy{Mode: billing.ModeCreate}})
		var perr *run.PolicyError
		if !errors.As(err, &perr) {
			t.Fatalf("SavePolicy without items: err = %v, want a *run.PolicyError", err)
		}
		var fields []string
		for _, f := range perr.Fields {
			fields = append(fields, strings.TrimPrefix(f.Field, "products."))
		}
		slices.Sort(fields)
		if diff := cmp.Diff(models, fields); diff != "" {
			t.Errorf("fields refused (-protection models in use +refused):\n%s", diff)
		}
		if _, err := b.svc.Policy(b.ctx, b.partner.ID); !errors.Is(err, run.ErrNoPolicy) {
			t.Errorf("a refused policy was stored: err = %v", err)
		}

		p := run.Policy{Policy: billing.Policy{Mode: billing.ModeCreate, Products: map[string]billing.ProductRule{}}}
		for _, m := range models {
			p.Products[m] = billing.ProductRule{ItemID: 1401}
		}
		checked, err := b.svc.SavePolicy(b.ctx, b.partner.ID, p)
		if err != nil {
			t.Fatalf("SavePolicy with every protection model mapped, add-ons not: %v", err)
		}
		if len(checked.Unchecked) != 0 || !slices.ContainsFunc(checked.InUse, func(pr billing.Product) bool { return pr.Role == billing.RoleAddon }) {
			t.Errorf("checked against %+v", checked)
		}
		stored, err := b.svc.Policy(b.ctx, b.partner.ID)
		if err != nil || !cmp.Equal(p, stored) {
			t.Errorf("stored policy %+v, %v; want %+v", stored, err, p)
		}
	})

	t.Run("RefusesItemsHaloPSADoesNotHaveAndCountingEndpointsTwice", func(t *testing.T) {
		t.Parallel()
		b := setupGravityZone(t)
		p := run.Policy{Policy: billing.Policy{Mode: billing.ModeAppend, Products: map[string]billing.ProductRule{}}}
		for _, m := range b.protectionModels(t) {
			p.Products[m] = billing.ProductRule{ItemID: 1401}
		}
		p.Products["endpointMonthlyUsage"] = billing.ProductRule{ItemID: 1401}
		p.Products["edrMonthlyUsage"] = billing.ProductRule{ItemID: 9999}
		_, err := b.svc.SavePolicy(b.ctx, b.partner.ID, p)
		var perr *run.PolicyError
		if !errors.As(err, &perr) {
			t.Fatalf("err = %v, want a *run.PolicyError", err)
		}
		var fields []string
		for _, f := range perr.Fields {
			fields = append(fields, f.Field)
		}
		if want := []string{"products.edrMonthlyUsage", "products.endpointMonthlyUsage"}; !cmp.Equal(want, fields) {
			t.Errorf("fields refused: %v, want %v (%v)", fields, want, err)
		}
	})

	t.Run("SavesButSaysWhichSourcesItCouldNotCheck", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p, _ := b.partner(t, "North IT")
		b.source(t, store.Source{PartnerID: p.ID, Kind: source.GravityZone, Name: "GravityZone EU", APIURL: "http://127.0.0.1:1/api", APIKey: "key"})
		checked, err := b.svc.SavePolicy(b.ctx, p.ID, run.Policy{Policy: billing.Policy{Mode: billing.ModeCreate}})
		if err != nil {
			t.Fatalf("SavePolicy: %v", err)
		}
		if len(checked.Unchecked) != 1 || !strings.Contains(checked.Unchecked[0], `"GravityZone EU"`) {
			t.Errorf("unchecked: %q", checked.Unchecked)
		}
	})

	t.Run("RunRefusesAPolicyWithoutAnInvoiceMode", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p, _ := b.partner(t, "North IT")
		if _, err := b.svc.Run(b.ctx, p.ID, source.Month{Year: 2026, Month: time.February}, true); !errors.Is(err, run.ErrNoPolicy) {
			t.Errorf("Run without a policy: err = %v, want ErrNoPolicy", err)
		}
		if _, err := b.store.SaveBillingPolicy(b.ctx, p.ID, []byte(`{"products":{"seats":{"item_id":1401}}}`)); err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.Run(b.ctx, p.ID, source.Month{Year: 2026, Month: time.February}, true); err == nil || !strings.Contains(err.Error(), "invoice mode") {
			t.Errorf("Run without an invoice mode: err = %v", err)
		}
		if _, err := b.svc.Run(b.ctx, p.ID, source.Month{Year: 2026, Month: time.March}, true); err == nil || !strings.Contains(err.Error(), "not over yet") {
			t.Errorf("Run of the current month: err = %v", err)
		}
	})
}

func TestItems(t *testing.T) {
	t.Parallel()

	t.Run("ProposesTheProductsInUseWithoutItemAndOffersAnExistingItemOfTheSameName", func(t *testing.T) {
		t.Parallel()
		b := setupGravityZone(t)
		props, err := b.svc.ProposeItems(b.ctx, b.partner.ID)
		if err != nil {
			t.Fatalf("ProposeItems: %v", err)
		}
		var models []string
		for _, p := range props.Items {
			if p.Product.Source != source.GravityZone || p.Product.Supplier != "Bitdefender GravityZone" || p.Name == "" {
				t.Errorf("proposal %+v", p)
			}
			if p.Product.Key == "endpointMonthlyUsage" {
				t.Errorf("proposes endpointMonthlyUsage under the package count basis: %+v", p)
			}
			if p.Product.Role == billing.RoleSeats {
				models = append(models, p.Product.Key)
			}
		}
		slices.Sort(models)
		if diff := cmp.Diff(b.protectionModels(t), models); diff != "" {
			t.Errorf("protection models proposed (-in use +proposed):\n%s", diff)
		}

		// Counted per endpoint, the count is the product "Endpoint
		// Security", which HaloPSA already has as item 1401.
		b.savePolicyRaw(t, `{"mode":"create","basis":"endpoint"}`)
		props, err = b.svc.ProposeItems(b.ctx, b.partner.ID)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(props.Items, func(p billing.ItemProposal) bool { return p.Product.Key == "endpointMonthlyUsage" })
		if i < 0 || props.Items[i].ExistingItemID != 1401 || props.Items[i].Name != "Endpoint Security" {
			t.Errorf("endpoint count proposal: %+v", props.Items)
		}
	})

	t.Run("CreatesTheMissingItemsOnceAndMapsThemInThePolicy", func(t *testing.T) {
		t.Parallel()
		b := setupGravityZone(t)
		b.savePolicyRaw(t, `{"mode":"create","basis":"endpoint","include_period_in_name":true}`)
		before := len(b.halo.Items())
		created, err := b.svc.CreateItems(b.ctx, b.partner.ID, nil)
		if err != nil {
			t.Fatalf("CreateItems: %v", err)
		}
		var made int
		items := b.halo.Items()
		for _, c := range created {
			i := slices.IndexFunc(items, func(it halosim.Item) bool { return it.ID == c.ItemID })
			switch {
			case i < 0 || !strings.EqualFold(items[i].Name, c.Name):
				t.Errorf("%s is mapped to item %d, which is not named %q", c.Product.Key, c.ItemID, c.Name)
			case c.Product.Key == "endpointMonthlyUsage" && (!c.Existing || c.ItemID != 1401):
				t.Errorf("the endpoint count was not mapped to the existing item 1401: %+v", c)
			case !c.Existing && !items[i].IsRecurringItem:
				t.Errorf("item %d made for %s is not a recurring item", c.ItemID, c.Product.Key)
			case !c.Existing:
				made++
			}
		}
		if after := len(b.halo.Items()); after != before+made || made == 0 {
			t.Errorf("HaloPSA has %d items, had %d, and %d were made", after, before, made)
		}
		b.wantFiledUnderOneSupplier(t, created)
		p, err := b.svc.Policy(b.ctx, b.partner.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range created {
			if p.Products[c.Product.Key].ItemID != c.ItemID {
				t.Errorf("the policy maps %s to %d, want %d", c.Product.Key, p.Products[c.Product.Key].ItemID, c.ItemID)
			}
		}
		if p.Mode != billing.ModeCreate || p.Basis != billing.BasisEndpoint || !p.IncludePeriodInName {
			t.Errorf("creating items changed the rest of the policy: %+v", p)
		}
		if again, err := b.svc.ProposeItems(b.ctx, b.partner.ID); err != nil || len(again.Items) != 0 {
			t.Errorf("proposals after creating them: %+v, %v", again.Items, err)
		}
		if _, err := b.svc.CreateItems(b.ctx, b.partner.ID, []string{"edrMonthlyUsage"}); err == nil || !strings.Contains(err.Error(), "edrMonthlyUsage") {
			t.Errorf("creating an item for a product that has one: err = %v", err)
		}
	})

	t.Run("NamesTheItemsInTheStoredCatalogAtOnce", func(t *testing.T) {
		t.Parallel()
		b := setupGravityZone(t)
		b.savePolicyRaw(t, `{"mode":"create","basis":"endpoint"}`)
		created, err := b.svc.CreateItems(b.ctx, b.partner.ID, nil)
		if err != nil {
			t.Fatalf("CreateItems: %v", err)
		}
		if len(created) == 0 {
			t.Fatal("no item was created or chosen")
		}
		// No sync has read HaloPSA's items: the catalog knows them from
		// CreateItems alone, by the names HaloPSA holds.
		for _, c := range created {
			e, err := b.store.CatalogEntry(b.ctx, b.partner.ID, store.KindItem, strconv.Itoa(c.ItemID))
			if err != nil {
				t.Errorf("item %d for %s is not in the stored catalog: %v", c.ItemID, c.Product.Key, err)
				continue
			}
			if e.Name != c.Name {
				t.Errorf("the stored catalog names item %d %q, want %q", c.ItemID, e.Name, c.Name)
			}
		}
	})

	t.Run("FilesItemsCreatedLaterUnderTheSupplierCreatedFirst", func(t *testing.T) {
		t.Parallel()
		b := setupGravityZone(t)
		keys := b.newItemKeys(t)
		before := len(b.halo.Suppliers())
		first, err := b.svc.CreateItems(b.ctx, b.partner.ID, keys[:1])
		if err != nil {
			t.Fatalf("CreateItems %s: %v", keys[0], err)
		}
		sp := b.wantFiledUnderOneSupplier(t, first)
		if sp.Name != "Bitdefender GravityZone" || sp.Inactive {
			t.Errorf("the supplier made is %+v", sp)
		}
		later, err := b.svc.CreateItems(b.ctx, b.partner.ID, keys[1:])
		if err != nil {
			t.Fatalf("CreateItems %v: %v", keys[1:], err)
		}
		if again := b.wantFiledUnderOneSupplier(t, later); again.ID != sp.ID {
			t.Errorf("later items are filed under supplier %d, the first under %d", again.ID, sp.ID)
		}
		if after := len(b.halo.Suppliers()); after != before+1 {
			t.Errorf("HaloPSA has %d suppliers, had %d: want exactly one more", after, before)
		}
	})

	t.Run("UsesTheActiveSupplierHaloPSAHasOfThatNameInAnyCase", func(t *testing.T) {
		t.Parallel()
		b := setupGravityZone(t)
		b.halo.AddSupplier(halosim.Supplier{Name: "Bitdefender GravityZone", Inactive: true})
		active := b.halo.AddSupplier(halosim.Supplier{Name: "BITDEFENDER gravityzone "})
		before := b.halo.Suppliers()
		created, err := b.svc.CreateItems(b.ctx, b.partner.ID, b.newItemKeys(t))
		if err != nil {
			t.Fatalf("CreateItems: %v", err)
		}
		if diff := cmp.Diff(before, b.halo.Suppliers()); diff != "" {
			t.Errorf("CreateItems changed HaloPSA's suppliers (-before +after):\n%s", diff)
		}
		items := b.halo.Items()
		for _, c := range created {
			i := slices.IndexFunc(items, func(it halosim.Item) bool { return it.ID == c.ItemID })
			if i < 0 || items[i].SupplierID != active.ID {
				t.Errorf("item %d made for %s is not filed under the active supplier %d", c.ItemID, c.Product.Key, active.ID)
			}
		}
	})
}

// newItemKeys are the keys of the products CreateItems would make a new item
// for: those HaloPSA has no item of the same name for.
func (b *gravityZoneBundle) newItemKeys(t *testing.T) []string {
	t.Helper()
	props, err := b.svc.ProposeItems(b.ctx, b.partner.ID)
	if err != nil {
		t.Fatalf("ProposeItems: %v", err)
	}
	var keys []string
	for _, p := range props.Items {
		if p.ExistingItemID == 0 {
			keys = append(keys, p.Product.Key)
		}
	}
	if len(keys) < 2 {
		t.Fatalf("%d products lack an item; the test needs two", len(keys))
	}
	return keys
}

// wantFiledUnderOneSupplier checks, in what HaloPSA holds, that each new item
// of created names a supplier called after the source, and that HaloPSA
// has only one supplier of that name; it returns that supplier.
func (b *gravityZoneBundle) wantFiledUnderOneSupplier(t *testing.T, created []run.CreatedItem) halosim.Supplier {
	t.Helper()
	const name = "Bitdefender GravityZone"
	var named []halosim.Supplier
	for _, sp := range b.halo.Suppliers() {
		if strings.EqualFold(sp.Name, name) {
			named = append(named, sp)
		}
	}
	if len(named) != 1 {
		t.Fatalf("HaloPSA has %d suppliers named %q, want 1: %+v", len(named), name, named)
	}
	items := b.halo.Items()
	for _, c := range created {
		if c.Existing {
			continue
		}
		i := slices.IndexFunc(items, func(it halosim.Item) bool { return it.ID == c.ItemID })
		if i < 0 || items[i].SupplierID != named[0].ID {
			t.Errorf("item %d made for %s is not filed under supplier %d %q", c.ItemID, c.Product.Key, named[0].ID, named[0].Name)
		}
	}
	return named[0]
}

// savePolicyRaw stores a policy as written, unchecked, as a person may
// have before the products were known.
func (b *gravityZoneBundle) savePolicyRaw(t *testing.T, policy string) {
	t.Helper()
	if _, err := b.store.SaveBillingPolicy(b.ctx, b.partner.ID, []byte(policy)); err != nil {
		t.Fatal(err)
	}
}
