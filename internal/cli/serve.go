package cli

import (
	"context"
	"flag"
	"fmt"
	"net"

	"halobridge/internal/config"
	"halobridge/internal/jobs"
)

func serveCommand() *command {
	cfg := config.Default()
	return &command{
		name:    "serve",
		summary: "run the HTTP server (applies migrations first)",
		usage:   "halobridge serve [flags]",
		long: `Runs halobridge: applies pending database migrations (safe when several replicas
start at once), then serves HTTP until SIGTERM or Ctrl-C, finishing in-flight
requests before it exits.

Routes: /healthz (the process is up), /readyz (the database answers), /metrics (Prometheus).

A pushed event arriving again is recognised and not stored twice. An event
that carries no time of its own (GravityZone uninstall, install, sva-load…)
is known by its content alone: arriving again within --dedup-horizon it is
a redelivery, after it a new alert. Alerts and resolutions are kept for
--retention after they arrive, longer while delivery still needs them, and
pruned every hour in small batches that ingest goes on between.

A push is refused whole, before its events are read, when it carries more
than --max-events-per-push events (413) or an event that is not a JSON
object (400). Texts PostgreSQL cannot keep (NUL, bytes that are not UTF-8,
lone surrogates) are replaced by U+FFFD where alerts enter the store, and
the alert's fact text_cleaned says so, so both databases keep the same.

Examples:
  halobridge serve --listen :8080 --data-dir /var/lib/halobridge
  HALOBRIDGE_DATABASE_URL=postgres://halobridge@db:5432/halobridge halobridge serve`,
		flags: func(fs *flag.FlagSet) {
			cfg.Server(fs)
			cfg.Storage(fs)
			cfg.Halo(fs)
			cfg.Outbound(fs)
			cfg.Logging(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("serve takes no arguments, got %q", args)
			}
			rt, err := openRuntime(ctx, cfg, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			ln, err := net.Listen("tcp", cfg.ListenAddr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", cfg.ListenAddr, err)
			}
			rt.logger.Info("halobridge is serving", "url", cfg.PublicURL(), "listen", ln.Addr().String())
			return rt.serve(ctx, ln)
		},
	}
}

func migrateCommand() *command {
	cfg := config.Default()
	return &command{
		name:    "migrate",
		summary: "apply database migrations and exit",
		usage:   "halobridge migrate [flags]",
		long: `Applies every pending schema migration to the database and exits. serve does the
same at start; run this first when you want the change to happen at a moment of
your choosing. Running it twice, or on several replicas at once, is safe.

Examples:
  halobridge migrate --data-dir /var/lib/halobridge
  halobridge migrate --database-url postgres://halobridge@db:5432/halobridge`,
		flags: func(fs *flag.FlagSet) {
			cfg.Storage(fs)
			cfg.Logging(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			rt, err := openRuntime(ctx, cfg, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			// Opening the job queue without starting it applies its own migrations.
			if _, err := jobs.Open(ctx, rt.store, jobs.Options{}); err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, "Database is up to date.")
			return nil
		},
	}
}
