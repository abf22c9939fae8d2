package syncrun

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"halobridge/internal/halo"
	"halobridge/internal/jobs"
	"halobridge/internal/store"
)

// haloList is one list read of the HaloPSA catalog and the catalog kinds it
// fills. Each costs one request per page of 1000 records (the
// configuration lists are unpaged), so a sync of a typical partner spends
// one request per list and the token.
type haloList struct {
	// what names the list in messages: "clients", "ticket statuses".
	what  string
	kinds []string
	read  func(ctx context.Context, c *halo.Client) (map[string][]store.CatalogEntry, error)
	// changes reads only the records HaloPSA changed since a time, and
	// count counts the records of the whole list; both are nil for a list
	// HaloPSA cannot filter by last update, which is read whole every time.
	// Such a list fills one kind.
	changes func(ctx context.Context, c *halo.Client, since time.Time) ([]store.CatalogEntry, error)
	count   func(ctx context.Context, c *halo.Client) (int, error)
	// ids lists the ids of the whole list in one request, so that records
	// gone from HaloPSA are found without reading the list whole.
	ids func(ctx context.Context, c *halo.Client) ([]int, error)
	// keep reads a list kept apart from the catalog, stores it, reports it
	// on p and res, and read is nil.
	keep func(ctx context.Context, c *halo.Client, p *jobs.Progress, res *Result) error
}

// haloLists are the lists a sync reads, in order: what mapping needs
// first, then what the ticket and billing policies refer to. Users are read
// only by the General User's name: the sync needs to know which sites have
// one, not every contact; the users of the clients tickets go to are read
// apart, by endUsers. Clients, sites and General Users can be read by last
// update; the other lists are small, or cannot be. The assets of the
// clients tickets go to are kept apart from the catalog (see assets).
func (s *Syncer) haloLists(partnerID int64) []haloList {
	endUserClients := s.endUserClients(partnerID)
	return []haloList{
		changing("clients", store.KindClient, func(c *halo.Client, ctx context.Context, u halo.Updated) ([]halo.ClientRecord, error) {
			return c.Clients(ctx, halo.ClientQuery{IncludeInactive: true, Updated: u})
		}, func(c *halo.Client, ctx context.Context) (int, error) {
			return c.CountClients(ctx, halo.ClientQuery{IncludeInactive: true})
		}, func(c *halo.Client, ctx context.Context) ([]int, error) {
			return c.ClientIDs(ctx, halo.ClientQuery{IncludeInactive: true})
		}, func(r halo.ClientRecord) (int, string, string) { return r.ID, r.Name, "" }),
		changing("sites", store.KindSite, func(c *halo.Client, ctx context.Context, u halo.Updated) ([]halo.Site, error) {
			return c.Sites(ctx, halo.SiteQuery{Updated: u})
		}, func(c *halo.Client, ctx context.Context) (int, error) {
			return c.CountSites(ctx, halo.SiteQuery{})
		}, func(c *halo.Client, ctx context.Context) ([]int, error) {
			return c.SiteIDs(ctx, halo.SiteQuery{})
		}, func(r halo.Site) (int, string, string) { return r.ID, r.Name, itoa(r.ClientID) }),
		// Every user the search finds is kept, General User or not (the
		// snapshot tells them apart), so that the catalog holds what
		// HaloPSA counts for the search.
		changing("General Users", store.KindUser, func(c *halo.Client, ctx context.Context, u halo.Updated) ([]halo.User, error) {
			return c.Users(ctx, halo.UserQuery{Search: halo.GeneralUserName, Updated: u})
		}, func(c *halo.Client, ctx context.Context) (int, error) {
			return c.CountUsers(ctx, halo.UserQuery{Search: halo.GeneralUserName})
		}, func(c *halo.Client, ctx context.Context) ([]int, error) {
			return c.UserIDs(ctx, halo.UserQuery{Search: halo.GeneralUserName})
		}, func(r halo.User) (int, string, string) { return r.ID, r.Name, itoa(r.SiteID) }),
		endUsers(endUserClients),
		s.assets(partnerID),
		one("agents", store.KindAgent, func(c *halo.Client, ctx context.Context) ([]halo.Agent, error) {
			return c.Agents(ctx, true, true)
		}, func(r halo.Agent) (int, string, string) { return r.ID, r.Name, "" }),
		one("teams", store.KindTeam, (*halo.Client).Teams,
			func(r halo.Team) (int, string, string) { return r.ID, r.Name, "" }),
		one("ticket statuses", store.KindStatus, (*halo.Client).Statuses,
			func(r halo.Status) (int, string, string) { return r.ID, r.Name, "" }),
		one("ticket types", store.KindTicketType, (*halo.Client).TicketTypes,
			func(r halo.TicketType) (int, string, string) { return r.ID, r.Name, "" }),
		slas(),
		one("ticket categories", store.KindCategory, (*halo.Client).Categories,
			func(r halo.Category) (int, string, string) { return r.ID, r.Value, "" }),
		one("action outcomes", store.KindOutcome, (*halo.Client).Outcomes,
			func(r halo.Outcome) (int, string, string) { return r.ID, r.Outcome, "" }),
		one("request sources", store.KindRequestSource, (*halo.Client).RequestSources,
			func(r halo.RequestSource) (int, string, string) { return r.ID, r.Name, "" }),
		one("items", store.KindItem, (*halo.Client).Items,
			func(r halo.Item) (int, string, string) { return r.ID, r.Name, "" }),
		one("recurring invoices", store.KindRecurringInvoice, func(c *halo.Client, ctx context.Context) ([]halo.RecurringInvoice, error) {
			return c.RecurringInvoices(ctx, halo.RecurringInvoiceQuery{})
		}, func(r halo.RecurringInvoice) (int, string, string) {
			return r.ID, cmp.Or(r.Reference, r.Notes1, r.ClientName), itoa(r.ClientID)
		}),
	}
}

// one is a list that fills one kind. read takes the client first so that
// the client's own methods fit as they are ((*halo.Client).Teams); key
// gives a record's id, name and parent.
func one[T any](what, kind string, read func(*halo.Client, context.Context) ([]T, error), key func(T) (int, string, string)) haloList {
	return haloList{what: what, kinds: []string{kind}, read: func(ctx context.Context, c *halo.Client) (map[string][]store.CatalogEntry, error) {
		records, err := read(c, ctx)
		if err != nil {
			return nil, err
		}
		entries, err := entriesOf(records, key)
		return map[string][]store.CatalogEntry{kind: entries}, err
	}}
}

// changing is a list that fills one kind and that HaloPSA can filter by
// last update: read reads the records changed within u, all of them for
// a zero u, count counts them all and ids lists their ids.
func changing[T any](what, kind string, read func(*halo.Client, context.Context, halo.Updated) ([]T, error), count func(*halo.Client, context.Context) (int, error),
	ids func(*halo.Client, context.Context) ([]int, error), key func(T) (int, string, string)) haloList {
	l := one(what, kind, func(c *halo.Client, ctx context.Context) ([]T, error) { return read(c, ctx, halo.Updated{}) }, key)
	l.changes = func(ctx context.Context, c *halo.Client, since time.Time) ([]store.CatalogEntry, error) {
		records, err := read(c, ctx, halo.Updated{From: since})
		if err != nil {
			return nil, err
		}
		return entriesOf(records, key)
	}
	l.count = func(ctx context.Context, c *halo.Client) (int, error) { return count(c, ctx) }
	l.ids = func(ctx context.Context, c *halo.Client) ([]int, error) { return ids(c, ctx) }
	return l
}

func entriesOf[T any](records []T, key func(T) (int, string, string)) ([]store.CatalogEntry, error) {
	entries := make([]store.CatalogEntry, 0, len(records))
	for _, r := range records {
		id, name, parent := key(r)
		e, err := entry(strconv.Itoa(id), name, parent, r)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	return dedupe(entries), nil
}

// slas reads the SLAs with their priorities in one request; a priority's
// own id is a uuid and its parent the SLA.
func slas() haloList {
	return haloList{what: "SLAs and priorities", kinds: []string{store.KindSLA, store.KindPriority}, read: func(ctx context.Context, c *halo.Client) (map[string][]store.CatalogEntry, error) {
		list, err := c.SLAs(ctx)
		if err != nil {
			return nil, err
		}
		var slas, priorities []store.CatalogEntry
		for _, sla := range list {
			e, err := entry(strconv.Itoa(sla.ID), sla.Name, "", sla)
			if err != nil {
				return nil, err
			}
			slas = append(slas, e)
			for _, p := range sla.Priorities {
				e, err := entry(p.ID, p.Name, strconv.Itoa(sla.ID), p)
				if err != nil {
					return nil, err
				}
				priorities = append(priorities, e)
			}
		}
		return map[string][]store.CatalogEntry{store.KindSLA: dedupe(slas), store.KindPriority: dedupe(priorities)}, nil
	}}
}

func entry(id, name, parent string, record any) (store.CatalogEntry, error) {
	data, err := json.Marshal(record)
	if err != nil {
		return store.CatalogEntry{}, fmt.Errorf("encode HaloPSA record %s: %w", id, err)
	}
	return store.CatalogEntry{HaloID: id, Name: name, ParentID: parent, Data: data}, nil
}

// dedupe keeps the last of records listed twice, which a list that changes
// between two of its pages can do; the catalog refuses duplicates.
func dedupe(entries []store.CatalogEntry) []store.CatalogEntry {
	at := make(map[string]int, len(entries))
	out := entries[:0]
	for _, e := range entries {
		if i, ok := at[e.HaloID]; ok {
			out[i] = e
			continue
		}
		at[e.HaloID] = len(out)
		out = append(out, e)
	}
	return out
}

func itoa(id int) string {
	if id == 0 {
		return ""
	}
	return strconv.Itoa(id)
}
