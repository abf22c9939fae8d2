package halosim

import (
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"time"
)

// RecurringInvoice is a recurring invoice template (SW InvoiceHeader). Its ids are negative,
// as on a live instance; lines are listed only on request.
type RecurringInvoice struct {
	ID                 int           `json:"id"`
	Use                string        `json:"use"`
	Disabled           bool          `json:"disabled"`
	ClientID           int           `json:"client_id"`
	ClientName         string        `json:"client_name"`
	SiteNumber         int           `json:"sitenumber"`
	InvoiceNumber      string        `json:"invoicenumber"`
	Posted             bool          `json:"posted"`
	ScheduleDate       string        `json:"schedule_date"`
	Notes1             string        `json:"notes_1"`
	ContractID         int           `json:"contract_id"`
	Currency           string        `json:"currency"`
	Reference          string        `json:"reference"`
	IsRecurringInvoice bool          `json:"is_recurring_invoice"`
	ScheduleID         int           `json:"schedule_id"`
	LastCreated        string        `json:"lastcreated"`
	NextCreationDate   string        `json:"nextcreationdate"`
	Period             int           `json:"period"`
	Total              float64       `json:"total"`
	TaxTotal           float64       `json:"tax_total"`
	CustomFields       []CustomField `json:"customfields"`
	Lines              []InvoiceLine `json:"lines,omitzero"`
}

// InvoiceLine is one line of a recurring invoice (SW InvoiceDetail); ihid is its header's id
// and _itemid the item it bills.
type InvoiceLine struct {
	ID                   int     `json:"id"`
	IHID                 int     `json:"ihid"`
	ItemID               int     `json:"_itemid"`
	ItemCode             string  `json:"item_code"`
	ItemShortDescription string  `json:"item_shortdescription"`
	ItemLongDescription  string  `json:"item_longdescription"`
	NominalCode          string  `json:"nominal_code"`
	TaxCode              string  `json:"tax_code"`
	QtyOrder             float64 `json:"qty_order"`
	UnitPrice            float64 `json:"unit_price"`
	UnitCost             float64 `json:"unit_cost"`
	NetAmount            float64 `json:"net_amount"`
	TaxAmount            float64 `json:"tax_amount"`
	TaxRate              float64 `json:"tax_rate"`
	IsInactive           bool    `json:"isinactive"`
	StartDate            string  `json:"startdate"`
	EndDate              string  `json:"enddate"`
	SequenceID           int     `json:"sequenceid"`
	ContractID           int     `json:"contract_id"`
	AssetID              int     `json:"asset_id"`
}

// monthlyPeriod is the schedule period of the monthly template in the one real sample (§3.14).
const monthlyPeriod = 2

// invoiceView shows a header with derived fields; withLines decides whether lines are listed.
func (s *Sim) invoiceView(inv RecurringInvoice, withLines bool) RecurringInvoice {
	inv.Use = "invoice"
	inv.ClientName = s.db.clients[inv.ClientID].Name
	inv.CustomFields = nonNil(slices.Clone(inv.CustomFields))
	if withLines {
		inv.Lines = nonNil(slices.Clone(inv.Lines))
	} else {
		inv.Lines = nil
	}
	return inv
}

// priced recomputes a line's amounts and its header's totals, and writes an empty date as
// HaloPSA's sentinel, as Halo does on save.
func priced(inv RecurringInvoice) RecurringInvoice {
	inv.Total, inv.TaxTotal = 0, 0
	for i := range inv.Lines {
		inv.Lines[i] = inv.Lines[i].datesKept()
		l := &inv.Lines[i]
		l.IHID = inv.ID
		l.NetAmount = round2(l.QtyOrder * l.UnitPrice)
		l.TaxAmount = round2(l.NetAmount * l.TaxRate / 100)
		inv.Total += l.NetAmount + l.TaxAmount
		inv.TaxTotal += l.TaxAmount
	}
	inv.Total, inv.TaxTotal = round2(inv.Total), round2(inv.TaxTotal)
	return inv
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func (s *Sim) listInvoices(c *call) reply {
	clientID, byClient := c.q.int("client_id")
	clientIDs := c.q.ints("client_ids")
	term := c.q.text("search")
	rows := filter(sortedValues(s.db.invoices), func(inv RecurringInvoice) bool {
		return (!byClient || inv.ClientID == clientID) &&
			(len(clientIDs) == 0 || slices.Contains(clientIDs, inv.ClientID)) &&
			(term == "" || containsFold(inv.Reference, term) || containsFold(inv.Notes1, term) ||
				containsFold(s.db.clients[inv.ClientID].Name, term))
	})
	withLines := c.q.flag("includelines", false)
	views := make([]RecurringInvoice, 0, len(rows))
	for _, inv := range rows {
		views = append(views, s.invoiceView(inv, withLines))
	}
	views, rep, ok := advancedSearch(c.q, views)
	if !ok {
		return rep
	}
	return wrapped(c.q, "invoices", views, s.pageCap(false))
}

func (s *Sim) getInvoice(_ *call, seg string) reply {
	id, _ := parseID(seg)
	inv, ok := s.db.invoices[id]
	if !ok {
		return notFound("RecurringInvoice", seg)
	}
	return jsonReply(http.StatusOK, s.invoiceView(inv, true))
}

// postInvoices creates and updates recurring invoices. On an update, lines[] REPLACES the
// line set with exactly the lines sent (each as a full line: fields left out are emptied),
// keeping the ids of lines that belong to the header; add_lines[] appends lines;
// _validateonly validates without saving.
func (s *Sim) postInvoices(_ *call, objs []object) reply {
	var out []RecurringInvoice
	for _, o := range objs {
		header := object{}
		for k, v := range o {
			if k != "lines" && k != "add_lines" {
				header[k] = v
			}
		}
		id := o.id()
		base := RecurringInvoice{
			IsRecurringInvoice: true, Period: monthlyPeriod, InvoiceNumber: "0", Currency: "£",
			ScheduleDate: emptyDate, LastCreated: emptyDate, NextCreationDate: haloTime(firstOfNextMonth(s.now())),
		}
		if id != 0 {
			existing, ok := s.db.invoices[id]
			if !ok {
				return notFound("RecurringInvoice", id)
			}
			base = existing
		}
		inv, rep, ok := patch(base, header)
		if !ok {
			return rep
		}
		if _, ok := s.db.clients[inv.ClientID]; !ok {
			return badRequest("Please select a valid Client")
		}
		if id == 0 {
			inv.ID, inv.ScheduleID = s.db.nextInvoiceID(), s.db.nextID("schedule")
			inv.Lines = nil
		}
		if o.has("lines") {
			lines, rep, ok := s.replaceLines(inv, o["lines"])
			if !ok {
				return rep
			}
			inv.Lines = lines
		}
		if o.has("add_lines") {
			added, rep, ok := s.newLines(o["add_lines"])
			if !ok {
				return rep
			}
			inv.Lines = append(inv.Lines, added...)
		}
		inv = priced(inv)
		// _validateonly checks the invoice as Halo would and saves nothing.
		if validateOnly, _ := o.boolValue("_validateonly"); validateOnly {
			if id == 0 {
				inv.ID = 0
			}
			out = append(out, s.invoiceView(inv, true))
			continue
		}
		s.db.invoices[inv.ID] = inv
		out = append(out, s.invoiceView(inv, true))
	}
	return saved(out)
}

// replaceLines builds a header's new line set from the lines sent.
func (s *Sim) replaceLines(inv RecurringInvoice, raw json.RawMessage) ([]InvoiceLine, reply, bool) {
	objs, rep, ok := decodeObjects(raw, "InvoiceDetail")
	if !ok {
		return nil, rep, false
	}
	lines := []InvoiceLine{}
	for _, lo := range objs {
		id := lo.id()
		kept := id > 0 && slices.ContainsFunc(inv.Lines, func(old InvoiceLine) bool { return old.ID == id })
		base := newLine()
		if kept {
			base = InvoiceLine{}
		}
		l, rep, ok := patch(base, lo)
		if !ok {
			return nil, rep, false
		}
		if !kept {
			l.ID = s.db.nextID("invoiceline")
		}
		lines = append(lines, l.datesKept())
	}
	return lines, reply{}, true
}

// newLines creates lines from a JSON array of lines.
func (s *Sim) newLines(raw json.RawMessage) ([]InvoiceLine, reply, bool) {
	objs, rep, ok := decodeObjects(raw, "InvoiceDetail")
	if !ok {
		return nil, rep, false
	}
	var lines []InvoiceLine
	for _, lo := range objs {
		l, rep, ok := patch(newLine(), lo)
		if !ok {
			return nil, rep, false
		}
		l.ID = s.db.nextID("invoiceline")
		lines = append(lines, l.datesKept())
	}
	return lines, reply{}, true
}

// newLine is a line before the fields sent are applied: no contract, no asset, no dates.
func newLine() InvoiceLine {
	return InvoiceLine{ContractID: -1, AssetID: -1, StartDate: emptyDate, EndDate: emptyDate}
}

// datesKept writes an empty date sent as "" the way HaloPSA stores it: as emptyDate, the
// date a line without a start or end date holds.
func (l InvoiceLine) datesKept() InvoiceLine {
	if l.StartDate == "" {
		l.StartDate = emptyDate
	}
	if l.EndDate == "" {
		l.EndDate = emptyDate
	}
	return l
}

// postInvoiceLines serves POST /api/RecurringInvoice/Lines: lines added to the header ihid.
func (s *Sim) postInvoiceLines(_ *call, objs []object) reply {
	var out []InvoiceLine
	for _, o := range objs {
		ihid, _ := o.intValue("ihid")
		inv, ok := s.db.invoices[ihid]
		if !ok || ihid == 0 {
			return badRequest("Please select a valid Recurring Invoice (ihid %d does not exist)", ihid)
		}
		raw, _ := json.Marshal([]object{o})
		added, rep, ok := s.newLines(raw)
		if !ok {
			return rep
		}
		inv.Lines = append(inv.Lines, added...)
		inv = priced(inv)
		s.db.invoices[ihid] = inv
		out = append(out, inv.Lines[len(inv.Lines)-1])
	}
	return saved(out)
}

// updateInvoiceLines serves POST /api/RecurringInvoice/updatelines: the fields sent are
// changed on existing lines, found by id.
func (s *Sim) updateInvoiceLines(_ *call, objs []object) reply {
	var out []InvoiceLine
	for _, o := range objs {
		id := o.id()
		inv, idx, ok := s.findLine(id)
		if !ok {
			return notFound("Recurring invoice line", id)
		}
		l, rep, ok := patch(inv.Lines[idx], o)
		if !ok {
			return rep
		}
		l.ID = id
		l = l.datesKept()
		inv.Lines = slices.Clone(inv.Lines)
		inv.Lines[idx] = l
		inv = priced(inv)
		s.db.invoices[inv.ID] = inv
		out = append(out, inv.Lines[idx])
	}
	return saved(out)
}

func (s *Sim) findLine(id int) (RecurringInvoice, int, bool) {
	for _, inv := range s.db.invoices {
		for i, l := range inv.Lines {
			if l.ID == id && id > 0 {
				return inv, i, true
			}
		}
	}
	return RecurringInvoice{}, 0, false
}

func (s *Sim) deleteInvoice(_ *call, seg string) reply {
	id, _ := parseID(seg)
	inv, ok := s.db.invoices[id]
	if !ok {
		return notFound("RecurringInvoice", seg)
	}
	delete(s.db.invoices, id)
	return jsonReply(http.StatusOK, s.invoiceView(inv, true))
}

func firstOfNextMonth(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
}

// RecurringInvoice returns a recurring invoice with its lines.
func (s *Sim) RecurringInvoice(id int) (RecurringInvoice, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.db.invoices[id]
	if !ok {
		return RecurringInvoice{}, false
	}
	return s.invoiceView(inv, true), true
}

// RecurringInvoices returns every recurring invoice with its lines, ordered by id.
func (s *Sim) RecurringInvoices() []RecurringInvoice {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []RecurringInvoice{}
	for _, inv := range sortedValues(s.db.invoices) {
		out = append(out, s.invoiceView(inv, true))
	}
	return out
}
