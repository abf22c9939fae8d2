package deliver

import (
	"context"
	"errors"
	"fmt"

	"halobridge/internal/halo"
	"halobridge/internal/store"
)

// NoticeClosed marks closed the links whose tickets were closed in HaloPSA
// since halobridge last looked, so that the next alert of their group
// follows the policy (reopen or a new ticket) without a read first; the
// sync calls it. It lists the tenant's open tickets, 100 per request,
// rather than read each linked ticket, and returns how many links it
// closed.
func (s *Service) NoticeClosed(ctx context.Context, partnerID int64) (int, error) {
	links, err := s.store.TicketLinks(ctx, partnerID, store.TicketLinkQuery{State: store.LinkOpen})
	if err != nil || len(links) == 0 {
		return 0, err
	}
	started := s.opts.Now().UTC()
	client, err := s.halo.Client(ctx, partnerID)
	if err != nil {
		return 0, fmt.Errorf("notice closed tickets of partner %d: connect to HaloPSA: %w", partnerID, err)
	}
	open, err := client.Tickets(ctx, halo.TicketQuery{OpenOnly: true})
	if err != nil {
		return 0, fmt.Errorf("notice closed tickets of partner %d: %w", partnerID, err)
	}
	isOpen := make(map[int]bool, len(open))
	for _, t := range open {
		isOpen[t.ID] = true
	}
	closed := 0
	for _, l := range links {
		// A ticket opened while the list was read may be missing from it.
		if isOpen[l.TicketID] || !l.OpenedAt.Before(started) {
			continue
		}
		_, err := s.store.CloseTicketLink(ctx, partnerID, l.Key, started)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return closed, err
		default:
			closed++
		}
	}
	return closed, nil
}
