// Package api is halobridge's JSON API under /api/v1: the mapping table,
// suggestions, integration events, sync runs, and the ticket and billing
// policies and runs of the calling partner.
// Every route is listed in routes; each resource has its own file, and all
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
	"halobridge/internal/catalog"
	"halobridge/internal/jobs"
	"halobridge/internal/store"
	"halobridge/internal/ticketing/deliver"
)

// Deps are what the API hands requests to.
type Deps struct {
	Store   store.Store
	Catalog *catalog.Service
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

// routes lists every route of the API.
func (h *handler) routes() {
	h.handle("GET /api/v1/mappings", h.listMappings)
	h.handle("PUT /api/v1/mappings/{source}/{customer}", h.putMapping)
	h.handle("DELETE /api/v1/mappings/{source}/{customer}", h.deleteMapping)
	h.handle("POST /api/v1/mappings/{source}/{customer}/create-client", h.createClient)

	h.handle("GET /api/v1/suggestions", h.listSuggestions)
	h.handle("POST /api/v1/suggestions/accept", h.acceptSuggestions)
	h.handle("POST /api/v1/suggestions/reject", h.rejectSuggestions)

	h.handle("GET /api/v1/events", h.listEvents)
	h.handle("POST /api/v1/events/recheck", h.recheckEvents)
	h.handle("POST /api/v1/events/{id}/recheck", h.recheckEvent)
	h.handle("POST /api/v1/events/{id}/resolve", h.resolveEvent)

	h.handle("GET /api/v1/tickets/policy", h.getTicketPolicy)
	h.handle("PUT /api/v1/tickets/policy", h.putTicketPolicy)
	h.handle("POST /api/v1/tickets/policy/defaults", h.ticketPolicyDefaults)
	h.handle("POST /api/v1/tickets/test", h.testTicket)

	h.handle("GET /api/v1/billing/policy", h.getBillingPolicy)
	h.handle("PUT /api/v1/billing/policy", h.putBillingPolicy)
	h.handle("GET /api/v1/billing/items/proposals", h.proposeItems)
	h.handle("POST /api/v1/billing/items", h.createItems)
	h.handle("POST /api/v1/billing/runs", h.runBilling)
	h.handle("GET /api/v1/billing/runs", h.listBillingRuns)
	h.handle("GET /api/v1/billing/corrections", h.listBillingCorrections)

	h.handle("POST /api/v1/sync", h.syncNow)
	h.handle("GET /api/v1/sync/runs", h.listRuns)
	h.handle("GET /api/v1/sync/runs/{id}", h.getRun)

	h.mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusNotFound, "not_found", "", "There is no such API endpoint: see the routes in the API documentation.")
	})
}

// partnerHandler serves a request of an authenticated partner.
type partnerHandler func(w http.ResponseWriter, r *http.Request, partnerID int64)

// handle registers a route that requires an authenticated partner.
func (h *handler) handle(pattern string, fn partnerHandler) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		partnerID, ok := auth.PartnerID(r.Context())
		if !ok {
			h.fail(w, r, http.StatusUnauthorized, "unauthenticated", "", "Sign in, or send an API token, to use the API.")
			return
		}
		fn(w, r, partnerID)
	})
}
