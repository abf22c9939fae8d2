package mapper

import (
	"context"
	"fmt"

	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/mapping"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// SettleMappings evaluates every confirmed mapping of sources against
// snap and the sources' stored customers, raises the findings as events
// and clears the mapping events of problems no longer found.
func SettleMappings(ctx context.Context, st *store.Store, partnerID int64, snap *Snapshot, sources []store.Source, all []store.Mapping) (raised, cleared int, err error) {
	var found []store.Event
	for _, src := range sources {
		evs, err := mappingEvents(ctx, st, src, snap, mappingsOf(all, src.ID))
		if err != nil {
			return 0, 0, fmt.Errorf("mapping events of %s: %w", connect.Label(src), err)
		}
		found = append(found, evs...)
	}
	return events.Settle(ctx, st, partnerID, found, func(e store.Event) bool { return events.IsMappingKind(e.Kind) })
}

// mappingKey makes a finding's key unique across sources: two sources may
// use the same customer id.
func mappingKey(sourceID int64, f mapping.Finding) string {
	return store.SourceEventPrefix(sourceID) + f.Key()
}

func findingEvent(src store.Source, customers map[string]source.Customer, snap *Snapshot, f mapping.Finding) store.Event {
	company := f.CustomerID
	if c, ok := customers[f.CustomerID]; ok && c.Name != "" {
		company = c.Name
	}
	return store.Event{
		PartnerID: src.PartnerID,
		Kind:      string(f.Kind),
		Key:       mappingKey(src.ID, f),
		Subject:   fmt.Sprintf("%s company '%s' mapped to HaloPSA %s", connect.Label(src), company, clientName(snap, f.ClientID)),
		Message:   f.Message,
		Fix:       f.Fix,
		Data:      events.Data{SourceID: src.ID, CustomerID: f.CustomerID, ClientID: f.ClientID, SiteID: f.SiteID}.Encode(),
	}
}

// clientName names a client by its name alone where the snapshot knows
// it: an event's subject, whose ids the portal shows in small print.
func clientName(snap *Snapshot, id int) string {
	if cl, ok := snap.byID[id]; ok {
		return fmt.Sprintf("client '%s'", cl.Name)
	}
	return fmt.Sprintf("client id %d", id)
}

// clientLabel names a client with its id, for messages.
func clientLabel(snap *Snapshot, id int) string {
	if _, ok := snap.byID[id]; ok {
		return fmt.Sprintf("%s (id %d)", clientName(snap, id), id)
	}
	return clientName(snap, id)
}

// mappingEvents evaluates a source's confirmed mappings against the
// snapshot and the source's stored customers.
func mappingEvents(ctx context.Context, st *store.Store, src store.Source, snap *Snapshot, mappings []store.Mapping) ([]store.Event, error) {
	customers, err := customersOf(ctx, st, src)
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
