package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"halobridge/internal/mapping/assetmap"
)

func assetCommands() []*command {
	return []*command{assetListCommand(), assetAcceptCommand(), assetMapCommand(), assetUnmapCommand(), assetCreateCommand(), assetSettingsCommand()}
}

func assetListCommand() *command {
	f := newPartnerFlags()
	var (
		ref    mappingRef
		filter assetmap.Filter
	)
	return &command{
		name:    "list",
		summary: "list a mapped company's endpoints with the HaloPSA asset each maps to",
		usage:   "halobridge assets list --partner SLUG --source ID --customer ID [--state STATE] [--search TEXT] [--page N]",
		long: `Lists the endpoints the last sync read of a company mapped to a HaloPSA
client, 50 a page, each with its state: confirmed (mapped to an asset),
suggested (the smart match found one asset: accept it with 'halobridge assets
accept'), ambiguous (several assets match: choose one with 'halobridge assets
map') or unmapped. A confirmed mapping whose endpoint the source no longer
lists is marked gone.

Examples:
  halobridge assets list --partner northpoint --source 3 --customer 5f2a9c01 --state suggested
  halobridge assets list --partner northpoint --source 3 --customer 5f2a9c01 --search pc-01`,
		flags: func(fs *flag.FlagSet) {
			ref.register(fs)
			fs.StringVar(&filter.State, "state", "", "only endpoints in this state: "+strings.Join(assetmap.States, ", "))
			fs.StringVar(&filter.Search, "search", "", "only endpoints whose name, label, FQDN, IP, MAC or asset tag contains this")
			fs.IntVar(&filter.Page, "page", 1, "the page to show")
			f.register(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if err := ref.check(); err != nil {
				return err
			}
			rt, service, p, err := f.open(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			t, err := service.assets.Rows(ctx, p.ID, ref.sourceID, ref.customer, filter)
			if err != nil {
				return err
			}
			if len(t.Rows) == 0 {
				fmt.Fprintln(env.Stdout, "No endpoint matches: endpoints come from a sync of the source ('halobridge sync --partner "+p.Slug+" --wait').")
				return nil
			}
			return writeAssetRows(env.Stdout, t)
		},
	}
}

func writeAssetRows(w io.Writer, t assetmap.Table) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ENDPOINT\tENDPOINT ID\tIP\tSTATE\tASSET\tASSET ID\tWHY")
	for _, r := range t.Rows {
		state := r.State
		if r.Gone {
			state += " (endpoint gone)"
		}
		asset, assetID := "-", ""
		if r.Asset != nil {
			asset, assetID = cmp.Or(r.Asset.InventoryNumber, r.Asset.KeyField, "-"), fmt.Sprint(r.Asset.ID)
		}
		if len(r.Candidates) > 0 {
			var ids []string
			for _, c := range r.Candidates {
				ids = append(ids, fmt.Sprintf("%s=%d", cmp.Or(c.InventoryNumber, c.KeyField, "?"), c.ID))
			}
			asset = "one of " + strings.Join(ids, ", ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cmp.Or(r.Endpoint.Name, "-"), r.Endpoint.ID, strings.Join(r.Endpoint.IPs, " "), state, asset, assetID, r.Why)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nPage %d of %d (%d endpoints); suggested %d, ambiguous %d, unmapped %d, confirmed %d.\n", t.Page, t.Pages, t.Total,
		t.Counts[assetmap.StateSuggested], t.Counts[assetmap.StateAmbiguous], t.Counts[assetmap.StateUnmapped], t.Counts[assetmap.StateConfirmed])
	return err
}

func assetAcceptCommand() *command {
	f := newPartnerFlags()
	var (
		ref mappingRef
		all bool
	)
	return &command{
		name:    "accept",
		summary: "confirm asset suggestions, one by one or all at once",
		usage:   "halobridge assets accept --partner SLUG --source ID --customer ID (--all | ENDPOINT_ID ...)",
		long: `Confirms the smart match's suggestions of a company's endpoints: each argument
is an endpoint id as 'halobridge assets list' shows it; --all confirms every
suggestion of the company. Ambiguous matches and confirmed mappings are never
changed: map those with 'halobridge assets map'.

Example:
  halobridge assets accept --partner northpoint --source 3 --customer 5f2a9c01 --all`,
		flags: func(fs *flag.FlagSet) {
			ref.register(fs)
			fs.BoolVar(&all, "all", false, "accept every suggestion of the company")
			f.register(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if err := ref.check(); err != nil {
				return err
			}
			if all == (len(args) > 0) {
				return errors.New("give either --all or the endpoint ids whose suggestions to accept")
			}
			rt, service, p, err := f.open(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			n, err := service.assets.Accept(ctx, p.ID, ref.sourceID, ref.customer, args)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Confirmed %d asset mapping(s).\n", n)
			return nil
		},
	}
}

func assetMapCommand() *command {
	f := newPartnerFlags()
	var (
		ref      mappingRef
		endpoint string
		asset    int
	)
	return &command{
		name:    "map",
		summary: "map an endpoint to a HaloPSA asset by hand",
		usage:   "halobridge assets map --partner SLUG --source ID --customer ID --endpoint ID --asset ID",
		long: `Maps one endpoint of a company to an asset of the company's HaloPSA client,
replacing any suggestion. An asset already mapped to another endpoint is
refused: unmap that one first. Tickets for alerts on the endpoint then carry
the asset.

Example:
  halobridge assets map --partner northpoint --source 3 --customer 5f2a9c01 --endpoint 67c87017f3e11f09dc9143e8 --asset 1042`,
		flags: func(fs *flag.FlagSet) {
			ref.register(fs)
			fs.StringVar(&endpoint, "endpoint", "", "the endpoint's id, as 'halobridge assets list' shows it")
			fs.IntVar(&asset, "asset", 0, "the HaloPSA asset id")
			f.register(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if err := ref.check(); err != nil {
				return err
			}
			if endpoint == "" || asset <= 0 {
				return errors.New("--endpoint and --asset are required: the endpoint id and the HaloPSA asset id, as 'halobridge assets list' shows them")
			}
			rt, service, p, err := f.open(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			if err := service.assets.Map(ctx, p.ID, ref.sourceID, ref.customer, endpoint, asset); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Mapped endpoint %s to HaloPSA asset %d.\n", endpoint, asset)
			return nil
		},
	}
}

func assetUnmapCommand() *command {
	f := newPartnerFlags()
	var (
		ref      mappingRef
		endpoint string
	)
	return &command{
		name:    "unmap",
		summary: "forget what an endpoint maps to",
		usage:   "halobridge assets unmap --partner SLUG --source ID --customer ID --endpoint ID",
		long: `Removes an endpoint's asset mapping or suggestion; the next sync suggests
again.

Example:
  halobridge assets unmap --partner northpoint --source 3 --customer 5f2a9c01 --endpoint 67c87017f3e11f09dc9143e8`,
		flags: func(fs *flag.FlagSet) {
			ref.register(fs)
			fs.StringVar(&endpoint, "endpoint", "", "the endpoint's id")
			f.register(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if err := ref.check(); err != nil {
				return err
			}
			if endpoint == "" {
				return errors.New("--endpoint is required: the endpoint id, as 'halobridge assets list' shows it")
			}
			rt, service, p, err := f.open(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			if err := service.assets.Unmap(ctx, p.ID, ref.sourceID, ref.customer, endpoint); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Unmapped endpoint %s.\n", endpoint)
			return nil
		},
	}
}

func assetCreateCommand() *command {
	f := newPartnerFlags()
	var (
		ref       mappingRef
		assetType int
	)
	return &command{
		name:    "create",
		summary: "create HaloPSA assets for unmapped endpoints",
		usage:   "halobridge assets create --partner SLUG --source ID --customer ID --asset-type ID [ENDPOINT_ID ...]",
		long: `Creates, in the company's HaloPSA client, an asset of the given type for each
endpoint named (every unmapped managed endpoint when none is named), tagged
with the endpoint's name, and maps the endpoint to it. Running it again does
not create a second asset: one tagged with the endpoint's name is mapped
instead.

Example:
  halobridge assets create --partner northpoint --source 3 --customer 5f2a9c01 --asset-type 2`,
		flags: func(fs *flag.FlagSet) {
			ref.register(fs)
			fs.IntVar(&assetType, "asset-type", 0, "the HaloPSA asset type id of the new assets")
			f.register(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if err := ref.check(); err != nil {
				return err
			}
			rt, service, p, err := f.open(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			res, err := service.assets.Create(ctx, p.ID, ref.sourceID, ref.customer, args, assetType)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Created %d HaloPSA asset(s); mapped %d endpoint(s) to assets tagged with their name already.\n", res.Created, res.Adopted)
			return nil
		},
	}
}

func assetSettingsCommand() *command {
	f := newPartnerFlags()
	var file string
	return &command{
		name:    "settings",
		summary: "show or set how the smart match compares endpoints with assets",
		usage:   "halobridge assets settings --partner SLUG [--file settings.json]",
		long: `Without --file, prints the partner's asset mapping settings as JSON. With
--file ("-" for standard input), checks and saves them; the next sync matches
by them. Each rule compares one HaloPSA asset field (inventory_number,
key_field, key_field2, key_field3, or an asset or custom field by its name)
with one endpoint property (name, label, fqdn, ip, mac), in mode exact or
contains, case-sensitive or not; rules are tried in order.

Example:
  halobridge assets settings --partner northpoint > settings.json
  halobridge assets settings --partner northpoint --file settings.json`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&file, "file", "", "the settings JSON to save (\"-\" for standard input)")
			f.register(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			rt, service, p, err := f.open(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			if file == "" {
				cfg, err := service.assets.Config(ctx, p.ID)
				if err != nil {
					return err
				}
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(cfg)
			}
			raw, err := readInput(file)
			if err != nil {
				return fmt.Errorf("read the settings: %w", err)
			}
			var cfg assetmap.Config
			if err := json.Unmarshal(raw, &cfg); err != nil {
				return fmt.Errorf("read the settings %s: %w", file, err)
			}
			if err := service.assets.SaveConfig(ctx, p.ID, cfg); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Saved the asset mapping settings of %s (%d rule(s)).\n", p.Name, len(cfg.Match.Rules))
			return nil
		},
	}
}

// readInput reads file, or standard input for "-".
func readInput(file string) ([]byte, error) {
	if file == "-" {
		return io.ReadAll(io.LimitReader(os.Stdin, maxInputBytes))
	}
	return os.ReadFile(file)
}

// maxInputBytes bounds what a command reads from standard input.
const maxInputBytes = 1 << 20
