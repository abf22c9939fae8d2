package events

import (
	"halobridge/internal/billing"
	"halobridge/internal/mapping"
)

// The kinds of event ticket delivery and billing raise besides those above.
const (
	// EventUnmappedCustomer: alerts came for a customer that no confirmed
	// mapping sends to a HaloPSA client.
	EventUnmappedCustomer = "unmapped_customer"
	// EventTicketRefused: HaloPSA refused a ticket or a note for a field
	// of the ticket policy or one it requires.
	EventTicketRefused = "ticket_refused"
	// EventDeliveryPaused: the partner's ticket delivery waits for its
	// HaloPSA to answer again.
	EventDeliveryPaused = "delivery_paused"
	// EventBillingFailed: a billing run could not bill a client.
	EventBillingFailed = "billing_failed"
)

// Kind is what a person sees of an event kind: a title, and the page of
// the portal where its problem is fixed.
type Kind struct {
	Title string
	// Page is the path of the page where the problem is fixed, and
	// PageName the page's name as the menu says it.
	Page, PageName string
	// billing says a billing run raises the kind, and a dry run rechecks it.
	billing bool
}

// Pages of the portal, named as its menu names them.
var (
	pageMapping   = Kind{Page: "/mapping", PageName: "Client mapping"}
	pageTicketing = Kind{Page: "/ticketing", PageName: "Ticketing"}
	pageBilling   = Kind{Page: "/billing", PageName: "Billing"}
	pageSetup     = Kind{Page: "/setup", PageName: "Setup"}
	pageSync      = Kind{Page: "/sync", PageName: "Sync"}
)

func titled(title string, page Kind) Kind {
	page.Title = title
	return page
}

// billed is the kind of a billing run's event.
func billed(title string) Kind {
	k := titled(title, pageBilling)
	k.billing = true
	return k
}

// kinds are every event kind halobridge raises.
var kinds = map[string]Kind{
	string(mapping.FindingClientNotFound):         titled("HaloPSA client not found", pageMapping),
	string(mapping.FindingClientInactive):         titled("HaloPSA client inactive", pageMapping),
	string(mapping.FindingCustomerNotFound):       titled("Company gone from the source", pageMapping),
	string(mapping.FindingBothNotFound):           titled("Company and client both gone", pageMapping),
	string(mapping.FindingSiteNotFound):           titled("HaloPSA site not found", pageMapping),
	string(mapping.FindingSiteWithoutGeneralUser): titled("Site without a General User", pageMapping),
	EventReferenceNotFound:                        titled("Setting names a record HaloPSA no longer has", pageTicketing),
	EventNoRecurringInvoice:                       titled("No recurring invoice to bill on", pageBilling),
	EventCredentialsRevoked:                       titled("HaloPSA refuses the credentials", pageSetup),
	EventPermissionMissing:                        titled("HaloPSA permission missing", pageSetup),
	EventPushFailing:                              titled("Event Push not delivering", pageSync),
	EventUnmappedCustomer:                         titled("Customer not mapped", pageMapping),
	EventTicketRefused:                            titled("HaloPSA refused a ticket", pageTicketing),
	EventDeliveryPaused:                           titled("Ticket delivery paused", pageSetup),
	EventBillingFailed:                            billed("Billing failed"),
	string(billing.FindingUsageUnavailable):       billed("Usage could not be read"),
	string(billing.FindingUsageInconsistent):      billed("Usage does not add up"),
	string(billing.FindingProductUnmapped):        billed("Product without a billing item"),
	string(billing.FindingItemDeleted):            billed("Billing item gone from HaloPSA"),
	string(billing.FindingInvoiceMissing):         billed("No recurring invoice"),
	string(billing.FindingInvoiceAmbiguous):       billed("Several recurring invoices"),
	string(billing.FindingInvoiceDisabled):        billed("Recurring invoice disabled"),
	string(billing.FindingInvoiceChanged):         billed("Recurring invoice changed"),
	string(billing.FindingLineDeleted):            billed("Invoice line deleted in HaloPSA"),
	string(billing.FindingCreditCarried):          billed("Credit carried to later months"),
}

// KindOf is what a person sees of an event kind. A kind halobridge does
// not raise (an event of an older version) is an "Integration problem"
// fixed from the events page.
func KindOf(kind string) Kind {
	if k, ok := kinds[kind]; ok {
		return k
	}
	return Kind{Title: "Integration problem", Page: "/events", PageName: "Events"}
}

// Kinds lists every event kind halobridge raises.
func Kinds() []string {
	out := make([]string, 0, len(kinds))
	for k := range kinds {
		out = append(out, k)
	}
	return out
}

// IsBillingKind reports whether kind is the kind of an event of billing.
func IsBillingKind(kind string) bool {
	return kinds[kind].billing
}
