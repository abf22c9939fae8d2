package deliver

import (
	"context"
	"fmt"

	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// namesOf names the parties of a for the ticket: its company as the
// source's catalog names it, the HaloPSA client the ticket goes to (the
// mapped one, else the fallback) as HaloPSA's catalog names it, and its
// user as the source's users name them. A name the catalogs do not hold is
// left "", and the ticket shows the id.
func (p *pass) namesOf(ctx context.Context, a store.PendingAlert, m ticketing.MappingState) (ticketing.Names, error) {
	var n ticketing.Names
	customers, ok := p.customerNames[a.SourceID]
	if !ok {
		list, err := p.svc.store.SourceCustomers(ctx, a.SourceID)
		if err != nil {
			return n, fmt.Errorf("name the customers of source %d: %w", a.SourceID, err)
		}
		customers = make(map[string]string, len(list))
		for _, c := range list {
			customers[c.ID] = c.Name
		}
		p.customerNames[a.SourceID] = customers
	}
	n.Customer = customers[a.CustomerID]
	clientID := p.fallbackClientID
	if m.Mapped && m.ClientID > 0 {
		clientID = m.ClientID
	}
	if clientID > 0 {
		name, ok := p.clientNames[clientID]
		if !ok {
			var err error
			if name, err = p.svc.catalogClientName(ctx, p.partnerID, clientID); err != nil {
				return n, fmt.Errorf("name HaloPSA client %d: %w", clientID, err)
			}
			p.clientNames[clientID] = name
		}
		n.Client = name
	}
	if u, ok := p.users[a.SourceID][ticketing.UserKey(a.Alert)]; ok {
		n.User = u.DisplayName()
	}
	return n, nil
}

// loadUsers reads the users the alerts name, in one query per source.
func (p *pass) loadUsers(ctx context.Context, alerts []store.PendingAlert) error {
	keys := map[int64][]string{}
	seen := map[int64]map[string]bool{}
	for _, a := range alerts {
		k := ticketing.UserKey(a.Alert)
		if k == "" || seen[a.SourceID][k] {
			continue
		}
		if seen[a.SourceID] == nil {
			seen[a.SourceID] = map[string]bool{}
		}
		seen[a.SourceID][k] = true
		keys[a.SourceID] = append(keys[a.SourceID], k)
	}
	for sourceID, ids := range keys {
		users, err := p.svc.store.SourceUsers(ctx, sourceID, ids)
		if err != nil {
			return err
		}
		p.users[sourceID] = users
	}
	return nil
}
