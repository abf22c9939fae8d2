package run_test

import (
	"fmt"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/billing"
	"halobridge/internal/billing/run"
	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/source"
	"halobridge/internal/source/defensx/dxsim"
	"halobridge/internal/store"
)

// TestTwelveMonthsAgainstHaloPSA bills two partners from March 2026 to
// February 2027 through real HTTP against the HaloPSA simulator: each month
// HaloPSA generates the invoices on the 1st (but North's not on 1 September
// and South's not on 1 January), and halobridge bills the month before on
// the 2nd, first as a dry run, then for real, then for real again.
//
// North bills in create mode, with the period in the lines' names, what the
// vendor of a push source reports: reseller R, whose figures include its
// companies A and B, is mapped to the client Group; A is mapped to Acme, B
// is not (R's client bills it). A adds an EDR product (xdr) from May to
// August and again in February, and an MDR product from November that has
// no item until the partner creates one from halobridge's proposal in
// December. The vendor pushes June's usage only after the run of 2 July.
// The partner renames the item Endpoint Security in October, adds a line of
// their own to Acme's invoice in November and deletes Acme's idle EDR line
// in December.
//
// South bills in append mode, without the period, DefensX usage read from
// its API: Delta has a Monthly invoice with the partner's lines; Echo has
// none until the partner creates one on 10 May. DefensX fails during the
// run of 2 July. The partner deletes halobridge's line on Echo's invoice in
// August, and disables Delta's invoice in September until October.
//
// Every line and quantity below was worked out by hand from billing's rules.
func TestTwelveMonthsAgainstHaloPSA(t *testing.T) {
	t.Parallel()
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			testTwelveMonths(t, setupOn(t, e))
		})
	}
}

func testTwelveMonths(t *testing.T, b *testBundle) {
	month := func(y int, m time.Month) source.Month { return source.Month{Year: y, Month: m} }
	mar, apr, may, jun := month(2026, time.March), month(2026, time.April), month(2026, time.May), month(2026, time.June)
	jul, aug, sep, oct := month(2026, time.July), month(2026, time.August), month(2026, time.September), month(2026, time.October)
	nov, dec, jan, feb := month(2026, time.November), month(2026, time.December), month(2027, time.January), month(2027, time.February)
	during := func(m source.Month, day int) time.Time { return m.Start().AddDate(0, 0, day-1).Add(10 * time.Hour) }

	// North: a push source, create mode.
	north, northHalo := b.partner(t, "North IT")
	free := clientsWithoutInvoice(northHalo)
	group, acme := free[0], free[1]
	edr := b.source(t, store.Source{PartnerID: north.ID, Kind: source.Push, Name: "Acme EDR Cloud"})
	b.mapToClient(t, edr, "R", group.ID)
	b.mapToClient(t, edr, "A", acme.ID)
	customers := []source.Customer{{ID: "R", Name: "Reseller", Reseller: true}, {ID: "A", Name: "Acme", ParentID: "R"}, {ID: "B", Name: "Beta", ParentID: "R"}}
	aSeats := map[source.Month]float64{mar: 10, apr: 10, may: 12, jun: 12, jul: 12, aug: 13, sep: 13, oct: 13, nov: 14, dec: 14, jan: 15, feb: 15}
	aXDR := map[source.Month]float64{may: 3, jun: 3, jul: 3, aug: 3, feb: 2}
	aMDR := map[source.Month]float64{nov: 14, dec: 14, jan: 15, feb: 15}
	const bSeats, rOwnSeats = 5, 1
	pushNorth := func(m source.Month) {
		u := func(customer, product string, q float64, includes bool) source.Usage {
			return source.Usage{CustomerID: customer, Month: m, Product: product, Quantity: q, IncludesChildren: includes}
		}
		usage := []source.Usage{u("A", "seats", aSeats[m], false), u("B", "seats", bSeats, false), u("R", "seats", rOwnSeats+aSeats[m]+bSeats, true)}
		if q := aXDR[m]; q > 0 {
			usage = append(usage, u("A", "xdr", q, false), u("R", "xdr", q, true))
		}
		if q := aMDR[m]; q > 0 {
			usage = append(usage, u("A", "MDR", q, false), u("R", "MDR", q, true))
		}
		b.push(t, edr, customers, usage)
	}
	pushNorth(mar)
	b.savePolicy(t, north.ID, run.Policy{Policy: billing.Policy{Mode: billing.ModeCreate, IncludePeriodInName: true,
		Products: map[string]billing.ProductRule{"seats": {ItemID: 1401}, "xdr": {ItemID: 1402}}}})

	// South: DefensX through its API, append mode.
	south, southHalo := b.partner(t, "South IT")
	deltaInvoice := firstEnabledInvoice(t, southHalo)
	delta, _ := southHalo.Client(deltaInvoice.ClientID)
	echo := clientsWithoutInvoice(southHalo)[0]
	// The partner's own lines, which must never change; Delta's are left
	// out of the comparisons of lines.
	partnerLines := map[*halosim.Sim]map[int]halosim.InvoiceLine{northHalo: {}, southHalo: {}}
	seeded := map[int]bool{}
	for _, l := range deltaInvoice.Lines {
		partnerLines[southHalo][l.ID], seeded[l.ID] = l, true
	}
	dQty, eQty := map[string]float64{}, map[string]float64{}
	for m := mar; !feb.Next().Before(m); m = m.Next() {
		dQty[m.String()], eQty[m.String()] = 20, 8
		if !m.Before(jan) {
			dQty[m.String()] = 25
		}
	}
	dx := dxsim.New(dxsim.Options{
		Now:       b.clock.Now,
		Customers: []dxsim.Customer{{ID: "d1", Name: "Delta Dental"}, {ID: "e1", Name: "Echo Events"}},
		Subscriptions: []dxsim.Subscription{
			{ID: "s1", CustomerID: "d1", SKU: "DX-WEBSEC", Status: "active", Start: mar.Start(), Quantities: dQty},
			{ID: "s2", CustomerID: "e1", SKU: "DX-WEBSEC", Status: "active", Start: mar.Start(), Quantities: eQty},
		},
	})
	dxSrv := httptest.NewServer(dx)
	t.Cleanup(dxSrv.Close)
	defensX := b.source(t, store.Source{PartnerID: south.ID, Kind: source.DefensX, Name: "DefensX", APIURL: dxSrv.URL + dxsim.BasePath, APIKey: dxsim.DefaultAPIKey})
	b.mapToClient(t, defensX, "d1", delta.ID)
	b.mapToClient(t, defensX, "e1", echo.ID)
	b.savePolicy(t, south.ID, run.Policy{Policy: billing.Policy{Mode: billing.ModeAppend, Products: map[string]billing.ProductRule{"DX-WEBSEC": {ItemID: 1403}}}})

	// What the generated invoices billed, per simulator, invoice and item,
	// counting halobridge's lines only.
	billed := map[*halosim.Sim]map[int]map[int]float64{northHalo: {}, southHalo: {}}
	generate := func(sim *halosim.Sim, at time.Time) {
		for _, inv := range sim.RecurringInvoices() {
			if !sim.GenerateInvoice(inv.ID, at) {
				continue
			}
			if billed[sim][inv.ID] == nil {
				billed[sim][inv.ID] = map[int]float64{}
			}
			for _, l := range inv.Lines {
				if _, theirs := partnerLines[sim][l.ID]; !theirs {
					billed[sim][inv.ID][l.ItemID] += l.QtyOrder
				}
			}
		}
	}
	invoiceOf := map[*halosim.Sim]map[int]int{northHalo: {}, southHalo: {}} // client → invoice, as halobridge reports it
	edit := func(sim *halosim.Sim, clientID int, fn func(*halosim.RecurringInvoice)) {
		id := invoiceOf[sim][clientID]
		if id == 0 {
			t.Fatalf("client %d has no invoice to edit", clientID)
		}
		sim.UpdateRecurringInvoice(id, fn)
	}
	withoutItem := func(itemID int) func(*halosim.RecurringInvoice) {
		return func(inv *halosim.RecurringInvoice) {
			inv.Lines = slices.DeleteFunc(inv.Lines, func(l halosim.InvoiceLine) bool { return l.ItemID == itemID })
		}
	}

	type F = billing.FindingKind
	const es, ep, xdr, ws = "Endpoint Security", "Endpoint Protection", "EDR Add-on", "Web Security"
	msGold, onsite := line{"Managed Services - Gold", 1}, line{"Onsite Support Hour", 2}
	steps := []struct {
		month source.Month // billed on the 2nd of the month after
		// during happens after the last run, before the invoices generate.
		during                    func(t *testing.T)
		northSkips, southSkips    bool // HaloPSA does not generate on the 1st
		beforeRun, afterRun       func(t *testing.T)
		group, acme, delta, echo  []line // delta: halobridge's lines only
		northFindings, southFinds map[int][]F
	}{
		{
			month: mar,
			group: []line{{es + " (Mar 2026)", 6}}, acme: []line{{es + " (Mar 2026)", 10}},
			delta: []line{{ws, 20}}, echo: nil,
			southFinds: map[int][]F{echo.ID: {billing.FindingInvoiceMissing}},
		},
		{
			month: apr, during: func(*testing.T) { pushNorth(apr) },
			group: []line{{es + " (Apr 2026)", 6}}, acme: []line{{es + " (Apr 2026)", 10}},
			delta: []line{{ws, 20}}, echo: nil,
			southFinds: map[int][]F{echo.ID: {billing.FindingInvoiceMissing}},
		},
		{
			month: may,
			during: func(t *testing.T) {
				pushNorth(may)
				b.clock.Set(during(may, 10))
				hc, err := b.svc.Halo.Client(b.ctx, south.ID)
				if err != nil {
					t.Fatal(err)
				}
				inv, err := hc.SaveRecurringInvoice(b.ctx, halo.RecurringInvoice{ClientID: echo.ID, Reference: "Monthly Billing", IsRecurringInvoice: true,
					Lines: []halo.InvoiceLine{{ItemID: 1406, ShortDescription: msGold.Name, Quantity: 1, UnitPrice: 825}}})
				if err != nil {
					t.Fatalf("the partner creates Echo's invoice: %v", err)
				}
				invoiceOf[southHalo][echo.ID] = inv.ID
				partnerLines[southHalo][inv.Lines[0].ID], _ = lineOf(southHalo, inv.Lines[0].ID)
			},
			group: []line{{es + " (May 2026)", 6}}, acme: []line{{es + " (May 2026)", 12}, {xdr + " (May 2026)", 3}},
			delta: []line{{ws, 20}}, echo: []line{msGold, {ws, 24}},
		},
		{
			month:     jun,
			beforeRun: func(*testing.T) { dx.InjectFault(dxsim.Fault{PathPrefix: "/usage", Status: 503}) },
			afterRun:  func(*testing.T) { dx.ClearFaults(); pushNorth(jun) },
			group:     []line{{es, 0}}, acme: []line{{es, 0}, {xdr, 0}},
			delta: []line{{ws, 0}}, echo: []line{msGold, {ws, 0}},
			northFindings: map[int][]F{group.ID: {billing.FindingUsageUnavailable}, acme.ID: {billing.FindingUsageUnavailable}},
			southFinds:    map[int][]F{delta.ID: {billing.FindingUsageUnavailable}, echo.ID: {billing.FindingUsageUnavailable}},
		},
		{
			month: jul, during: func(*testing.T) { pushNorth(jul) },
			group: []line{{es + " (Jun–Jul 2026)", 12}}, acme: []line{{es + " (Jun–Jul 2026)", 24}, {xdr + " (Jun–Jul 2026)", 6}},
			delta: []line{{ws, 40}}, echo: []line{msGold, {ws, 16}},
		},
		{
			month: aug, northSkips: true,
			during: func(*testing.T) { pushNorth(aug); edit(southHalo, echo.ID, withoutItem(1403)) },
			group:  []line{{es + " (Jun–Aug 2026)", 18}}, acme: []line{{es + " (Jun–Aug 2026)", 37}, {xdr + " (Jun–Aug 2026)", 9}},
			delta: []line{{ws, 20}}, echo: []line{msGold, {ws, 8}},
			southFinds: map[int][]F{echo.ID: {billing.FindingLineDeleted}},
		},
		{
			month: sep,
			during: func(*testing.T) {
				pushNorth(sep)
				edit(southHalo, delta.ID, func(inv *halosim.RecurringInvoice) { inv.Disabled = true })
			},
			group: []line{{es + " (Sep 2026)", 6}}, acme: []line{{es + " (Sep 2026)", 13}, {xdr + " (Sep 2026)", 0}},
			delta: []line{{ws, 20}}, echo: []line{msGold, {ws, 8}},
			southFinds: map[int][]F{delta.ID: {billing.FindingInvoiceDisabled}},
		},
		{
			month: oct,
			during: func(*testing.T) {
				pushNorth(oct)
				northHalo.UpdateItem(1401, func(it *halosim.Item) { it.Name = ep })
				edit(southHalo, delta.ID, func(inv *halosim.RecurringInvoice) { inv.Disabled = false })
			},
			group: []line{{ep + " (Oct 2026)", 6}}, acme: []line{{ep + " (Oct 2026)", 13}, {xdr + " (Oct 2026)", 0}},
			delta: []line{{ws, 40}}, echo: []line{msGold, {ws, 8}},
		},
		{
			month: nov,
			during: func(t *testing.T) {
				pushNorth(nov)
				edit(northHalo, acme.ID, func(inv *halosim.RecurringInvoice) {
					inv.Lines = append(inv.Lines, halosim.InvoiceLine{ItemID: 1407, ItemShortDescription: onsite.Name, QtyOrder: onsite.Qty, UnitPrice: 95})
				})
				inv, _ := northHalo.RecurringInvoice(invoiceOf[northHalo][acme.ID])
				added := inv.Lines[len(inv.Lines)-1]
				partnerLines[northHalo][added.ID] = added
			},
			group: []line{{ep + " (Nov 2026)", 6}}, acme: []line{{ep, 0}, {xdr, 0}, onsite},
			delta: []line{{ws, 20}}, echo: []line{msGold, {ws, 8}},
			northFindings: map[int][]F{acme.ID: {billing.FindingProductUnmapped, billing.FindingUsageUnavailable}},
		},
		{
			month: dec, southSkips: true,
			during: func(t *testing.T) {
				pushNorth(dec)
				created, err := b.svc.CreateItems(b.ctx, north.ID, []string{"MDR"})
				if err != nil {
					t.Fatalf("CreateItems: %v", err)
				}
				want := []run.CreatedItem{{Product: billing.Product{Source: source.Push, Key: "MDR", Name: "MDR", Role: billing.RoleProduct, Supplier: "Acme EDR Cloud", Unit: "licences"}, ItemID: 1410, Name: "MDR"}}
				if diff := cmp.Diff(want, created); diff != "" {
					t.Errorf("items created (-want +got):\n%s", diff)
				}
				items := northHalo.Items()
				if it := items[len(items)-1]; it.ID != 1410 || it.SupplierName != "Acme EDR Cloud" {
					t.Errorf("HaloPSA's newest item %d is filed under supplier %d %q, want item 1410 under \"Acme EDR Cloud\"", it.ID, it.SupplierID, it.SupplierName)
				}
				edit(northHalo, acme.ID, withoutItem(1402))
			},
			group: []line{{ep + " (Dec 2026)", 6}}, acme: []line{{ep + " (Nov–Dec 2026)", 28}, onsite, {"MDR (Nov–Dec 2026)", 28}},
			delta: []line{{ws, 40}}, echo: []line{msGold, {ws, 16}},
		},
		{
			month: jan, during: func(*testing.T) { pushNorth(jan) },
			group: []line{{ep + " (Jan 2027)", 6}}, acme: []line{{ep + " (Jan 2027)", 15}, onsite, {"MDR (Jan 2027)", 15}},
			delta: []line{{ws, 25}}, echo: []line{msGold, {ws, 8}},
		},
		{
			month: feb, during: func(*testing.T) { pushNorth(feb) },
			group: []line{{ep + " (Feb 2027)", 6}}, acme: []line{{ep + " (Feb 2027)", 15}, onsite, {"MDR (Feb 2027)", 15}, {xdr + " (Feb 2027)", 2}},
			delta: []line{{ws, 25}}, echo: []line{msGold, {ws, 8}},
		},
	}

	type partnerCheck struct {
		name     string
		partner  store.Partner
		sim      *halosim.Sim
		findings map[int][]F
		want     map[int][]line
	}
	for _, s := range steps {
		b.clock.Set(during(s.month, 20))
		if s.during != nil {
			s.during(t)
		}
		generation := s.month.Next().Start()
		b.clock.Set(generation)
		if !s.northSkips {
			generate(northHalo, generation)
		}
		if !s.southSkips {
			generate(southHalo, generation)
		}
		b.clock.Set(generation.AddDate(0, 0, 1).Add(6 * time.Hour))
		if s.beforeRun != nil {
			s.beforeRun(t)
		}
		for _, p := range []partnerCheck{
			{"North", north, northHalo, s.northFindings, map[int][]line{group.ID: s.group, acme.ID: s.acme}},
			{"South", south, southHalo, s.southFinds, map[int][]line{delta.ID: s.delta, echo.ID: s.echo}},
		} {
			at := fmt.Sprintf("%s, %s", s.month, p.name)
			dry := b.run(t, p.partner.ID, s.month, true)
			res := b.run(t, p.partner.ID, s.month, false)
			if len(dry.Clients) != 2 || len(res.Clients) != 2 {
				t.Fatalf("%s: the runs billed %d and %d clients, want 2", at, len(dry.Clients), len(res.Clients))
			}
			for i, c := range res.Clients {
				if c.Error != "" {
					t.Fatalf("%s: client %d: %s", at, c.ClientID, c.Error)
				}
				if c.InvoiceID != 0 {
					invoiceOf[p.sim][c.ClientID] = c.InvoiceID
				}
				d := dry.Clients[i]
				if diff := cmp.Diff(d.Rows, c.Rows); diff != "" || d.Changed != c.Changed || d.CreateInvoice != c.CreateInvoice {
					t.Errorf("%s: client %d: the dry run decided otherwise than the real run (-dry +real):\n%s", at, c.ClientID, diff)
				}
				if diff := cmp.Diff(predicted(d), held(t, p.sim, invoiceOf[p.sim][c.ClientID], nil)); diff != "" {
					t.Errorf("%s: client %d: the dry run did not predict the lines HaloPSA holds (-predicted +held):\n%s", at, c.ClientID, diff)
				}
				if diff := cmp.Diff(p.want[c.ClientID], held(t, p.sim, invoiceOf[p.sim][c.ClientID], seeded)); diff != "" {
					t.Errorf("%s: client %d: lines HaloPSA holds (-want +got):\n%s", at, c.ClientID, diff)
				}
			}
			want := p.findings
			if want == nil {
				want = map[int][]F{}
			}
			if diff := cmp.Diff(sortedKinds(want), findingKinds(res)); diff != "" {
				t.Errorf("%s: findings by client (-want +got):\n%s", at, diff)
			}
			if diff := cmp.Diff(findingKinds(res), b.openEvents(t, p.partner.ID)); diff != "" {
				t.Errorf("%s: open events are not the run's findings (-findings +events):\n%s", at, diff)
			}

			again := b.run(t, p.partner.ID, s.month, false)
			for _, c := range again.Clients {
				if c.Changed || c.Error != "" {
					t.Errorf("%s: running the month again changes client %d: %+v", at, c.ClientID, c)
				}
			}
			if diff := cmp.Diff(findingKinds(again), b.openEvents(t, p.partner.ID)); diff != "" {
				t.Errorf("%s, run again: open events are not the run's findings (-findings +events):\n%s", at, diff)
			}
		}
		for sim, lines := range partnerLines {
			for id, want := range lines {
				if got, _ := lineOf(sim, id); !cmp.Equal(want, got) {
					t.Errorf("%s: the partner's line %d changed (-before +now):\n%s", s.month, id, cmp.Diff(want, got))
				}
			}
		}
		if s.afterRun != nil {
			s.afterRun(t)
		}
	}

	// Every month was billed once: the generated invoices billed the year's
	// usage but February's, which the lines hold now. Echo's June and July
	// are the exception billing documents: the partner deleted the line
	// that held them, and once the invoice had generated, halobridge counts
	// them as billed rather than risk billing them twice.
	got := map[string]float64{
		"Group Endpoint": billed[northHalo][invoiceOf[northHalo][group.ID]][1401],
		"Acme Endpoint":  billed[northHalo][invoiceOf[northHalo][acme.ID]][1401],
		"Acme EDR":       billed[northHalo][invoiceOf[northHalo][acme.ID]][1402],
		"Acme MDR":       billed[northHalo][invoiceOf[northHalo][acme.ID]][1410],
		"Delta Web":      billed[southHalo][deltaInvoice.ID][1403],
		"Echo Web":       billed[southHalo][invoiceOf[southHalo][echo.ID]][1403],
	}
	wantBilled := map[string]float64{
		"Group Endpoint": 66,  // 12 × (1 of R's own + 5 of Beta's), less February's 6
		"Acme Endpoint":  138, // 153 less February's 15
		"Acme EDR":       12,  // May to August; February's 2 is on the line
		"Acme MDR":       43,  // November to January
		"Delta Web":      225, // 10 × 20 + 25, less February's 25
		"Echo Web":       72,  // 11 × 8, less June and July (16)
	}
	if diff := cmp.Diff(wantBilled, got); diff != "" {
		t.Errorf("quantities the generated invoices billed (-want +got):\n%s", diff)
	}

	runs, err := b.store.BillingRuns(b.ctx, north.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3*len(steps) || runs[0].DryRun || runs[0].Month != feb || runs[0].FinishedAt.IsZero() || runs[len(runs)-1].Month != mar || !runs[len(runs)-1].DryRun {
		t.Errorf("North's billing history has %d runs, newest %+v", len(runs), runs[0])
	}
}

// firstEnabledInvoice is the simulator's first enabled recurring invoice.
func firstEnabledInvoice(t *testing.T, sim *halosim.Sim) halosim.RecurringInvoice {
	t.Helper()
	for _, inv := range sim.RecurringInvoices() {
		if !inv.Disabled && len(inv.Lines) > 0 {
			return inv
		}
	}
	t.Fatal("the simulator has no enabled recurring invoice")
	return halosim.RecurringInvoice{}
}

// lineOf finds a line of any recurring invoice of the simulator.
func lineOf(sim *halosim.Sim, id int) (halosim.InvoiceLine, bool) {
	for _, inv := range sim.RecurringInvoices() {
		for _, l := range inv.Lines {
			if l.ID == id {
				return l, true
			}
		}
	}
	return halosim.InvoiceLine{}, false
}
