package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"halobridge/internal/connect"
	"halobridge/internal/jobs"
	"halobridge/internal/mapping"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// The kinds of integration event this package raises besides the mapping
// findings, whose kinds are mapping.FindingKind values.
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
)

// mappingKinds are the event kinds of mapping findings.
var mappingKinds = []string{
	string(mapping.FindingClientNotFound), string(mapping.FindingClientInactive), string(mapping.FindingCustomerNotFound),
	string(mapping.FindingBothNotFound), string(mapping.FindingSiteNotFound), string(mapping.FindingSiteWithoutGeneralUser),
}

func isMappingKind(kind string) bool { return slices.Contains(mappingKinds, kind) }

// eventData is what an event keeps for Recheck and Resolve to act on.
type eventData struct {
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
}

func (d eventData) encode() json.RawMessage {
	b, _ := json.Marshal(d) // a struct of strings and numbers always encodes
	return b
}

func dataOf(e store.Event) eventData {
	var d eventData
	_ = json.Unmarshal(e.Data, &d) // an event raised elsewhere may keep other data: it then has none of ours
	return d
}

// mappingKey makes a finding's key unique across sources: two sources may
// use the same customer id.
func mappingKey(sourceID int64, f mapping.Finding) string {
	return store.SourceEventPrefix(sourceID) + f.Key()
}

func findingEvent(src store.Source, customers map[string]source.Customer, snap *snapshot, f mapping.Finding) store.Event {
	company := f.CustomerID
	if c, ok := customers[f.CustomerID]; ok && c.Name != "" {
		company = c.Name
	}
	return store.Event{
		PartnerID: src.PartnerID,
		Kind:      string(f.Kind),
		Key:       mappingKey(src.ID, f),
		Subject:   fmt.Sprintf("%s company '%s' mapped to HaloPSA %s", connect.Label(src), company, clientLabel(snap, f.ClientID)),
		Message:   f.Message,
		Fix:       f.Fix,
		Data:      eventData{SourceID: src.ID, CustomerID: f.CustomerID, ClientID: f.ClientID, SiteID: f.SiteID}.encode(),
	}
}

func clientLabel(snap *snapshot, id int) string {
	if cl, ok := snap.byID[id]; ok {
		return fmt.Sprintf("client '%s' (id %d)", cl.Name, id)
	}
	return fmt.Sprintf("client id %d", id)
}

// detect evaluates every confirmed mapping, the configuration's references
// and, in append mode, the billed clients' invoices, then settles the
// events of what it could check: problems found are raised, and open
// events of problems no longer found are cleared.
func (s *Syncer) detect(ctx context.Context, partnerID int64, snap *snapshot, sources []store.Source, fresh map[string]bool, p *jobs.Progress, res *Result) error {
	p.Step(stepEvents, 3)
	all, err := s.Store.Mappings(ctx, partnerID)
	if err != nil {
		return fmt.Errorf("mapping events: %w", err)
	}
	var found []store.Event
	if fresh[store.KindSite] && fresh[store.KindUser] {
		for _, src := range sources {
			events, err := s.mappingEvents(ctx, src, snap, mappingsOf(all, src.ID))
			if err != nil {
				return fmt.Errorf("mapping events of %s: %w", connect.Label(src), err)
			}
			found = append(found, events...)
		}
		raised, cleared, err := s.settle(ctx, partnerID, found, func(e store.Event) bool { return isMappingKind(e.Kind) })
		if err != nil {
			return err
		}
		res.Raised += raised
		res.Cleared += cleared
	}
	p.Advance(1)
	if err := s.settleRefs(ctx, partnerID, fresh, res); err != nil {
		return err
	}
	p.Advance(1)
	if err := s.settleInvoices(ctx, partnerID, snap, all, fresh, res); err != nil {
		return err
	}
	p.Advance(1)
	p.Count("raised", res.Raised)
	p.Count("cleared", res.Cleared)
	return nil
}

// mappingEvents evaluates a source's confirmed mappings against the
// snapshot and the source's stored customers.
func (s *Syncer) mappingEvents(ctx context.Context, src store.Source, snap *snapshot, mappings []store.Mapping) ([]store.Event, error) {
	customers, err := s.customersOf(ctx, src)
	if err != nil {
		return nil, err
	}
	var out []store.Event
	for _, m := range mappings {
		_, findings := mapping.Evaluate(decisionMapping(m), customers, snap.byID, snap.sites)
		for _, f := range findings {
			out = append(out, findingEvent(src, customers, snap, f))
		}
	}
	return out, nil
}

func customersByID(list []source.Customer) map[string]source.Customer {
	out := make(map[string]source.Customer, len(list))
	for _, c := range list {
		out[c.ID] = c
	}
	return out
}

// settle raises every event found and clears the open or acknowledged
// events that inScope claims and that were not found again.
func (s *Syncer) settle(ctx context.Context, partnerID int64, found []store.Event, inScope func(store.Event) bool) (raised, cleared int, err error) {
	keys := map[string]bool{}
	for _, e := range found {
		e.PartnerID = partnerID
		if _, err := s.Store.RaiseEvent(ctx, e); err != nil {
			return raised, cleared, fmt.Errorf("raise event: %w", err)
		}
		keys[e.Key] = true
		raised++
	}
	active, err := activeEvents(ctx, s.Store, partnerID)
	if err != nil {
		return raised, cleared, err
	}
	for _, e := range active {
		if keys[e.Key] || !inScope(e) {
			continue
		}
		if err := s.Store.ClearEvent(ctx, partnerID, e.Key); err != nil {
			return raised, cleared, fmt.Errorf("clear event: %w", err)
		}
		cleared++
	}
	return raised, cleared, nil
}

// activeEvents lists the events a person still sees as problems: open and
// acknowledged ones.
func activeEvents(ctx context.Context, st *store.Store, partnerID int64) ([]store.Event, error) {
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
