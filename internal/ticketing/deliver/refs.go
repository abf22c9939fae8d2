package deliver

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"halobridge/internal/ref"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// Refs lists the HaloPSA records the partner's ticket policy refers to, so
// that every catalog sync checks they still exist (ref.ConfigRefs).
// Teams are referred to by name, as Halo's tickets do, and are not listed.
func (s *Service) Refs(ctx context.Context, partnerID int64) ([]ref.Ref, error) {
	saved, err := s.Policy(ctx, partnerID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var refs []ref.Ref
	add := func(kind string, id int, label string) {
		if id > 0 {
			refs = append(refs, ref.Ref{Kind: kind, HaloID: strconv.Itoa(id), Label: label})
		}
	}
	p := saved.Policy
	add(store.KindTicketType, p.TicketTypeID, "ticket policy: ticket type")
	add(store.KindStatus, p.InitialStatusID, "ticket policy: initial status")
	add(store.KindStatus, p.ClosingStatusID, "ticket policy: closing status")
	add(store.KindOutcome, p.NoteOutcomeID, "ticket policy: outcome of notes")
	if p.AgentID != ticketing.UnassignedAgentID {
		add(store.KindAgent, p.AgentID, "ticket policy: default agent")
	}
	add(store.KindClient, saved.FallbackClientID, "ticket policy: client for unmapped customers")
	types := make([]string, 0, len(p.Types))
	for t := range p.Types {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		if tp := p.Types[t]; tp.Enabled {
			add(store.KindSLA, tp.SLAID, fmt.Sprintf("ticket policy: SLA of %s alerts", t))
		}
	}
	return refs, nil
}
