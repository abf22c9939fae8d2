package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"halobridge/internal/billing/run"
	"halobridge/internal/config"
	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/mapping/assetmap"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/store"
	"halobridge/internal/syncrun"
	"halobridge/internal/ticketing/deliver"
)

func partnerCommands() []*command {
	return []*command{partnerAddCommand(), partnerListCommand()}
}

func partnerAddCommand() *command {
	cfg := config.Default()
	var slug string
	return &command{
		name:    "add",
		summary: "add a partner (an MSP account)",
		usage:   "halobridge partner add [--slug SLUG] NAME",
		long: `Adds a partner: one MSP whose HaloPSA and security platforms halobridge
connects. The slug names the partner on the command line (--partner) and in
URLs; it is made from the name unless given.

Examples:
  halobridge partner add "Northpoint IT Services"
  halobridge partner add --slug northpoint "Northpoint IT Services Ltd"`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&slug, "slug", "", "lower-case letters, digits and hyphens (default: made from the name)")
			cfg.Storage(fs)
			cfg.Logging(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			name, err := nameArgument(args)
			if err != nil {
				return err
			}
			rt, err := openRuntime(ctx, cfg, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			p, err := rt.store.CreatePartner(ctx, store.Partner{Name: name, Slug: slug})
			if errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("a partner with that slug exists already: choose another with --slug")
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Partner %q added (slug %s).\nNext: halobridge halo connect --partner %s --url https://<you>.halopsa.com --client-id ... --client-secret ...\n",
				p.Name, p.Slug, p.Slug)
			return nil
		},
	}
}

// nameArgument reads a name given as one or more words.
func nameArgument(args []string) (string, error) {
	name := strings.TrimSpace(strings.Join(args, " "))
	if name == "" {
		return "", errors.New("the partner's name is required, e.g. halobridge partner add \"Northpoint IT Services\"")
	}
	return name, nil
}

func partnerListCommand() *command {
	cfg := config.Default()
	return &command{
		name:    "list",
		summary: "list the partners and whether each has connected HaloPSA",
		usage:   "halobridge partner list [flags]",
		long: `Lists every partner by name with its slug, its HaloPSA address once connected,
and when it was added.

Example:
  halobridge partner list`,
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
			partners, err := rt.store.Partners(ctx)
			if err != nil {
				return err
			}
			if len(partners) == 0 {
				fmt.Fprintln(env.Stdout, "No partners yet: add one with 'halobridge partner add NAME'.")
				return nil
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SLUG\tNAME\tHALOPSA\tADDED")
			for _, p := range partners {
				halo := "not connected"
				conn, err := rt.store.HaloConnection(ctx, p.ID)
				switch {
				case err == nil:
					halo = conn.ResourceURL
				case !errors.Is(err, store.ErrNotFound):
					return err
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Slug, p.Name, halo, p.CreatedAt.Format(time.DateOnly))
			}
			return tw.Flush()
		},
	}
}

func haloConnectCommand() *command {
	cfg := config.Default()
	var (
		partner, baseURL, authURL, tenant, clientID, clientSecret, scope string
		timeout                                                          time.Duration
	)
	return &command{
		name:    "connect",
		summary: "connect a partner's HaloPSA: Test Connection, then save",
		usage:   "halobridge halo connect --partner SLUG --url URL --client-id ID --client-secret SECRET [--tenant NAME]",
		long: `Runs Test Connection (as 'halobridge halo test' does) with an API application's
Client ID and Secret, and saves the connection for the partner unless the test
shows it cannot work: no access token, the clients and sites unreadable, or a
check HaloPSA could not answer. Then nothing is saved and the partner keeps the
connection it had. A connection lacking only other permissions (tickets, items,
recurring invoices, agents and teams) is saved, with an integration event per
missing permission ('halobridge events list') until it is granted. The secret
is sealed before it is stored. Connecting again replaces the saved connection,
which is how new credentials are saved.

In HaloPSA, under Configuration > Integrations > HaloPSA API, create an
application with the authentication method "Client ID and Secret (Services)",
logging in as an API-only agent, with the permissions Test Connection lists.

Example:
  halobridge halo connect --partner northpoint --url https://northpoint.halopsa.com \
      --tenant northpoint --client-id 6f0c... --client-secret "$SECRET"`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&partner, "partner", "", "the partner's slug (see 'halobridge partner list')")
			fs.StringVar(&baseURL, "url", "", "HaloPSA address (the resource server), e.g. https://acme.halopsa.com")
			fs.StringVar(&authURL, "auth-url", "", "authorisation server URL (default <url>/auth)")
			fs.StringVar(&tenant, "tenant", "", "tenant name, for HaloPSA hosted by Halo")
			fs.StringVar(&clientID, "client-id", "", "the API application's Client ID")
			fs.StringVar(&clientSecret, "client-secret", "", "the API application's Client Secret (prefer the environment variable)")
			fs.StringVar(&scope, "scope", "all", "OAuth scopes to request, space separated")
			fs.DurationVar(&timeout, "timeout", 60*time.Second, "give up after this long")
			cfg.Storage(fs)
			cfg.Halo(fs)
			cfg.Outbound(fs)
			cfg.Logging(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			resource, auth, err := haloURLs(baseURL, authURL)
			if err != nil {
				return err
			}
			if clientID == "" || clientSecret == "" {
				return errors.New("--client-id and --client-secret are required (from Configuration > Integrations > HaloPSA API > View Applications)")
			}
			rt, err := openRuntime(ctx, cfg, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			p, err := findPartner(ctx, rt.store, partner)
			if err != nil {
				return err
			}
			svc := newServices(&syncrun.Syncer{Store: rt.store, Halo: rt.commandHalo(), Sources: rt.sources, Logger: rt.logger}, nil, nil).events
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			report, err := svc.ConnectHalo(ctx, store.HaloConnection{
				PartnerID: p.ID, ResourceURL: resource, AuthURL: auth, Tenant: tenant, ClientID: clientID, ClientSecret: clientSecret,
				GrantType: store.GrantClientCredentials, Scope: scope,
			})
			halo.FormatReport(env.Stdout, report)
			var refused *connect.RefusedError
			if errors.As(err, &refused) {
				return fmt.Errorf("nothing was saved: %q must pass; fix what the checks above say, then connect again", refused.Blocker.Name)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Saved the HaloPSA connection of %s (acting as agent '%s', id %d).\n", p.Name, report.Agent.Name, report.Agent.ID)
			if !report.OK {
				fmt.Fprintf(env.Stdout, "Until the permissions marked ✗ are granted, each is an event: halobridge events list --partner %s\n", p.Slug)
			}
			fmt.Fprintf(env.Stdout, "Next: halobridge sync --partner %s --wait\n", p.Slug)
			return nil
		},
	}
}

// partnerFlags are the flags of a command about one partner's catalog:
// which partner, which database, and how HaloPSA may be called.
type partnerFlags struct {
	cfg     config.Config
	partner string
}

func newPartnerFlags() *partnerFlags {
	cfg := config.Default()
	// Only what goes wrong belongs between a command's lines of output.
	cfg.LogLevel, cfg.LogFormat = "warn", "text"
	return &partnerFlags{cfg: cfg}
}

func (f *partnerFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.partner, "partner", "", "the partner's slug (see 'halobridge partner list')")
	f.cfg.Storage(fs)
	f.cfg.Halo(fs)
	f.cfg.Outbound(fs)
	f.cfg.Logging(fs)
}

// registerPublic adds, for commands that register or check where security
// platforms push, the server's address flags: --base-url as the server has it.
func (f *partnerFlags) registerPublic(fs *flag.FlagSet) {
	f.register(fs)
	f.cfg.Address(fs)
}

// openPartner opens the runtime and finds the partner; the caller closes
// the runtime.
func (f *partnerFlags) openPartner(ctx context.Context, env Env) (*runtime, store.Partner, error) {
	rt, err := openRuntime(ctx, f.cfg, env)
	if err != nil {
		return nil, store.Partner{}, err
	}
	p, err := findPartner(ctx, rt.store, f.partner)
	if err != nil {
		rt.Close()
		return nil, store.Partner{}, err
	}
	return rt, p, nil
}

// open opens the runtime, finds the partner and builds the sync, mapping
// and events services; the caller closes the runtime.
func (f *partnerFlags) open(ctx context.Context, env Env) (*runtime, services, store.Partner, error) {
	rt, p, err := f.openPartner(ctx, env)
	if err != nil {
		return nil, services{}, store.Partner{}, err
	}
	syncer := &syncrun.Syncer{Store: rt.store, Halo: rt.halo, Sources: rt.sources, Logger: rt.logger,
		TicketTypes: deliver.New(rt.store, rt.halo, deliver.Options{Logger: rt.logger})}
	return rt, newServices(syncer, &run.Service{Store: rt.store, Halo: rt.halo, Sources: rt.sources, Logger: rt.logger}, nil), p, nil
}

// services are the catalog sync and the services of what a person does
// with its results, wired to each other.
type services struct {
	syncer   *syncrun.Syncer
	mappings *mapper.Service
	assets   *assetmap.Service
	events   *events.Service
}

// newServices builds the mapping and events services on syncer's store and
// connections; billing, when not nil, rechecks the events of billing;
// fixed, when not nil, is told of a partner whose problem that held ticket
// delivery back a person just fixed (events.Service.Fixed).
func newServices(syncer *syncrun.Syncer, billing *run.Service, fixed func(ctx context.Context, partnerID int64)) services {
	mappings := &mapper.Service{Store: syncer.Store, Halo: syncer.Halo, Sources: syncer.Sources, Fixed: fixed}
	assets := syncer.Assets()
	ev := &events.Service{Store: syncer.Store, Halo: syncer.Halo, Mappings: mappings, Checks: syncer, Assets: assets, Fixed: fixed}
	if billing != nil {
		ev.Billing = billing
	}
	return services{syncer: syncer, mappings: mappings, assets: assets, events: ev}
}

// commandHalo reaches HaloPSA for a command, which may wait a minute for
// HaloPSA's rate limit where a durable job snoozes instead.
func (r *runtime) commandHalo() *connect.Halo {
	return &connect.Halo{Store: r.store, Budget: r.budget, Metrics: r.metrics, Outbound: r.cfg.OutboundPolicy(), Logger: r.logger, MaxRateWait: time.Minute}
}
