package deliver

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"strings"

	"halobridge/internal/halo"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
	"halobridge/internal/vocab"
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
		n.User, n.UserEmail = u.DisplayName(), u.Email
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

// withConsole gives a GravityZone incident alert the address of the
// console it can be opened in, so that its ticket links back to it: the
// console is served where the source's Access URL is, without /api. The
// stored alert is left as it is.
func (p *pass) withConsole(ctx context.Context, a store.PendingAlert) (source.Alert, error) {
	alert := a.Alert
	if alert.Source != source.GravityZone || alert.Facts["incident_id"] == "" {
		return alert, nil
	}
	addr, ok := p.consoles[a.SourceID]
	if !ok {
		src, err := p.svc.store.Source(ctx, a.SourceID)
		if err != nil {
			return alert, fmt.Errorf("find the console of source %d: %w", a.SourceID, err)
		}
		addr = consoleAddress(src.APIURL)
		p.consoles[a.SourceID] = addr
	}
	if addr != "" {
		alert.Facts = maps.Clone(alert.Facts)
		alert.Facts[vocab.FactConsoleAddress] = addr
	}
	return alert, nil
}

// consoleAddress is the GravityZone console of an Access URL
// (https://cloud.gravityzone.bitdefender.com/api gives
// https://cloud.gravityzone.bitdefender.com), or "" when it is not an
// https address.
func consoleAddress(apiURL string) string {
	u, err := url.Parse(strings.TrimSpace(apiURL))
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return ""
	}
	return "https://" + u.Host
}

// endUsersOf lists the HaloPSA users of client clientID the last sync kept
// (the users of mapped clients, kept while the policy matches end users),
// reading the catalog once a pass.
func (p *pass) endUsersOf(ctx context.Context, clientID int) ([]ticketing.HaloUser, error) {
	if p.endUsers == nil {
		p.endUsers = map[int][]ticketing.HaloUser{}
		r := catalogReader{ctx: ctx, st: p.svc.store, partnerID: p.partnerID}
		read(&r, store.KindEndUser, func(u halo.User) {
			p.endUsers[u.ClientID] = append(p.endUsers[u.ClientID], ticketing.HaloUser{
				ID: u.ID, Name: u.Name, Email: u.EmailAddress, Login: u.Login, SiteID: u.SiteID, General: u.IsGeneralUser(),
			})
		})
		if r.err != nil {
			p.endUsers = nil
			return nil, fmt.Errorf("read the HaloPSA users of mapped clients: %w", r.err)
		}
	}
	return p.endUsers[clientID], nil
}
