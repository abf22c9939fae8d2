// Package run bills partners' usage on their HaloPSA recurring invoices: it
// keeps each partner's billing policy, offers HaloPSA items for products
// that have none, and runs billing for a month, for real or as a dry run
// that says per client what would change and why. The decisions are
// internal/billing's; this package fetches what they need (usage from the
// sources, items and invoices from HaloPSA, ledgers from the store), sends
// the lines, persists the ledgers in the order that makes a crash safe, and
// turns what needs a person into integration events.
//
// A run for one client persists the plan's ledger before it sends the
// lines, then reads the invoice back, plans again against it and persists
// that ledger, which knows the new lines' ids: running a month twice
// changes nothing the second time, and a run stopped at any point resumes
// without counting anything twice. The durable worker and the daily check
// that bills the due month on the policy's bill day sit on top of Run.
//
// Every run reads again, from the sources themselves, the usage of the
// months each client's ledger compares for corrections (billing.Ledger.Reads),
// so a figure a vendor corrected after it was billed is found whatever the
// source; a real run records each correction in the billing history in the
// same transaction as the ledger that applies it.
package run
