package cli

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"halobridge/internal/billing/run"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/secret"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// billingBundle is a data directory holding partner "acme", connected to a
// simulated HaloPSA, with a push source whose customer A is mapped, billing
// on, to a client that has no recurring invoice, and A's usage of last
// month: 7 seats, and 3 of MDR, a product without item.
type billingBundle struct {
	dir    string
	sim    *halosim.Sim
	client halosim.Client
}

func setupBilling(t *testing.T) *billingBundle {
	t.Helper()
	b := &billingBundle{dir: t.TempDir(), sim: halosim.New(halosim.Options{Clients: 3, Seed: 1, RateLimit: -1})}
	srv := httptest.NewServer(b.sim)
	t.Cleanup(srv.Close)
	b.client = b.sim.Clients()[2] // the seed gives the third client no invoice
	keys, err := secret.LoadKeyring("", filepath.Join(b.dir, "secret.key"), nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), store.Config{DataDir: b.dir, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	p, err := st.CreatePartner(t.Context(), store.Partner{Name: "Acme IT", Slug: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveHaloConnection(t.Context(), store.HaloConnection{PartnerID: p.ID, ResourceURL: srv.URL + "/api", AuthURL: srv.URL + "/auth",
		GrantType: store.GrantClientCredentials, ClientID: halosim.DefaultClientID, ClientSecret: halosim.DefaultClientSecret}); err != nil {
		t.Fatal(err)
	}
	src, err := st.CreateSource(t.Context(), store.Source{PartnerID: p.ID, Kind: source.Push, Name: "Acme EDR"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveMapping(t.Context(), store.Mapping{PartnerID: p.ID, SourceID: src.ID, CustomerID: "A", ClientID: b.client.ID, Billing: true, Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	last := source.MonthOf(time.Now().UTC()).Prev()
	if err := st.SaveSourceCustomers(t.Context(), src.ID, []source.Customer{{ID: "A", Name: "Acme"}}, true); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveUsage(t.Context(), src.ID, []source.Usage{
		{CustomerID: "A", Month: last, Product: "seats", Quantity: 7},
		{CustomerID: "A", Month: last, Product: "MDR", Quantity: 3},
	}, &last); err != nil {
		t.Fatal(err)
	}
	return b
}

// saveUsage stores usage of the bundle's push source, as its vendor
// pushes it.
func (b *billingBundle) saveUsage(t *testing.T, usage []source.Usage) {
	t.Helper()
	withStore(t, b.dir, func(st *store.Store) {
		p, err := st.PartnerBySlug(t.Context(), "acme")
		if err != nil {
			t.Fatal(err)
		}
		sources, err := st.Sources(t.Context(), p.ID)
		if err != nil || len(sources) != 1 {
			t.Fatalf("sources %+v, %v", sources, err)
		}
		if err := st.SaveUsage(t.Context(), sources[0].ID, usage, nil); err != nil {
			t.Fatal(err)
		}
	})
}

// main runs halobridge with args on the bundle's data directory.
func (b *billingBundle) main(t *testing.T, args ...string) (int, *testBundle) {
	t.Helper()
	env := setup(t, nil)
	code := Main(context.Background(), append(args, "--data-dir", b.dir, "--partner", "acme"), env.env)
	return code, env
}

func (b *billingBundle) writePolicy(t *testing.T, policy string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(path, []byte(policy), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBilling(t *testing.T) {
	t.Parallel()
	last := source.MonthOf(time.Now().UTC()).Prev()

	t.Run("RefusesAPolicyThatLeavesAProductInUseWithoutItem", func(t *testing.T) {
		t.Parallel()
		b := setupBilling(t)
		code, out := b.main(t, "billing", "policy", "set", "--file", b.writePolicy(t, `{"mode":"create","products":{"seats":{"item_id":1401}}}`))
		if code != 1 || !strings.Contains(out.stderr.String(), "products.MDR: MDR is in use and needs a HaloPSA item") {
			t.Fatalf("exit code %d\nstderr:\n%s", code, out.stderr)
		}
		if code, out := b.main(t, "billing", "policy", "show"); code != 1 || !strings.Contains(out.stderr.String(), "no billing policy is set") {
			t.Errorf("show after the refusal: exit code %d, stderr %s", code, out.stderr)
		}
		code, out = b.main(t, "billing", "policy", "set", "--file", b.writePolicy(t, `{"mode":"create","product":{}}`))
		if code != 1 || !strings.Contains(out.stderr.String(), `unknown field "product"`) {
			t.Errorf("a misspelt field: exit code %d, stderr %s", code, out.stderr)
		}
	})

	t.Run("CreatesTheMissingItemThenSetsAndShowsThePolicy", func(t *testing.T) {
		t.Parallel()
		b := setupBilling(t)
		code, out := b.main(t, "billing", "items", "propose")
		if code != 0 {
			t.Fatalf("propose: exit code %d: %s", code, out.stderr)
		}
		for _, want := range []string{"seats", "MDR", "Acme EDR"} {
			if !strings.Contains(out.stdout.String(), want) {
				t.Errorf("proposals do not mention %q:\n%s", want, out.stdout)
			}
		}
		code, out = b.main(t, "billing", "items", "create", "--products", "MDR")
		if code != 0 || !strings.Contains(out.stdout.String(), `MDR: item 1410 "MDR" (created)`) {
			t.Fatalf("create: exit code %d\nstdout:\n%s\nstderr:\n%s", code, out.stdout, out.stderr)
		}
		code, out = b.main(t, "billing", "policy", "set", "--file", b.writePolicy(t,
			`{"mode":"create","include_period_in_name":true,"products":{"seats":{"item_id":1401},"MDR":{"item_id":1410}}}`))
		if code != 0 || !strings.Contains(out.stdout.String(), "Billing policy saved") {
			t.Fatalf("set: exit code %d\nstdout:\n%s\nstderr:\n%s", code, out.stdout, out.stderr)
		}
		code, out = b.main(t, "billing", "policy", "show")
		var shown run.Policy
		if code != 0 || json.Unmarshal([]byte(out.stdout.String()), &shown) != nil || shown.Mode != "create" || shown.Products["MDR"].ItemID != 1410 ||
			shown.Rounding[source.DefensX] != "decimal" || shown.Rounding[source.Push] != "decimal" {
			t.Errorf("show (every source's rounding written out): exit code %d\n%s", code, out.stdout)
		}
	})

	t.Run("ShowsPerClientWhatTheRunThenDoes", func(t *testing.T) {
		t.Parallel()
		b := setupBilling(t)
		if code, out := b.main(t, "billing", "policy", "set", "--file", b.writePolicy(t,
			`{"mode":"create","include_period_in_name":true,"products":{"seats":{"item_id":1401},"MDR":{"item_id":1405}}}`)); code != 0 {
			t.Fatalf("set: %s", out.stderr)
		}
		period := last.Start().Format("Jan 2006")
		code, out := b.main(t, "billing", "dry-run")
		if code != 0 {
			t.Fatalf("dry run: exit code %d: %s", code, out.stderr)
		}
		for _, want := range []string{
			b.client.Name, `recurring invoice "` + b.client.Name + `" to be created`,
			"Endpoint Security (" + period + ")", "Managed Backup (" + period + ")", last.String(), "add",
		} {
			if !strings.Contains(out.stdout.String(), want) {
				t.Errorf("the dry run does not show %q:\n%s", want, out.stdout)
			}
		}
		if len(b.sim.RecurringInvoices()) != 2 {
			t.Errorf("the dry run wrote to HaloPSA: %d invoices", len(b.sim.RecurringInvoices()))
		}

		code, out = b.main(t, "billing", "run", "--month", last.String(), "--json")
		var res run.Result
		if code != 0 || json.Unmarshal([]byte(out.stdout.String()), &res) != nil || len(res.Clients) != 1 || !res.Clients[0].CreateInvoice {
			t.Fatalf("run: exit code %d\nstdout:\n%s\nstderr:\n%s", code, out.stdout, out.stderr)
		}
		inv, ok := b.sim.RecurringInvoice(res.Clients[0].InvoiceID)
		if !ok || len(inv.Lines) != 2 || inv.Lines[0].ItemShortDescription != "Endpoint Security ("+period+")" || inv.Lines[0].QtyOrder != 7 ||
			inv.Lines[1].ItemShortDescription != "Managed Backup ("+period+")" || inv.Lines[1].QtyOrder != 3 || inv.Reference != b.client.Name {
			t.Errorf("HaloPSA holds %+v", inv)
		}

		code, out = b.main(t, "billing", "dry-run", "--month", last.String())
		if code != 0 || strings.Contains(out.stdout.String(), "  add  ") || !strings.Contains(out.stdout.String(), "up to date") {
			t.Errorf("dry run after the run: exit code %d\n%s", code, out.stdout)
		}
	})

	t.Run("ShowsAndRecordsAUsageCorrectedAfterTheRun", func(t *testing.T) {
		t.Parallel()
		b := setupBilling(t)
		if code, out := b.main(t, "billing", "policy", "set", "--file", b.writePolicy(t,
			`{"mode":"create","include_period_in_name":true,"products":{"seats":{"item_id":1401},"MDR":{"item_id":1405}}}`)); code != 0 {
			t.Fatalf("set: %s", out.stderr)
		}
		if code, out := b.main(t, "billing", "run", "--month", last.String()); code != 0 {
			t.Fatalf("run: %s", out.stderr)
		}
		if code, out := b.main(t, "billing", "corrections"); code != 0 || !strings.Contains(out.stdout.String(), "No usage was corrected") {
			t.Errorf("corrections before any: exit code %d\n%s", code, out.stdout)
		}
		// The vendor counts 9 seats for the month after all.
		b.saveUsage(t, []source.Usage{{CustomerID: "A", Month: last, Product: "seats", Quantity: 9}})
		said := last.Month.String() + " corrected from 7 to 9 before it was invoiced: the line now bills 9 for it"
		code, out := b.main(t, "billing", "dry-run", "--month", last.String())
		if code != 0 || !strings.Contains(out.stdout.String(), "corrected: "+said) || !strings.Contains(out.stdout.String(), "set_quantity") {
			t.Errorf("dry run after the correction: exit code %d\n%s", code, out.stdout)
		}
		if code, out := b.main(t, "billing", "run", "--month", last.String()); code != 0 {
			t.Fatalf("run: %s", out.stderr)
		}
		code, out = b.main(t, "billing", "corrections")
		for _, want := range []string{"WHEN", b.client.Name, "Endpoint Security", last.String(), said} {
			if code != 0 || !strings.Contains(out.stdout.String(), want) {
				t.Errorf("corrections do not show %q: exit code %d\n%s", want, code, out.stdout)
			}
		}
		code, out = b.main(t, "billing", "corrections", "--json", "--limit", "5")
		var list []store.BillingCorrection
		if code != 0 || json.Unmarshal([]byte(out.stdout.String()), &list) != nil || len(list) != 1 || list[0].Old != 7 || list[0].New != 9 ||
			list[0].ClientID != b.client.ID || list[0].ItemName != "Endpoint Security" || list[0].Month != last || list[0].Carried {
			t.Errorf("corrections as JSON: exit code %d\n%s", code, out.stdout)
		}
		if code, out := b.main(t, "billing", "corrections", "--limit", "0"); code != 1 || !strings.Contains(out.stderr.String(), "--limit must be between 1 and 1000") {
			t.Errorf("a limit of 0: exit code %d, stderr %s", code, out.stderr)
		}
	})

	t.Run("RefusesAMonthThatIsNotOver", func(t *testing.T) {
		t.Parallel()
		b := setupBilling(t)
		code, out := b.main(t, "billing", "run", "--month", last.Next().String())
		if code != 1 || !strings.Contains(out.stderr.String(), "is not over yet") {
			t.Errorf("exit code %d, stderr %s", code, out.stderr)
		}
		if code, out := b.main(t, "billing", "dry-run", "--month", "October"); code != 1 || !strings.Contains(out.stderr.String(), "YYYY-MM") {
			t.Errorf("a month that is not one: exit code %d, stderr %s", code, out.stderr)
		}
	})
}
