package billing_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"halobridge/internal/billing"
	"halobridge/internal/source"
)

// TestTwelveMonths bills two partners from March 2026 to February 2027, one
// run on the 2nd of each following month, HaloPSA generating the invoices on
// the 1st except on 1 September and 1 February.
//
// North (create mode, period in names) bills GravityZone: reseller R, whose
// figures include its companies Acme and Beta, is mapped to Northwind Group;
// Acme is mapped to its own client, Beta is not (it is billed with R). Acme
// uses MSP Secure every month (and the endpoint counter, which the package
// basis never bills), EDR from May to August and again in February. June's
// usage cannot be fetched on 2 July; the item Endpoint Security is renamed in
// October; the partner adds a line of their own to Acme's invoice in
// November and deletes Acme's idle EDR line in December.
//
// South (append mode, no period in names) bills DefensX: two customers of
// Delta Inc. The client has no recurring invoice until the partner creates
// one in June (with a line of their own); the partner deletes halobridge's
// line in August and disables the invoice for October.
//
// Every quantity and name below was worked out by hand from those rules.
func TestTwelveMonths(t *testing.T) {
	t.Parallel()

	mar, apr, may, jun := month(2026, time.March), month(2026, time.April), month(2026, time.May), month(2026, time.June)
	jul, aug, sep, oct := month(2026, time.July), month(2026, time.August), month(2026, time.September), month(2026, time.October)
	nov, dec, jan, feb := month(2026, time.November), month(2026, time.December), month(2027, time.January), month(2027, time.February)

	h := newHalo()
	group, acme, delta := billing.Client{ID: 10, Name: "Northwind Group"}, billing.Client{ID: 11, Name: "Acme Ltd"}, billing.Client{ID: 20, Name: "Delta Inc"}
	const groupInvoice, acmeInvoice, deltaInvoice = -100, -101, -200 // the first two created by halobridge in that order

	northItems := map[int]billing.Item{501: {ID: 501, Name: "Endpoint Security"}, 502: {ID: 502, Name: "EDR"}}
	north := billing.Policy{Mode: billing.ModeCreate, IncludePeriodInName: true, Products: map[string]billing.ProductRule{
		"mspSecureMonthlyUsage": {ItemID: 501}, "edrMonthlyUsage": {ItemID: 502},
	}}
	northMappings := []billing.Mapping{
		{Source: source.GravityZone, CustomerID: "R", ClientID: group.ID, Billing: true},
		{Source: source.GravityZone, CustomerID: "A", ClientID: acme.ID, Billing: true},
	}
	customers := []source.Customer{{ID: "R", Name: "Reseller", Reseller: true}, {ID: "A", Name: "Acme", ParentID: "R"}, {ID: "B", Name: "Beta", ParentID: "R"}}
	acmeMSP := map[source.Month]float64{mar: 10, apr: 10, may: 12, jun: 12, jul: 12, aug: 13, sep: 13, oct: 13, nov: 14, dec: 14, jan: 15, feb: 15}
	acmeEDR := map[source.Month]float64{may: 3, jun: 3, jul: 3, aug: 3, feb: 2}
	const betaMSP = 5
	gravityZone := func(m source.Month, unavailable bool) billing.Report {
		if unavailable {
			return billing.Report{Source: source.GravityZone, Month: m, Unavailable: "GravityZone answered 503"}
		}
		u := func(c, product string, q float64, includes bool) source.Usage {
			return source.Usage{CustomerID: c, Month: m, Product: product, Quantity: q, IncludesChildren: includes}
		}
		return billing.Report{Source: source.GravityZone, Month: m, Customers: customers, Usage: []source.Usage{
			u("A", "mspSecureMonthlyUsage", acmeMSP[m], false), u("A", "endpointMonthlyUsage", acmeMSP[m], false), u("A", "edrMonthlyUsage", acmeEDR[m], false),
			u("B", "mspSecureMonthlyUsage", betaMSP, false), u("B", "endpointMonthlyUsage", betaMSP, false),
			u("R", "mspSecureMonthlyUsage", acmeMSP[m]+betaMSP, true), u("R", "endpointMonthlyUsage", acmeMSP[m]+betaMSP, true),
			u("R", "edrMonthlyUsage", acmeEDR[m], true),
		}}
	}

	southItems := map[int]billing.Item{601: {ID: 601, Name: "DefensX Web Security"}}
	south := billing.Policy{Mode: billing.ModeAppend, Products: map[string]billing.ProductRule{"DX-WEB": {ItemID: 601}}}
	southMappings := []billing.Mapping{
		{Source: source.DefensX, CustomerID: "D1", ClientID: delta.ID, Billing: true},
		{Source: source.DefensX, CustomerID: "D2", ClientID: delta.ID, Billing: true},
	}
	d1 := map[source.Month]float64{mar: 20, apr: 20, may: 20, jun: 22, jul: 22, aug: 22, sep: 22, oct: 22, nov: 22, dec: 22, jan: 25, feb: 25}
	defensX := func(m source.Month) billing.Report {
		return billing.Report{Source: source.DefensX, Month: m, Usage: []source.Usage{
			{CustomerID: "D1", Month: m, Product: "DX-WEB", Quantity: d1[m]},
			{CustomerID: "D2", Month: m, Product: "DX-WEB", Quantity: 2},
		}}
	}
	managedServices := []byte(`{"id": 9001,  "ihid": -200, "_itemid": 700, "item_shortdescription": "Managed Services", "qty_order": 1.0, "unit_price": 450.00}`)
	onboarding := []byte(`{"id":9002,"ihid":-101,"_itemid":900,"item_shortdescription":"Onboarding & setup","qty_order":1,"unit_price":99}`)

	type line struct {
		Name string
		Qty  float64
	}
	type F = billing.FindingKind
	steps := []struct {
		usage    source.Month
		generate bool // on the 1st of the month after usage, before the run
		before   func(t *testing.T)
		after    func(t *testing.T) // after the generation
		gzDown   bool               // GravityZone cannot give this month's usage during the run
		group    []line
		acme     []line
		delta    []line
		findings map[int][]F
	}{
		{
			usage: mar, generate: true,
			group:    []line{{"Endpoint Security (Mar 2026)", 5}},
			acme:     []line{{"Endpoint Security (Mar 2026)", 10}},
			findings: map[int][]F{delta.ID: {billing.FindingInvoiceMissing}},
		},
		{
			usage: apr, generate: true,
			group:    []line{{"Endpoint Security (Apr 2026)", 5}},
			acme:     []line{{"Endpoint Security (Apr 2026)", 10}},
			findings: map[int][]F{delta.ID: {billing.FindingInvoiceMissing}},
		},
		{
			usage: may, generate: true,
			after: func(t *testing.T) {
				var ms billing.Line
				if err := ms.UnmarshalJSON(managedServices); err != nil {
					t.Fatal(err)
				}
				h.create(billing.Invoice{ID: deltaInvoice, ClientID: delta.ID, Monthly: true, Reference: "Monthly Billing", Lines: []billing.Line{ms}})
			},
			group: []line{{"Endpoint Security (May 2026)", 5}},
			acme:  []line{{"Endpoint Security (May 2026)", 12}, {"EDR (May 2026)", 3}},
			delta: []line{{"Managed Services", 1}, {"DefensX Web Security", 66}},
		},
		{
			usage: jun, generate: true, gzDown: true,
			group:    []line{{"Endpoint Security", 0}},
			acme:     []line{{"Endpoint Security", 0}, {"EDR", 0}},
			delta:    []line{{"Managed Services", 1}, {"DefensX Web Security", 24}},
			findings: map[int][]F{group.ID: {billing.FindingUsageUnavailable}, acme.ID: {billing.FindingUsageUnavailable}},
		},
		{
			usage: jul, generate: true,
			after:    func(*testing.T) { h.partnerDeletes(deltaInvoice, 601) },
			group:    []line{{"Endpoint Security (Jun–Jul 2026)", 10}},
			acme:     []line{{"Endpoint Security (Jun–Jul 2026)", 24}, {"EDR (Jun–Jul 2026)", 6}},
			delta:    []line{{"Managed Services", 1}, {"DefensX Web Security", 24}},
			findings: map[int][]F{delta.ID: {billing.FindingLineDeleted}},
		},
		{
			usage: aug, generate: false,
			group: []line{{"Endpoint Security (Jun–Aug 2026)", 15}},
			acme:  []line{{"Endpoint Security (Jun–Aug 2026)", 37}, {"EDR (Jun–Aug 2026)", 9}},
			delta: []line{{"Managed Services", 1}, {"DefensX Web Security", 48}},
		},
		{
			usage: sep, generate: true,
			before: func(*testing.T) {
				h.invoices[deltaInvoice].Disabled = true
				northItems[501] = billing.Item{ID: 501, Name: "GravityZone Endpoint Security"}
			},
			group:    []line{{"GravityZone Endpoint Security (Sep 2026)", 5}},
			acme:     []line{{"GravityZone Endpoint Security (Sep 2026)", 13}, {"EDR (Sep 2026)", 0}},
			delta:    []line{{"Managed Services", 1}, {"DefensX Web Security", 48}},
			findings: map[int][]F{delta.ID: {billing.FindingInvoiceDisabled}},
		},
		{
			usage: oct, generate: true,
			before: func(t *testing.T) {
				h.invoices[deltaInvoice].Disabled = false
				h.partnerAdds(t, acmeInvoice, string(onboarding))
			},
			group: []line{{"GravityZone Endpoint Security (Oct 2026)", 5}},
			acme:  []line{{"GravityZone Endpoint Security (Oct 2026)", 13}, {"EDR (Oct 2026)", 0}, {"Onboarding & setup", 1}},
			delta: []line{{"Managed Services", 1}, {"DefensX Web Security", 48}},
		},
		{
			usage: nov, generate: true,
			after: func(*testing.T) { h.partnerDeletes(acmeInvoice, 502) },
			group: []line{{"GravityZone Endpoint Security (Nov 2026)", 5}},
			acme:  []line{{"GravityZone Endpoint Security (Nov 2026)", 14}, {"Onboarding & setup", 1}},
			delta: []line{{"Managed Services", 1}, {"DefensX Web Security", 24}},
		},
		{
			usage: dec, generate: true,
			group: []line{{"GravityZone Endpoint Security (Dec 2026)", 5}},
			acme:  []line{{"GravityZone Endpoint Security (Dec 2026)", 14}, {"Onboarding & setup", 1}},
			delta: []line{{"Managed Services", 1}, {"DefensX Web Security", 24}},
		},
		{
			usage: jan, generate: false,
			group: []line{{"GravityZone Endpoint Security (Dec 2026–Jan 2027)", 10}},
			acme:  []line{{"GravityZone Endpoint Security (Dec 2026–Jan 2027)", 29}, {"Onboarding & setup", 1}},
			delta: []line{{"Managed Services", 1}, {"DefensX Web Security", 51}},
		},
		{
			usage: feb, generate: true,
			group: []line{{"GravityZone Endpoint Security (Feb 2027)", 5}},
			acme:  []line{{"GravityZone Endpoint Security (Feb 2027)", 15}, {"Onboarding & setup", 1}, {"EDR (Feb 2027)", 2}},
			delta: []line{{"Managed Services", 1}, {"DefensX Web Security", 27}},
		},
	}

	ledgers := map[int]billing.Ledger{group.ID: {ClientID: group.ID}, acme.ID: {ClientID: acme.ID}, delta.ID: {ClientID: delta.ID}}
	held := func(invoiceID int) []line {
		if _, ok := h.invoices[invoiceID]; !ok {
			return nil
		}
		var out []line
		for _, l := range h.get(invoiceID).Lines {
			out = append(out, line{l.Name, l.Quantity})
		}
		return out
	}
	for _, s := range steps {
		if s.before != nil {
			s.before(t)
		}
		if s.generate {
			h.generate(s.usage.Next().Start())
		}
		if s.after != nil {
			s.after(t)
		}

		var northReports, southReports []billing.Report
		for m := mar; !s.usage.Before(m); m = m.Next() {
			northReports = append(northReports, gravityZone(m, s.gzDown && m == s.usage))
			southReports = append(southReports, defensX(m))
		}
		northQ, qf := billing.Quantities(northReports, northMappings, north)
		southQ, sf := billing.Quantities(southReports, southMappings, south)
		if len(qf)+len(sf) > 0 {
			t.Fatalf("%s: unexpected quantity findings %+v %+v", s.usage, qf, sf)
		}

		got := map[int][]F{}
		for _, c := range []struct {
			client   billing.Client
			q        billing.ClientQuantities
			items    map[int]billing.Item
			policy   billing.Policy
			invoice  int
			wantHeld []line
		}{
			{group, northQ[group.ID], northItems, north, groupInvoice, s.group},
			{acme, northQ[acme.ID], northItems, north, acmeInvoice, s.acme},
			{delta, southQ[delta.ID], southItems, south, deltaInvoice, s.delta},
		} {
			plan, led := h.bill(t, c.client, s.usage, ledgers[c.client.ID], c.q, c.items, c.policy, 0)
			ledgers[c.client.ID] = led
			for _, f := range plan.Findings {
				got[c.client.ID] = append(got[c.client.ID], f.Kind)
			}
			if diff := cmp.Diff(c.wantHeld, held(c.invoice)); diff != "" {
				t.Errorf("%s, %s: lines HaloPSA holds (-want +got):\n%s", s.usage, c.client.Name, diff)
			}
		}
		want := s.findings
		if want == nil {
			want = map[int][]F{}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: findings by client (-want +got):\n%s", s.usage, diff)
		}
		for _, foreign := range []struct {
			invoice int
			raw     []byte
			from    source.Month
		}{{deltaInvoice, managedServices, may}, {acmeInvoice, onboarding, oct}} {
			if s.usage.Before(foreign.from) {
				continue
			}
			if raw := h.raw(foreign.invoice, foreign.raw); !bytes.Equal(raw, foreign.raw) {
				t.Errorf("%s: the partner's line on invoice %d changed: %s", s.usage, foreign.invoice, raw)
			}
		}
	}

	// Over the year every month was billed once: what the invoices generated
	// plus what the lines hold now for February equals the year's usage.
	billed := map[int]map[int]float64{
		groupInvoice: {501: h.billed[groupInvoice][501]},
		acmeInvoice:  {501: h.billed[acmeInvoice][501], 502: h.billed[acmeInvoice][502]},
		deltaInvoice: {601: h.billed[deltaInvoice][601]},
	}
	wantBilled := map[int]map[int]float64{
		groupInvoice: {501: 55},           // 12 × 5, less February's 5 still on the line
		acmeInvoice:  {501: 138, 502: 12}, // 153 less February's 15; EDR 12 less February's 2
		deltaInvoice: {601: 261},          // 288 less February's 27
	}
	if diff := cmp.Diff(wantBilled, billed); diff != "" {
		t.Errorf("quantities billed by generated invoices (-want +got):\n%s", diff)
	}
	wantLedger := billing.Ledger{ClientID: delta.ID, InvoiceID: deltaInvoice, Through: feb, Lines: []billing.Entry{{
		ItemID: 601, LineID: h.get(deltaInvoice).Lines[1].ID, Name: "DefensX Web Security", Quantity: 27,
		Months: []billing.MonthQuantity{{Month: feb, Quantity: 27}}, LastCreated: day(2027, time.March, 1),
	}}, Written: []billing.WrittenMonth{
		// Corrections are looked for in the three months before February
		// and in February, which the line still carries.
		{Month: nov, Billed: map[int]float64{601: 24}}, {Month: dec, Billed: map[int]float64{601: 24}},
		{Month: jan, Billed: map[int]float64{601: 27}}, {Month: feb},
	}, Compared: feb}
	if diff := cmp.Diff(wantLedger, ledgers[delta.ID], cmpopts.IgnoreFields(billing.WrittenMonth{}, "Rules")); diff != "" {
		t.Errorf("Delta's ledger after a year (-want +got):\n%s", diff)
	}
}
