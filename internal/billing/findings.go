package billing

import "halobridge/internal/source"

// FindingKind names a problem that needs a person; the lead turns findings
// into integration events.
type FindingKind string

const (
	FindingUsageUnavailable  FindingKind = "usage_unavailable"
	FindingUsageInconsistent FindingKind = "usage_inconsistent"
	FindingProductUnmapped   FindingKind = "product_unmapped"
	FindingItemDeleted       FindingKind = "item_deleted"
	FindingInvoiceMissing    FindingKind = "invoice_missing"
	FindingInvoiceAmbiguous  FindingKind = "invoice_ambiguous"
	FindingInvoiceDisabled   FindingKind = "invoice_disabled"
	FindingInvoiceChanged    FindingKind = "invoice_changed"
	FindingLineDeleted       FindingKind = "line_deleted"
	FindingCreditCarried     FindingKind = "credit_carried"
)

// Finding is one problem, with what it concerns and a message saying what
// happened and what to do.
type Finding struct {
	Kind       FindingKind    `json:"kind"`
	ClientID   int            `json:"client_id,omitempty"`
	InvoiceID  int            `json:"invoice_id,omitempty"`
	ItemID     int            `json:"item_id,omitempty"`
	LineID     int            `json:"line_id,omitempty"`
	Source     source.Kind    `json:"source,omitempty"`
	CustomerID string         `json:"customer_id,omitempty"`
	Product    string         `json:"product,omitempty"`
	Months     []source.Month `json:"months,omitempty"`
	Message    string         `json:"message"`
}
