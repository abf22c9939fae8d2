package events_test

import (
	"testing"

	"halobridge/internal/events"
	"halobridge/internal/store"
)

func TestShown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		event store.Event
		want  events.Kind
	}{
		{"AnUnmappedCustomerIsMappedOnClientMapping", store.Event{Kind: "unmapped_customer"},
			events.Kind{Title: "Customer not mapped", Page: "/mapping", PageName: "Client mapping"}},
		{"AClientNotFoundIsMappedAgainOnClientMapping", store.Event{Kind: "client_not_found"},
			events.Kind{Title: "HaloPSA client not found", Page: "/mapping", PageName: "Client mapping"}},
		{"ARefusedTicketIsFixedInTheTicketPolicy", store.Event{Kind: "ticket_refused"},
			events.Kind{Title: "HaloPSA refused a ticket", Page: "/setup?step=ticketing", PageName: "Setup › Ticketing"}},
		{"AMandatoryFieldTheTicketTypeRequiresIsFixedInTheTicketPolicy", store.Event{Kind: "mandatory_field_missing"},
			events.Kind{Title: "Ticket type requires a field the policy leaves empty", Page: "/setup?step=ticketing", PageName: "Setup › Ticketing"}},
		{"APausedDeliveryIsFixedInTheHaloPSAConnection", store.Event{Kind: "delivery_paused"},
			events.Kind{Title: "Ticket delivery paused", Page: "/setup?step=integration", PageName: "Setup › Integration"}},
		{"AMissingPermissionIsFixedInTheHaloPSAConnection", store.Event{Kind: "permission_missing"},
			events.Kind{Title: "HaloPSA permission missing", Page: "/setup?step=integration", PageName: "Setup › Integration"}},
		{"AHaloPSAWebhookIsFixedInTheHaloPSAConnection", store.Event{Kind: "halo_webhook"},
			events.Kind{Title: "HaloPSA webhook not working", Page: "/setup?step=integration", PageName: "Setup › Integration"}},
		{"AFailingPushCallbackIsFixedOnTheIntegrationStep", store.Event{Kind: "push_callback"},
			events.Kind{Title: "Push callback failing", Page: "/setup?step=integration", PageName: "Setup › Integration"}},
		{"AGravityZoneIncidentNotUpdatedIsFixedOnTheIntegrationStep", store.Event{Kind: "incident_write_failed"},
			events.Kind{Title: "GravityZone incident not updated", Page: "/setup?step=integration", PageName: "Setup › Integration"}},
		{"AProductWithoutItemIsFixedInTheBillingPolicy", store.Event{Kind: "product_unmapped"},
			events.Kind{Title: "Product without a billing item", Page: "/setup?step=billing", PageName: "Setup › Billing"}},
		{"AMissingInvoiceIsSeenOnBilling", store.Event{Kind: "no_recurring_invoice"},
			events.Kind{Title: "No recurring invoice to bill on", Page: "/billing", PageName: "Billing"}},
		{"AGoneItemOfTheBillingPolicyIsChosenThere", store.Event{Kind: "reference_not_found", Data: events.Data{RefKind: store.KindItem, RefID: "1409"}.Encode()},
			events.Kind{Title: "Setting names a record HaloPSA no longer has", Page: "/setup?step=billing", PageName: "Setup › Billing"}},
		{"AGoneTeamOfTheTicketPolicyIsChosenThere", store.Event{Kind: "reference_not_found", Data: events.Data{RefKind: store.KindTeam, RefID: "3"}.Encode()},
			events.Kind{Title: "Setting names a record HaloPSA no longer has", Page: "/setup?step=ticketing", PageName: "Setup › Ticketing"}},
		{"AKindOfAnOlderVersionIsAProblemOnTheEventsPage", store.Event{Kind: "retired_kind"},
			events.Kind{Title: "Integration problem", Page: "/events", PageName: "Events"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := events.Shown(tc.event); got.Title != tc.want.Title || got.Page != tc.want.Page || got.PageName != tc.want.PageName {
				t.Errorf("Shown = %+v, want %+v", got, tc.want)
			}
		})
	}
}
