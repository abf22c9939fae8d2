package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Pinger is what readiness needs from storage.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are the parts the routes hand requests to.
type Deps struct {
	Store    Pinger
	Gatherer prometheus.Gatherer
	Logger   *slog.Logger
	// Ingest receives what security platforms push: POST /ingest/{token}.
	Ingest http.Handler
	// PushAPI serves the generic push API under /api/push/v1/.
	PushAPI http.Handler
	// HaloWebhook receives what HaloPSA's webhook posts: POST /halo/webhook/{token}.
	HaloWebhook http.Handler
	// Routes are the other areas' routes (sign-in, JSON API, portal pages),
	// each already wrapped in the authentication it needs. Forms posted
	// to them are bounded and parsed before they see them.
	Routes []Route
	// TrustedProxies are the reverse proxies in front of halobridge: a
	// request from one of them comes from the address its X-Forwarded-For
	// names (ClientAddr). Empty trusts no header, since anyone can send one.
	TrustedProxies []netip.Prefix
}

// Route is one ServeMux pattern and what serves it.
type Route struct {
	Pattern string
	Handler http.Handler
}

// Server serves halobridge's HTTP routes.
type Server struct {
	deps Deps
	mux  *http.ServeMux
}

// New builds the server and its routes.
func New(deps Deps) *Server {
	s := &Server{deps: deps, mux: http.NewServeMux()}
	s.routes()
	return s
}

// table lists every route in one place: the server's own, then the other
// areas', whose forms are bounded and parsed before they see them.
func (s *Server) table() []Route {
	routes := []Route{
		{Pattern: "GET /healthz", Handler: http.HandlerFunc(s.healthz)},
		{Pattern: "GET /readyz", Handler: http.HandlerFunc(s.readyz)},
		{Pattern: "GET /metrics", Handler: promhttp.HandlerFor(s.deps.Gatherer, promhttp.HandlerOpts{})},
	}
	if s.deps.Ingest != nil {
		routes = append(routes, Route{Pattern: "POST /ingest/{token}", Handler: s.deps.Ingest})
	}
	if s.deps.PushAPI != nil {
		routes = append(routes, Route{Pattern: "/api/push/v1/", Handler: s.deps.PushAPI})
	}
	if s.deps.HaloWebhook != nil {
		routes = append(routes, Route{Pattern: "POST /halo/webhook/{token}", Handler: s.deps.HaloWebhook})
	}
	for _, r := range s.deps.Routes {
		routes = append(routes, Route{Pattern: r.Pattern, Handler: forms(r.Handler)})
	}
	return routes
}

func (s *Server) routes() {
	for _, r := range s.table() {
		s.mux.Handle(r.Pattern, r.Handler)
	}
}

// Patterns are the routes the server answers: its own and Deps.Routes.
func (s *Server) Patterns() []string { return Patterns(s.table()) }

// Patterns lists the patterns of a route table, for the tests that hold a
// table against the requests they send (internal/web/routetest).
func Patterns(table []Route) []string {
	out := make([]string, 0, len(table))
	for _, r := range table {
		out = append(out, r.Pattern)
	}
	return out
}

// ServeHTTP gives the request its id and its client's address, sets the
// headers every answer has, bounds the body, refuses an address holding
// what no text halobridge keeps may hold (Unreadable), and routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := &request{id: newRequestID(), client: clientAddr(r, s.deps.TrustedProxies)}
	w.Header().Set(RequestIDHeader, info.id)
	baseHeaders(w.Header())
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	}
	r = withRequest(r, info)
	if where := unreadableAddress(r); where != "" {
		refuse(w, r, http.StatusBadRequest, "invalid_input", unreadableText(where))
		return
	}
	s.mux.ServeHTTP(w, r)
}

// healthz answers as long as the process serves HTTP at all.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 only when the database answers, so a load balancer
// sends no traffic to a replica that cannot store what it receives.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.deps.Store.Ping(ctx); err != nil {
		s.deps.Logger.Warn("readiness check failed", "request_id", RequestID(r), "error", err)
		WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database: " + err.Error(), "request_id": RequestID(r)})
		return
	}
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// Limits bound how long the server waits on clients; a zero field takes
// its default.
type Limits struct {
	// ReadHeader bounds reading a request's headers (default 10 s).
	ReadHeader time.Duration
	// Read bounds reading a whole request, body included (default 30 s,
	// enough for the largest push over a slow link), so that a body
	// trickled in a byte at a time cannot hold a connection open.
	Read time.Duration
	// Write bounds writing an answer, counted from the end of the request's
	// headers (default 10 min). Nothing streams, but some answers are
	// computed while the client waits (a billing run against a HaloPSA that
	// rations requests), so it is long: it only frees connections whose
	// client stopped reading.
	Write time.Duration
	// Idle bounds how long a kept-alive connection waits for its next
	// request (default 2 min).
	Idle time.Duration
	// Shutdown bounds how long in-flight requests may finish once the
	// context ends.
	Shutdown time.Duration
}

// maxHeaderBytes bounds a request's headers: the largest are the session,
// CSRF and HaloPSA sign-in cookies.
const maxHeaderBytes = 64 << 10

func (l Limits) orDefaults() Limits {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&l.ReadHeader, 10*time.Second)
	def(&l.Read, 30*time.Second)
	def(&l.Write, 10*time.Minute)
	def(&l.Idle, 2*time.Minute)
	return l
}

// Serve runs handler on ln until ctx ends, then shuts down gracefully,
// letting in-flight requests finish for at most limits.Shutdown.
func Serve(ctx context.Context, ln net.Listener, handler http.Handler, limits Limits, logger *slog.Logger) error {
	limits = limits.orDefaults()
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: limits.ReadHeader,
		ReadTimeout:       limits.Read,
		WriteTimeout:      limits.Write,
		IdleTimeout:       limits.Idle,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", limits.Shutdown.String())
	sctx, cancel := context.WithTimeout(context.Background(), limits.Shutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
