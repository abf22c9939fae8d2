package cli

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"halobridge/internal/config"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/source/defensx"
	"halobridge/internal/source/defensx/dxsim"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
	"halobridge/internal/web"
)

func demoCommand() *command {
	cfg := config.Default()
	cfg.DataDir = filepath.Join(os.TempDir(), "halobridge-demo")
	cfg.LogFormat = "text"
	pushEvery := 15 * time.Second
	var trouble halosim.Trouble
	var haloPort, gzPort, dxPort int
	return &command{
		name:    "demo",
		summary: "try halobridge: the portal with simulated HaloPSA, GravityZone and DefensX in one process",
		usage:   "halobridge demo [flags]",
		long: `Starts the halobridge server with a simulated HaloPSA, a simulated Bitdefender
GravityZone and a simulated DefensX, all in one process, on an embedded SQLite
database. Open the printed URL, sign in with the simulated HaloPSA (the values
to type are printed), go through the setup wizard, and watch alerts become
tickets and usage become invoice lines in the simulated HaloPSA. Nothing
outside this machine is contacted. Stop with Ctrl-C.

The simulators listen on this machine over plain http, which halobridge
refuses to call by default: the demo opens loopback and http for itself
(--allow-private-urls loopback --allow-http, added to what you set) and says
so when it starts.

The simulators listen on free ports of 127.0.0.1 unless --halo-port,
--gravityzone-port and --defensx-port fix them, so that their addresses stay
the same from one run to the next. The simulated HaloPSA also shows what it
holds as web pages (tickets, customers, recurring invoices) at its address,
where halobridge's links into HaloPSA lead.

The --halo-* fault flags make the simulated HaloPSA misbehave (see
"halobridge sim halo --help"), to see how halobridge copes; they can be
changed while the demo runs at the printed fault settings address.

Example:
  go run ./cmd/halobridge demo
  go run ./cmd/halobridge demo --halo-fail-rate 0.05 --halo-latency 300ms
  go run ./cmd/halobridge demo --halo-port 8701 --gravityzone-port 8702 --defensx-port 8703`,
		flags: func(fs *flag.FlagSet) {
			cfg.Server(fs)
			fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "directory for the demo's SQLite database and secret key")
			fs.DurationVar(&pushEvery, "push-every", pushEvery, "how often the simulated GravityZone pushes a batch of alerts")
			fs.IntVar(&haloPort, "halo-port", 0, "port of 127.0.0.1 the simulated HaloPSA listens on (0: any free port)")
			fs.IntVar(&gzPort, "gravityzone-port", 0, "port of 127.0.0.1 the simulated GravityZone listens on (0: any free port)")
			fs.IntVar(&dxPort, "defensx-port", 0, "port of 127.0.0.1 the simulated DefensX listens on (0: any free port)")
			troubleFlags(fs, "halo-", &trouble)
			cfg.Outbound(fs)
			cfg.Logging(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if err := trouble.Validate(); err != nil {
				return fmt.Errorf("--halo-* fault flags: %w", err)
			}
			opened := openForSimulators(&cfg)
			rt, err := openRuntime(ctx, cfg, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			ln, err := net.Listen("tcp", cfg.ListenAddr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w (another halobridge running? try --listen 127.0.0.1:0)", cfg.ListenAddr, err)
			}
			d := newDemo(pushEvery, trouble)
			g, gctx := errgroup.WithContext(ctx)
			for _, sim := range []struct {
				handler http.Handler
				url     *string
				name    string
				port    int
				flag    string
			}{{d.halo, &d.haloURL, "HaloPSA", haloPort, "--halo-port"}, {d.gz, &d.gzURL, "GravityZone", gzPort, "--gravityzone-port"}, {d.dx, &d.dxURL, "DefensX", dxPort, "--defensx-port"}} {
				simLn, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(sim.port)))
				if err != nil {
					ln.Close()
					return fmt.Errorf("listen for the simulated %s: %w (choose another %s, or 0 for any free port)", sim.name, err, sim.flag)
				}
				*sim.url = "http://" + simLn.Addr().String()
				g.Go(func() error { return web.Serve(gctx, simLn, sim.handler, web.Limits{Shutdown: time.Second}, rt.logger) })
			}
			publicURL := "http://" + ln.Addr().String()
			rt.cfg.BaseURL = publicURL
			rt.sources.PublicURL = publicURL
			// Said before serving, so that whoever sees the server answer can
			// read what to type.
			fmt.Fprintf(env.Stdout, `halobridge demo is running: open %s

Sign in with "Log in with HaloPSA":
  HaloPSA URL:  %s
  Client ID:    %s
  On the simulated HaloPSA's page, approve as an administrator (e.g. "Admin").

In the setup wizard, connect a security platform:
  GravityZone:  access URL %s/api, API key %s
  DefensX:      API root %s%s, API key %s
The simulated GravityZone pushes alerts every %s once connected; DefensX sends
a user request now and then (its webhook is pasted for you, as a partner would).

See HaloPSA's side: %s/ shows the simulated HaloPSA's tickets, customers and
recurring invoices, where halobridge's links to them lead.

Simulated HaloPSA faults: %s (change them: GET or PUT %s/_sim/trouble).
Outbound URL guard: %s
Data: %s. Stop with Ctrl-C.
`, publicURL, d.haloURL, halosim.DefaultPublicClientID, d.gzURL, gzsim.DefaultAPIKey, d.dxURL, dxsim.BasePath, dxsim.DefaultAPIKey, pushEvery,
				d.haloURL, cmp.Or(describeTrouble(trouble), "none"), d.haloURL, opened, cfg.DataDir)
			g.Go(func() error { return rt.serve(gctx, ln) })
			g.Go(func() error { return d.pasteDefensXWebhooks(gctx, rt.store, publicURL) })
			go d.gz.Run(gctx)
			go d.dx.Run(gctx)
			return g.Wait()
		},
	}
}

// openForSimulators opens the outbound URL guard for simulators on this
// machine, on top of what the operator set, and says what it set.
func openForSimulators(cfg *config.Config) string {
	set := []string{outbound.Loopback}
	for _, item := range strings.Split(cfg.AllowPrivateURLs, ",") {
		if item = strings.TrimSpace(item); item != "" && !strings.EqualFold(item, outbound.Loopback) {
			set = append(set, item)
		}
	}
	cfg.AllowPrivateURLs, cfg.AllowHTTP = strings.Join(set, ","), true
	return fmt.Sprintf("opened for the simulators: --allow-private-urls %s --allow-http (%s=%s %s=true); 'serve' opens nothing unless told",
		cfg.AllowPrivateURLs, config.EnvName("allow-private-urls"), cfg.AllowPrivateURLs, config.EnvName("allow-http"))
}

// newDemo builds the simulated world: a HaloPSA, and a GravityZone and a
// DefensX whose customers are some of that HaloPSA's clients, spelled the
// way other systems spell them, so that the wizard has matches to suggest.
func newDemo(pushEvery time.Duration, trouble halosim.Trouble) *demo {
	h := halosim.New(halosim.Options{Seed: 1, Trouble: trouble})
	var active []halosim.Client
	for _, c := range h.Clients() {
		if !c.Inactive {
			active = append(active, c)
		}
	}
	const root = "5f0c1a2b3c4d5e6f7a8b9c0d"
	companies := []gzsim.Company{{ID: root, Name: "Demo MSP", Partner: true}}
	for i, c := range active[:min(10, len(active))] {
		companies = append(companies, gzsim.Company{Name: respell(c.Name, i), ParentID: root})
	}
	companies = append(companies, gzsim.Company{Name: "Zephyr Kite Works", ParentID: root})
	var customers []dxsim.Customer
	for i, c := range active[min(10, len(active)):min(15, len(active))] {
		customers = append(customers, dxsim.Customer{Name: respell(c.Name, i)})
	}
	return &demo{
		halo: h,
		gz:   gzsim.New(gzsim.Options{Seed: 1, PushEvery: pushEvery, Companies: companies}),
		dx:   dxsim.New(dxsim.Options{Seed: 1, RequestEvery: 4 * pushEvery, Customers: customers}),
	}
}

// respell writes a company name as another system might: as it is, in
// capitals, or without its punctuation.
func respell(name string, i int) string {
	switch i % 3 {
	case 1:
		return strings.ToUpper(name)
	case 2:
		return strings.NewReplacer(",", "", ".", "", "&", "and").Replace(name)
	}
	return name
}

// demo is the demo's simulated world.
type demo struct {
	halo                  *halosim.Sim
	gz                    *gzsim.Sim
	dx                    *dxsim.Sim
	haloURL, gzURL, dxURL string
}

// pasteDefensXWebhooks does what a partner does by hand in the DefensX
// portal: once a DefensX source points at the simulated DefensX, the
// simulator is given that source's webhook URL.
func (d *demo) pasteDefensXWebhooks(ctx context.Context, st *store.Store, publicURL string) error {
	pasted := ""
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		partners, err := st.Partners(ctx)
		if err != nil {
			continue
		}
		for _, p := range partners {
			sources, err := st.Sources(ctx, p.ID)
			if err != nil {
				continue
			}
			for _, src := range sources {
				if src.Kind != source.DefensX || !strings.HasPrefix(src.APIURL, d.dxURL) {
					continue
				}
				hook, err := defensx.CallbackURL(source.Delivery{URL: publicURL + "/ingest/" + src.Token, Secret: src.Secret})
				if err == nil && hook != pasted {
					d.dx.SetWebhook(hook, nil)
					pasted = hook
				}
			}
		}
	}
}
