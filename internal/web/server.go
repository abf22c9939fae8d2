// Package web is halobridge's HTTP surface: health and readiness probes and
// Prometheus metrics now; the portal, the JSON API and the webhook receivers
// are added to the same router as they are built.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
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
	// Routes are the other areas' routes (sign-in, JSON API, portal pages),
	// each already wrapped in the authentication it needs.
	Routes []Route
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

// routes lists every route in one place.
func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.deps.Gatherer, promhttp.HandlerOpts{}))
	if s.deps.Ingest != nil {
		s.mux.Handle("POST /ingest/{token}", s.deps.Ingest)
	}
	if s.deps.PushAPI != nil {
		s.mux.Handle("/api/push/v1/", s.deps.PushAPI)
	}
	for _, r := range s.deps.Routes {
		s.mux.Handle(r.Pattern, r.Handler)
	}
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// healthz answers as long as the process serves HTTP at all.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 only when the database answers, so a load balancer
// sends no traffic to a replica that cannot store what it receives.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.deps.Store.Ping(ctx); err != nil {
		s.deps.Logger.Warn("readiness check failed", "error", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Serve runs handler on ln until ctx ends, then shuts down gracefully,
// letting in-flight requests finish for at most timeout.
func Serve(ctx context.Context, ln net.Listener, handler http.Handler, timeout time.Duration, logger *slog.Logger) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", timeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
