package catalog

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/mapping"
	"halobridge/internal/store"
)

// Recheck evaluates one event again now, reading HaloPSA itself (and the
// source, for a company not found or its Event Push Service) rather than
// the last sync's catalog:
// the event is cleared when its problem is gone and seen again (LastSeen,
// Count) when not. It returns the event as it then stands.
func (s *Service) Recheck(ctx context.Context, partnerID, eventID int64) (store.Event, error) {
	e, err := s.Store.Event(ctx, partnerID, eventID)
	if err != nil {
		return store.Event{}, err
	}
	d := dataOf(e)
	switch {
	case e.Kind == string(mapping.FindingSiteWithoutGeneralUser) && d.SourceID == 0:
		err = s.recheckSite(ctx, partnerID, e, d)
	case e.Kind == string(mapping.FindingClientInactive) && d.SourceID == 0:
		err = s.recheckClient(ctx, partnerID, e, d)
	case isMappingKind(e.Kind):
		err = s.recheckMapping(ctx, partnerID, e, d)
	case e.Kind == EventReferenceNotFound:
		err = s.recheckKinds(ctx, partnerID, []string{d.RefKind})
	case e.Kind == EventPermissionMissing && len(d.Checks) > 0:
		_, err = s.TestHalo(ctx, partnerID)
	case e.Kind == EventPermissionMissing && len(d.Kinds) > 0:
		err = s.recheckKinds(ctx, partnerID, d.Kinds)
	case e.Kind == EventCredentialsRevoked:
		err = s.recheckCredentials(ctx, partnerID, e)
	case e.Kind == EventNoRecurringInvoice:
		err = s.recheckInvoice(ctx, partnerID, e, d)
	case e.Kind == EventPushFailing:
		err = s.recheckPush(ctx, partnerID, e, d)
	default:
		return e, &InputError{Field: "id", Message: fmt.Sprintf("halobridge cannot recheck a %s event on demand: it is checked again the next time halobridge does what failed", e.Kind)}
	}
	if err != nil {
		return e, fmt.Errorf("recheck event %d: %w", eventID, err)
	}
	after, err := s.Store.Event(ctx, partnerID, eventID)
	if err != nil {
		return after, err
	}
	return after, s.fixed(ctx, e, after)
}

// RecheckAll rechecks the events named, or every open one when ids is
// empty, one by one. Each costs a few HaloPSA requests; for many events a
// sync, which reads the whole catalog once, is cheaper.
func (s *Service) RecheckAll(ctx context.Context, partnerID int64, ids []int64) ([]store.Event, error) {
	if len(ids) == 0 {
		open, err := s.Store.Events(ctx, partnerID, store.EventQuery{State: store.EventOpen})
		if err != nil {
			return nil, err
		}
		for _, e := range open {
			ids = append(ids, e.ID)
		}
	}
	out := []store.Event{}
	var errs []error
	for _, id := range ids {
		e, err := s.Recheck(ctx, partnerID, id)
		if stops(err) || errors.Is(err, store.ErrNotFound) {
			return out, err
		}
		var input *InputError
		if err != nil && !errors.As(err, &input) {
			errs = append(errs, err)
		}
		out = append(out, e)
	}
	return out, errors.Join(errs...)
}

// recheckSite settles a General User finding of ticket delivery, which
// names the client and site HaloPSA refused a ticket for rather than a
// mapping: only HaloPSA showing a General User on the site clears it, and
// then the alerts it held back are due again at once.
func (s *Service) recheckSite(ctx context.Context, partnerID int64, e store.Event, d eventData) error {
	hc, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		return err
	}
	snap, err := loadSnapshot(ctx, s.Store, partnerID)
	if err != nil {
		return err
	}
	siteID, err := s.eventSite(ctx, hc, snap, d)
	if err != nil {
		return err
	}
	users, err := hc.Users(ctx, halo.UserQuery{SiteID: siteID})
	if err != nil {
		return s.failed(ctx, partnerID, "General Users", []string{store.KindUser}, fmt.Errorf("read the users of site %d: %w", siteID, err))
	}
	if _, ok := halo.GeneralUser(users, siteID); !ok {
		_, err := s.Store.RaiseEvent(ctx, e)
		return err
	}
	return s.Store.ClearEvent(ctx, partnerID, e.Key)
}

// recheckClient settles a finding of ticket delivery that a client is
// inactive or gone: only HaloPSA showing it active clears it.
func (s *Service) recheckClient(ctx context.Context, partnerID int64, e store.Event, d eventData) error {
	hc, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		return err
	}
	client, err := hc.Client(ctx, d.ClientID)
	switch {
	case err == nil && !client.Inactive:
		return s.Store.ClearEvent(ctx, partnerID, e.Key)
	case err != nil && !halo.IsNotFound(err):
		return s.failed(ctx, partnerID, "clients", []string{store.KindClient}, err)
	}
	_, err = s.Store.RaiseEvent(ctx, e)
	return err
}

// fixed is called with an event before and after a person's Recheck or
// Resolve: when a problem that can hold ticket delivery back is gone,
// delivery resumes.
func (s *Service) fixed(ctx context.Context, before, after store.Event) error {
	if before.State == store.EventResolved || after.State != store.EventResolved || !holdsDeliveryBack(before.Kind) {
		return nil
	}
	return s.resumeDelivery(ctx, before.PartnerID)
}

// resumeDelivery follows a person's fix of what ticket delivery met: the
// alerts it held back, and a pause of the partner's delivery, end at once,
// and the process may wake delivery (Syncer.Fixed); without it the next
// sweep finds them.
func (s *Service) resumeDelivery(ctx context.Context, partnerID int64) error {
	if _, err := s.Store.RetryDeliveriesNow(ctx, partnerID); err != nil {
		return err
	}
	if s.Fixed != nil {
		s.Fixed(ctx, partnerID)
	}
	return nil
}

// holdsDeliveryBack reports whether an event of kind can be why HaloPSA
// refused tickets: a client, site or General User it cannot use, a
// permission, the credentials.
func holdsDeliveryBack(kind string) bool {
	switch kind {
	case string(mapping.FindingSiteWithoutGeneralUser), string(mapping.FindingClientInactive), string(mapping.FindingClientNotFound),
		string(mapping.FindingSiteNotFound), EventPermissionMissing, EventCredentialsRevoked:
		return true
	}
	return false
}

// recheckMapping reads the mapped client, its sites and their General
// Users from HaloPSA (three requests) and evaluates the mapping on them.
func (s *Service) recheckMapping(ctx context.Context, partnerID int64, e store.Event, d eventData) error {
	src, err := s.source(ctx, partnerID, d.SourceID)
	if errors.Is(err, store.ErrNotFound) {
		return s.Store.ClearEvent(ctx, partnerID, e.Key)
	}
	if err != nil {
		return err
	}
	live := newSnapshot()
	m, err := s.Store.Mapping(ctx, src.ID, d.CustomerID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	default:
		if err := s.readClient(ctx, partnerID, m.ClientID, live); err != nil {
			return err
		}
	}
	customers, err := s.customersOf(ctx, src)
	if err != nil {
		return err
	}
	if e.Kind == string(mapping.FindingCustomerNotFound) || e.Kind == string(mapping.FindingBothNotFound) {
		conn, err := s.Sources.Connector(src)
		if err != nil {
			return err
		}
		list, err := conn.Customers(ctx)
		if err != nil {
			return fmt.Errorf("%s: list customers: %w", connect.Label(src), err)
		}
		customers = customersByID(list)
	}
	return s.settleMapping(ctx, src, live, customers, d.CustomerID)
}

// readClient reads one client with its sites and General Users into view;
// a client HaloPSA no longer has is left out.
func (s *Service) readClient(ctx context.Context, partnerID int64, clientID int, view *snapshot) error {
	hc, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		return err
	}
	record, err := hc.Client(ctx, clientID)
	if halo.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return s.failed(ctx, partnerID, "clients", []string{store.KindClient}, err)
	}
	view.addClient(record)
	sites, err := hc.Sites(ctx, halo.SiteQuery{ClientID: clientID})
	if err != nil {
		return s.failed(ctx, partnerID, "sites", []string{store.KindSite}, err)
	}
	users, err := hc.Users(ctx, halo.UserQuery{ClientID: clientID, Search: halo.GeneralUserName})
	if err != nil {
		return s.failed(ctx, partnerID, "General Users", []string{store.KindUser}, err)
	}
	for _, site := range sites {
		_, has := halo.GeneralUser(users, site.ID)
		view.sites[site.ID] = siteOf(site, has)
	}
	return nil
}

// failed raises the event a HaloPSA failure calls for and returns the
// failure.
func (s *Service) failed(ctx context.Context, partnerID int64, what string, kinds []string, err error) error {
	_, ferr := s.ReportFailure(ctx, partnerID, what, kinds, err)
	return errors.Join(err, ferr)
}

// recheckKinds reads again the HaloPSA lists that fill kinds, stores them,
// and settles the events that depend on them alone: permissions and the
// configuration's references. A refusal raises its event again.
func (s *Service) recheckKinds(ctx context.Context, partnerID int64, kinds []string) error {
	hc, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		return err
	}
	fresh := map[string]bool{}
	denied := deniedLists{}
	for _, l := range haloLists() {
		if !slices.ContainsFunc(l.kinds, func(k string) bool { return slices.Contains(kinds, k) }) {
			continue
		}
		byKind, err := l.read(ctx, hc)
		switch {
		case halo.IsForbidden(err):
			denied.add(l, err)
			continue
		case halo.IsRevoked(err):
			_, ferr := s.ReportFailure(ctx, partnerID, l.what, l.kinds, err)
			return ferr
		case err != nil:
			return fmt.Errorf("read HaloPSA %s: %w", l.what, err)
		}
		for _, kind := range l.kinds {
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
		found = append(found, permissionEvent(partnerID, conn, key, d))
	}
	_, _, err = s.settle(ctx, partnerID, found, func(e store.Event) bool {
		switch e.Kind {
		case EventCredentialsRevoked:
			return true
		case EventPermissionMissing:
			d := dataOf(e)
			return len(d.Kinds) > 0 && !slices.ContainsFunc(d.Kinds, func(k string) bool { return !fresh[k] })
		}
		return false
	})
	if err != nil {
		return err
	}
	return s.settleRefs(ctx, partnerID, fresh, &Result{})
}

// recheckCredentials signs in again with the stored connection.
func (s *Service) recheckCredentials(ctx context.Context, partnerID int64, e store.Event) error {
	hc, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		return err
	}
	if _, err := hc.Me(ctx); err != nil {
		if raised, ferr := s.ReportFailure(ctx, partnerID, "the agent it acts as", nil, err); raised || ferr != nil {
			return ferr
		}
		return err
	}
	return s.Store.ClearEvent(ctx, partnerID, e.Key)
}

// recheckInvoice reads the client's recurring invoices from HaloPSA.
func (s *Service) recheckInvoice(ctx context.Context, partnerID int64, e store.Event, d eventData) error {
	snap, err := loadSnapshot(ctx, s.Store, partnerID)
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
		return s.failed(ctx, partnerID, "recurring invoices", []string{store.KindRecurringInvoice}, err)
	}
	if slices.ContainsFunc(invoices, func(inv halo.RecurringInvoice) bool {
		return inv.ClientID == d.ClientID && !inv.Disabled && inv.Period == monthlyPeriod
	}) {
		return s.Store.ClearEvent(ctx, partnerID, e.Key)
	}
	_, err = s.Store.RaiseEvent(ctx, noInvoiceEvent(partnerID, snap.clientName(d.ClientID), d.ClientID))
	return err
}
