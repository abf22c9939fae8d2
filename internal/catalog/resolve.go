package catalog

import (
	"context"
	"errors"
	"fmt"

	"halobridge/internal/halo"
	"halobridge/internal/mapping"
	"halobridge/internal/store"
)

// Resolution is what Resolve did.
type Resolution struct {
	Event store.Event
	// Action says it in words, for the person who asked.
	Action string
}

// Resolve applies an event's obvious fix when it has one, and otherwise
// acknowledges it (it stays listed, marked as seen, until its problem is
// gone). The fixes: "both not found" removes the mapping, since neither
// side is left to connect; "site without a General User" creates the
// General User on that site (the client's main site when the finding is
// about the whole client), as HaloPSA's integration guides tell MSPs to;
// a GravityZone push that does not deliver is registered again.
func (s *Service) Resolve(ctx context.Context, partnerID, eventID int64) (Resolution, error) {
	e, err := s.Store.Event(ctx, partnerID, eventID)
	if err != nil {
		return Resolution{}, err
	}
	d := dataOf(e)
	var action string
	switch e.Kind {
	case string(mapping.FindingBothNotFound):
		action, err = s.removeMapping(ctx, partnerID, e, d)
	case string(mapping.FindingSiteWithoutGeneralUser):
		action, err = s.addGeneralUser(ctx, partnerID, e, d)
	case EventPushFailing:
		action, err = s.registerPush(ctx, partnerID, e, d)
	default:
		if _, err = s.Store.SetEventState(ctx, partnerID, eventID, store.EventAcknowledged); err == nil {
			action = "Acknowledged: the event stays listed until its problem is gone."
		}
	}
	if err != nil {
		return Resolution{}, fmt.Errorf("resolve event %d: %w", eventID, err)
	}
	after, err := s.Store.Event(ctx, partnerID, eventID)
	if err != nil {
		return Resolution{}, err
	}
	return Resolution{Event: after, Action: action}, s.fixed(ctx, e, after)
}

func (s *Service) removeMapping(ctx context.Context, partnerID int64, e store.Event, d eventData) (string, error) {
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

// addGeneralUser creates the General User on the event's site in HaloPSA
// (the client's main site when the finding is about the whole client),
// unless HaloPSA shows one already, remembers it in the catalog and then
// settles the event from HaloPSA's own answer. A finding of the sync is
// settled with its mapping; one raised by ticket delivery (it names the
// client and site, not a source) by reading the site's users back.
func (s *Service) addGeneralUser(ctx context.Context, partnerID int64, e store.Event, d eventData) (string, error) {
	snap, err := loadSnapshot(ctx, s.Store, partnerID)
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
		return "", s.failed(ctx, partnerID, "General Users", []string{store.KindUser}, fmt.Errorf("read the users of site %d: %w", siteID, err))
	}
	user, exists := halo.GeneralUser(users, siteID)
	action := fmt.Sprintf("HaloPSA already has a General User (user id %d) on %s of HaloPSA %s: nothing to create.", user.ID, site, clientLabel(snap, d.ClientID))
	if !exists {
		if user, err = hc.CreateUser(ctx, halo.User{Name: halo.GeneralUserName, Firstname: "General", Surname: "User", SiteID: siteID}); err != nil {
			return "", s.failed(ctx, partnerID, "create users", nil, fmt.Errorf("create the General User on site %d: %w", siteID, err))
		}
		action = fmt.Sprintf("Created the General User (user id %d) on %s of HaloPSA %s.", user.ID, site, clientLabel(snap, d.ClientID))
	}
	if err := s.remember(ctx, partnerID, store.KindUser, itoa(user.ID), user.Name, itoa(siteID), user); err != nil {
		return "", err
	}
	if d.SourceID == 0 {
		return action, s.recheckSite(ctx, partnerID, e, d)
	}
	src, err := s.source(ctx, partnerID, d.SourceID)
	if err != nil {
		return "", err
	}
	return action, s.settleStored(ctx, partnerID, src, d.CustomerID)
}

// eventSite is the site a General User finding is about: the event's, or
// the client's main site.
func (s *Service) eventSite(ctx context.Context, hc *halo.Client, snap *snapshot, d eventData) (int, error) {
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
		return 0, &InputError{Field: "id", Message: fmt.Sprintf("HaloPSA %s has no main site to add a General User to: add one to a site of your choice in HaloPSA, then recheck", clientLabel(snap, d.ClientID))}
	}
	return siteID, nil
}
