package portal

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"halobridge/internal/auth"
	"halobridge/internal/billing/run"
	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/jobs"
	"halobridge/internal/mapping/assetmap"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/store"
	"halobridge/internal/ticketing/deliver"
)

// Deps are the services the portal's pages call. All are required but Now
// and Logger.
type Deps struct {
	Store *store.Store
	// Auth guards every page but the assets and the API document, and gives
	// each form its CSRF token.
	Auth     *auth.Service
	Mappings *mapper.Service
	// Assets serves the asset mapping page.
	Assets  *assetmap.Service
	Events  *events.Service
	Tickets *deliver.Service
	Billing *run.Service
	Sources *connect.Sources
	Halo    *connect.Halo
	// Provisioning says what the first HaloPSA sign-in created there.
	Provisioning *connect.Provisioning
	// Budget is the HaloPSA request budget every replica shares; the sync
	// page shows what of it is spent. Nil shows nothing.
	Budget *connect.SharedBudget
	// Queue takes the jobs "Sync now" and "Bill now" start.
	Queue Queue
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Queue inserts durable jobs and reads them back; *jobs.Queue is one.
type Queue interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (jobs.JobInfo, error)
	Job(ctx context.Context, id int64) (*rivertype.JobRow, error)
}

// handler serves the portal.
type handler struct {
	deps  Deps
	views *views
	mux   *http.ServeMux
}

// New returns the portal. Mount it on every pattern Patterns lists.
func New(deps Deps) http.Handler {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	h := &handler{deps: deps, views: parseViews(), mux: http.NewServeMux()}
	h.routes()
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// route is one pattern of the portal and how it is served.
type route struct {
	pattern string
	// public routes need no session: the assets.
	public bool
	// setup routes stay open before the integration is activated; every
	// other signed-in route waits for it.
	setup   bool
	handler http.HandlerFunc
}

// Patterns are the routes the portal serves, for mounting it on a larger
// ServeMux: register each with the handler New returns.
func Patterns() []string {
	var out []string
	for _, r := range (&handler{}).table() {
		out = append(out, r.pattern)
	}
	return out
}

// table lists every route in one place.
func (h *handler) table() []route {
	return []route{
		{pattern: "GET /assets/{file}", public: true, handler: h.asset},

		{pattern: "GET /setup", setup: true, handler: h.setupPage},
		{pattern: "GET /setup/created", setup: true, handler: h.createdPage},
		{pattern: "POST /setup/partner", setup: true, handler: h.renamePartner},
		{pattern: "POST /setup/halo", setup: true, handler: h.saveHalo},
		{pattern: "POST /setup/halo/test", setup: true, handler: h.testHalo},
		{pattern: "POST /setup/sources", setup: true, handler: h.addSource},
		{pattern: "GET /setup/sources/{id}", setup: true, handler: h.sourcePage},
		{pattern: "POST /setup/sources/{id}", setup: true, handler: h.updateSource},
		{pattern: "POST /setup/sources/{id}/remove", setup: true, handler: h.removeSource},
		{pattern: "POST /setup/integration", setup: true, handler: h.finishIntegration},
		{pattern: "POST /setup/billing", setup: true, handler: h.saveBillingPolicy},
		{pattern: "POST /setup/ticketing", setup: true, handler: h.saveTicketPolicy},
		{pattern: "POST /setup/ticketing/form", setup: true, handler: h.ticketPolicyForm},
		{pattern: "POST /setup/ticketing/priorities", setup: true, handler: h.priorityChoices},
		{pattern: "POST /setup/ticketing/preview", setup: true, handler: h.previewTitle},
		{pattern: "POST /setup/activate", setup: true, handler: h.activate},
		{pattern: "POST /sync", setup: true, handler: h.syncNow},
		{pattern: "GET /sync/jobs/{id}", setup: true, handler: h.jobProgress},
		{pattern: "GET /sync/runs/{id}", setup: true, handler: h.runProgress},

		{pattern: "GET /{$}", handler: h.overviewPage},
		{pattern: "GET /mapping", handler: h.mappingPage},
		{pattern: "POST /mapping/map", handler: h.mapping(h.mapCompany)},
		{pattern: "POST /mapping/unmap", handler: h.mapping(h.unmapCompany)},
		{pattern: "POST /mapping/create-client", handler: h.mapping(h.createClient)},
		{pattern: "POST /mapping/switches", handler: h.mapping(h.mappingSwitches)},
		{pattern: "POST /mapping/accept", handler: h.mapping(h.acceptSuggestion)},
		{pattern: "POST /mapping/accept-all", handler: h.mapping(h.acceptAllSuggestions)},
		{pattern: "POST /mapping/reject", handler: h.mapping(h.rejectSuggestion)},
		{pattern: "GET /asset-mapping", handler: h.assetPage},
		{pattern: "POST /asset-mapping/accept", handler: h.assets(h.acceptAssets)},
		{pattern: "POST /asset-mapping/map", handler: h.assets(h.mapAsset)},
		{pattern: "POST /asset-mapping/unmap", handler: h.assets(h.unmapAsset)},
		{pattern: "POST /asset-mapping/create", handler: h.assets(h.createAssets)},
		{pattern: "POST /asset-mapping/settings", handler: h.saveAssetSettings},
		{pattern: "GET /ticketing", handler: h.ticketingPage},
		{pattern: "POST /ticketing/test", handler: h.testTicket},
		{pattern: "GET /billing", handler: h.billingPage},
		{pattern: "POST /billing/dry-run", handler: h.dryRun},
		{pattern: "POST /billing/run", handler: h.billNow},
		{pattern: "GET /events", handler: h.eventsPage},
		{pattern: "POST /events/recheck", handler: h.recheckEvents},
		{pattern: "POST /events/{id}/recheck", handler: h.recheckEvent},
		{pattern: "POST /events/{id}/resolve", handler: h.resolveEvent},
		{pattern: "GET /sync", handler: h.syncPage},
		{pattern: "POST /sync/webhook", handler: h.ensureWebhook},
	}
}

// routes mounts the table: signed-in routes behind auth.Middleware, and
// the sections after setup behind the activation check.
func (h *handler) routes() {
	for _, rt := range h.table() {
		var next http.Handler = rt.handler
		if !rt.public {
			if !rt.setup {
				next = h.requireActive(next)
			}
			next = h.deps.Auth.Middleware(next)
		}
		h.mux.Handle(rt.pattern, next)
	}
}
