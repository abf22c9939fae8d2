// Package ref names the HaloPSA records a partner's configuration refers
// to (the ticket policy's ticket type and statuses, the billing policy's
// items) and how billing writes invoices, so that the catalog sync can
// check them without importing ticketing or billing, and they without
// importing the sync.
package ref
