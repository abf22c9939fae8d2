package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"

	"halobridge/internal/api"
	"halobridge/internal/auth"
	"halobridge/internal/billing/run"
	"halobridge/internal/config"
	"halobridge/internal/connect"
	"halobridge/internal/datadir"
	"halobridge/internal/halo"
	"halobridge/internal/ingest"
	"halobridge/internal/jobs"
	"halobridge/internal/poll"
	"halobridge/internal/portal"
	"halobridge/internal/ref"
	"halobridge/internal/retention"
	"halobridge/internal/secret"
	"halobridge/internal/store"
	"halobridge/internal/syncrun"
	"halobridge/internal/ticketing/deliver"
	"halobridge/internal/twoway"
	"halobridge/internal/web"
)

// runtime is what a long-running command opens once and hands down: the
// settings, the logger, the database with its migrations applied, the
// HaloPSA request budget every process shares, and the metrics.
type runtime struct {
	cfg      config.Config
	logger   *slog.Logger
	store    *store.Store
	registry *prometheus.Registry
	budget   *connect.SharedBudget
	metrics  *halo.Metrics
	halo     *connect.Halo
	sources  *connect.Sources
	// limits bound how long the server waits on clients; zero fields take
	// web.Limits' defaults, and the shutdown's is --shutdown-timeout.
	limits web.Limits
}

func openRuntime(ctx context.Context, cfg config.Config, env Env) (*runtime, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	// Records logged while serving a request carry its request id.
	logger := web.Logger(cfg.Logger(env.Stderr))
	if cfg.DatabaseURL == "" {
		if err := datadir.Dir(cfg.DataDir, logger); err != nil {
			return nil, err
		}
	}
	keys, err := secret.LoadKeyring(cfg.SecretKey, cfg.KeyFile(), logger)
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
	rt := &runtime{
		cfg:      cfg,
		logger:   logger,
		store:    st,
		registry: reg,
		budget:   connect.NewSharedBudget(st, cfg.HaloRateLimit, cfg.HaloRateWindow),
		metrics:  halo.NewMetrics(reg),
	}
	reg.MustRegister(rt.budget)
	rt.halo = &connect.Halo{Store: st, Budget: rt.budget, Metrics: rt.metrics, Outbound: cfg.OutboundPolicy(), Logger: logger}
	rt.sources = &connect.Sources{Store: st, Outbound: cfg.OutboundPolicy(), PublicURL: cfg.PublicURL(), Logger: logger}
	if p := cfg.OutboundPolicy(); p.Open() {
		logger.Info("the outbound URL guard is opened by the operator", "allows", p.String())
	}
	return rt, nil
}

func (r *runtime) Close() { r.store.Close() }

// haloDefaults is what every HaloPSA client the process builds starts from.
func (r *runtime) haloDefaults() halo.Config {
	return halo.Config{Budget: r.budget, Metrics: r.metrics, Outbound: r.cfg.OutboundPolicy(), Logger: r.logger}
}

// pollEvery is how often DefensX URL logs are read for new blocks.
const pollEvery = 5 * time.Minute

// pruneEvery is how often what is older than --retention is pruned.
const pruneEvery = time.Hour

// background is the durable work a server runs beside HTTP.
type background struct {
	queue    *jobs.Queue
	delivery *deliver.Jobs
	services services
	tickets  *deliver.Service
	billing  *run.Service
	twoway   *twoway.Jobs
}

// startJobs opens the durable job queue with every worker and starts it.
func (r *runtime) startJobs(ctx context.Context) (*background, error) {
	workers := river.NewWorkers()
	billing := &run.Service{Store: r.store, Halo: r.halo, Sources: r.sources, Logger: r.logger}
	due := run.Register(workers, billing)
	tickets := deliver.New(r.store, r.halo, deliver.Options{Logger: r.logger, BudgetLimit: r.cfg.HaloRateLimit, BudgetWindow: r.cfg.HaloRateWindow})
	delivery := &deliver.Jobs{Service: tickets, Connectors: r.sources, Logger: r.logger}
	syncer := &syncrun.Syncer{Store: r.store, Halo: r.halo, Sources: r.sources, Refs: []ref.ConfigRefs{tickets, billing}, Invoices: billing,
		TicketTypes: tickets, Logger: r.logger}
	syncrun.Register(workers, syncer)
	changes := &twoway.Jobs{Service: &twoway.Service{Store: r.store, Halo: r.halo, Sources: r.sources, BaseURL: r.cfg.PublicURL(), Logger: r.logger}}
	periodic := append(syncrun.Periodic(r.cfg.CatalogSyncInterval),
		changes.Register(workers),
		run.Periodic(),
		poll.Register(workers, &poll.Poller{Store: r.store, Sources: r.sources}, pollEvery),
		delivery.Register(workers),
		retention.Register(workers, &retention.Pruner{Store: r.store, Retention: r.cfg.Retention, Logger: r.logger}, pruneEvery),
	)
	host, _ := os.Hostname()
	q, err := jobs.Open(ctx, r.store, jobs.Options{Workers: workers, Periodic: periodic, ID: fmt.Sprintf("%s-%d", host, os.Getpid()), Logger: r.logger})
	if err != nil {
		return nil, fmt.Errorf("open the job queue: %w", err)
	}
	due.Queue = q
	delivery.Use(q)
	changes.Use(q)
	if err := q.Start(ctx); err != nil {
		return nil, fmt.Errorf("start the job queue: %w", err)
	}
	// A person fixed what held tickets back: deliver them now.
	fixed := func(ctx context.Context, partnerID int64) { delivery.OnStored(ctx, []int64{partnerID}) }
	svcs := newServices(syncer, billing, fixed)
	svcs.events.Webhooks, svcs.events.Incidents = changes.Service, changes.Service
	return &background{queue: q, delivery: delivery, services: svcs, tickets: tickets, billing: billing, twoway: changes}, nil
}

// serve runs the HTTP server on ln until ctx ends: probes, metrics, the
// ingest endpoints and the push API, sign-in, and the durable jobs, with the
// group committer that stores what is pushed.
func (r *runtime) serve(ctx context.Context, ln net.Listener) error {
	bg, err := r.startJobs(ctx)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), r.cfg.ShutdownTimeout)
		defer cancel()
		if err := bg.queue.Stop(sctx); err != nil {
			r.logger.Warn("stop the job queue", "error", err)
		}
	}()
	committer := ingest.NewCommitter(r.store, 0, r.logger)
	committer.OnStored(bg.delivery.OnStored)
	receiver := ingest.NewReceiver(r.store, committer, ingest.Parsers(),
		ingest.Options{Logger: r.logger, Registerer: r.registry, DedupHorizon: r.cfg.DedupHorizon, MaxEvents: r.cfg.MaxEventsPerPush})
	handler := r.handler(bg, receiver)
	committed := make(chan struct{})
	// The committer outlives the server by the shutdown: requests still in
	// flight when ctx ends get their batches stored before it stops.
	cctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	go func() { committer.Run(cctx); close(committed) }()
	limits := r.limits
	limits.Shutdown = r.cfg.ShutdownTimeout
	err = web.Serve(ctx, ln, handler, limits, r.logger)
	stop()
	<-committed
	return err
}

// handler is every route the server answers: the probes, the metrics, the
// push receivers and the push API (handing what they accept to receiver),
// sign-in, the JSON API and the portal.
func (r *runtime) handler(bg *background, receiver *ingest.Receiver) *web.Server {
	provisioning := &connect.Provisioning{Halo: r.halo}
	signIn := &auth.Service{Store: r.store, HaloDefaults: r.haloDefaults(), BaseURL: r.cfg.PublicURL(), Logger: r.logger,
		Pages: portal.SignInPages(r.logger), Provisioner: provisioning}
	var routes []web.Route
	for _, p := range auth.Patterns() {
		routes = append(routes, web.Route{Pattern: p, Handler: signIn.Handler()})
	}
	// The API and the portal guard their own routes with signIn's middleware.
	jsonAPI := api.New(api.Deps{Store: r.store, Auth: signIn, Mappings: bg.services.mappings, Assets: bg.services.assets, Events: bg.services.events, Queue: bg.queue,
		Tickets: bg.tickets, Billing: bg.billing, Sources: r.sources, Halo: r.halo, Logger: r.logger})
	for _, p := range api.Patterns() {
		routes = append(routes, web.Route{Pattern: p, Handler: jsonAPI})
	}
	pages := portal.New(portal.Deps{Store: r.store, Budget: r.budget, Auth: signIn, Mappings: bg.services.mappings, Assets: bg.services.assets, Events: bg.services.events, Tickets: bg.tickets, Billing: bg.billing,
		Sources: r.sources, Halo: r.halo, Provisioning: provisioning, Queue: bg.queue, Logger: r.logger})
	for _, p := range portal.Patterns() {
		routes = append(routes, web.Route{Pattern: p, Handler: pages})
	}
	// Validate read the list already.
	proxies, _ := r.cfg.TrustedProxyPrefixes()
	return web.New(web.Deps{
		Store:          r.store,
		Gatherer:       r.registry,
		Logger:         r.logger,
		Ingest:         receiver,
		PushAPI:        ingest.NewPushAPI(receiver, r.store),
		HaloWebhook:    &twoway.Receiver{Store: r.store, OnStored: bg.twoway.OnStored, Logger: r.logger},
		Routes:         routes,
		TrustedProxies: proxies,
	})
}
