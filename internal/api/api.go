// Package api is halobridge's JSON API under /api/v1: the mapping table,
// suggestions, integration events, sync runs, and the ticket and billing
// policies and runs of the calling partner.
// Every route is listed in table; each resource has its own file, and all
// answers go through the helpers of response.go. A handler learns the
// partner only from the authenticated request context (auth.PartnerID),
// never from the request itself, and answers 404 for anything of another
// partner.
package api

import (
	"log/slog"
	"net/http"

	"halobridge/internal/auth"
	"halobridge/internal/billing/run"
	"halobridge/internal/events"
	"halobridge/internal/jobs"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/store"
	"halobridge/internal/ticketing/deliver"
	"halobridge/internal/web"
)

// Deps are what the API hands requests to.
type Deps struct {
	Store    *store.Store
	Mappings *mapper.Service
	Events   *events.Service
	// Queue runs "Sync now"; nil answers 503 to it.
	Queue *jobs.Queue
	// Tickets and Billing serve the ticket and billing policies and runs.
	Tickets *deliver.Service
	Billing *run.Service
	Logger  *slog.Logger
}

// handler holds the dependencies every resource's methods use.
type handler struct {
	deps Deps
	mux  *http.ServeMux
}

// New returns the API. It expects an authentication middleware in front
// that puts the caller's partner in the request context.
func New(deps Deps) http.Handler {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	h := &handler{deps: deps, mux: http.NewServeMux()}
	h.routes()
	return h.mux
}

// Patterns are the routes of the API, each for an authenticated partner;
// New also answers every other path under /api/v1/ with a 404.
func Patterns() []string { return web.Patterns((&handler{}).table()) }

// table lists every route of the API in one place.
func (h *handler) table() []web.Route {
	p := h.partner
	return []web.Route{
		{Pattern: "GET /api/v1/mappings", Handler: p(h.listMappings)},
		{Pattern: "PUT /api/v1/mappings/{source}/{customer}", Handler: p(h.putMapping)},
		{Pattern: "DELETE /api/v1/mappings/{source}/{customer}", Handler: p(h.deleteMapping)},
		{Pattern: "POST /api/v1/mappings/{source}/{customer}/create-client", Handler: p(h.createClient)},

		{Pattern: "GET /api/v1/suggestions", Handler: p(h.listSuggestions)},
		{Pattern: "POST /api/v1/suggestions/accept", Handler: p(h.acceptSuggestions)},
		{Pattern: "POST /api/v1/suggestions/reject", Handler: p(h.rejectSuggestions)},

		{Pattern: "GET /api/v1/events", Handler: p(h.listEvents)},
		{Pattern: "POST /api/v1/events/recheck", Handler: p(h.recheckEvents)},
		{Pattern: "POST /api/v1/events/{id}/recheck", Handler: p(h.recheckEvent)},
		{Pattern: "POST /api/v1/events/{id}/resolve", Handler: p(h.resolveEvent)},

		{Pattern: "GET /api/v1/tickets/policy", Handler: p(h.getTicketPolicy)},
		{Pattern: "PUT /api/v1/tickets/policy", Handler: p(h.putTicketPolicy)},
		{Pattern: "POST /api/v1/tickets/policy/defaults", Handler: p(h.ticketPolicyDefaults)},
		{Pattern: "POST /api/v1/tickets/test", Handler: p(h.testTicket)},

		{Pattern: "GET /api/v1/billing/policy", Handler: p(h.getBillingPolicy)},
		{Pattern: "PUT /api/v1/billing/policy", Handler: p(h.putBillingPolicy)},
		{Pattern: "GET /api/v1/billing/items/proposals", Handler: p(h.proposeItems)},
		{Pattern: "POST /api/v1/billing/items", Handler: p(h.createItems)},
		{Pattern: "POST /api/v1/billing/runs", Handler: p(h.runBilling)},
		{Pattern: "GET /api/v1/billing/runs", Handler: p(h.listBillingRuns)},
		{Pattern: "GET /api/v1/billing/corrections", Handler: p(h.listBillingCorrections)},

		{Pattern: "POST /api/v1/sync", Handler: p(h.syncNow)},
		{Pattern: "GET /api/v1/sync/runs", Handler: p(h.listRuns)},
		{Pattern: "GET /api/v1/sync/runs/{id}", Handler: p(h.getRun)},
	}
}

// routes mounts the table, and a 404 that names the API documentation for
// any other path.
func (h *handler) routes() {
	for _, r := range h.table() {
		h.mux.Handle(r.Pattern, r.Handler)
	}
	h.mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusNotFound, "not_found", "", "There is no such API endpoint: see the routes in the API documentation.")
	})
}

// partnerHandler serves a request of an authenticated partner.
type partnerHandler func(w http.ResponseWriter, r *http.Request, partnerID int64)

// partner serves fn to authenticated partners only.
func (h *handler) partner(fn partnerHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		partnerID, ok := auth.PartnerID(r.Context())
		if !ok {
			h.fail(w, r, http.StatusUnauthorized, "unauthenticated", "", "Sign in, or send an API token, to use the API.")
			return
		}
		fn(w, r, partnerID)
	})
}
