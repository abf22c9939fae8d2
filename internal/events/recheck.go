package events

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/mapping"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
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
	d := DataOf(e)
	switch {
	case e.Kind == string(mapping.FindingSiteWithoutGeneralUser) && d.SourceID == 0:
		err = s.Mappings.RecheckSite(ctx, partnerID, e)
	case e.Kind == string(mapping.FindingClientInactive) && d.SourceID == 0:
		err = s.recheckClient(ctx, partnerID, e, d)
	case IsMappingKind(e.Kind):
		err = s.Mappings.RecheckMapping(ctx, partnerID, e)
	case e.Kind == EventReferenceNotFound:
		err = s.Checks.RecheckKinds(ctx, partnerID, []string{d.RefKind})
	case e.Kind == EventPermissionMissing && len(d.Checks) > 0:
		_, err = s.TestHalo(ctx, partnerID)
	case e.Kind == EventPermissionMissing && len(d.Kinds) > 0:
		err = s.Checks.RecheckKinds(ctx, partnerID, d.Kinds)
	case e.Kind == EventCredentialsRevoked:
		err = s.recheckCredentials(ctx, partnerID, e)
	case e.Kind == EventMandatoryField:
		err = s.Checks.RecheckTicketType(ctx, partnerID)
	case e.Kind == EventNoRecurringInvoice:
		err = s.Checks.RecheckInvoice(ctx, partnerID, e)
	case e.Kind == EventPushFailing:
		err = s.Checks.RecheckPush(ctx, partnerID, e)
	case e.Kind == EventUnmappedCustomer:
		err = s.recheckUnmapped(ctx, partnerID, e, d)
	case e.Kind == EventHaloWebhook && s.Webhooks != nil:
		_, err = s.Webhooks.EnsureWebhook(ctx, partnerID)
	case e.Kind == EventNoCompany:
		err = s.recheckNoCompany(ctx, partnerID, e, d)
	case e.Kind == EventPushCallback:
		err = s.recheckCallback(ctx, partnerID, e, d)
	case (e.Kind == EventEndpointGone || e.Kind == EventAssetDeleted) && s.Assets != nil:
		err = s.Assets.RecheckAssets(ctx, partnerID, e)
	case e.Kind == EventIncidentWrite && s.Incidents != nil:
		err = s.Incidents.RecheckIncident(ctx, partnerID, e)
	case retriesDelivery(e):
		// Only HaloPSA accepting the tickets shows the problem gone: the
		// delivery that does clears the event.
		err = s.resumeDelivery(ctx, partnerID)
	case IsBillingKind(e.Kind) && s.Billing != nil:
		err = s.Billing.RecheckBilling(ctx, partnerID, e)
	default:
		return e, &InputError{Field: "id", Message: fmt.Sprintf("halobridge cannot recheck %q events here: it checks them again the next time it does what failed", KindOf(e.Kind).Title)}
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

// Rechecked says what a person's Recheck did, given the event as it then
// stands.
func Rechecked(e store.Event) string {
	switch {
	case e.State == store.EventResolved:
		return "Fixed: the problem is gone."
	case e.Kind == EventUnmappedCustomer:
		return "Still not mapped: map the customer on the Client mapping page; its alerts are then tried again at once."
	case e.Kind == EventNoCompany:
		return "Still no company: no event of one mapped company names the endpoint yet. Choose a fallback client under Setup › Ticketing, so that such events raise tickets meanwhile."
	case retriesDelivery(e):
		return "Delivery to HaloPSA is being tried again now: the event clears once HaloPSA accepts the tickets."
	case IsBillingKind(e.Kind):
		return "Still a problem: a billing dry run of the client finds it again."
	case e.Kind == EventIncidentWrite:
		return "Still failing: GravityZone answered the write again as the event says. halobridge writes the incident again at the ticket's next change in HaloPSA, or when you press Recheck."
	case e.Kind == EventPushCallback:
		return "Still a problem: the callback URL is the one that failed. The next closure in HaloPSA is posted to it again; correct the URL on the source's page if it is wrong."
	}
	return "Still a problem: seen again now."
}

// retriesDelivery reports whether rechecking e means delivering again:
// HaloPSA refused tickets or notes (for a policy field, or a permission
// only a write shows missing) or failed until delivery paused.
func retriesDelivery(e store.Event) bool {
	d := DataOf(e)
	return e.Kind == EventTicketRefused || e.Kind == EventDeliveryPaused ||
		e.Kind == EventPermissionMissing && len(d.Checks) == 0 && len(d.Kinds) == 0
}

// recheckUnmapped clears the event of a customer a person has mapped since
// and tries its alerts again; a customer still unmapped is seen again.
func (s *Service) recheckUnmapped(ctx context.Context, partnerID int64, e store.Event, d Data) error {
	m, err := s.Store.Mapping(ctx, d.SourceID, d.CustomerID)
	switch {
	case err == nil && m.PartnerID == partnerID && m.Confirmed && m.ClientID != 0:
		return CustomerMapped(ctx, s.Store, partnerID, d.SourceID, d.CustomerID, s.Fixed)
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return err
	}
	_, err = s.Store.RaiseEvent(ctx, e)
	return err
}

// recheckNoCompany clears the event of an event without a company once its
// endpoint is known from the events of one company that is mapped, so
// that the next such events go to that company's client; until then it is
// seen again.
func (s *Service) recheckNoCompany(ctx context.Context, partnerID int64, e store.Event, d Data) error {
	a, err := s.Store.Alert(ctx, d.AlertID)
	switch {
	case errors.Is(err, store.ErrNotFound) || d.AlertID == 0:
	case err != nil:
		return err
	case a.PartnerID == partnerID:
		if endpoint, ok := ticketing.EndpointOf(a.Alert); ok {
			ids, err := s.Store.EndpointCompanies(ctx, store.EndpointQuery{PartnerID: partnerID, SourceID: a.SourceID, Facts: endpoint.IDs, HostName: endpoint.Name})
			if err != nil {
				return err
			}
			if len(ids) == 1 {
				m, err := s.Store.Mapping(ctx, a.SourceID, ids[0])
				if err == nil && m.Confirmed && m.ClientID != 0 {
					return s.Store.ClearEvent(ctx, partnerID, e.Key)
				}
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
			}
		}
	}
	_, err = s.Store.RaiseEvent(ctx, e)
	return err
}

// UnmappedKey is the key of the event of a customer without mapping.
func UnmappedKey(sourceID int64, customerID string) string {
	return fmt.Sprintf("%s/%d/%s", EventUnmappedCustomer, sourceID, customerID)
}

// CustomerMapped follows the mapping of a customer: its unmapped_customer
// event clears at once and, when it had one, the alerts delivery holds
// back are tried again now and fixed, when not nil, is told of the partner
// (Service.Fixed).
func CustomerMapped(ctx context.Context, st *store.Store, partnerID, sourceID int64, customerID string, fixed func(context.Context, int64)) error {
	unmapped, err := st.Events(ctx, partnerID, store.EventQuery{Kind: EventUnmappedCustomer})
	if err != nil {
		return err
	}
	key := UnmappedKey(sourceID, customerID)
	i := slices.IndexFunc(unmapped, func(e store.Event) bool { return e.Key == key && e.State != store.EventResolved })
	if i < 0 {
		return nil
	}
	if err := st.ClearEvent(ctx, partnerID, key); err != nil {
		return err
	}
	return resume(ctx, st, partnerID, fixed)
}

// recheckClient settles a finding of ticket delivery that a client is
// inactive or gone: only HaloPSA showing it active clears it.
func (s *Service) recheckClient(ctx context.Context, partnerID int64, e store.Event, d Data) error {
	hc, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		return err
	}
	client, err := hc.Client(ctx, d.ClientID)
	switch {
	case err == nil && !client.Inactive:
		return s.Store.ClearEvent(ctx, partnerID, e.Key)
	case err != nil && !halo.IsNotFound(err):
		return Failed(ctx, s.Store, partnerID, "clients", []string{store.KindClient}, err)
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
// and the process may wake delivery (Service.Fixed); without it the next
// sweep finds them.
func (s *Service) resumeDelivery(ctx context.Context, partnerID int64) error {
	return resume(ctx, s.Store, partnerID, s.Fixed)
}

func resume(ctx context.Context, st *store.Store, partnerID int64, fixed func(context.Context, int64)) error {
	if _, err := st.RetryDeliveriesNow(ctx, partnerID); err != nil {
		return err
	}
	if fixed != nil {
		fixed(ctx, partnerID)
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

// recheckCredentials signs in again with the stored connection.
func (s *Service) recheckCredentials(ctx context.Context, partnerID int64, e store.Event) error {
	hc, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		return err
	}
	if _, err := hc.Me(ctx); err != nil {
		if raised, ferr := ReportFailure(ctx, s.Store, partnerID, "the agent it acts as", nil, err); raised || ferr != nil {
			return ferr
		}
		return err
	}
	return s.Store.ClearEvent(ctx, partnerID, e.Key)
}

// stops reports an error after which rechecking must not go on: the
// tenant's rate limit or the end of ctx.
func stops(err error) bool {
	return halo.IsRateLimited(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// recheckCallback clears the event of a failing push callback once its source is gone, has
// no callback URL, or has another one than the URL that failed: the next closure tells
// whether that one works. The same URL is seen again: only a delivery shows it answering.
func (s *Service) recheckCallback(ctx context.Context, partnerID int64, e store.Event, d Data) error {
	src, err := s.Store.Source(ctx, d.SourceID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err != nil || src.PartnerID != partnerID || connect.PushSettingsOf(src).CallbackURL != d.URL || d.URL == "" {
		return s.Store.ClearEvent(ctx, partnerID, e.Key)
	}
	_, err = s.Store.RaiseEvent(ctx, e)
	return err
}
