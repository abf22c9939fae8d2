package mapper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/mapping"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// Service is what a person does with a partner's mappings: map and unmap
// customers, confirm or reject suggestions, create a HaloPSA client for a
// customer, and recheck or resolve the events of mapping findings. Every
// method takes the partner the caller acts for, and answers
// store.ErrNotFound for a record of another partner.
type Service struct {
	Store *store.Store
	Halo  *connect.Halo
	// Sources builds the source connectors, to read a source's companies
	// again when a finding says one is gone; *connect.Sources in production.
	Sources Connectors
	// Fixed, when set, is told of a partner one of whose customers a person
	// just mapped while delivery held its alerts back (events.Service.Fixed).
	Fixed func(ctx context.Context, partnerID int64)
}

// Connectors builds the connector of a stored source.
type Connectors interface {
	Connector(src store.Source) (source.Source, error)
}

// MapInput is a mapping a person makes by hand.
type MapInput struct {
	ClientID int
	// SiteID is 0 for none: tickets go to the client's General User.
	SiteID    int
	Ticketing bool
	Billing   bool
}

// Map confirms customerID of sourceID on a HaloPSA client, replacing any
// mapping or suggestion it had and forgetting a rejected suggestion of
// that client, and settles the mapping's events at once against the
// stored catalog.
func (s *Service) Map(ctx context.Context, partnerID, sourceID int64, customerID string, in MapInput) (MappingView, error) {
	src, customer, err := s.customer(ctx, partnerID, sourceID, customerID)
	if err != nil {
		return MappingView{}, err
	}
	snap, err := LoadSnapshot(ctx, s.Store, partnerID)
	if err != nil {
		return MappingView{}, err
	}
	client, ok := snap.byID[in.ClientID]
	switch {
	case in.ClientID <= 0:
		return MappingView{}, &events.InputError{Field: "client_id", Message: "client_id is required: the id of the HaloPSA client to map the company to"}
	case !ok:
		return MappingView{}, &events.InputError{Field: "client_id", Message: fmt.Sprintf("HaloPSA has no client id %d (as of the last sync): sync, or choose another client", in.ClientID)}
	case client.Inactive:
		return MappingView{}, &events.InputError{Field: "client_id", Message: fmt.Sprintf("HaloPSA client '%s' (id %d) is inactive: reactivate it in HaloPSA first, or choose another client", client.Name, client.ID)}
	}
	if in.SiteID != 0 {
		if site, ok := snap.sites[in.SiteID]; !ok || site.ClientID != in.ClientID {
			return MappingView{}, &events.InputError{Field: "site_id", Message: fmt.Sprintf("site id %d is not a site of HaloPSA client '%s' (id %d)", in.SiteID, client.Name, client.ID)}
		}
	}
	m, err := s.Store.SaveMapping(ctx, store.Mapping{PartnerID: partnerID, SourceID: src.ID, CustomerID: customer.ID,
		ClientID: in.ClientID, SiteID: in.SiteID, Ticketing: in.Ticketing, Billing: in.Billing, Confirmed: true})
	if err != nil {
		return MappingView{}, fmt.Errorf("map company %q: %w", customer.Name, err)
	}
	// The person now says the opposite of a rejection of this pair, if
	// there was one; unmapped later, the pair may be suggested again.
	if err := s.Store.ForgetRejection(ctx, src.ID, customer.ID, in.ClientID); err != nil {
		return MappingView{}, fmt.Errorf("map company %q: %w", customer.Name, err)
	}
	return s.settled(ctx, src, snap, m)
}

// Unmap removes the mapping (or suggestion) of a customer and clears its
// events.
func (s *Service) Unmap(ctx context.Context, partnerID, sourceID int64, customerID string) error {
	src, err := s.source(ctx, partnerID, sourceID)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteMapping(ctx, src.ID, customerID); err != nil {
		return fmt.Errorf("unmap: %w", err)
	}
	return s.settleStored(ctx, partnerID, src, customerID)
}

// settleStored settles the mapping of customerID of src against the stored
// catalog as it now stands.
func (s *Service) settleStored(ctx context.Context, partnerID int64, src store.Source, customerID string) error {
	snap, err := LoadSnapshot(ctx, s.Store, partnerID)
	if err != nil {
		return err
	}
	customers, err := customersOf(ctx, s.Store, src)
	if err != nil {
		return err
	}
	return s.settleMapping(ctx, src, snap, customers, customerID)
}

// CreateClient creates a HaloPSA client named after a customer that has no
// confirmed mapping, with the external link that makes RuleExternalID
// recognise it later, and maps the customer to it with ticketing and
// billing on. topLevelID 0 leaves HaloPSA's default top level.
func (s *Service) CreateClient(ctx context.Context, partnerID, sourceID int64, customerID string, topLevelID int) (MappingView, error) {
	src, customer, err := s.customer(ctx, partnerID, sourceID, customerID)
	if err != nil {
		return MappingView{}, err
	}
	if m, err := s.Store.Mapping(ctx, src.ID, customer.ID); err == nil && m.Confirmed {
		return MappingView{}, fmt.Errorf("company '%s' is already mapped to HaloPSA client id %d: unmap it first: %w", customer.Name, m.ClientID, store.ErrConflict)
	}
	hc, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		return MappingView{}, err
	}
	record := halo.ClientRecord{Name: customer.Name, TopLevelID: topLevelID, NewExternalLink: externalLink(src.Kind, customer)}
	if d := mapping.DomainOf(customer.Domain); d != "" {
		record.Website = "https://" + d
	}
	created, err := hc.CreateClient(ctx, record)
	if err != nil {
		err = fmt.Errorf("create HaloPSA client '%s': %w", customer.Name, err)
		_, ferr := events.ReportFailure(ctx, s.Store, partnerID, "create clients", nil, err)
		return MappingView{}, errors.Join(err, ferr)
	}
	if err := s.remember(ctx, partnerID, store.KindClient, strconv.Itoa(created.ID), created.Name, "", created); err != nil {
		return MappingView{}, err
	}
	m, err := s.Store.SaveMapping(ctx, store.Mapping{PartnerID: partnerID, SourceID: src.ID, CustomerID: customer.ID,
		ClientID: created.ID, Ticketing: true, Billing: true, Confirmed: true})
	if err != nil {
		return MappingView{}, fmt.Errorf("map company '%s' to the new client %d: %w", customer.Name, created.ID, err)
	}
	snap, err := LoadSnapshot(ctx, s.Store, partnerID)
	if err != nil {
		return MappingView{}, err
	}
	return s.settled(ctx, src, snap, m)
}

// remember adds a record halobridge just created in HaloPSA to the stored
// catalog, so that it counts before the next sync: a new client can be
// mapped at once (its sites stay unknown until then, which mapping reads as
// nothing to conclude), a new General User fixes its site.
func (s *Service) remember(ctx context.Context, partnerID int64, kind, id, name, parent string, record any) error {
	data, err := json.Marshal(record)
	if err != nil {
		return fmt.Errorf("encode HaloPSA record %s: %w", id, err)
	}
	e := store.CatalogEntry{PartnerID: partnerID, Kind: kind, HaloID: id, Name: name, ParentID: parent, Data: data, SyncedAt: time.Now()}
	if err := s.Store.PutCatalogEntry(ctx, e); err != nil {
		return fmt.Errorf("remember the new HaloPSA %s: %w", kind, err)
	}
	return nil
}

// settled settles a mapping's events against the stored catalog (a
// customer mapped now is no longer unmapped) and returns the mapping as
// the table shows it.
func (s *Service) settled(ctx context.Context, src store.Source, snap *Snapshot, m store.Mapping) (MappingView, error) {
	customers, err := customersOf(ctx, s.Store, src)
	if err != nil {
		return MappingView{}, err
	}
	if err := s.settleMapping(ctx, src, snap, customers, m.CustomerID); err != nil {
		return MappingView{}, err
	}
	if m.Confirmed && m.ClientID != 0 {
		if err := events.CustomerMapped(ctx, s.Store, src.PartnerID, src.ID, m.CustomerID, s.Fixed); err != nil {
			return MappingView{}, err
		}
	}
	active, err := events.Active(ctx, s.Store, src.PartnerID)
	if err != nil {
		return MappingView{}, err
	}
	return viewOf(m, src, customers, snap, eventCounts(active)), nil
}

// settleMapping evaluates the stored mapping of one customer (none if it
// was removed) against snap and customers, and settles that customer's
// mapping events.
func (s *Service) settleMapping(ctx context.Context, src store.Source, snap *Snapshot, customers map[string]source.Customer, customerID string) error {
	var found []store.Event
	m, err := s.Store.Mapping(ctx, src.ID, customerID)
	switch {
	case err == nil:
		_, findings := mapping.Evaluate(decisionMapping(m), customers, snap.byID, snap.sites)
		for _, f := range findings {
			found = append(found, findingEvent(src, customers, snap, f))
		}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	_, _, err = events.Settle(ctx, s.Store, src.PartnerID, found, func(e store.Event) bool {
		d := events.DataOf(e)
		return events.IsMappingKind(e.Kind) && d.SourceID == src.ID && d.CustomerID == customerID
	})
	return err
}

func customersOf(ctx context.Context, st *store.Store, src store.Source) (map[string]source.Customer, error) {
	list, err := st.SourceCustomers(ctx, src.ID)
	if err != nil {
		return nil, err
	}
	return customersByID(list), nil
}

// source returns a source of the partner.
func (s *Service) source(ctx context.Context, partnerID, sourceID int64) (store.Source, error) {
	return PartnerSource(ctx, s.Store, partnerID, sourceID)
}

// PartnerSource returns a source of the partner: store.ErrNotFound for
// another partner's.
func PartnerSource(ctx context.Context, st *store.Store, partnerID, sourceID int64) (store.Source, error) {
	src, err := st.Source(ctx, sourceID)
	if err == nil && src.PartnerID != partnerID {
		err = fmt.Errorf("source %d: %w", sourceID, store.ErrNotFound)
	}
	return src, err
}

// customer returns a source's customer as last synced or first seen in a
// push.
func (s *Service) customer(ctx context.Context, partnerID, sourceID int64, customerID string) (store.Source, source.Customer, error) {
	src, err := s.source(ctx, partnerID, sourceID)
	if err != nil {
		return store.Source{}, source.Customer{}, err
	}
	list, err := s.Store.SourceCustomers(ctx, src.ID)
	if err != nil {
		return store.Source{}, source.Customer{}, err
	}
	c, ok := customersByID(list)[customerID]
	if !ok {
		return store.Source{}, source.Customer{}, fmt.Errorf("company %q of %s: %w: neither the source's customer list (as of the last sync) nor any event it sent names it; sync the source, or wait for its first event",
			customerID, connect.Label(src), store.ErrNotFound)
	}
	return src, c, nil
}
