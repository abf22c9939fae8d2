package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sync/errgroup"

	"halobridge/internal/config"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/store"
	"halobridge/internal/web"
)

func demoCommand() *command {
	cfg := config.Default()
	cfg.DataDir = filepath.Join(os.TempDir(), "halobridge-demo")
	cfg.LogFormat = "text"
	simListen := "127.0.0.1:0"
	return &command{
		name:    "demo",
		summary: "try halobridge: the server and a simulated HaloPSA in one process",
		usage:   "halobridge demo [flags]",
		long: `Starts a simulated HaloPSA and the halobridge server in one process, on an
embedded SQLite database, with a demo partner already connected to the simulated
HaloPSA. Nothing outside this machine is contacted. Open the printed URL; stop
with Ctrl-C.

Example:
  go run ./cmd/halobridge demo`,
		flags: func(fs *flag.FlagSet) {
			cfg.Server(fs)
			fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "directory for the demo's SQLite database and secret key")
			fs.StringVar(&simListen, "sim-listen", simListen, "address of the simulated HaloPSA (port 0 picks a free one)")
			cfg.Logging(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			rt, err := openRuntime(ctx, cfg, env)
			if err != nil {
				return err
			}
			defer rt.Close()

			simLn, err := net.Listen("tcp", simListen)
			if err != nil {
				return fmt.Errorf("listen on %s for the simulated HaloPSA: %w", simListen, err)
			}
			ln, err := net.Listen("tcp", cfg.ListenAddr)
			if err != nil {
				simLn.Close()
				return fmt.Errorf("listen on %s: %w (another halobridge running? try --listen 127.0.0.1:0)", cfg.ListenAddr, err)
			}
			haloURL := "http://" + simLn.Addr().String()
			if err := connectDemoPartner(ctx, rt.store, haloURL); err != nil {
				simLn.Close()
				ln.Close()
				return err
			}
			sim := halosim.New(halosim.Options{Seed: 1})

			url := "http://" + ln.Addr().String()
			fmt.Fprintf(env.Stdout, "halobridge demo is running.\n\n  Open:                %s\n  Simulated HaloPSA:   %s (client id %s)\n  Data:                %s\n\nStop with Ctrl-C.\n",
				url, haloURL, halosim.DefaultClientID, cfg.DataDir)

			g, gctx := errgroup.WithContext(ctx)
			g.Go(func() error { return web.Serve(gctx, simLn, sim, time.Second, rt.logger) })
			g.Go(func() error { return rt.serve(gctx, ln) })
			return g.Wait()
		},
	}
}

// connectDemoPartner makes sure the demo partner exists and points at this
// run's simulated HaloPSA, whose address changes from run to run.
func connectDemoPartner(ctx context.Context, st store.Store, haloURL string) error {
	p, err := st.PartnerBySlug(ctx, "demo")
	if errors.Is(err, store.ErrNotFound) {
		p, err = st.CreatePartner(ctx, store.Partner{Name: "Demo MSP", Slug: "demo"})
	}
	if err != nil {
		return fmt.Errorf("demo partner: %w", err)
	}
	_, err = st.SaveHaloConnection(ctx, store.HaloConnection{
		PartnerID:    p.ID,
		ResourceURL:  haloURL + "/api",
		AuthURL:      haloURL + "/auth",
		ClientID:     halosim.DefaultClientID,
		ClientSecret: halosim.DefaultClientSecret,
		GrantType:    "client_credentials",
		Scope:        "all",
	})
	if err != nil {
		return fmt.Errorf("demo HaloPSA connection: %w", err)
	}
	return nil
}
