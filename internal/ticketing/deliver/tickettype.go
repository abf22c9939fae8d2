package deliver

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// KindMandatoryField is the event of a mandatory field of the ticket type
// that the ticket policy leaves empty.
const KindMandatoryField = events.EventMandatoryField

// ticketTypeFieldsFresh is how long the ticketing step shows a ticket
// type's mandatory fields as last read: rendering the page again, or
// choosing the type back, costs no HaloPSA request within it. Syncs and
// saves always read them afresh.
const ticketTypeFieldsFresh = 5 * time.Minute

// typeFields is a ticket type and its mandatory fields as last read.
type typeFields struct {
	ticketType halo.TicketType
	mandatory  []ticketing.MandatoryField
	missing    bool // HaloPSA no longer has the type
	at         time.Time
}

// TicketTypeGaps returns the mandatory fields p leaves empty for an enabled
// alert type, in each ticket type p uses (its own and its source
// overrides'), for the ticketing step: a type read from HaloPSA in the
// last few minutes is not read again. A ticket type HaloPSA no longer has
// is skipped: the reference check raises its own event.
func (s *Service) TicketTypeGaps(ctx context.Context, partnerID int64, p ticketing.Policy) ([]ticketing.Gap, error) {
	return s.ticketTypeGaps(ctx, partnerID, p, ticketTypeFieldsFresh)
}

// ticketTypeGaps reads the fields of each ticket type p uses, one request
// a type unless one read within maxAge is remembered.
func (s *Service) ticketTypeGaps(ctx context.Context, partnerID int64, p ticketing.Policy, maxAge time.Duration) ([]ticketing.Gap, error) {
	ids := p.TicketTypeIDs()
	if len(ids) == 0 {
		return nil, nil
	}
	var hc *halo.Client
	var gaps []ticketing.Gap
	for _, id := range ids {
		key := typeFieldsKey{partnerID, id}
		s.mu.Lock()
		tf, ok := s.typeFields[key]
		s.mu.Unlock()
		if !ok || time.Since(tf.at) > maxAge {
			if hc == nil {
				var err error
				if hc, err = s.halo.Client(ctx, partnerID); err != nil {
					return nil, err
				}
			}
			detail, err := hc.TicketTypeDetail(ctx, id)
			if err != nil && !halo.IsNotFound(err) {
				return nil, fmt.Errorf("read the fields of HaloPSA ticket type %d: %w", id, err)
			}
			tf = typeFields{ticketType: detail.TicketType, missing: err != nil, at: time.Now()}
			for _, f := range detail.Fields {
				if f.Mandatory() {
					tf.mandatory = append(tf.mandatory, ticketing.MandatoryField{Field: f.Field(), Label: f.Label()})
				}
			}
			s.mu.Lock()
			if s.typeFields == nil {
				s.typeFields = map[typeFieldsKey]typeFields{}
			}
			s.typeFields[key] = tf
			s.mu.Unlock()
		}
		if !tf.missing {
			gaps = append(gaps, ticketing.MandatoryGaps(p, ticketType{tf.ticketType}.catalog(), tf.mandatory)...)
		}
	}
	return gaps, nil
}

type typeFieldsKey struct {
	partnerID    int64
	ticketTypeID int
}

// CheckTicketType checks the partner's saved ticket policy against the
// mandatory fields of its ticket types in HaloPSA, raising an event per
// field left empty and clearing those of fields no longer missing. It
// returns the gaps with the events raised and cleared; a partner without a
// policy has none.
func (s *Service) CheckTicketType(ctx context.Context, partnerID int64) (gaps []ticketing.Gap, raised, cleared int, err error) {
	saved, err := s.Policy(ctx, partnerID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, 0, 0, err
	default:
		if gaps, err = s.ticketTypeGaps(ctx, partnerID, saved.Policy, 0); err != nil {
			return nil, 0, 0, err
		}
	}
	raised, cleared, err = s.settleGaps(ctx, partnerID, gaps)
	return gaps, raised, cleared, err
}

// settleGaps raises the event of each gap and clears the others.
func (s *Service) settleGaps(ctx context.Context, partnerID int64, gaps []ticketing.Gap) (raised, cleared int, err error) {
	found := make([]store.Event, 0, len(gaps))
	for _, g := range gaps {
		found = append(found, store.Event{
			PartnerID: partnerID,
			Kind:      KindMandatoryField,
			Key:       KindMandatoryField + "/" + strconv.Itoa(g.TicketTypeID) + "/" + g.Field,
			Subject:   fmt.Sprintf("Ticket type %s: %s", g.TicketType, g.Label),
			Message:   g.Message(),
			Fix:       g.Fix(),
			Data:      events.Data{RefKind: store.KindTicketType, RefID: strconv.Itoa(g.TicketTypeID)}.Encode(),
		})
	}
	return events.Settle(ctx, s.store, partnerID, found, func(e store.Event) bool { return e.Kind == KindMandatoryField })
}
