package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"halobridge/internal/config"
	"halobridge/internal/halo"
	"halobridge/internal/ingest"
	"halobridge/internal/secret"
	"halobridge/internal/store"
	"halobridge/internal/web"
)

// runtime is what a long-running command opens once and hands down: the
// settings, the logger, the database with its migrations applied, and the
// process-wide HaloPSA rate limiters and metrics.
type runtime struct {
	cfg      config.Config
	logger   *slog.Logger
	store    store.Store
	registry *prometheus.Registry
	limiters *halo.Limiters
	metrics  *halo.Metrics
}

func openRuntime(ctx context.Context, cfg config.Config, env Env) (*runtime, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	logger := cfg.Logger(env.Stderr)
	if cfg.DatabaseURL == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	keys, err := secret.LoadKeyring(cfg.SecretKey, cfg.KeyFile())
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	st, err := store.Open(ctx, store.Config{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir, Keys: keys, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("apply migrations: %w", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &runtime{
		cfg:      cfg,
		logger:   logger,
		store:    st,
		registry: reg,
		limiters: halo.NewLimiters(cfg.HaloRateLimit, cfg.HaloRateWindow),
		metrics:  halo.NewMetrics(reg),
	}, nil
}

func (r *runtime) Close() { r.store.Close() }

// serve runs the HTTP server on ln until ctx ends: probes, metrics, the
// ingest endpoints and the push API, with the group committer that stores
// what is pushed.
func (r *runtime) serve(ctx context.Context, ln net.Listener) error {
	committer := ingest.NewCommitter(r.store, 0, r.logger)
	receiver := ingest.NewReceiver(r.store, committer, ingest.Parsers(), ingest.Options{Logger: r.logger, Registerer: r.registry})
	handler := web.New(web.Deps{
		Store:    r.store,
		Gatherer: r.registry,
		Logger:   r.logger,
		Ingest:   receiver,
		PushAPI:  ingest.NewPushAPI(receiver, r.store),
	})
	committed := make(chan struct{})
	// The committer outlives the server by the shutdown: requests still in
	// flight when ctx ends get their batches stored before it stops.
	cctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	go func() { committer.Run(cctx); close(committed) }()
	err := web.Serve(ctx, ln, handler, r.cfg.ShutdownTimeout, r.logger)
	stop()
	<-committed
	return err
}
