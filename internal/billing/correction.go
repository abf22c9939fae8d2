package billing

import "halobridge/internal/source"

// Correction is a change of the usage of a month already written to a
// client's invoice, found by comparing the month's quantity now with the
// one written.
type Correction struct {
	ItemID int          `json:"item_id"`
	Month  source.Month `json:"month"`
	Old    float64      `json:"old"`
	New    float64      `json:"new"`
	// Carried is true when no line held the month any more (the invoice
	// had billed it): the difference went onto the item's line, to be
	// billed with the next invoice. False when the line still held the
	// month and now bills New for it.
	Carried bool `json:"carried"`
	// Note says in words what was done.
	Note string `json:"note"`
}
