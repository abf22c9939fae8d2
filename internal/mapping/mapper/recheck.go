package mapper

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/mapping"
	"halobridge/internal/store"
)

// Service is how events.Service rechecks and resolves mapping findings.
var _ events.Mappings = (*Service)(nil)

// RecheckSite settles a General User finding of ticket delivery, which
// names the client and site HaloPSA refused a ticket for rather than a
// mapping: only HaloPSA showing a General User on the site clears it, and
// then the alerts it held back are due again at once.
func (s *Service) RecheckSite(ctx context.Context, partnerID int64, e store.Event) error {
	d := events.DataOf(e)
	hc, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		return err
	}
	snap, err := LoadSnapshot(ctx, s.Store, partnerID)
	if err != nil {
		return err
	}
	siteID, err := s.eventSite(ctx, hc, snap, d)
	if err != nil {
		return err
	}
	users, err := hc.Users(ctx, halo.UserQuery{SiteID: siteID})
	if err != nil {
		return events.Failed(ctx, s.Store, partnerID, "General Users", []string{store.KindUser}, fmt.Errorf("read the users of site %d: %w", siteID, err))
	}
	if _, ok := halo.GeneralUser(users, siteID); !ok {
		_, err := s.Store.RaiseEvent(ctx, e)
		return err
	}
	return s.Store.ClearEvent(ctx, partnerID, e.Key)
}

// RecheckMapping reads the mapped client, its sites and their General
// Users from HaloPSA (three requests) and evaluates the mapping on them.
func (s *Service) RecheckMapping(ctx context.Context, partnerID int64, e store.Event) error {
	d := events.DataOf(e)
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
	customers, err := customersOf(ctx, s.Store, src)
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
func (s *Service) readClient(ctx context.Context, partnerID int64, clientID int, view *Snapshot) error {
	hc, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		return err
	}
	record, err := hc.Client(ctx, clientID)
	if halo.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return events.Failed(ctx, s.Store, partnerID, "clients", []string{store.KindClient}, err)
	}
	view.addClient(record)
	sites, err := hc.Sites(ctx, halo.SiteQuery{ClientID: clientID})
	if err != nil {
		return events.Failed(ctx, s.Store, partnerID, "sites", []string{store.KindSite}, err)
	}
	users, err := hc.Users(ctx, halo.UserQuery{ClientID: clientID, Search: halo.GeneralUserName})
	if err != nil {
		return events.Failed(ctx, s.Store, partnerID, "General Users", []string{store.KindUser}, err)
	}
	for _, site := range sites {
		_, has := halo.GeneralUser(users, site.ID)
		view.sites[site.ID] = siteOf(site, has)
	}
	return nil
}

// RemoveMapping removes the mapping of a "both not found" finding, since
// neither side is left to connect, and resolves the event.
func (s *Service) RemoveMapping(ctx context.Context, partnerID int64, e store.Event) (string, error) {
	d := events.DataOf(e)
	src, err := s.source(ctx, partnerID, d.SourceID)
	if err == nil {
		err = s.Store.DeleteMapping(ctx, src.ID, d.CustomerID)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	if _, err := s.Store.SetEventState(ctx, partnerID, e.ID, store.EventResolved); err != nil {
		return "", err
	}
	return fmt.Sprintf("Removed the mapping of company id '%s' to HaloPSA client id %d.", d.CustomerID, d.ClientID), nil
}

// AddGeneralUser creates the General User on the event's site in HaloPSA
// (the client's main site when the finding is about the whole client),
// unless HaloPSA shows one already, remembers it in the catalog and then
// settles the event from HaloPSA's own answer. A finding of the sync is
// settled with its mapping; one raised by ticket delivery (it names the
// client and site, not a source) by reading the site's users back.
func (s *Service) AddGeneralUser(ctx context.Context, partnerID int64, e store.Event) (string, error) {
	d := events.DataOf(e)
	snap, err := LoadSnapshot(ctx, s.Store, partnerID)
	if err != nil {
		return "", err
	}
	hc, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		return "", err
	}
	siteID, err := s.eventSite(ctx, hc, snap, d)
	if err != nil {
		return "", err
	}
	site := fmt.Sprintf("site id %d", siteID)
	if st, ok := snap.sites[siteID]; ok {
		site = fmt.Sprintf("site '%s'", st.Name)
	}
	users, err := hc.Users(ctx, halo.UserQuery{SiteID: siteID})
	if err != nil {
		return "", events.Failed(ctx, s.Store, partnerID, "General Users", []string{store.KindUser}, fmt.Errorf("read the users of site %d: %w", siteID, err))
	}
	user, exists := halo.GeneralUser(users, siteID)
	action := fmt.Sprintf("HaloPSA already has a General User (user id %d) on %s of HaloPSA %s: nothing to create.", user.ID, site, clientLabel(snap, d.ClientID))
	if !exists {
		if user, err = hc.CreateUser(ctx, halo.User{Name: halo.GeneralUserName, Firstname: "General", Surname: "User", SiteID: siteID}); err != nil {
			return "", events.Failed(ctx, s.Store, partnerID, "create users", nil, fmt.Errorf("create the General User on site %d: %w", siteID, err))
		}
		action = fmt.Sprintf("Created the General User (user id %d) on %s of HaloPSA %s.", user.ID, site, clientLabel(snap, d.ClientID))
	}
	if err := s.remember(ctx, partnerID, store.KindUser, strconv.Itoa(user.ID), user.Name, strconv.Itoa(siteID), user); err != nil {
		return "", err
	}
	if d.SourceID == 0 {
		return action, s.RecheckSite(ctx, partnerID, e)
	}
	src, err := s.source(ctx, partnerID, d.SourceID)
	if err != nil {
		return "", err
	}
	return action, s.settleStored(ctx, partnerID, src, d.CustomerID)
}

// eventSite is the site a General User finding is about: the event's, or
// the client's main site.
func (s *Service) eventSite(ctx context.Context, hc *halo.Client, snap *Snapshot, d events.Data) (int, error) {
	if d.SiteID != 0 {
		return d.SiteID, nil
	}
	siteID := snap.records[d.ClientID].MainSiteID
	if siteID == 0 {
		client, err := hc.Client(ctx, d.ClientID)
		if err != nil && !halo.IsNotFound(err) {
			return 0, err
		}
		siteID = client.MainSiteID
	}
	if siteID == 0 {
		return 0, &events.InputError{Field: "id", Message: fmt.Sprintf("HaloPSA %s has no main site to add a General User to: add one to a site of your choice in HaloPSA, then recheck", clientLabel(snap, d.ClientID))}
	}
	return siteID, nil
}
