package halosim

import (
	"maps"
	"slices"
)

// store holds what the instance knows. Maps are keyed by id; reads sort by id so lists and
// pages are stable.
type store struct {
	clients     map[int]Client
	sites       map[int]Site
	users       map[int]User
	agents      map[int]Agent
	teams       map[int]Team
	statuses    map[int]Status
	ticketTypes map[int]TicketType
	slas        map[int]SLA
	categories  map[int]Category
	outcomes    map[int]Outcome
	lookups     []Lookup
	items       map[int]Item
	suppliers   map[int]Supplier
	tickets     map[int]Ticket
	actions     map[int]map[int]Action // ticket id → action id → action
	invoices    map[int]RecurringInvoice
	generated   map[int]Invoice // invoices generated from recurring invoices
	links       map[int]ExternalLink
	toplevels   map[int]string
	assets      map[int]Asset
	assetTypes  map[int]AssetType

	apiAgentID int            // the seeded API-only agent the default application logs in as
	last       map[string]int // last id handed out per table
}

func newStore() *store {
	return &store{
		clients: map[int]Client{}, sites: map[int]Site{}, users: map[int]User{},
		agents: map[int]Agent{}, teams: map[int]Team{}, statuses: map[int]Status{},
		ticketTypes: map[int]TicketType{}, slas: map[int]SLA{}, categories: map[int]Category{},
		outcomes: map[int]Outcome{}, items: map[int]Item{}, suppliers: map[int]Supplier{}, tickets: map[int]Ticket{},
		actions: map[int]map[int]Action{}, invoices: map[int]RecurringInvoice{}, generated: map[int]Invoice{},
		links: map[int]ExternalLink{}, toplevels: map[int]string{}, last: map[string]int{},
		assets: map[int]Asset{}, assetTypes: map[int]AssetType{},
	}
}

// nextID hands out the next positive id of a table.
func (db *store) nextID(table string) int {
	db.last[table]++
	return db.last[table]
}

// reserveID makes sure later ids of a table come after id (seeds use fixed ids).
func (db *store) reserveID(table string, id int) {
	db.last[table] = max(db.last[table], id)
}

// nextInvoiceID hands out recurring-invoice ids, which are negative in Halo (-94, -95, ...).
func (db *store) nextInvoiceID() int {
	return -db.nextID("invoice")
}

func sortedValues[T any](m map[int]T) []T {
	out := make([]T, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}
