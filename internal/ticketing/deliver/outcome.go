package deliver

import (
	"fmt"

	"halobridge/internal/halo"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// Outcome says what delivery did with an alert, and links the ticket.
func Outcome(a store.RecentAlert, haloRoot string) (string, string) {
	d := a.Delivery
	if d == nil {
		return "Waiting for delivery", ""
	}
	url := halo.AgentPage(haloRoot, "ticket", d.TicketID)
	switch {
	case d.State == store.DeliveryFailed:
		return "Not delivered yet: " + d.Reason, url
	case d.State == store.DeliveryPending:
		return "Ticket being created", url
	case d.Action == string(ticketing.ActionCreate) || d.Action == string(ticketing.ActionReconcile):
		return fmt.Sprintf("Ticket #%d created", d.TicketID), url
	case d.Action == string(ticketing.ActionNote):
		return fmt.Sprintf("Added to ticket #%d", d.TicketID), url
	case d.Action == string(ticketing.ActionReopen):
		return fmt.Sprintf("Reopened ticket #%d", d.TicketID), url
	case d.Reason != "":
		return "No ticket: " + d.Reason, url
	}
	return d.Action, url
}
