package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"

	"halobridge/internal/connect"
	"halobridge/internal/store"
)

func sourceCommands() []*command {
	return []*command{sourceAddCommand(), sourceListCommand()}
}

func sourceAddCommand() *command {
	f := newPartnerFlags()
	var kind, name, apiURL, apiKey string
	return &command{
		name:    "add",
		summary: "connect a security platform (GravityZone, DefensX or a push API vendor)",
		usage:   "halobridge source add --partner SLUG --kind gravityzone|defensx|push --name NAME [--api-url URL --api-key KEY]",
		long: `Connects a partner's security platform and sets up how its alerts reach
halobridge:

  gravityzone  checks the API key, then registers halobridge with GravityZone's
               Event Push Service. The key needs the Companies, Licensing,
               Network and Event Push Service APIs (GravityZone > My Account >
               API keys). --api-url is the access URL shown under "Control
               Center API" on the same page.
  defensx      checks the Partner API key, then prints the webhook URL to paste
               in the DefensX portal (DefensX has no API for that).
  push         prints the push API URL and the token to give the vendor.

--base-url must be the address the platform can reach this server at.

Examples:
  halobridge source add --partner acme --kind gravityzone --name "GravityZone EU" \
      --api-url https://cloudgz.gravityzone.bitdefender.com/api --api-key "$GZ_KEY" \
      --base-url https://halobridge.example.com
  halobridge source add --partner acme --kind push --name "Acme EDR"`,
		flags: func(fs *flag.FlagSet) {
			f.register(fs)
			fs.StringVar(&kind, "kind", "", "gravityzone, defensx or push")
			fs.StringVar(&name, "name", "", "a name people recognise the source by")
			fs.StringVar(&apiURL, "api-url", "", "GravityZone access URL, or DefensX API root (default https://cloud.defensx.com/api/partner/v1)")
			fs.StringVar(&apiKey, "api-key", "", "the platform's API key (prefer the environment variable)")
			f.cfg.Server(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if name == "" {
				name = kind
			}
			if kind == store.SourceDefensX && apiURL == "" {
				apiURL = "https://cloud.defensx.com/api/partner/v1"
			}
			if kind != store.SourcePush && (apiURL == "" || apiKey == "") {
				return fmt.Errorf("--api-url and --api-key are required for %s sources", kind)
			}
			rt, p, err := f.openPartner(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			conn, err := rt.sources.AddSource(ctx, connect.NewSource{PartnerID: p.ID, Kind: kind, Name: name, APIURL: apiURL, APIKey: apiKey})
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Source %q added (id %d).\n", conn.Source.Name, conn.Source.ID)
			fmt.Fprintf(env.Stdout, "  Delivery URL: %s\n", conn.PushURL)
			if conn.Token != "" {
				fmt.Fprintf(env.Stdout, "  Token:        %s\n", conn.Token)
			}
			fmt.Fprintln(env.Stdout, conn.Instructions)
			return nil
		},
	}
}

func sourceListCommand() *command {
	f := newPartnerFlags()
	return &command{
		name:    "list",
		summary: "list a partner's sources",
		usage:   "halobridge source list --partner SLUG",
		long:    "Lists the security platforms a partner connected, with the alerts each has delivered.",
		flags: func(fs *flag.FlagSet) {
			f.register(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			rt, p, err := f.openPartner(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			list, err := rt.store.Sources(ctx, p.ID)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tKIND\tNAME\tAPI URL\tALERTS")
			for _, s := range list {
				n, err := rt.store.CountAlerts(ctx, s.ID)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\n", s.ID, s.Kind, s.Name, s.APIURL, n)
			}
			return w.Flush()
		},
	}
}

// findPartner reads the partner a --partner flag names.
func findPartner(ctx context.Context, st store.Store, slug string) (store.Partner, error) {
	if slug == "" {
		return store.Partner{}, errors.New("--partner is required (see 'halobridge partner list')")
	}
	p, err := st.PartnerBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return store.Partner{}, fmt.Errorf("no partner %q (see 'halobridge partner list')", slug)
	}
	return p, err
}
