package billing_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/billing"
	"halobridge/internal/source"
)

// halo stands in for HaloPSA's recurring invoices in these tests: it replaces
// an invoice's lines with the set it is sent, creating the lines sent without
// an id, and it generates invoices, adding up what each generation billed.
type halo struct {
	invoices    map[int]*billing.Invoice
	nextLine    int
	nextInvoice int
	billed      map[int]map[int]float64 // invoice → item → quantity
}

func newHalo() *halo {
	return &halo{invoices: map[int]*billing.Invoice{}, nextLine: 1000, nextInvoice: -100, billed: map[int]map[int]float64{}}
}

// create adds an invoice the way a partner does in HaloPSA.
func (h *halo) create(inv billing.Invoice) {
	h.invoices[inv.ID] = &inv
}

func (h *halo) get(id int) billing.Invoice {
	inv := *h.invoices[id]
	inv.Lines = slices.Clone(inv.Lines)
	return inv
}

func (h *halo) list() []billing.Invoice {
	var out []billing.Invoice
	for id := range h.invoices {
		out = append(out, h.get(id))
	}
	slices.SortFunc(out, func(a, b billing.Invoice) int { return b.ID - a.ID })
	return out
}

// apply sends a plan's lines and returns the invoice they are on (0 when
// nothing was sent to a new invoice).
func (h *halo) apply(t *testing.T, p billing.Plan, reference string) int {
	t.Helper()
	if !p.Changed() {
		return p.InvoiceID
	}
	id := p.InvoiceID
	if id == 0 {
		id = h.nextInvoice
		h.nextInvoice--
		h.invoices[id] = &billing.Invoice{ID: id, ClientID: p.ClientID, Reference: reference, Monthly: true}
	}
	inv := h.invoices[id]
	var lines []billing.Line
	for _, l := range p.Lines {
		raw := l.Raw
		if l.ID == 0 {
			var obj map[string]any
			if err := json.Unmarshal(l.Raw, &obj); err != nil {
				t.Fatalf("line to add is not a JSON object: %s", l.Raw)
			}
			obj["id"], obj["ihid"] = h.nextLine, id
			h.nextLine++
			raw, _ = json.Marshal(obj)
		} else if !slices.ContainsFunc(inv.Lines, func(x billing.Line) bool { return x.ID == l.ID }) {
			t.Fatalf("plan sends line %d, which invoice %d does not hold", l.ID, id)
		}
		var saved billing.Line
		if err := json.Unmarshal(raw, &saved); err != nil {
			t.Fatalf("line %s: %v", raw, err)
		}
		lines = append(lines, saved)
	}
	inv.Lines = lines
	return id
}

// generate creates an invoice from every enabled recurring invoice at t.
func (h *halo) generate(at time.Time) {
	for id, inv := range h.invoices {
		if inv.Disabled {
			continue
		}
		inv.LastCreated = at
		if h.billed[id] == nil {
			h.billed[id] = map[int]float64{}
		}
		for _, l := range inv.Lines {
			h.billed[id][l.ItemID] += l.Quantity
		}
	}
}

// raw is the line of an invoice with the id of the line written as like.
func (h *halo) raw(invoiceID int, like []byte) []byte {
	var want billing.Line
	if err := json.Unmarshal(like, &want); err != nil {
		return nil
	}
	for _, l := range h.invoices[invoiceID].Lines {
		if l.ID == want.ID {
			return l.Raw
		}
	}
	return nil
}

// partnerDeletes removes the lines of an item from an invoice.
func (h *halo) partnerDeletes(invoiceID, itemID int) {
	inv := h.invoices[invoiceID]
	inv.Lines = slices.DeleteFunc(inv.Lines, func(l billing.Line) bool { return l.ItemID == itemID })
}

// partnerAdds adds a line written as raw JSON.
func (h *halo) partnerAdds(t *testing.T, invoiceID int, raw string) {
	t.Helper()
	var l billing.Line
	if err := json.Unmarshal([]byte(raw), &l); err != nil {
		t.Fatal(err)
	}
	h.invoices[invoiceID].Lines = append(h.invoices[invoiceID].Lines, l)
}

// bill is one billing run for a client as the lead will write it: choose the
// invoice, plan, send, then plan again against what HaloPSA holds. On the way
// it checks what must hold for every run: planning is deterministic (the dry
// run is the real run), lines halobridge does not own go back byte for byte,
// the dry run's rows are exactly the lines HaloPSA holds afterwards, and the
// second plan changes nothing. It returns the first plan and the ledger to
// persist.
func (h *halo) bill(t *testing.T, client billing.Client, m source.Month, led billing.Ledger, q billing.ClientQuantities,
	items map[int]billing.Item, p billing.Policy, chosen int) (billing.Plan, billing.Ledger) {
	t.Helper()
	choice := billing.ChooseInvoice(p, client, h.list(), led, chosen)
	in := billing.PlanInput{Month: m, Invoice: billing.Invoice{ClientID: client.ID}, Ledger: led, Quantities: q, Items: items, Policy: p, Findings: choice.Findings}
	if choice.InvoiceID != 0 {
		in.Invoice = h.get(choice.InvoiceID)
	}
	plan, err := billing.PlanInvoice(in)
	if err != nil {
		t.Fatalf("%s: PlanInvoice: %v", m, err)
	}
	again, err := billing.PlanInvoice(in)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(plan, again); diff != "" {
		t.Fatalf("%s: planning the same input twice differs (-first +second):\n%s", m, diff)
	}
	for i, c := range plan.Changes {
		if c.Owned {
			continue
		}
		j := slices.IndexFunc(in.Invoice.Lines, func(l billing.Line) bool { return l.ID == c.LineID })
		if c.Kind != billing.ChangeLeave || j < 0 || !bytes.Equal(plan.Lines[i].Raw, in.Invoice.Lines[j].Raw) {
			t.Fatalf("%s: line %d, not halobridge's, is not sent back as it came:\n got %s\nwant %s", m, c.LineID, plan.Lines[i].Raw, in.Invoice.Lines[j].Raw)
		}
	}
	rows := billing.Reconcile(plan)

	id := h.apply(t, plan, choice.Reference)
	if id == 0 || in.Invoice.Disabled {
		return plan, plan.Ledger
	}
	held := h.get(id)
	type line struct {
		Name string
		Qty  float64
	}
	var predicted, got []line
	for _, r := range rows {
		if r.Finding == "" {
			predicted = append(predicted, line{r.Name, r.Quantity})
		}
	}
	for _, l := range held.Lines {
		got = append(got, line{l.Name, l.Quantity})
	}
	if diff := cmp.Diff(predicted, got); diff != "" {
		t.Fatalf("%s: the dry run did not predict the lines HaloPSA holds (-predicted +held):\n%s", m, diff)
	}

	in.Invoice, in.Ledger = held, plan.Ledger
	replan, err := billing.PlanInvoice(in)
	if err != nil {
		t.Fatal(err)
	}
	if replan.Changed() {
		t.Fatalf("%s: running the same month again changes lines: %+v", m, replan.Changes)
	}
	if len(replan.Corrections) > 0 {
		t.Fatalf("%s: running the same month again finds corrections again: %+v", m, replan.Corrections)
	}
	for _, e := range replan.Ledger.Lines {
		if e.LineID == 0 {
			t.Fatalf("%s: after planning against HaloPSA's invoice, the ledger still does not know the line of item %d", m, e.ItemID)
		}
	}
	return plan, replan.Ledger
}
