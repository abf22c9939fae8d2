package halosim

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Invoice is an invoice HaloPSA generated from a recurring invoice (SW InvoiceHeader, read
// through /Invoice): what the customer receives, with the recurring invoice's active lines
// as they stood when it was generated.
type Invoice struct {
	ID                 int           `json:"id"`
	ClientID           int           `json:"client_id"`
	ClientName         string        `json:"client_name"`
	InvoiceNumber      string        `json:"invoicenumber"`
	InvoiceDate        string        `json:"invoice_date"`
	DueDate            string        `json:"duedate"`
	Posted             bool          `json:"posted"`
	RecurringInvoiceID int           `json:"recurring_invoice_id"`
	IsRecurringInvoice bool          `json:"is_recurring_invoice"`
	PeriodStartDate    string        `json:"period_start_date"`
	PeriodEndDate      string        `json:"period_end_date"`
	Currency           string        `json:"currency"`
	Reference          string        `json:"reference"`
	Total              float64       `json:"total"`
	TaxTotal           float64       `json:"tax_total"`
	Lines              []InvoiceLine `json:"lines,omitzero"`
}

// processInvoices serves POST /api/RecurringInvoice/process: the body is an array of
// recurring invoice ids, each generated now as HaloPSA's scheduler would. A disabled or
// unknown recurring invoice is refused and nothing is generated.
func (s *Sim) processInvoices(c *call, body []byte) reply {
	if rep, ok := checkJSONContentType(c.r); !ok {
		return rep
	}
	var ids []int
	if err := json.Unmarshal(body, &ids); err != nil {
		return badRequest("The request body must be a JSON array of recurring invoice ids")
	}
	for _, id := range ids {
		inv, ok := s.db.invoices[id]
		if !ok {
			return badRequest("Recurring invoice %d does not exist", id)
		}
		if inv.Disabled {
			return badRequest("Recurring invoice %d is disabled", id)
		}
	}
	var out []Invoice
	for _, id := range ids {
		out = append(out, s.generate(id, s.now()))
	}
	return saved(out)
}

// generate makes an invoice of recurring invoice id at at, covering the month from at, and
// moves its schedule on a month; the store lock is held.
func (s *Sim) generate(id int, at time.Time) Invoice {
	rec := s.db.invoices[id]
	inv := Invoice{
		ID: s.db.nextID("generatedinvoice"), ClientID: rec.ClientID, ClientName: s.db.clients[rec.ClientID].Name,
		InvoiceDate: haloTime(at), DueDate: haloTime(at.AddDate(0, 0, 30)), RecurringInvoiceID: rec.ID,
		PeriodStartDate: haloTime(at), PeriodEndDate: haloTime(at.AddDate(0, 1, 0).Add(-time.Second)),
		Currency: rec.Currency, Reference: rec.Reference,
	}
	inv.InvoiceNumber = "INV-" + strconv.Itoa(inv.ID)
	for _, l := range rec.Lines {
		if l.IsInactive {
			continue
		}
		l.ID = s.db.nextID("generatedline")
		l.IHID = inv.ID
		inv.Lines = append(inv.Lines, l)
		inv.Total += l.NetAmount + l.TaxAmount
		inv.TaxTotal += l.TaxAmount
	}
	inv.Total, inv.TaxTotal = round2(inv.Total), round2(inv.TaxTotal)
	s.db.generated[inv.ID] = inv
	rec.LastCreated = haloTime(at)
	rec.NextCreationDate = haloTime(at.AddDate(0, 1, 0))
	s.db.invoices[id] = rec
	return inv
}

// listGenerated serves GET /api/Invoice: the invoices generated, by client or recurring
// invoice, lines on request.
func (s *Sim) listGenerated(c *call) reply {
	clientID, byClient := c.q.int("client_id")
	recurringID, byRecurring := c.q.int("recurringinvoice_id")
	withLines := c.q.flag("includelines", false)
	rows := filter(sortedValues(s.db.generated), func(inv Invoice) bool {
		return (!byClient || inv.ClientID == clientID) && (!byRecurring || inv.RecurringInvoiceID == recurringID)
	})
	for i := range rows {
		if withLines {
			rows[i].Lines = nonNil(slices.Clone(rows[i].Lines))
		} else {
			rows[i].Lines = nil
		}
	}
	return wrapped(c.q, "invoices", rows, s.pageCap(false))
}

// getGenerated serves GET /api/Invoice/{id}, with its lines.
func (s *Sim) getGenerated(_ *call, seg string) reply {
	id, _ := parseID(seg)
	inv, ok := s.db.generated[id]
	if !ok {
		return notFound("Invoice", seg)
	}
	inv.Lines = nonNil(slices.Clone(inv.Lines))
	return jsonReply(http.StatusOK, inv)
}

// GeneratedInvoices returns the invoices generated so far, oldest first, with their lines.
func (s *Sim) GeneratedInvoices() []Invoice {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedValues(s.db.generated)
}
