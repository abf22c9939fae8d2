package cli

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"halobridge/internal/connect"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

func sourceCommands() []*command {
	return []*command{sourceAddCommand(), sourceListCommand(), sourceUpdateCommand(), sourceRemoveCommand()}
}

func sourceAddCommand() *command {
	f := newPartnerFlags()
	var kindFlag, name, apiURL, apiKey string
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
			fs.StringVar(&kindFlag, "kind", "", "gravityzone, defensx or push")
			fs.StringVar(&name, "name", "", "a name people recognise the source by")
			fs.StringVar(&apiURL, "api-url", "", "GravityZone access URL, or DefensX API root (default https://cloud.defensx.com/api/partner/v1)")
			fs.StringVar(&apiKey, "api-key", "", "the platform's API key (prefer the environment variable)")
			f.registerPublic(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			kind := source.Kind(kindFlag)
			switch kind {
			case source.GravityZone, source.DefensX, source.Push:
			case "":
				return errors.New("--kind is required: gravityzone, defensx or push")
			default:
				return fmt.Errorf("--kind must be gravityzone, defensx or push, not %q", kind)
			}
			if name == "" {
				name = kindFlag
			}
			if kind == source.DefensX && apiURL == "" {
				apiURL = "https://cloud.defensx.com/api/partner/v1"
			}
			if kind != source.Push && (apiURL == "" || apiKey == "") {
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
		long: `Lists the security platforms a partner connected, with the alerts each has
delivered. The ID is what 'halobridge source update' and 'halobridge source
remove' take.`,
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
			fmt.Fprintln(w, "ID\tKIND\tNAME\tAPI URL (PUSH: CALLBACK URL)\tALERTS")
			for _, s := range list {
				n, err := rt.store.CountAlerts(ctx, s.ID)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\n", s.ID, s.Kind, s.Name, cmp.Or(s.APIURL, connect.PushSettingsOf(s).CallbackURL), n)
			}
			return w.Flush()
		},
	}
}

// findPartner reads the partner a --partner flag names.
func findPartner(ctx context.Context, st *store.Store, slug string) (store.Partner, error) {
	if slug == "" {
		return store.Partner{}, errors.New("--partner is required (see 'halobridge partner list')")
	}
	p, err := st.PartnerBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return store.Partner{}, fmt.Errorf("no partner %q (see 'halobridge partner list')", slug)
	}
	return p, err
}

func sourceUpdateCommand() *command {
	f := newPartnerFlags()
	var id int64
	var name, apiURL, apiKey, callbackURL string
	var noCallback bool
	return &command{
		name:    "update",
		summary: "edit a source's name, API URL, API key or callback URL (a new key or URL is tested first)",
		usage:   "halobridge source update --partner SLUG --source ID [--name NAME] [--api-url URL] [--api-key KEY] [--callback-url URL | --no-callback]",
		long: `Changes a source's name, API access URL or API key; what is not given stays
as it is. A new key or URL is tested before it is saved, as adding the source
tests it: halobridge lists the platform's customers with it and, for
GravityZone, registers itself with the Event Push Service again (at
--base-url). If a test fails, nothing is saved and the error says which check
failed, in the platform's words.

A GravityZone key of another account gets a new push secret, and halobridge
switches the old account's push to it off where it can; what it could not do
is printed, with how to do it by hand. HALOBRIDGE_API_KEY in the environment
counts as --api-key, as every flag's variable does.

A push API source may have a callback URL: when a ticket of its alerts is
closed or reopened in HaloPSA, halobridge POSTs the change there as JSON,
signed with HMAC-SHA256 of the body keyed with the source's push token
(header X-Halobridge-Signature: sha256=<hex>), and retries until it answers
2xx. --no-callback removes it.

Examples:
  halobridge source update --partner acme --source 3 --name "GravityZone US"
  HALOBRIDGE_API_KEY=... halobridge source update --partner acme --source 3 \
      --base-url https://halobridge.example.com
  halobridge source update --partner acme --source 5 --callback-url https://edr.example.com/halo`,
		flags: func(fs *flag.FlagSet) {
			fs.Int64Var(&id, "source", 0, "the source's id (see 'halobridge source list')")
			fs.StringVar(&name, "name", "", "a new name")
			fs.StringVar(&apiURL, "api-url", "", "a new GravityZone access URL or DefensX API root")
			fs.StringVar(&apiKey, "api-key", "", "a new API key (prefer the environment variable)")
			fs.StringVar(&callbackURL, "callback-url", "", "push sources: where the vendor is told of tickets closed or reopened in HaloPSA")
			fs.BoolVar(&noCallback, "no-callback", false, "push sources: remove the callback URL")
			f.registerPublic(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			var change connect.SourceChange
			for _, v := range []struct {
				value string
				into  **string
			}{{name, &change.Name}, {apiURL, &change.APIURL}, {apiKey, &change.APIKey}, {callbackURL, &change.CallbackURL}} {
				if v.value != "" {
					*v.into = &v.value
				}
			}
			if noCallback {
				if callbackURL != "" {
					return errors.New("give --callback-url or --no-callback, not both")
				}
				none := ""
				change.CallbackURL = &none
			}
			if id <= 0 || change == (connect.SourceChange{}) {
				return errors.New("give --source and at least one of --name, --api-url, --api-key, --callback-url and --no-callback (see 'halobridge source list' for ids)")
			}
			rt, p, err := f.openPartner(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			up, err := rt.sources.UpdateSource(ctx, p.ID, id, change)
			var field *connect.FieldError
			if errors.As(err, &field) {
				return fmt.Errorf("%s: %s", flagOf(field.Field), field.Message)
			}
			if err != nil {
				return sourceNotFound(err, id)
			}
			fmt.Fprintf(env.Stdout, "Saved %s (id %d).\n", connect.Label(up.Source), up.Source.ID)
			for _, n := range up.Notes {
				fmt.Fprintf(env.Stdout, "  %s\n", n)
			}
			return nil
		},
	}
}

func sourceRemoveCommand() *command {
	f := newPartnerFlags()
	var id int64
	var yes bool
	return &command{
		name:    "remove",
		summary: "remove a source, its alerts and its mappings (GravityZone's push is switched off)",
		usage:   "halobridge source remove --partner SLUG --source ID --yes",
		long: `Removes a source with its alerts, resolutions, companies, usage, mappings and
integration events. The HaloPSA tickets of its alerts stay in HaloPSA as they
are, and so do the invoice lines halobridge wrote; its usage is no longer
billed.

GravityZone's Event Push Service is switched off if it still pushes to this
halobridge (a push to anywhere else is left alone). If GravityZone cannot be
reached, the source is removed all the same and the output says what is left
at GravityZone and how to switch it off by hand. DefensX webhooks and push API
vendors are told by hand: the output says how.

Without --yes nothing is removed: it says what would go.

Example:
  halobridge source remove --partner acme --source 3 --yes`,
		flags: func(fs *flag.FlagSet) {
			fs.Int64Var(&id, "source", 0, "the source's id (see 'halobridge source list')")
			fs.BoolVar(&yes, "yes", false, "remove it: without it, only say what would go")
			f.registerPublic(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if id <= 0 {
				return errors.New("give --source, the id 'halobridge source list' shows")
			}
			rt, p, err := f.openPartner(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			if !yes {
				return previewRemoval(ctx, env, rt.store, p, id)
			}
			removed, err := rt.sources.RemoveSource(ctx, p.ID, id)
			if err != nil {
				return sourceNotFound(err, id)
			}
			for _, line := range removed.Summary() {
				fmt.Fprintln(env.Stdout, line)
			}
			return nil
		},
	}
}

// previewRemoval says what removing the source would take with it.
func previewRemoval(ctx context.Context, env Env, st *store.Store, p store.Partner, id int64) error {
	src, err := st.Source(ctx, id)
	if err == nil && src.PartnerID != p.ID {
		err = store.ErrNotFound
	}
	if err != nil {
		return sourceNotFound(err, id)
	}
	alerts, err := st.CountAlerts(ctx, id)
	if err != nil {
		return err
	}
	mappings, err := st.Mappings(ctx, p.ID)
	if err != nil {
		return err
	}
	confirmed := 0
	for _, m := range mappings {
		if m.SourceID == id && m.Confirmed {
			confirmed++
		}
	}
	fmt.Fprintf(env.Stdout, "Removing %s would delete its alerts (%d), its companies, its confirmed mappings (%d) and its integration events; its HaloPSA tickets stay.\n",
		connect.Label(src), alerts, confirmed)
	return errors.New("nothing was removed: add --yes to remove it")
}

// sourceNotFound says how to find a source's id when there is none such.
func sourceNotFound(err error, id int64) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("the partner has no source %d (see 'halobridge source list')", id)
	}
	return err
}

// flagOf names the flag of a source field.
func flagOf(field string) string {
	switch field {
	case "name", "api_url", "api_key", "callback_url":
		return "--" + strings.ReplaceAll(field, "_", "-")
	}
	return "--api-url and --api-key"
}
