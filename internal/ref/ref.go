package ref

import "context"

// Ref is one HaloPSA record that a partner's configuration refers to, such
// as the ticket type of the ticket policy or the item a product bills as.
type Ref struct {
	// Kind is the catalog kind of the record (store.KindTicketType,
	// KindStatus, KindAgent, KindTeam, KindItem, ...).
	Kind   string
	HaloID string
	// Label says where the configuration uses the record, in the words of
	// the page where a person changes it: "ticket policy: initial status".
	Label string
}

// ConfigRefs is a part of the configuration that refers to HaloPSA records
// (the ticket policy, the billing policy). Each sync checks the records it
// names against the synced catalog and raises an event for each one HaloPSA
// no longer has.
type ConfigRefs interface {
	Refs(ctx context.Context, partnerID int64) ([]Ref, error)
}

// InvoiceMode says how a partner's billing writes to HaloPSA: in append
// mode its lines go on each client's existing monthly recurring invoice, so
// a mapped client with billing on and no such invoice is an event.
type InvoiceMode interface {
	AppendsToExistingInvoice(ctx context.Context, partnerID int64) (bool, error)
}
