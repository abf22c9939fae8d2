// Package billing decides what halobridge writes to HaloPSA recurring invoices:
// which quantity each client owes for each product in a month, and the exact
// line changes (add, set quantity, rename, leave) that bring an invoice there
// without touching lines halobridge did not create. Everything here is pure
// data in, data out, so the rules can be tested over many months without a
// network; the code that fetches usage and posts invoices calls it.
//
// A run for one client goes: Quantities (usage → per item per month),
// ChooseInvoice (which invoice, by invoice mode), PlanInvoice (line changes,
// the full line set to send and the ledger after success), then, for a dry
// run, Reconcile on the same plan (rows of halobridge's quantity against HaloPSA's).
//
// The rules, and why:
//
//   - A month is written to a client's invoice whole or not at all, so every
//     line halobridge owns on one invoice covers the same months. A month that
//     cannot be written (usage not fetched, a product without item, an item
//     deleted, the invoice missing or disabled) is carried to a later run and
//     reported, never dropped.
//   - A month's quantity is written once. While the invoice has not generated
//     since halobridge last wrote, new months accumulate on the line ("Sep–Oct
//     2026"). Once it has generated, the months on the line were billed and
//     the line restarts at the new months, or waits at 0 when nothing new can
//     be billed yet, so that the next generation cannot bill them again.
//   - Usage of a month already written is compared again at each plan
//     (every month a line still carries, and the months written within
//     correctionMonths before): a vendor's recount, a late subscription, a
//     figure pushed again. While a line still carries the month, the line
//     bills the new figure for it. Once the invoice has billed it, the
//     difference is carried to the item's line, so the next invoice bills
//     the difference and not the month twice; a negative difference is a
//     credit taken off that line. A line never goes below 0 (HaloPSA would
//     generate a negative line, a credit note in disguise that accounting
//     packages refuse); what it cannot take off stays carried, is taken off
//     the following months' lines and is reported until it is, so a credit
//     never vanishes. A month whose figures changed because the policy or
//     the client's mappings did (ClientQuantities.Rules) is not a
//     correction, and says so. Every correction is returned with the plan
//     (Plan.Corrections) for the billing history.
//   - Fractional usage (DefensX counts seats pro rata) is rounded per
//     client, item, source and month as the policy's Rounding says, billed
//     as a decimal quantity by default; the dry run shows the usage beside
//     the quantity.
//   - A product no longer used keeps its line at quantity 0 rather than
//     losing it: the line holds the price and accounting codes the partner set
//     for that client, and products come back. A line halobridge owns that the
//     partner deleted is added again, and reported, when there is something
//     to bill; with nothing to bill it is forgotten. If the invoice generated
//     since halobridge last wrote, the months on a deleted line count as
//     billed: HaloPSA cannot say whether the line went before or after the
//     invoice generated, and billing them twice is the worse mistake.
//   - Crash safety: persist Plan.Ledger before sending Plan.Lines, then plan
//     again against the invoice HaloPSA returns (every change is then a leave)
//     and persist that ledger, which knows the new lines' ids. A line the
//     ledger knows only by item, name and quantity (LineID 0) is claimed by
//     the next plan rather than added twice, and a new invoice halobridge
//     created is found again by ChooseInvoice. A quantity change that never
//     reached HaloPSA before the invoice generated is lost, not billed twice,
//     and so is a correction carried to it, a credit included. The ledger
//     that applies a correction is persisted before the line that bills it,
//     so a correction is found, and recorded, once.
package billing
