package events

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"halobridge/internal/connect"
	"halobridge/internal/mapping"
	"halobridge/internal/store"
)

// The kinds of integration event besides the mapping findings, whose kinds
// are mapping.FindingKind values.
const (
	// EventReferenceNotFound: a record the configuration refers to is gone
	// from HaloPSA (or disabled).
	EventReferenceNotFound = "reference_not_found"
	// EventNoRecurringInvoice: a client billed in append mode has no
	// monthly recurring invoice to append to.
	EventNoRecurringInvoice = "no_recurring_invoice"
	// EventCredentialsRevoked: HaloPSA no longer accepts the connection's
	// credentials. Package connect raises and clears it as HaloPSA answers.
	EventCredentialsRevoked = connect.EventCredentialsRevoked
	// EventPermissionMissing: HaloPSA refused a request for want of a
	// permission.
	EventPermissionMissing = "permission_missing"
	// EventPushFailing: a GravityZone source's Event Push Service does not
	// deliver to halobridge: it has no settings, pushes elsewhere, is off,
	// or its deliveries fail (or GravityZone will not tell, refusing the key).
	EventPushFailing = "push_failing"
	// EventHaloWebhook: HaloPSA does not tell halobridge at once what
	// happens to its tickets: the permission to manage webhooks is missing,
	// or HaloPSA disabled halobridge's webhook or fails to deliver to it.
	// halobridge reads the changed tickets every few minutes meanwhile.
	// Package twoway raises and clears it.
	EventHaloWebhook = "halo_webhook"
	// EventPushCallback: a push API source's callback URL kept failing after
	// every retry, so the vendor was not told that a ticket closed or reopened.
	// Package twoway raises it, and clears it when a callback gets through.
	EventPushCallback = "push_callback"
	// EventIncidentWrite: GravityZone kept refusing or failing the write
	// that takes a ticket closed or reopened in HaloPSA back to its incident
	// (its note, its status) after every retry. Package twoway raises it,
	// and clears it when a later write to that incident gets through.
	EventIncidentWrite = "incident_write_failed"
)

// mappingKinds are the event kinds of mapping findings.
var mappingKinds = []string{
	string(mapping.FindingClientNotFound), string(mapping.FindingClientInactive), string(mapping.FindingCustomerNotFound),
	string(mapping.FindingBothNotFound), string(mapping.FindingSiteNotFound), string(mapping.FindingSiteWithoutGeneralUser),
}

// IsMappingKind reports whether kind is the kind of a mapping finding.
func IsMappingKind(kind string) bool { return slices.Contains(mappingKinds, kind) }

// Data is what an event keeps for Recheck and Resolve to act on.
type Data struct {
	SourceID   int64    `json:"source_id,omitempty"`
	CustomerID string   `json:"customer_id,omitempty"`
	ClientID   int      `json:"client_id,omitempty"`
	SiteID     int      `json:"site_id,omitempty"`
	RefKind    string   `json:"ref_kind,omitempty"`
	RefID      string   `json:"ref_id,omitempty"`
	Permission string   `json:"permission,omitempty"`
	Kinds      []string `json:"kinds,omitempty"`
	// Checks are the Test Connection checks that found a permission
	// missing: Test Connection settles the event, not the sync.
	Checks []string `json:"checks,omitempty"`
	// AlertID is the alert an event is about (the last event without a
	// company of its source).
	AlertID int64 `json:"alert_id,omitempty"`
	// URL is the address an event is about (a push source's callback URL).
	URL string `json:"url,omitempty"`
	// TicketID and IncidentID are the HaloPSA ticket and the GravityZone
	// incident an incident write is about.
	TicketID   int    `json:"ticket_id,omitempty"`
	IncidentID string `json:"incident_id,omitempty"`
}

// Encode is d as an event keeps it.
func (d Data) Encode() json.RawMessage {
	b, _ := json.Marshal(d) // a struct of strings and numbers always encodes
	return b
}

// DataOf is the Data e keeps.
func DataOf(e store.Event) Data {
	var d Data
	_ = json.Unmarshal(e.Data, &d) // an event raised elsewhere may keep other data: it then has none of ours
	return d
}

// Settle raises every event found and clears the open or acknowledged
// events that inScope claims and that were not found again.
func Settle(ctx context.Context, st *store.Store, partnerID int64, found []store.Event, inScope func(store.Event) bool) (raised, cleared int, err error) {
	keys := map[string]bool{}
	for _, e := range found {
		e.PartnerID = partnerID
		if _, err := st.RaiseEvent(ctx, e); err != nil {
			return raised, cleared, fmt.Errorf("raise event: %w", err)
		}
		keys[e.Key] = true
		raised++
	}
	active, err := Active(ctx, st, partnerID)
	if err != nil {
		return raised, cleared, err
	}
	for _, e := range active {
		if keys[e.Key] || !inScope(e) {
			continue
		}
		if err := st.ClearEvent(ctx, partnerID, e.Key); err != nil {
			return raised, cleared, fmt.Errorf("clear event: %w", err)
		}
		cleared++
	}
	return raised, cleared, nil
}

// Active lists the events a person still sees as problems: open and
// acknowledged ones.
func Active(ctx context.Context, st *store.Store, partnerID int64) ([]store.Event, error) {
	var out []store.Event
	for _, state := range []string{store.EventOpen, store.EventAcknowledged} {
		events, err := st.Events(ctx, partnerID, store.EventQuery{State: state})
		if err != nil {
			return nil, fmt.Errorf("list %s events: %w", state, err)
		}
		out = append(out, events...)
	}
	return out, nil
}
