package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sync/errgroup"

	"halobridge/internal/config"
	"halobridge/internal/connect"
	"halobridge/internal/halo/halosim"
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
	return &command{
		name:    "demo",
		summary: "try halobridge: the server and simulated HaloPSA, GravityZone and DefensX in one process",
		usage:   "halobridge demo [flags]",
		long: `Starts the halobridge server with a simulated HaloPSA, a simulated Bitdefender
GravityZone and a simulated DefensX, all in one process, on an embedded SQLite
database. A demo partner is already connected to the simulated HaloPSA, and
both security platforms are connected and pushing alerts to halobridge.
Nothing outside this machine is contacted. Open the printed URL; stop with Ctrl-C.

Example:
  go run ./cmd/halobridge demo`,
		flags: func(fs *flag.FlagSet) {
			cfg.Server(fs)
			fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "directory for the demo's SQLite database and secret key")
			fs.DurationVar(&pushEvery, "push-every", pushEvery, "how often the simulated GravityZone pushes a batch of alerts")
			cfg.Logging(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			rt, err := openRuntime(ctx, cfg, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			ln, err := net.Listen("tcp", cfg.ListenAddr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w (another halobridge running? try --listen 127.0.0.1:0)", cfg.ListenAddr, err)
			}
			d := &demo{
				halo: halosim.New(halosim.Options{Seed: 1}),
				gz:   gzsim.New(gzsim.Options{Seed: 1, PushEvery: pushEvery}),
				dx:   dxsim.New(dxsim.Options{Seed: 1, RequestEvery: 4 * pushEvery}),
			}
			g, gctx := errgroup.WithContext(ctx)
			for _, sim := range []struct {
				handler http.Handler
				url     *string
			}{{d.halo, &d.haloURL}, {d.gz, &d.gzURL}, {d.dx, &d.dxURL}} {
				simLn, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					ln.Close()
					return fmt.Errorf("listen for a simulator: %w", err)
				}
				*sim.url = "http://" + simLn.Addr().String()
				g.Go(func() error { return web.Serve(gctx, simLn, sim.handler, time.Second, rt.logger) })
			}
			publicURL := "http://" + ln.Addr().String()
			g.Go(func() error { return rt.serve(gctx, ln) })
			g.Go(func() error {
				if err := d.connect(gctx, rt.store, publicURL); err != nil {
					if gctx.Err() != nil {
						return nil // stopped while still connecting
					}
					return err
				}
				fmt.Fprintf(env.Stdout, "halobridge demo is running.\n\n  Open:                   %s\n  Simulated HaloPSA:      %s (client id %s)\n  Simulated GravityZone:  %s/api, pushing every %s\n  Simulated DefensX:      %s%s\n  Data:                   %s\n\nStop with Ctrl-C.\n",
					publicURL, d.haloURL, halosim.DefaultClientID, d.gzURL, pushEvery, d.dxURL, dxsim.BasePath, cfg.DataDir)
				go d.gz.Run(gctx)
				go d.dx.Run(gctx)
				return nil
			})
			return g.Wait()
		},
	}
}

// demo is the demo's simulated world.
type demo struct {
	halo                  *halosim.Sim
	gz                    *gzsim.Sim
	dx                    *dxsim.Sim
	haloURL, gzURL, dxURL string
}

// connect makes sure the demo partner exists and points at this run's
// simulators, whose addresses change from run to run, keeping everything the
// demo stored before.
func (d *demo) connect(ctx context.Context, st store.Store, publicURL string) error {
	p, err := st.PartnerBySlug(ctx, "demo")
	if errors.Is(err, store.ErrNotFound) {
		p, err = st.CreatePartner(ctx, store.Partner{Name: "Demo MSP", Slug: "demo"})
	}
	if err != nil {
		return fmt.Errorf("demo partner: %w", err)
	}
	_, err = st.SaveHaloConnection(ctx, store.HaloConnection{
		PartnerID:    p.ID,
		ResourceURL:  d.haloURL + "/api",
		AuthURL:      d.haloURL + "/auth",
		ClientID:     halosim.DefaultClientID,
		ClientSecret: halosim.DefaultClientSecret,
		GrantType:    store.GrantClientCredentials,
		Scope:        "all",
	})
	if err != nil {
		return fmt.Errorf("demo HaloPSA connection: %w", err)
	}
	sources := &connect.Sources{Store: st}
	existing, err := st.Sources(ctx, p.ID)
	if err != nil {
		return err
	}
	for _, want := range []connect.NewSource{
		{PartnerID: p.ID, Kind: store.SourceGravityZone, Name: "GravityZone (simulated)", APIURL: d.gzURL + "/api", APIKey: gzsim.DefaultAPIKey},
		{PartnerID: p.ID, Kind: store.SourceDefensX, Name: "DefensX (simulated)", APIURL: d.dxURL + dxsim.BasePath, APIKey: dxsim.DefaultAPIKey},
	} {
		var conn connect.Connected
		i := indexOfKind(existing, want.Kind)
		if i < 0 {
			conn, err = sources.AddSource(ctx, want, publicURL)
		} else {
			conn, err = sources.Reconnect(ctx, existing[i], want.APIURL, publicURL)
		}
		if err != nil {
			return fmt.Errorf("demo %s source: %w", want.Kind, err)
		}
		if want.Kind == store.SourceDefensX {
			// What a partner does by hand in the DefensX portal.
			d.dx.SetWebhook(conn.PushURL, nil)
		}
	}
	return nil
}

func indexOfKind(sources []store.Source, kind string) int {
	for i, s := range sources {
		if s.Kind == kind {
			return i
		}
	}
	return -1
}
