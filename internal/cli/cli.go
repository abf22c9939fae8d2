// Package cli is halobridge's command line: one binary whose subcommands run
// the server (serve, migrate) and the all-in-one demo, do from a terminal
// what the portal does (partner, account, halo, source, mapping, sync,
// events, tickets and billing commands), run the simulators (sim) and
// measure halobridge (bench). Each subcommand parses its own flags, reads
// HALOBRIDGE_* variables for flags not given, and explains itself with --help.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"halobridge/internal/config"
)

// Env is what a command may touch of the outside world; tests pass their own.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

// command is one subcommand. Commands with children (halo, sim) dispatch on
// their first argument.
type command struct {
	name     string
	summary  string
	usage    string                 // the line after "Usage: halobridge "
	long     string                 // what it does, examples
	flags    func(fs *flag.FlagSet) // registers the flags; nil when none
	run      func(ctx context.Context, env Env, args []string) error
	children []*command
}

// errUsage marks a mistake on the command line: the usage is printed and the exit code is 2.
var errUsage = errors.New("usage")

func commands() []*command {
	return []*command{
		serveCommand(),
		migrateCommand(),
		demoCommand(),
		{name: "halo", summary: "work with a HaloPSA instance", children: []*command{haloTestCommand(), haloConnectCommand()}},
		{name: "partner", summary: "MSP partners, the accounts everything belongs to", children: partnerCommands()},
		syncCommand(),
		{name: "mapping", summary: "map security companies to HaloPSA clients", children: mappingCommands()},
		{name: "assets", summary: "map security endpoints to HaloPSA assets (smart match)", children: assetCommands()},
		{name: "events", summary: "integration events: what needs a person", children: eventsCommands()},
		{name: "source", summary: "connect security platforms", children: sourceCommands()},
		{name: "account", summary: "operator accounts that sign in with a password", children: accountCommands()},
		{name: "token", summary: "API tokens for the JSON API", children: tokenCommands()},
		{name: "billing", summary: "bill usage on HaloPSA recurring invoices", children: billingCommands()},
		{name: "tickets", summary: "ticket policy and test tickets", children: ticketsCommands()},
		{name: "bench", summary: "measure performance (JSON reports)", children: []*command{benchIngestCommand(), benchPruneCommand(), benchTicketsCommand(), benchReplicasCommand(), benchAssetsCommand()}},
		{name: "sim", summary: "run a simulator of a remote API", children: []*command{simHaloCommand(), simGravityZoneCommand(), simDefensXCommand()}},
	}
}

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, env Env) int {
	err := dispatch(ctx, env, commands(), args, "halobridge")
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(env.Stderr, "halobridge: %v\n", err)
		return 1
	}
}

func dispatch(ctx context.Context, env Env, cmds []*command, args []string, path string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) > 1 && args[0] == "help" {
			return dispatch(ctx, env, cmds, append(args[1:], "--help"), path)
		}
		printCommands(env.Stdout, cmds, path)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	if strings.HasPrefix(args[0], "-") {
		// The obvious form: "billing policy --partner x" shows the policy,
		// "mapping --partner x" lists the mappings.
		for _, c := range cmds {
			if c.name == "show" || c.name == "list" {
				return runCommand(ctx, env, c, args, path+" "+c.name)
			}
		}
	}
	for _, c := range cmds {
		if c.name != args[0] {
			continue
		}
		if c.children != nil {
			return dispatch(ctx, env, c.children, args[1:], path+" "+c.name)
		}
		return runCommand(ctx, env, c, args[1:], path+" "+c.name)
	}
	fmt.Fprintf(env.Stderr, "%s: unknown command %q\n\n", path, args[0])
	printCommands(env.Stderr, cmds, path)
	return errUsage
}

func runCommand(ctx context.Context, env Env, c *command, args []string, path string) error {
	fs := flag.NewFlagSet(path, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	if c.flags != nil {
		c.flags(fs)
	}
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: %s\n\n%s\n", c.usage, strings.TrimSpace(c.long))
		if hasFlags(fs) {
			fmt.Fprintf(out, "\nFlags (each also read from the environment variable shown):\n")
			fs.VisitAll(func(f *flag.Flag) {
				def := ""
				// Zero says "not set": the usage says what applies then.
				if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "0s" && f.DefValue != "false" {
					def = fmt.Sprintf(" (default %s)", f.DefValue)
				}
				fmt.Fprintf(out, "  --%s  [%s]\n      %s%s\n", f.Name, config.EnvName(f.Name), f.Usage, def)
			})
		}
	}
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fs.SetOutput(env.Stdout)
			fs.Usage()
			return flag.ErrHelp
		}
	}
	words, err := parseAnywhere(fs, args)
	if err != nil {
		return errUsage
	}
	if err := config.ApplyEnv(fs, env.Getenv); err != nil {
		return err
	}
	return c.run(ctx, env, words)
}

// parseAnywhere parses the flags of args wherever they stand, before,
// between or after the other words ("partner add Acme --slug acme"), and
// returns those words in order. Everything after "--" is a word.
func parseAnywhere(fs *flag.FlagSet, args []string) ([]string, error) {
	var words, after []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, after = args[:i], args[i+1:]
	}
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return append(words, after...), nil
		}
		words, args = append(words, args[0]), args[1:]
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

func printCommands(w io.Writer, cmds []*command, path string) {
	fmt.Fprintf(w, "Usage: %s <command> [flags]\n\n", path)
	if path == "halobridge" {
		fmt.Fprintf(w, "halobridge connects security platforms (Bitdefender GravityZone, DefensX) to HaloPSA:\nclient mapping, alert tickets and recurring-invoice billing for MSPs.\n\n")
	}
	fmt.Fprintf(w, "Commands:\n")
	type entry struct{ name, summary string }
	var entries []entry
	width := 0
	for _, c := range cmds {
		if c.children == nil {
			entries = append(entries, entry{c.name, c.summary})
		}
		for _, k := range c.children {
			entries = append(entries, entry{c.name + " " + k.name, k.summary})
		}
	}
	for _, e := range entries {
		width = max(width, len(e.name))
	}
	var lines []string
	for _, e := range entries {
		lines = append(lines, fmt.Sprintf("  %-*s  %s", width, e.name, e.summary))
	}
	sort.Strings(lines)
	fmt.Fprintln(w, strings.Join(lines, "\n"))
	fmt.Fprintf(w, "\nRun '%s <command> --help' for a command's flags and examples.\n", path)
}
