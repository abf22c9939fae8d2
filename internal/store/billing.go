package store

// BillingStore keeps billing policies, the billing ledger and billing runs.
type BillingStore interface {
}
