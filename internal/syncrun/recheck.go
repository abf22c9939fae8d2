package syncrun

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/store"
)

// Syncer is how events.Service rechecks and resolves what the sync checks.
var _ events.Checks = (*Syncer)(nil)

// RecheckKinds reads again the HaloPSA lists that fill kinds, stores them,
// and settles the events that depend on them alone: permissions and the
// configuration's references. A refusal raises its event again.
func (s *Syncer) RecheckKinds(ctx context.Context, partnerID int64, kinds []string) error {
	hc, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		return err
	}
	fresh := map[string]bool{}
	denied := events.Denied{}
	for _, l := range s.haloLists(partnerID) {
		if !slices.ContainsFunc(l.kinds, func(k string) bool { return slices.Contains(kinds, k) }) {
			continue
		}
		var byKind map[string][]store.CatalogEntry
		if l.keep != nil {
			err = l.keep(ctx, hc, nil, &Result{})
		} else {
			byKind, err = l.read(ctx, hc)
		}
		switch {
		case halo.IsForbidden(err):
			denied.Add(l.what, l.kinds, err)
			continue
		case halo.IsRevoked(err):
			_, ferr := events.ReportFailure(ctx, s.Store, partnerID, l.what, l.kinds, err)
			return ferr
		case err != nil:
			return fmt.Errorf("read HaloPSA %s: %w", l.what, err)
		}
		for _, kind := range l.kinds {
			if l.keep != nil {
				fresh[kind] = true
				continue
			}
			if _, err := s.Store.ReplaceCatalog(ctx, partnerID, kind, byKind[kind], s.now()); err != nil {
				return err
			}
			fresh[kind] = true
		}
	}
	conn, err := s.Store.HaloConnection(ctx, partnerID)
	if err != nil {
		return err
	}
	var found []store.Event
	for key, d := range denied {
		found = append(found, events.PermissionEvent(partnerID, conn, key, d))
	}
	_, _, err = events.Settle(ctx, s.Store, partnerID, found, func(e store.Event) bool {
		switch e.Kind {
		case events.EventCredentialsRevoked:
			return true
		case events.EventPermissionMissing:
			d := events.DataOf(e)
			return len(d.Kinds) > 0 && !slices.ContainsFunc(d.Kinds, func(k string) bool { return !fresh[k] })
		}
		return false
	})
	if err != nil {
		return err
	}
	return s.settleRefs(ctx, partnerID, fresh, &Result{})
}

// RecheckTicketType reads the ticket policy's ticket types from HaloPSA
// again and settles the events of their mandatory fields.
func (s *Syncer) RecheckTicketType(ctx context.Context, partnerID int64) error {
	if s.TicketTypes == nil {
		return errors.New("halobridge checks ticket types only where ticket delivery runs; run a sync there")
	}
	return s.checkTicketType(ctx, partnerID, &Result{})
}

// RecheckInvoice reads the client's recurring invoices from HaloPSA.
func (s *Syncer) RecheckInvoice(ctx context.Context, partnerID int64, e store.Event) error {
	d := events.DataOf(e)
	snap, err := mapper.LoadSnapshot(ctx, s.Store, partnerID)
	if err != nil {
		return err
	}
	all, err := s.Store.Mappings(ctx, partnerID)
	if err != nil {
		return err
	}
	billed, err := s.billedClients(ctx, partnerID, snap, all)
	if err != nil {
		return err
	}
	if !slices.Contains(billed, d.ClientID) {
		return s.Store.ClearEvent(ctx, partnerID, e.Key)
	}
	hc, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		return err
	}
	invoices, err := hc.RecurringInvoices(ctx, halo.RecurringInvoiceQuery{ClientID: d.ClientID})
	if err != nil {
		return events.Failed(ctx, s.Store, partnerID, "recurring invoices", []string{store.KindRecurringInvoice}, err)
	}
	if slices.ContainsFunc(invoices, func(inv halo.RecurringInvoice) bool {
		return inv.ClientID == d.ClientID && !inv.Disabled && inv.Period == monthlyPeriod
	}) {
		return s.Store.ClearEvent(ctx, partnerID, e.Key)
	}
	_, err = s.Store.RaiseEvent(ctx, noInvoiceEvent(partnerID, snap.ClientName(d.ClientID), d.ClientID))
	return err
}
