package halo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"strings"
)

// RecurringInvoice is a recurring invoice template (Halo's "InvoiceHeader"). Real ids are
// negative. The list read leaves Lines empty; RecurringInvoice(id) fills them.
type RecurringInvoice struct {
	ID                 int           `json:"id,omitempty"`
	ClientID           int           `json:"client_id,omitempty"`
	ClientName         string        `json:"client_name,omitempty"`
	Disabled           bool          `json:"disabled,omitempty"`
	Reference          string        `json:"reference,omitempty"`
	Notes1             string        `json:"notes_1,omitempty"`
	ContractID         int           `json:"contract_id,omitempty"`
	Currency           string        `json:"currency,omitempty"`
	IsRecurringInvoice bool          `json:"is_recurring_invoice,omitempty"`
	ScheduleID         int           `json:"schedule_id,omitempty"`
	Period             int           `json:"period,omitempty"`
	InvoiceDate        string        `json:"invoice_date,omitempty"`
	LastCreated        string        `json:"lastcreated,omitempty"`
	NextCreationDate   string        `json:"nextcreationdate,omitempty"`
	Lines              []InvoiceLine `json:"lines,omitempty"`
	// ValidateOnly asks Halo to check the invoice without saving it.
	ValidateOnly bool `json:"_validateonly,omitempty"`
}

// InvoiceLine is one line of a recurring invoice (Halo's "InvoiceDetail"). Halo replaces a
// line with what is posted, so a line goes back with every field it was read with: Raw keeps
// the line as Halo sent it, and the named fields are written over it.
type InvoiceLine struct {
	ID               int     `json:"id,omitempty"`
	IHID             int     `json:"ihid,omitempty"`
	ItemID           int     `json:"_itemid,omitempty"`
	ItemCode         string  `json:"item_code,omitempty"`
	ShortDescription string  `json:"item_shortdescription,omitempty"`
	LongDescription  string  `json:"item_longdescription,omitempty"`
	NominalCode      string  `json:"nominal_code,omitempty"`
	TaxCode          string  `json:"tax_code,omitempty"`
	Quantity         float64 `json:"qty_order"`
	UnitPrice        float64 `json:"unit_price,omitempty"`
	UnitCost         float64 `json:"unit_cost,omitempty"`
	NetAmount        float64 `json:"net_amount,omitempty"`
	TaxAmount        float64 `json:"tax_amount,omitempty"`
	TaxRate          float64 `json:"tax_rate,omitempty"`
	IsInactive       bool    `json:"isinactive,omitempty"`
	StartDate        string  `json:"startdate,omitempty"`
	EndDate          string  `json:"enddate,omitempty"`
	SequenceID       int     `json:"sequenceid,omitempty"`
	ContractID       int     `json:"contract_id,omitempty"`
	AssetID          int     `json:"asset_id,omitempty"`
	// Raw is the line as Halo sent it, every field included; nil for a new line.
	Raw map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON keeps every field Halo sent in Raw.
func (l *InvoiceLine) UnmarshalJSON(b []byte) error {
	type plain InvoiceLine
	var p plain
	if err := decodeLenient(b, &p); err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*l = InvoiceLine(p)
	l.Raw = raw
	return nil
}

// MarshalJSON writes Raw with the named fields over it.
func (l InvoiceLine) MarshalJSON() ([]byte, error) {
	type plain InvoiceLine
	return overlayFields(plain(l), l.Raw)
}

// overlayFields encodes the json-tagged fields of the struct v over raw. A field is written
// when it is set, when its tag has no omitempty, or when raw had it: a field read as 0 or
// false must go back as such rather than vanish. A field whose value is what raw held goes
// back with raw's own bytes, so what was not changed is returned exactly as Halo sent it
// (a null stays null, 1.0 stays 1.0).
func overlayFields(v any, raw map[string]json.RawMessage) ([]byte, error) {
	out := maps.Clone(raw)
	if out == nil {
		out = map[string]json.RawMessage{}
	}
	rv := reflect.ValueOf(v)
	rt := rv.Type()
	for i := range rt.NumField() {
		name, opts, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		field := rv.Field(i)
		had, ok := raw[name]
		if !ok && opts == "omitempty" && field.IsZero() {
			continue
		}
		if ok && unchanged(had, field) {
			continue
		}
		b, err := json.Marshal(field.Interface())
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", name, err)
		}
		out[name] = b
	}
	// HaloPSA's empty date is its sentinel 1899-12-30T00:00:00; "" is no date-time at all
	// and is never sent back, whatever an answer held.
	for name, v := range out {
		if isDateField(name) && string(bytes.TrimSpace(v)) == `""` {
			delete(out, name)
		}
	}
	return json.Marshal(out)
}

// isDateField reports whether a HaloPSA record field holds a date-time, by its name
// (startdate, enddate, lastcreated, nextcreationdate, schedule_date, prorata_startdate...).
func isDateField(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "date") || n == "lastcreated"
}

// unchanged reports whether field still holds what the raw JSON value decodes to.
func unchanged(raw json.RawMessage, field reflect.Value) bool {
	was := reflect.New(field.Type())
	if err := json.Unmarshal(raw, was.Interface()); err != nil {
		return false
	}
	return reflect.DeepEqual(was.Elem().Interface(), field.Interface())
}

// RecurringInvoiceQuery filters RecurringInvoices; zero fields do not filter.
type RecurringInvoiceQuery struct {
	ClientID int
}

// RecurringInvoices returns the recurring invoices matching q, without their lines.
func (c *Client) RecurringInvoices(ctx context.Context, q RecurringInvoiceQuery) ([]RecurringInvoice, error) {
	query := url.Values{}
	setID(query, "client_id", q.ClientID)
	return readAll[RecurringInvoice](ctx, c, list{template: "/RecurringInvoice", key: "invoices", query: query, pageSize: pageSizeUncapped})
}

// RecurringInvoice returns one recurring invoice with its lines.
func (c *Client) RecurringInvoice(ctx context.Context, id int) (RecurringInvoice, error) {
	var out RecurringInvoice
	err := c.getJSON(ctx, "/RecurringInvoice/{id}", idPath("RecurringInvoice", id), nil, &out)
	return out, err
}

// SaveRecurringInvoice creates (no id) or updates the recurring invoice with its non-zero
// fields. Lines, when given, are posted in full: send every line the invoice keeps.
func (c *Client) SaveRecurringInvoice(ctx context.Context, inv RecurringInvoice) (RecurringInvoice, error) {
	return postOne(ctx, c, "/RecurringInvoice", inv)
}

// SaveRecurringInvoiceLines posts [{id, lines}], the way lines are updated in practice: each
// line as a full object (read ones keep every field), and every line the invoice keeps.
func (c *Client) SaveRecurringInvoiceLines(ctx context.Context, invoiceID int, lines []InvoiceLine) (RecurringInvoice, error) {
	if invoiceID == 0 {
		return RecurringInvoice{}, errors.New("save recurring invoice lines: the invoice id is required")
	}
	return postOne(ctx, c, "/RecurringInvoice", RecurringInvoice{ID: invoiceID, Lines: lines})
}

// AddRecurringInvoiceLines appends lines to recurring invoices; each line names its invoice
// in IHID.
func (c *Client) AddRecurringInvoiceLines(ctx context.Context, lines []InvoiceLine) ([]InvoiceLine, error) {
	for _, l := range lines {
		if l.IHID == 0 {
			return nil, errors.New("add recurring invoice lines: every line needs its invoice id (ihid)")
		}
	}
	return post(ctx, c, "/RecurringInvoice/Lines", lines)
}
