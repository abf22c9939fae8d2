package deliver

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// KindMandatoryField is the event of a mandatory field of the ticket type
// that the ticket policy leaves empty.
const KindMandatoryField = events.EventMandatoryField

// TicketTypeGaps reads from HaloPSA each ticket type p uses (its own and its
// source overrides'), one request a type, and returns the mandatory fields
// p leaves empty for an enabled alert type. A ticket type HaloPSA no longer
// has is skipped: the reference check raises its own event.
func (s *Service) TicketTypeGaps(ctx context.Context, partnerID int64, p ticketing.Policy) ([]ticketing.Gap, error) {
	ids := map[int]bool{}
	if p.TicketTypeID > 0 {
		ids[p.TicketTypeID] = true
	}
	for k := range p.Sources {
		if id := p.ForSource(k).TicketTypeID; id > 0 {
			ids[id] = true
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	hc, err := s.halo.Client(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	var gaps []ticketing.Gap
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		detail, err := hc.TicketTypeDetail(ctx, id)
		if halo.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read the fields of HaloPSA ticket type %d: %w", id, err)
		}
		var mandatory []ticketing.MandatoryField
		for _, f := range detail.Fields {
			if f.Mandatory() {
				mandatory = append(mandatory, ticketing.MandatoryField{Field: f.Field(), Label: f.Label()})
			}
		}
		gaps = append(gaps, ticketing.MandatoryGaps(p, ticketType{detail.TicketType}.catalog(), mandatory)...)
	}
	return gaps, nil
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
		if gaps, err = s.TicketTypeGaps(ctx, partnerID, saved.Policy); err != nil {
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
