package syncrun

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/ref"
	"halobridge/internal/store"
)

// settleRefs checks every record the configuration refers to against the
// catalog kinds refreshed in this sync. A reference to a kind that could
// not be refreshed is left as it was: its event neither raised nor cleared
// on stale knowledge.
func (s *Syncer) settleRefs(ctx context.Context, partnerID int64, fresh map[string]bool, res *Result) error {
	var refs []ref.Ref
	for _, r := range s.Refs {
		got, err := r.Refs(ctx, partnerID)
		if err != nil {
			return fmt.Errorf("read the configuration's HaloPSA references: %w", err)
		}
		refs = append(refs, got...)
	}
	found, err := s.missingRefs(ctx, partnerID, refs, fresh)
	if err != nil {
		return err
	}
	raised, cleared, err := events.Settle(ctx, s.Store, partnerID, found, func(e store.Event) bool {
		return e.Kind == events.EventReferenceNotFound && fresh[events.DataOf(e).RefKind]
	})
	res.Raised += raised
	res.Cleared += cleared
	return err
}

// missingRefs returns an event for each reference, of a kind checked, that
// the stored catalog no longer has or holds disabled.
func (s *Syncer) missingRefs(ctx context.Context, partnerID int64, refs []ref.Ref, checked map[string]bool) ([]store.Event, error) {
	kinds := map[string]map[string]store.CatalogEntry{}
	var out []store.Event
	for _, ref := range refs {
		if !checked[ref.Kind] || ref.Kind == store.KindAgent && ref.HaloID == unassignedAgentID {
			continue
		}
		records, ok := kinds[ref.Kind]
		if !ok {
			list, err := s.Store.Catalog(ctx, partnerID, ref.Kind)
			if err != nil {
				return nil, fmt.Errorf("check references: %w", err)
			}
			records = map[string]store.CatalogEntry{}
			for _, e := range list {
				records[e.HaloID] = e
			}
			kinds[ref.Kind] = records
		}
		e, exists := records[ref.HaloID]
		message := fmt.Sprintf("HaloPSA %s id %s, used as %s, no longer exists: it was deleted.", kindNoun(ref.Kind), ref.HaloID, ref.Label)
		if ref.Kind == store.KindTeam {
			// HaloPSA lists active teams only.
			message = fmt.Sprintf("HaloPSA team id %s, used as %s, is no longer an active team: it was deleted or made inactive.", ref.HaloID, ref.Label)
		}
		if exists {
			why := disabled(ref.Kind, e.Data)
			if why == "" {
				continue
			}
			message = fmt.Sprintf("HaloPSA %s '%s' (id %s), used as %s, %s.", kindNoun(ref.Kind), e.Name, ref.HaloID, ref.Label, why)
		}
		out = append(out, store.Event{
			PartnerID: partnerID,
			Kind:      events.EventReferenceNotFound,
			Key:       fmt.Sprintf("%s/%s/%s/%s", events.EventReferenceNotFound, ref.Kind, ref.HaloID, ref.Label),
			Subject:   fmt.Sprintf("%s: HaloPSA %s id %s", ref.Label, kindNoun(ref.Kind), ref.HaloID),
			Message:   message,
			Fix:       fmt.Sprintf("Choose another %s for %s, or restore it in HaloPSA.", kindNoun(ref.Kind), ref.Label),
			Data:      events.Data{RefKind: ref.Kind, RefID: ref.HaloID}.Encode(),
		})
	}
	return out, nil
}

// unassignedAgentID is HaloPSA's built-in Unassigned agent, which a policy
// may name as its default agent and which HaloPSA's agent list leaves out.
const unassignedAgentID = "1"

// disabled says why a record that still exists cannot be used: agents can
// be disabled and teams made inactive without being deleted.
func disabled(kind string, data json.RawMessage) string {
	switch kind {
	case store.KindAgent:
		var a halo.Agent
		if json.Unmarshal(data, &a) == nil && a.IsDisabled {
			return "was disabled"
		}
	case store.KindTeam:
		var t halo.Team
		if json.Unmarshal(data, &t) == nil && t.Inactive {
			return "was made inactive"
		}
	}
	return ""
}

func kindNoun(kind string) string {
	switch kind {
	case store.KindTicketType:
		return "ticket type"
	case store.KindStatus:
		return "status"
	case store.KindSLA:
		return "SLA"
	case store.KindRequestSource:
		return "request source"
	case store.KindRecurringInvoice:
		return "recurring invoice"
	}
	return kind
}

// monthlyPeriod is the schedule period of a monthly recurring invoice, as
// in the one real recurring invoice of the HaloPSA reference.
const monthlyPeriod = 2

// settleInvoices, in append mode, raises an event for each client that a
// confirmed mapping bills but that has no enabled monthly recurring invoice.
// A client missing or inactive is left to its mapping event.
func (s *Syncer) settleInvoices(ctx context.Context, partnerID int64, snap *mapper.Snapshot, mappings []store.Mapping, fresh map[string]bool, res *Result) error {
	appends, err := s.appends(ctx, partnerID)
	if err != nil {
		return err
	}
	if appends && !fresh[store.KindRecurringInvoice] {
		return nil
	}
	// Out of append mode no client needs an invoice: settling finds none
	// missing and clears what an earlier mode raised.
	var found []store.Event
	if appends {
		if found, err = s.missingInvoices(ctx, partnerID, snap, mappings); err != nil {
			return err
		}
	}
	raised, cleared, err := events.Settle(ctx, s.Store, partnerID, found, func(e store.Event) bool { return e.Kind == events.EventNoRecurringInvoice })
	res.Raised += raised
	res.Cleared += cleared
	return err
}

func (s *Syncer) missingInvoices(ctx context.Context, partnerID int64, snap *mapper.Snapshot, mappings []store.Mapping) ([]store.Event, error) {
	billed, err := s.billedClients(ctx, partnerID, snap, mappings)
	if err != nil || len(billed) == 0 {
		return nil, err
	}
	invoices, err := s.Store.Catalog(ctx, partnerID, store.KindRecurringInvoice)
	if err != nil {
		return nil, fmt.Errorf("check recurring invoices: %w", err)
	}
	has := map[int]bool{}
	for _, e := range invoices {
		var inv halo.RecurringInvoice
		if err := json.Unmarshal(e.Data, &inv); err != nil {
			return nil, fmt.Errorf("stored recurring invoice %s: %w", e.HaloID, err)
		}
		if !inv.Disabled && inv.Period == monthlyPeriod {
			has[inv.ClientID] = true
		}
	}
	var out []store.Event
	for _, id := range billed {
		if !has[id] {
			out = append(out, noInvoiceEvent(partnerID, snap.ClientName(id), id))
		}
	}
	return out, nil
}

// appends reports whether billing appends to the partner's existing
// recurring invoices.
func (s *Syncer) appends(ctx context.Context, partnerID int64) (bool, error) {
	if s.Invoices == nil {
		return false, nil
	}
	appends, err := s.Invoices.AppendsToExistingInvoice(ctx, partnerID)
	if err != nil {
		return false, fmt.Errorf("read the invoice mode: %w", err)
	}
	return appends, nil
}

// billedClients lists, in append mode, the existing active clients that a
// confirmed mapping with billing on bills.
func (s *Syncer) billedClients(ctx context.Context, partnerID int64, snap *mapper.Snapshot, mappings []store.Mapping) ([]int, error) {
	appends, err := s.appends(ctx, partnerID)
	if err != nil || !appends {
		return nil, err
	}
	seen := map[int]bool{}
	var out []int
	for _, m := range mappings {
		cl, ok := snap.Client(m.ClientID)
		if !m.Confirmed || !m.Billing || !ok || cl.Inactive || seen[m.ClientID] {
			continue
		}
		seen[m.ClientID] = true
		out = append(out, m.ClientID)
	}
	return out, nil
}

func noInvoiceEvent(partnerID int64, clientName string, clientID int) store.Event {
	return store.Event{
		PartnerID: partnerID,
		Kind:      events.EventNoRecurringInvoice,
		Key:       events.EventNoRecurringInvoice + "/" + strconv.Itoa(clientID),
		Subject:   fmt.Sprintf("HaloPSA client '%s' (id %d)", clientName, clientID),
		Message:   fmt.Sprintf("HaloPSA client '%s' is billed by halobridge, which appends to the client's monthly recurring invoice, but the client has no enabled monthly recurring invoice.", clientName),
		Fix:       "In HaloPSA, under Billing > Recurring Invoices, create a monthly recurring invoice for the client (or enable its existing one), or turn billing off for its mappings.",
		Data:      events.Data{ClientID: clientID}.Encode(),
	}
}
