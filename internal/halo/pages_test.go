package halo_test

import (
	"testing"

	"halobridge/internal/halo"
)

func TestAgentPage(t *testing.T) {
	t.Parallel()
	const root = "https://acme.halopsa.com"
	tests := []struct {
		name, root, record string
		id                 int
		want               string
	}{
		{"Ticket", root, "ticket", 3038, root + "/ticket?id=3038"},
		{"Client", root, "client", 109, root + "/customers?clientid=109"},
		// HaloPSA's recurring invoices have ids below zero (API.md: "id": -94).
		{"RecurringInvoiceWithItsNegativeID", root, "invoice", -94, root + "/recurringinvoice?id=-94"},
		{"RecurringInvoiceNotCreatedYet", root, "invoice", 0, ""},
		{"TicketWithoutID", root, "ticket", 0, ""},
		{"ClientWithANegativeID", root, "client", -1, ""},
		{"NotConnected", "", "ticket", 3038, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := halo.AgentPage(tt.root, tt.record, tt.id); got != tt.want {
				t.Errorf("AgentPage(%q, %q, %d) = %q, want %q", tt.root, tt.record, tt.id, got, tt.want)
			}
		})
	}
}
