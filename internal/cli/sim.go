package cli

import (
	"context"
	"flag"
	"fmt"
	"net"
	"time"

	"halobridge/internal/config"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/web"
)

func simHaloCommand() *command {
	var (
		listen, tenant string
		opts           halosim.Options
		logs           config.Config
	)
	logs = config.Default()
	logs.LogFormat = "text"
	return &command{
		name:    "halo",
		summary: "run the HaloPSA simulator",
		usage:   "halobridge sim halo [flags]",
		long: `Runs an in-memory HaloPSA that speaks the same API as a hosted HaloPSA: the
authorisation server under /auth (client credentials, authorization code with
PKCE, rotating refresh tokens) and the resource server under /api, seeded with a
realistic MSP (clients, sites, users, agents, teams, ticket types, SLAs,
recurring invoices). It enforces Halo's quirks and its rate limit. Use it to try
halobridge without a real HaloPSA. Everything is lost when it stops.

Example:
  halobridge sim halo --listen 127.0.0.1:8081
  halobridge halo test --url http://127.0.0.1:8081 --client-id halobridge-sim \
      --client-secret sim-secret-do-not-use-in-production`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&listen, "listen", "127.0.0.1:8081", "address to listen on")
			fs.StringVar(&tenant, "tenant", "", "require this tenant name on the token endpoint, as hosted HaloPSA does")
			fs.IntVar(&opts.Clients, "clients", 60, "number of seeded clients")
			fs.Int64Var(&opts.Seed, "seed", 1, "seed for the generated data")
			fs.IntVar(&opts.RateLimit, "rate-limit", 300, "requests allowed per rate window (negative: unlimited)")
			fs.DurationVar(&opts.RateWindow, "rate-window", 5*time.Minute, "rolling rate window")
			fs.BoolVar(&opts.PageCapAll, "page-cap-all", false, "cap every paginated list at 100 per page, not only tickets")
			logs.Logging(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			opts.Tenant = tenant
			logger := logs.Logger(env.Stderr)
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", listen, err)
			}
			sim := halosim.New(opts)
			base := "http://" + ln.Addr().String()
			fmt.Fprintf(env.Stdout, "HaloPSA simulator on %s\n  resource server: %s/api\n  authorisation:   %s/auth\n  client id:       %s\n  client secret:   %s\n",
				base, base, base, halosim.DefaultClientID, halosim.DefaultClientSecret)
			if tenant != "" {
				fmt.Fprintf(env.Stdout, "  tenant:          %s\n", tenant)
			}
			return web.Serve(ctx, ln, sim, 5*time.Second, logger)
		},
	}
}
