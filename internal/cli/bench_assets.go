package cli

import (
	"context"
	"flag"
	"fmt"

	"halobridge/internal/bench"
)

func benchAssetsCommand() *command {
	var opts bench.AssetsOptions
	return &command{
		name:    "assets",
		summary: "measure the smart match of endpoints to HaloPSA assets (JSON report)",
		usage:   "halobridge bench assets [--endpoints N] [--assets N] [--runs N]",
		long: `Builds --endpoints endpoints and --assets HaloPSA assets as an MSP's look, the
same every time: asset tags that are the device's name in other case, or its
name and its user ("DESKTOP-… (Anna)"), or its FQDN; MAC fields with colons,
dashes and a second address; IP fields that list two addresses; tags two
assets share; spares that match nothing. Then matches them, in memory, with
three rules (the tag against the name, the MAC field, the IP field) in each
mode, exact and contains, --runs times each, the fastest counting.

The baseline is the bare cost of putting every asset value in one map, in the
same process. The JSON report gives, per mode, the seconds, suggestions,
ambiguous and unmatched endpoints and the ratio to the baseline, and the
slowest mode's ratio (ratio_to_baseline). The target: 10,000 × 10,000 well
under a second in either mode.

Example:
  halobridge bench assets`,
		flags: func(fs *flag.FlagSet) {
			fs.IntVar(&opts.Endpoints, "endpoints", 10_000, "endpoints to match")
			fs.IntVar(&opts.Assets, "assets", 10_000, "HaloPSA assets to match them with")
			fs.IntVar(&opts.Runs, "runs", 3, "runs of each measure, the fastest counting")
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("bench assets takes no arguments, got %q", args)
			}
			if opts.Endpoints <= 0 || opts.Assets <= 0 || opts.Runs <= 0 {
				return fmt.Errorf("--endpoints, --assets and --runs must be at least 1")
			}
			if opts.Endpoints > 1_000_000 || opts.Assets > 1_000_000 {
				return fmt.Errorf("--endpoints and --assets are at most 1,000,000 each: the world is built in memory")
			}
			return writeJSON(env.Stdout, bench.Assets(opts))
		},
	}
}
