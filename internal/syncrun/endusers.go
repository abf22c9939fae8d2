package syncrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"halobridge/internal/halo"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// endUsers is the list of the users of the clients tickets go to, which a
// ticket is filed on when the alert names one of them. clients gives
// those clients; none (the policy does not match end users) costs no
// request and empties the list.
func endUsers(clients func(context.Context) ([]int, error)) haloList {
	return haloList{what: "users of mapped clients", kinds: []string{store.KindEndUser}, read: func(ctx context.Context, c *halo.Client) (map[string][]store.CatalogEntry, error) {
		ids, err := clients(ctx)
		if err != nil {
			return nil, err
		}
		users, err := readEndUsers(ctx, c, ids)
		if err != nil {
			return nil, err
		}
		entries, err := entriesOf(users, func(u halo.User) (int, string, string) { return u.ID, u.Name, itoa(u.ClientID) })
		return map[string][]store.CatalogEntry{store.KindEndUser: entries}, err
	}}
}

// readEndUsers reads the active users of clients (ascending) in the
// fewest requests (see readPerClient).
func readEndUsers(ctx context.Context, c *halo.Client, clients []int) ([]halo.User, error) {
	return readPerClient(ctx, clients, "users",
		func(ctx context.Context) (int, error) { return c.CountUsers(ctx, halo.UserQuery{}) },
		func(ctx context.Context, clientID int) ([]halo.User, error) {
			return c.Users(ctx, halo.UserQuery{ClientID: clientID})
		},
		func(u halo.User) int { return u.ClientID })
}

// readPerClient reads the records of a HaloPSA list that belong to clients
// (ascending) in the fewest requests: one list per client, or, when the
// whole list takes fewer pages than there are clients (counting pages as a
// HaloPSA that caps them would give them), the whole list once, kept to
// those clients. Weighing costs one count, worth it from three clients on.
// read reads the list of one client, or the whole list for client 0; what
// names the records in errors.
func readPerClient[T any](ctx context.Context, clients []int, what string, count func(context.Context) (int, error),
	read func(ctx context.Context, clientID int) ([]T, error), clientOf func(T) int) ([]T, error) {
	if len(clients) >= 3 {
		total, err := count(ctx)
		switch {
		case errors.Is(err, halo.ErrNoRecordCount) || halo.IsBadRequest(err):
			// Not counted: read client by client.
		case err != nil:
			return nil, err
		case (total+halo.CappedPageSize-1)/halo.CappedPageSize < len(clients):
			all, err := read(ctx, 0)
			if err != nil {
				return nil, err
			}
			return slices.DeleteFunc(all, func(r T) bool {
				_, found := slices.BinarySearch(clients, clientOf(r))
				return !found
			}), nil
		}
	}
	var out []T
	for _, id := range clients {
		records, err := read(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("%s of HaloPSA client %d: %w", what, id, err)
		}
		out = append(out, records...)
	}
	return out, nil
}

// endUserClients gives the HaloPSA clients whose users the catalog keeps,
// in ascending order: those of the confirmed mappings with ticketing on,
// while the partner's ticket policy files tickets on end users; none
// otherwise.
func (s *Syncer) endUserClients(partnerID int64) func(context.Context) ([]int, error) {
	return func(ctx context.Context) ([]int, error) {
		saved, err := s.Store.TicketPolicy(ctx, partnerID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		var p ticketing.Policy
		if err := json.Unmarshal(saved.Policy, &p); err != nil {
			return nil, fmt.Errorf("read the ticket policy of partner %d: %w; save the policy again on the ticketing page", partnerID, err)
		}
		if !p.MatchEndUser {
			return nil, nil
		}
		return s.ticketingClients(ctx, partnerID)
	}
}

// ticketingClients are the HaloPSA clients of the partner's confirmed
// mappings with ticketing on, in ascending order.
func (s *Syncer) ticketingClients(ctx context.Context, partnerID int64) ([]int, error) {
	mappings, err := s.Store.Mappings(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	var ids []int
	for _, m := range mappings {
		if m.Confirmed && m.Ticketing && m.ClientID > 0 {
			ids = append(ids, m.ClientID)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}
