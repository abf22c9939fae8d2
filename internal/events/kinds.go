package events

import (
	"halobridge/internal/billing"
	"halobridge/internal/mapping"
	"halobridge/internal/store"
)

// The kinds of event ticket delivery and billing raise besides those above.
const (
	// EventUnmappedCustomer: alerts came for a customer that no confirmed
	// mapping sends to a HaloPSA client.
	EventUnmappedCustomer = "unmapped_customer"
	// EventNoCompany: a source sent events that name no company, and
	// their endpoint is not known from an event of one company, so no
	// mapping can route them.
	EventNoCompany = "event_without_company"
	// EventTicketRefused: HaloPSA refused a ticket or a note for a field
	// of the ticket policy or one it requires.
	EventTicketRefused = "ticket_refused"
	// EventMandatoryField: the ticket policy's ticket type makes a field
	// mandatory that the policy leaves empty for some enabled alert types,
	// so HaloPSA would refuse their tickets. The sync and every policy save
	// check it before any ticket is refused.
	EventMandatoryField = "mandatory_field_missing"
	// EventDeliveryPaused: the partner's ticket delivery waits for its
	// HaloPSA to answer again.
	EventDeliveryPaused = "delivery_paused"
	// EventBillingFailed: a billing run could not bill a client.
	EventBillingFailed = "billing_failed"
	// EventEndpointGone: the source no longer lists the endpoint of a
	// confirmed asset mapping.
	EventEndpointGone = "asset_endpoint_gone"
	// EventAssetDeleted: HaloPSA no longer has the asset of a confirmed
	// asset mapping, or made it inactive.
	EventAssetDeleted = "asset_deleted"
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

// Pages of the portal, named as its menu and the steps of Setup name them.
var (
	pageMapping       = Kind{Page: "/mapping", PageName: "Client mapping"}
	pageBilling       = Kind{Page: "/billing", PageName: "Billing"}
	pageConnection    = Kind{Page: "/setup?step=integration", PageName: "Setup › Integration"}
	pageTicketPolicy  = Kind{Page: "/setup?step=ticketing", PageName: "Setup › Ticketing"}
	pageBillingPolicy = Kind{Page: "/setup?step=billing", PageName: "Setup › Billing"}
	pageAssets        = Kind{Page: "/asset-mapping", PageName: "Asset mapping"}
)

func titled(title string, page Kind) Kind {
	page.Title = title
	return page
}

// billed is the kind of a billing run's event, and billedPolicy that of
// one fixed in the billing policy.
func billed(title string) Kind {
	k := titled(title, pageBilling)
	k.billing = true
	return k
}

func billedPolicy(title string) Kind {
	k := titled(title, pageBillingPolicy)
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
	EventReferenceNotFound:                        titled("Setting names a record HaloPSA no longer has", pageTicketPolicy),
	EventNoRecurringInvoice:                       titled("No recurring invoice to bill on", pageBilling),
	EventCredentialsRevoked:                       titled("HaloPSA refuses the credentials", pageConnection),
	EventPermissionMissing:                        titled("HaloPSA permission missing", pageConnection),
	EventPushFailing:                              titled("Event Push not delivering", pageConnection),
	EventHaloWebhook:                              titled("HaloPSA webhook not working", pageConnection),
	EventPushCallback:                             titled("Push callback failing", pageConnection),
	EventIncidentWrite:                            titled("GravityZone incident not updated", pageConnection),
	EventUnmappedCustomer:                         titled("Customer not mapped", pageMapping),
	EventNoCompany:                                titled("Events without a company", pageTicketPolicy),
	EventTicketRefused:                            titled("HaloPSA refused a ticket", pageTicketPolicy),
	EventMandatoryField:                           titled("Ticket type requires a field the policy leaves empty", pageTicketPolicy),
	EventDeliveryPaused:                           titled("Ticket delivery paused", pageConnection),
	EventBillingFailed:                            billed("Billing failed"),
	EventEndpointGone:                             titled("Mapped endpoint gone from the source", pageAssets),
	EventAssetDeleted:                             titled("Mapped HaloPSA asset gone", pageAssets),
	string(billing.FindingUsageUnavailable):       billed("Usage could not be read"),
	string(billing.FindingUsageInconsistent):      billed("Usage does not add up"),
	string(billing.FindingProductUnmapped):        billedPolicy("Product without a billing item"),
	string(billing.FindingItemDeleted):            billedPolicy("Billing item gone from HaloPSA"),
	string(billing.FindingInvoiceMissing):         billed("No recurring invoice"),
	string(billing.FindingInvoiceAmbiguous):       billedPolicy("Several recurring invoices"),
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

// Shown is what a person sees of e's kind, with the page where e is
// fixed: a HaloPSA record the billing policy names (an item) is chosen
// again in the billing policy, the others in the ticket policy.
func Shown(e store.Event) Kind {
	k := KindOf(e.Kind)
	if e.Kind == EventReferenceNotFound && DataOf(e).RefKind == store.KindItem {
		k.Page, k.PageName = pageBillingPolicy.Page, pageBillingPolicy.PageName
	}
	return k
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
