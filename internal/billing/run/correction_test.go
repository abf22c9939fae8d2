package run_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/billing"
	"halobridge/internal/billing/run"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/ingest"
	"halobridge/internal/source"
	"halobridge/internal/source/defensx/dxsim"
	"halobridge/internal/store"
)

// correctionBundle is a partner billing, in create mode, what the vendor of
// a push source reports through the push API over HTTP: customer A, mapped
// to one HaloPSA client, used 42 seats in September 2026, billed on 2
// October.
type correctionBundle struct {
	*testBundle
	partner store.Partner
	halo    *halosim.Sim
	client  halosim.Client
	push    func(t *testing.T, m source.Month, seats float64)
}

func setupCorrections(t *testing.T, e engine) *correctionBundle {
	t.Helper()
	b := setupOn(t, e)
	p, sim := b.partner(t, "North IT")
	client := clientsWithoutInvoice(sim)[0]
	src := b.source(t, store.Source{PartnerID: p.ID, Kind: source.Push, Name: "Acme EDR Cloud", Secret: "vendor-secret"})
	b.mapToClient(t, src, "A", client.ID)

	logger := slog.New(slog.DiscardHandler)
	api := ingest.NewPushAPI(ingest.NewReceiver(b.store, ingest.NewCommitter(b.store, 0, logger), ingest.Parsers(), ingest.Options{Logger: logger}), b.store)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	put := func(t *testing.T, path, body string) {
		t.Helper()
		req, err := http.NewRequestWithContext(b.ctx, http.MethodPut, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+src.Token+".vendor-secret")
		req.Header.Set("Content-Type", "application/json")
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("PUT %s: %s", path, res.Status)
		}
	}
	put(t, "/api/push/v1/customers", `[{"id":"A","name":"Acme"}]`)
	cb := &correctionBundle{testBundle: b, partner: p, halo: sim, client: client}
	cb.push = func(t *testing.T, m source.Month, seats float64) {
		t.Helper()
		put(t, "/api/push/v1/usage", fmt.Sprintf(`[{"customer_id":"A","month":%q,"product":"seats","quantity":%v}]`, m, seats))
	}
	sep := source.Month{Year: 2026, Month: time.September}
	cb.push(t, sep, 42)
	b.savePolicy(t, p.ID, run.Policy{Policy: billing.Policy{Mode: billing.ModeCreate, IncludePeriodInName: true,
		Products: map[string]billing.ProductRule{"seats": {ItemID: 1401}}}})
	b.clock.Set(time.Date(2026, time.October, 2, 6, 0, 0, 0, time.UTC))
	res := b.run(t, p.ID, sep, false)
	cb.expectLines(t, res, []line{{"Endpoint Security (Sep 2026)", 42}})
	return cb
}

// generatedThenPushed has HaloPSA generate the client's invoice on the 1st
// of a month, the vendor push usage, and the clock reach the 2nd, when the
// month before is billed.
func (b *correctionBundle) generatedThenPushed(t *testing.T, on time.Time, usage map[source.Month]float64) {
	t.Helper()
	b.halo.GenerateInvoice(b.invoiceOf(t), on)
	for m, seats := range usage {
		b.push(t, m, seats)
	}
	b.clock.Set(on.AddDate(0, 0, 1).Add(6 * time.Hour))
}

// expectLines checks the client's result and what its invoice holds.
func (b *correctionBundle) expectLines(t *testing.T, res run.Result, want []line) {
	t.Helper()
	if len(res.Clients) != 1 || res.Clients[0].Error != "" {
		t.Fatalf("run of %s: %+v", res.Month, res.Clients)
	}
	c := res.Clients[0]
	if diff := cmp.Diff(want, predicted(c)); diff != "" {
		t.Errorf("%s: the run's rows (-want +got):\n%s", res.Month, diff)
	}
	if res.DryRun {
		return
	}
	if diff := cmp.Diff(want, held(t, b.halo, c.InvoiceID, nil)); diff != "" {
		t.Errorf("%s: lines HaloPSA holds (-want +got):\n%s", res.Month, diff)
	}
}

// history is the partner's billing history of corrections, oldest first,
// without ids and times.
func (b *correctionBundle) history(t *testing.T) []store.BillingCorrection {
	t.Helper()
	got, err := b.store.BillingCorrections(b.ctx, b.partner.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]store.BillingCorrection, len(got))
	for i, c := range got {
		if c.CorrectedAt.IsZero() || c.RunID == 0 {
			t.Errorf("correction %d has no time or run: %+v", c.ID, c)
		}
		c.ID, c.CorrectedAt, c.RunID = 0, time.Time{}, 0
		out[len(got)-1-i] = c
	}
	return out
}

// TestUsageCorrectedThroughThePushAPI reproduces what was measured: a month
// billed at 42, its usage corrected to 45 afterwards through the push API.
// The dry run and the run then show and write the corrected quantity, and
// the billing history says which client, item and month, the old and new
// figure and what was done, on SQLite and PostgreSQL.
func TestUsageCorrectedThroughThePushAPI(t *testing.T) {
	t.Parallel()

	sep, oct, nov := source.Month{Year: 2026, Month: time.September}, source.Month{Year: 2026, Month: time.October}, source.Month{Year: 2026, Month: time.November}
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()

			t.Run("BeforeTheInvoiceGeneratesTheLineBillsTheNewFigure", func(t *testing.T) {
				t.Parallel()
				b := setupCorrections(t, e)
				b.push(t, sep, 45)
				b.clock.Set(time.Date(2026, time.October, 5, 9, 0, 0, 0, time.UTC))

				dry := b.run(t, b.partner.ID, sep, true)
				b.expectLines(t, dry, []line{{"Endpoint Security (Sep 2026)", 45}})
				c := dry.Clients[0]
				if !c.Changed || c.Rows[0].Change != billing.ChangeSetQuantity || c.Rows[0].HaloQuantity != 42 ||
					!strings.Contains(c.Rows[0].Reason, "September corrected from 42 to 45 before it was invoiced: the line now bills 45 for it") {
					t.Errorf("the dry run does not show the correction: changed %v, rows %+v", c.Changed, c.Rows)
				}
				if got := b.history(t); len(got) != 0 {
					t.Errorf("a dry run recorded corrections: %+v", got)
				}

				b.expectLines(t, b.run(t, b.partner.ID, sep, false), []line{{"Endpoint Security (Sep 2026)", 45}})
				want := []store.BillingCorrection{{PartnerID: b.partner.ID, ClientID: b.client.ID, ClientName: b.client.Name, ItemID: 1401,
					ItemName: "Endpoint Security", Month: sep, Old: 42, New: 45,
					Action: "September corrected from 42 to 45 before it was invoiced: the line now bills 45 for it"}}
				if diff := cmp.Diff(want, b.history(t)); diff != "" {
					t.Errorf("billing history (-want +got):\n%s", diff)
				}

				again := b.run(t, b.partner.ID, sep, false)
				if again.Clients[0].Changed || len(again.Clients[0].Corrections) > 0 || len(b.history(t)) != 1 {
					t.Errorf("running September again: %+v, history %+v", again.Clients[0], b.history(t))
				}
			})

			t.Run("AfterTheInvoiceGeneratedTheDifferenceGoesOnTheNextMonth", func(t *testing.T) {
				t.Parallel()
				b := setupCorrections(t, e)
				b.generatedThenPushed(t, time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC), map[source.Month]float64{oct: 40, sep: 45})

				dry := b.run(t, b.partner.ID, oct, true)
				b.expectLines(t, dry, []line{{"Endpoint Security (Oct 2026)", 43}})
				if r := dry.Clients[0].Rows[0]; !strings.Contains(r.Reason, "September corrected from 42 to 45 after it was invoiced: +3 carried to October") {
					t.Errorf("the dry run does not say why: %q", r.Reason)
				}
				b.expectLines(t, b.run(t, b.partner.ID, oct, false), []line{{"Endpoint Security (Oct 2026)", 43}})

				// October is corrected down after it was invoiced: the
				// credit comes off November's line.
				b.generatedThenPushed(t, time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC), map[source.Month]float64{nov: 41, oct: 38})
				res := b.run(t, b.partner.ID, nov, false)
				b.expectLines(t, res, []line{{"Endpoint Security (Nov 2026)", 39}})

				want := []store.BillingCorrection{
					{PartnerID: b.partner.ID, ClientID: b.client.ID, ClientName: b.client.Name, ItemID: 1401, ItemName: "Endpoint Security",
						Month: sep, Old: 42, New: 45, Carried: true, Action: "September corrected from 42 to 45 after it was invoiced: +3 carried to October"},
					{PartnerID: b.partner.ID, ClientID: b.client.ID, ClientName: b.client.Name, ItemID: 1401, ItemName: "Endpoint Security",
						Month: oct, Old: 40, New: 38, Carried: true, Action: "October corrected from 40 to 38 after it was invoiced: -2 carried to November"},
				}
				if diff := cmp.Diff(want, b.history(t)); diff != "" {
					t.Errorf("billing history (-want +got):\n%s", diff)
				}
				if got := b.openEvents(t, b.partner.ID); len(got) != 0 {
					t.Errorf("open events: %v", got)
				}
			})

			t.Run("CreditLargerThanTheNextLineIsReportedUntilTakenOff", func(t *testing.T) {
				t.Parallel()
				b := setupCorrections(t, e)
				b.generatedThenPushed(t, time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC), map[source.Month]float64{oct: 2, sep: 37})
				b.expectLines(t, b.run(t, b.partner.ID, oct, false), []line{{"Endpoint Security (Oct 2026)", 0}})
				want := map[int][]billing.FindingKind{b.client.ID: {billing.FindingCreditCarried}}
				if got := b.openEvents(t, b.partner.ID); !cmp.Equal(want, got) {
					t.Errorf("open events with 3 still owed: %v, want %v", got, want)
				}

				b.generatedThenPushed(t, time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC), map[source.Month]float64{nov: 40})
				b.expectLines(t, b.run(t, b.partner.ID, nov, false), []line{{"Endpoint Security (Nov 2026)", 37}})
				if got := b.openEvents(t, b.partner.ID); len(got) != 0 {
					t.Errorf("open events once the credit was taken off: %v", got)
				}
			})

			t.Run("AWriteThatFailsRecordsTheCorrectionOnce", func(t *testing.T) {
				t.Parallel()
				b := setupCorrections(t, e)
				b.push(t, sep, 45)
				b.halo.InjectFault(halosim.Fault{Method: "POST", PathPrefix: "/api/RecurringInvoice", Status: 500, Times: 1})
				res := b.run(t, b.partner.ID, sep, false)
				b.halo.ClearFaults()
				if res.Clients[0].Error == "" {
					t.Fatalf("with HaloPSA refusing the write, the run reports %+v", res.Clients[0])
				}
				if diff := cmp.Diff([]line{{"Endpoint Security (Sep 2026)", 42}}, held(t, b.halo, b.invoiceOf(t), nil)); diff != "" {
					t.Errorf("lines after the refused write (-want +got):\n%s", diff)
				}
				b.expectLines(t, b.run(t, b.partner.ID, sep, false), []line{{"Endpoint Security (Sep 2026)", 45}})
				got := b.history(t)
				if len(got) != 1 || got[0].Old != 42 || got[0].New != 45 {
					t.Errorf("billing history after the retry: %+v", got)
				}
				if events := b.openEvents(t, b.partner.ID); len(events) != 0 {
					t.Errorf("open events after the retry: %v", events)
				}
			})
		})
	}
}

// invoiceOf is the recurring invoice halobridge created for the client.
func (b *correctionBundle) invoiceOf(t *testing.T) int {
	t.Helper()
	for _, inv := range b.halo.RecurringInvoices() {
		if inv.ClientID == b.client.ID {
			return inv.ID
		}
	}
	t.Fatalf("client %d has no recurring invoice", b.client.ID)
	return 0
}

// TestDefensXFractionalSeats bills DefensX seats counted pro rata, read from
// the DefensX API: billed as the decimal quantity by default, or rounded up
// to whole licences when the policy says so, the dry run showing the usage
// beside the quantity either way.
func TestDefensXFractionalSeats(t *testing.T) {
	t.Parallel()

	sep := source.Month{Year: 2026, Month: time.September}
	setupDX := func(t *testing.T) (*testBundle, store.Partner, *halosim.Sim) {
		b := setup(t)
		p, sim := b.partner(t, "South IT")
		client := clientsWithoutInvoice(sim)[0]
		dx := dxsim.New(dxsim.Options{
			Now:       b.clock.Now,
			Customers: []dxsim.Customer{{ID: "d1", Name: "Delta Dental"}, {ID: "d2", Name: "Delta Labs"}},
			Subscriptions: []dxsim.Subscription{
				{ID: "s1", CustomerID: "d1", SKU: "DX-WEBSEC", Status: "active", Start: sep.Start(), Quantities: map[string]float64{"2026-09": 1.8}},
				{ID: "s2", CustomerID: "d2", SKU: "DX-WEBSEC", Status: "active", Start: sep.Start(), Quantities: map[string]float64{"2026-09": 0.17}},
			},
		})
		srv := httptest.NewServer(dx)
		t.Cleanup(srv.Close)
		src := b.source(t, store.Source{PartnerID: p.ID, Kind: source.DefensX, Name: "DefensX", APIURL: srv.URL + dxsim.BasePath, APIKey: dxsim.DefaultAPIKey})
		b.mapToClient(t, src, "d1", client.ID)
		b.mapToClient(t, src, "d2", client.ID)
		b.clock.Set(time.Date(2026, time.October, 2, 6, 0, 0, 0, time.UTC))
		return b, p, sim
	}
	products := map[string]billing.ProductRule{"DX-WEBSEC": {ItemID: 1403}}

	t.Run("DecimalByDefault", func(t *testing.T) {
		t.Parallel()
		b, p, _ := setupDX(t)
		b.savePolicy(t, p.ID, run.Policy{Policy: billing.Policy{Mode: billing.ModeCreate, Products: products}})
		r := b.run(t, p.ID, sep, true).Clients[0].Rows[0]
		if r.Quantity != 1.97 || r.Usage != 1.97 || r.Rounding != billing.RoundDecimal || !strings.Contains(r.Reason, "usage 1.97 billed as a decimal quantity") {
			t.Errorf("dry run row: %+v", r)
		}
	})
	t.Run("RoundedUpWhenThePolicySaysSo", func(t *testing.T) {
		t.Parallel()
		b, p, sim := setupDX(t)
		b.savePolicy(t, p.ID, run.Policy{Policy: billing.Policy{Mode: billing.ModeCreate, Products: products,
			Rounding: map[source.Kind]billing.Rounding{source.DefensX: billing.RoundUp}}})
		r := b.run(t, p.ID, sep, true).Clients[0].Rows[0]
		if r.Quantity != 2 || r.Usage != 1.97 || r.Rounding != billing.RoundUp || !strings.Contains(r.Reason, "usage 1.97 rounded up to whole licences: 2") {
			t.Errorf("dry run row: %+v", r)
		}
		c := b.run(t, p.ID, sep, false).Clients[0]
		if diff := cmp.Diff([]line{{"Web Security", 2}}, held(t, sim, c.InvoiceID, nil)); c.Error != "" || diff != "" {
			t.Errorf("run: %s; lines HaloPSA holds (-want +got):\n%s", c.Error, diff)
		}
	})
}
