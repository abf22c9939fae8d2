package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"halobridge/internal/auth"
	"halobridge/internal/config"
	"halobridge/internal/store"
)

// passwordEnv is where account add reads a password when standard input
// has none: never from a flag, which other users of the machine could read
// in the process list.
const passwordEnv = config.EnvPrefix + "PASSWORD"

func accountCommands() []*command {
	return []*command{accountAddCommand(os.Stdin)}
}

func tokenCommands() []*command {
	return []*command{tokenCreateCommand(), tokenListCommand(), tokenRevokeCommand()}
}

// accountAddCommand reads the password from stdin unless HALOBRIDGE_PASSWORD is set.
func accountAddCommand(stdin io.Reader) *command {
	f := newPartnerFlags()
	var email, name, role string
	return &command{
		name:    "add",
		summary: "add an operator account that signs in with a password",
		usage:   "halobridge account add --partner SLUG --email EMAIL [--name NAME] [--role admin|member]",
		long: `Adds an account that signs in to the partner's portal with an email and a
password: for self-hosted installs, or for people without a HaloPSA login.
Admins also manage the partner's accounts and API tokens; members do not.

The password is read from ` + passwordEnv + ` or, when that is not set, from
the first line of standard input (a terminal shows what is typed there, so pipe
it in). It is never a flag: flags show in the process list. It needs at least
12 characters, and is stored as an argon2id hash.

Examples:
  halobridge account add --partner acme --email ops@acme.example --name "Olivia Ops" < password.txt
  ` + passwordEnv + `="$PW" halobridge account add --partner acme --email it@acme.example --role member`,
		flags: func(fs *flag.FlagSet) {
			f.register(fs)
			fs.StringVar(&email, "email", "", "the email the person signs in with")
			fs.StringVar(&name, "name", "", "the person's name")
			fs.StringVar(&role, "role", store.RoleAdmin, "admin or member")
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("account add takes no arguments, got %q; the password goes on standard input or in %s", args, passwordEnv)
			}
			if email == "" {
				return errors.New("--email is required")
			}
			password, err := readPassword(env, stdin)
			if err != nil {
				return err
			}
			rt, p, err := f.openPartner(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			svc := &auth.Service{Store: rt.store, Logger: rt.logger}
			a, err := svc.AddAccount(ctx, auth.NewAccount{PartnerID: p.ID, Email: email, Name: name, Password: password, Role: role})
			if errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("partner %s already has an account %s", p.Slug, strings.ToLower(email))
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Added %s account %s to partner %s.\n", a.Role, a.Email, p.Slug)
			return nil
		},
	}
}

// readPassword takes the password from the environment, or else the first
// line of stdin.
func readPassword(env Env, stdin io.Reader) (string, error) {
	if pw := env.Getenv(passwordEnv); pw != "" {
		return pw, nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", fmt.Errorf("no password: give it on standard input or in %s", passwordEnv)
	}
	return pw, nil
}

func tokenCreateCommand() *command {
	f := newPartnerFlags()
	var name string
	return &command{
		name:    "create",
		summary: "create an API token for the JSON API",
		usage:   "halobridge token create --partner SLUG --name NAME",
		long: `Creates an API token that acts for the whole partner in the JSON API, sent as
"Authorization: Bearer <token>". The token is printed once, on standard output,
and stored only as a hash: keep it now. Name it after what will use it.

Example:
  halobridge token create --partner acme --name "RMM sync script"`,
		flags: func(fs *flag.FlagSet) {
			f.register(fs)
			fs.StringVar(&name, "name", "", "what uses the token")
		},
		run: func(ctx context.Context, env Env, args []string) error {
			rt, p, err := f.openPartner(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			svc := &auth.Service{Store: rt.store, Logger: rt.logger}
			plain, t, err := svc.CreateToken(ctx, p.ID, name)
			if err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, plain)
			fmt.Fprintf(env.Stderr, "Created API token %d (%s) for partner %s. This is the only time it is shown: store it now.\n", t.ID, t.Name, p.Slug)
			return nil
		},
	}
}

func tokenListCommand() *command {
	f := newPartnerFlags()
	return &command{
		name:    "list",
		summary: "list a partner's API tokens",
		usage:   "halobridge token list --partner SLUG",
		long:    "Lists a partner's API tokens, revoked ones included, by the prefix each begins with. The tokens themselves are not stored and cannot be shown.",
		flags: func(fs *flag.FlagSet) {
			f.register(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			rt, p, err := f.openPartner(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			tokens, err := rt.store.APITokens(ctx, p.ID)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tPREFIX\tCREATED\tLAST USED\tREVOKED")
			for _, t := range tokens {
				fmt.Fprintf(w, "%d\t%s\t%s…\t%s\t%s\t%s\n", t.ID, t.Name, t.Prefix, when(t.CreatedAt), when(t.LastUsedAt), when(t.RevokedAt))
			}
			return w.Flush()
		},
	}
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func tokenRevokeCommand() *command {
	f := newPartnerFlags()
	return &command{
		name:    "revoke",
		summary: "revoke an API token",
		usage:   "halobridge token revoke --partner SLUG ID",
		long: `Revokes one of the partner's API tokens at once: requests that send it are
refused from now on. Find the ID with 'halobridge token list'.

Example:
  halobridge token revoke --partner acme 3`,
		flags: func(fs *flag.FlagSet) {
			f.register(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if len(args) != 1 {
				return errors.New("give the ID of the token to revoke (see 'halobridge token list')")
			}
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("%q is not a token ID (see 'halobridge token list')", args[0])
			}
			rt, p, err := f.openPartner(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			svc := &auth.Service{Store: rt.store, Logger: rt.logger}
			t, err := svc.RevokeToken(ctx, p.ID, id)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("partner %s has no API token %d (see 'halobridge token list --partner %s')", p.Slug, id, p.Slug)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Revoked API token %d (%s, %s…).\n", t.ID, t.Name, t.Prefix)
			return nil
		},
	}
}
