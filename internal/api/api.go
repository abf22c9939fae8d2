// Package api is halobridge's JSON API under /api/v1: the setup, the
// HaloPSA connection and the sources, the mapping table, suggestions,
// integration events, sync runs, the ticket and billing policies and runs,
// alerts and activity, and the API tokens and accounts of the calling
// partner, with the document that describes them (/api/openapi.json).
// Every route is listed in routes; each resource has its own file, and all
// answers go through the helpers of response.go, whose StatusOf the
// portal's pages map errors with too. A handler learns the partner only
// from the authenticated request context (auth.PartnerID), never from the
// request itself, and answers 404 for anything of another partner.
package api

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"halobridge/internal/auth"
	"halobridge/internal/billing/run"
	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/jobs"
	"halobridge/internal/mapping/assetmap"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/store"
	"halobridge/internal/ticketing/deliver"
	"halobridge/internal/web"
)

// Deps are what the API hands requests to.
type Deps struct {
	Store *store.Store
	// Auth authenticates every route but the API document, and serves the
	// API tokens and accounts. Nil leaves authentication to a handler in
	// front, which puts the partner in the context (auth.WithPartner).
	Auth     *auth.Service
	Mappings *mapper.Service
	// Assets serves the asset mappings of mapped companies.
	Assets *assetmap.Service
	Events *events.Service
	// Queue runs "Sync now" and the first sync of the setup; nil answers
	// 503 to them.
	Queue *jobs.Queue
	// Tickets and Billing serve the ticket and billing policies and runs.
	Tickets *deliver.Service
	Billing *run.Service
	// Sources and Halo connect a partner's sources and HaloPSA.
	Sources *connect.Sources
	Halo    *connect.Halo
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// handler holds the dependencies every resource's methods use.
type handler struct {
	deps Deps
}

// New returns the API. Mount it on every pattern Patterns lists.
func New(deps Deps) http.Handler {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	h := &handler{deps: deps}
	mux := http.NewServeMux()
	for _, r := range h.routes() {
		mux.Handle(r.Pattern, r.Handler)
	}
	return mux
}

// Patterns are the routes of the API, for mounting it on a larger
// ServeMux: register each with the handler New returns. All but the API
// document are for an authenticated partner, and /api/v1/ answers every
// other path under it with a 404.
func Patterns() []string { return web.Patterns((&handler{}).routes()) }

// routes lists every route of the API in one place.
func (h *handler) routes() []web.Route {
	p, active := h.partner, h.active
	return []web.Route{
		{Pattern: "GET /api/openapi.json", Handler: http.HandlerFunc(h.openAPI)},
		{Pattern: "/api/v1/", Handler: p(h.notFound)},

		{Pattern: "GET /api/v1/partner", Handler: p(h.getPartner)},
		{Pattern: "PATCH /api/v1/partner", Handler: p(h.updatePartner)},

		{Pattern: "GET /api/v1/setup", Handler: p(h.getSetup)},
		{Pattern: "POST /api/v1/setup/consent", Handler: p(h.consent)},
		{Pattern: "POST /api/v1/setup/integration", Handler: p(h.finishIntegration)},
		{Pattern: "POST /api/v1/setup/activate", Handler: p(h.activate)},

		{Pattern: "PUT /api/v1/halo/connection", Handler: p(h.saveHalo)},
		{Pattern: "POST /api/v1/halo/test", Handler: p(h.testHalo)},

		{Pattern: "GET /api/v1/sources", Handler: p(h.listSources)},
		{Pattern: "POST /api/v1/sources", Handler: p(h.addSource)},
		{Pattern: "PATCH /api/v1/sources/{id}", Handler: p(h.updateSource)},
		{Pattern: "DELETE /api/v1/sources/{id}", Handler: p(h.removeSource)},

		{Pattern: "GET /api/v1/mappings", Handler: p(h.listMappings)},
		{Pattern: "PUT /api/v1/mappings/{source}/{customer}", Handler: p(h.putMapping)},
		{Pattern: "DELETE /api/v1/mappings/{source}/{customer}", Handler: p(h.deleteMapping)},
		{Pattern: "POST /api/v1/mappings/{source}/{customer}/create-client", Handler: p(h.createClient)},
		{Pattern: "GET /api/v1/mappings/{source}/{customer}/assets", Handler: p(h.listAssetMappings)},
		{Pattern: "POST /api/v1/mappings/{source}/{customer}/assets/accept", Handler: p(h.acceptAssetMappings)},
		{Pattern: "POST /api/v1/mappings/{source}/{customer}/assets/create", Handler: p(h.createAssets)},
		{Pattern: "PUT /api/v1/mappings/{source}/{customer}/assets/{endpoint}", Handler: p(h.putAssetMapping)},
		{Pattern: "DELETE /api/v1/mappings/{source}/{customer}/assets/{endpoint}", Handler: p(h.deleteAssetMapping)},
		{Pattern: "GET /api/v1/asset-settings", Handler: p(h.getAssetSettings)},
		{Pattern: "PUT /api/v1/asset-settings", Handler: p(h.putAssetSettings)},

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
		{Pattern: "POST /api/v1/tickets/policy/preview", Handler: p(h.previewTitle)},
		{Pattern: "POST /api/v1/tickets/test", Handler: p(h.testTicket)},

		{Pattern: "GET /api/v1/alerts", Handler: p(active(h.listAlerts))},
		{Pattern: "GET /api/v1/activity", Handler: p(active(h.activity))},

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
		{Pattern: "POST /api/v1/sync/webhook", Handler: p(h.ensureWebhook)},

		{Pattern: "GET /api/v1/tokens", Handler: p(h.listTokens)},
		{Pattern: "POST /api/v1/tokens", Handler: p(h.createToken)},
		{Pattern: "DELETE /api/v1/tokens/{id}", Handler: p(h.revokeToken)},
		{Pattern: "GET /api/v1/accounts", Handler: p(h.listAccounts)},
		{Pattern: "DELETE /api/v1/accounts/{id}", Handler: p(h.deleteAccount)},
	}
}

// notFound answers a path under /api/v1/ that no route serves.
func (h *handler) notFound(w http.ResponseWriter, r *http.Request, _ int64) {
	h.fail(w, r, http.StatusNotFound, "not_found", "", "There is no such API endpoint: see the routes in the API documentation.")
}

// partnerHandler serves a request of an authenticated partner.
type partnerHandler func(w http.ResponseWriter, r *http.Request, partnerID int64)

// partner serves fn to authenticated partners only: behind Deps.Auth's
// middleware, or a handler in front that did its work.
func (h *handler) partner(fn partnerHandler) http.Handler {
	var next http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		partnerID, ok := auth.PartnerID(r.Context())
		if !ok {
			h.fail(w, r, http.StatusUnauthorized, "unauthenticated", "", "Sign in, or send an API token, to use the API.")
			return
		}
		fn(w, r, partnerID)
	})
	if h.deps.Auth != nil {
		next = h.deps.Auth.Middleware(next)
	}
	return next
}

// active keeps what the sections after setup serve locked until "Save
// configuration" has activated the integration.
func (h *handler) active(fn partnerHandler) partnerHandler {
	return func(w http.ResponseWriter, r *http.Request, partnerID int64) {
		progress, err := h.deps.Store.SetupProgress(r.Context(), partnerID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			h.failErr(w, r, err)
			return
		}
		if !progress.Active() {
			h.fail(w, r, http.StatusConflict, "conflict", "", "Finish the setup first: this section opens once the configuration is saved.")
			return
		}
		fn(w, r, partnerID)
	}
}

// callerOf is who sent r, as the authentication established it: the
// partner, and the account or token when auth.Middleware authenticated it.
func callerOf(r *http.Request) (int64, auth.Caller) {
	partnerID, _ := auth.PartnerID(r.Context())
	c, _ := auth.CallerFrom(r.Context())
	return partnerID, c
}
