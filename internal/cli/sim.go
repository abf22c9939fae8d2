package cli

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"halobridge/internal/config"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/outbound"
	"halobridge/internal/source/defensx/dxsim"
	"halobridge/internal/source/gravityzone/gzsim"
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

Fault flags make it misbehave as a struggling HaloPSA does: --fail-rate
answers that share of writes with 500 before applying them, --fail-after-apply-rate
applies them and then answers 500 or drops the connection, --latency delays every
answer, --down refuses every request. Change them while it runs:
  curl -X PUT http://127.0.0.1:8081/_sim/trouble -d '{"down":true}'
  curl http://127.0.0.1:8081/_sim/trouble

Example:
  halobridge sim halo --listen 127.0.0.1:8081
  halobridge halo test --url http://127.0.0.1:8081 --client-id halobridge-sim \
      --client-secret sim-secret-do-not-use-in-production \
      --allow-private-urls loopback --allow-http

halobridge calls only public https addresses unless its operator opens more:
a simulator on this machine over plain http needs --allow-private-urls and
--allow-http, as the start-up lines say.
  halobridge sim halo --fail-rate 0.05 --fail-after-apply-rate 0.05 --latency 200ms`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&listen, "listen", "127.0.0.1:8081", "address to listen on")
			fs.StringVar(&tenant, "tenant", "", "require this tenant name on the token endpoint, as hosted HaloPSA does")
			fs.BoolVar(&opts.WrongTenant500, "wrong-tenant-500", false, "answer a token request for another tenant with HTTP 500 and plain text, as hosted HaloPSA has been seen to (with --tenant)")
			fs.IntVar(&opts.Clients, "clients", 60, "number of seeded clients")
			fs.Int64Var(&opts.Seed, "seed", 1, "seed for the generated data")
			fs.IntVar(&opts.RateLimit, "rate-limit", 300, "requests allowed per rate window (negative: unlimited)")
			fs.DurationVar(&opts.RateWindow, "rate-window", 5*time.Minute, "rolling rate window")
			fs.BoolVar(&opts.PageCapAll, "page-cap-all", false, "cap every paginated list at 100 per page, not only tickets")
			troubleFlags(fs, "", &opts.Trouble)
			logs.Logging(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if err := opts.Trouble.Validate(); err != nil {
				return fmt.Errorf("fault flags: %w", err)
			}
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
			if opts.Trouble != (halosim.Trouble{}) {
				fmt.Fprintf(env.Stdout, "  faults:          %s\n", describeTrouble(opts.Trouble))
			}
			fmt.Fprintf(env.Stdout, "  fault settings:  %s/_sim/trouble (GET, PUT)\n", base)
			fmt.Fprintf(env.Stdout, "  web view:        %s/ (tickets, customers, recurring invoices; read-only)\n", base)
			fmt.Fprintf(env.Stdout, "  halobridge needs: %s\n", reachFlags(ln.Addr()))
			return web.Serve(ctx, ln, sim, web.Limits{Shutdown: 5 * time.Second}, logger)
		},
	}
}

func simGravityZoneCommand() *command {
	var (
		listen string
		opts   gzsim.Options
		logs   = config.Default()
	)
	logs.LogFormat = "text"
	return &command{
		name:    "gravityzone",
		summary: "run the Bitdefender GravityZone simulator",
		usage:   "halobridge sim gravityzone [flags]",
		long: `Runs an in-memory GravityZone cloud instance: the JSON-RPC Public API under
/api/v1.0/jsonrpc/<service> (companies, network, licensing, incidents, push) with
a seeded partner and customer tree and monthly usage that changes month by
month, and the Event Push Service: once push settings are set (by halobridge),
it posts realistic addEvents batches to the configured URL with the configured
Authorization header, and switches itself off after repeated failures as the
real service does.

Example:
  halobridge sim gravityzone --listen 127.0.0.1:8082 --push-every 10s
  (access URL http://127.0.0.1:8082/api, API key gz-sim-key)`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&listen, "listen", "127.0.0.1:8082", "address to listen on")
			fs.StringVar(&opts.APIKey, "api-key", gzsim.DefaultAPIKey, "the API key the simulator accepts")
			fs.Int64Var(&opts.Seed, "seed", 1, "seed for the generated companies, usage and events")
			fs.DurationVar(&opts.PushEvery, "push-every", 5*time.Second, "pause between two pushed batches")
			fs.IntVar(&opts.EventsPerBatch, "events-per-batch", 3, "events in each pushed batch")
			logs.Logging(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", listen, err)
			}
			sim := gzsim.New(opts)
			fmt.Fprintf(env.Stdout, "GravityZone simulator on http://%s\n  access URL: http://%s/api\n  API key:    %s\n  halobridge needs: %s\n", ln.Addr(), ln.Addr(), opts.APIKey, reachFlags(ln.Addr()))
			go sim.Run(ctx)
			return web.Serve(ctx, ln, sim, web.Limits{Shutdown: 5 * time.Second}, logs.Logger(env.Stderr))
		},
	}
}

func simDefensXCommand() *command {
	var (
		listen, webhook string
		opts            dxsim.Options
		logs            = config.Default()
	)
	logs.LogFormat = "text"
	return &command{
		name:    "defensx",
		summary: "run the DefensX simulator",
		usage:   "halobridge sim defensx [flags]",
		long: `Runs an in-memory DefensX partner account: the Partner API under
/api/partner/v1 (customers, subscriptions and usage, URL logs) and, when
--webhook is given, a sender of user requests to that URL as DefensX's API
callback notifications send them.

Example:
  halobridge sim defensx --listen 127.0.0.1:8083 --webhook 'http://127.0.0.1:8080/ingest/<token>?secret=<secret>'
  (API root http://127.0.0.1:8083/api/partner/v1)`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&listen, "listen", "127.0.0.1:8083", "address to listen on")
			fs.StringVar(&opts.APIKey, "api-key", dxsim.DefaultAPIKey, "the Partner API key the simulator accepts")
			fs.Int64Var(&opts.Seed, "seed", 1, "seed for the generated customers, usage and logs")
			fs.StringVar(&webhook, "webhook", "", "URL to send user requests to (the halobridge DefensX endpoint)")
			fs.DurationVar(&opts.RequestEvery, "request-every", time.Minute, "pause between two user requests")
			logs.Logging(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", listen, err)
			}
			sim := dxsim.New(opts)
			fmt.Fprintf(env.Stdout, "DefensX simulator on http://%s\n  API root: http://%s%s\n  API key:  %s\n  halobridge needs: %s\n", ln.Addr(), ln.Addr(), dxsim.BasePath, opts.APIKey, reachFlags(ln.Addr()))
			if webhook != "" {
				sim.SetWebhook(webhook, nil)
				go sim.Run(ctx)
			}
			return web.Serve(ctx, ln, sim, web.Limits{Shutdown: 5 * time.Second}, logs.Logger(env.Stderr))
		},
	}
}

// reachFlags says which outbound URL guard settings let halobridge call a
// simulator listening at addr over plain http.
func reachFlags(addr net.Addr) string {
	allow := outbound.Loopback
	if ap, err := netip.ParseAddrPort(addr.String()); err == nil && !ap.Addr().IsLoopback() && !ap.Addr().IsUnspecified() {
		allow = ap.Addr().Unmap().String()
	}
	return fmt.Sprintf("--allow-private-urls %s --allow-http (%s=%s %s=true)", allow,
		config.EnvName("allow-private-urls"), allow, config.EnvName("allow-http"))
}

// troubleFlags registers the HaloPSA simulator's fault flags, each name
// after prefix ("halo-" in the demo).
func troubleFlags(fs *flag.FlagSet, prefix string, t *halosim.Trouble) {
	fs.Float64Var(&t.FailRate, prefix+"fail-rate", 0, "fraction of HaloPSA write requests answered 500 before they are applied (0 to 1)")
	fs.Float64Var(&t.FailAfterApplyRate, prefix+"fail-after-apply-rate", 0, "fraction of HaloPSA write requests applied, then answered 500 or cut off (0 to 1)")
	fs.DurationVar(&t.Latency, prefix+"latency", 0, "added to every HaloPSA answer")
	fs.BoolVar(&t.Down, prefix+"down", false, "HaloPSA refuses every request (its connections are closed unanswered)")
}

// describeTrouble says which faults are set, for the start-up lines.
func describeTrouble(t halosim.Trouble) string {
	var parts []string
	if t.Down {
		parts = append(parts, "down (every request refused)")
	}
	if t.FailRate > 0 {
		parts = append(parts, fmt.Sprintf("%g of writes fail with 500 before they apply", t.FailRate))
	}
	if t.FailAfterApplyRate > 0 {
		parts = append(parts, fmt.Sprintf("%g of writes apply, then fail", t.FailAfterApplyRate))
	}
	if t.Latency > 0 {
		parts = append(parts, fmt.Sprintf("%s added to every answer", t.Latency))
	}
	return strings.Join(parts, "; ")
}
