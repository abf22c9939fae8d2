package cli

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"halobridge/internal/mapping/mapper"
)

func mappingCommands() []*command {
	return []*command{mappingListCommand(), mappingSuggestionsCommand(), mappingAcceptCommand(), mappingMapCommand(), mappingUnmapCommand()}
}

func mappingListCommand() *command {
	f := newPartnerFlags()
	var filter mapper.RowFilter
	return &command{
		name:    "list",
		summary: "list HaloPSA clients with the companies mapped or suggested to them",
		usage:   "halobridge mapping list --partner SLUG [--mapped mapped|unmapped] [--top-level ID] [--search TEXT]",
		long: `Lists every HaloPSA client of the last sync, one line per company mapped or
suggested to it (a client without any shows a dash), with the mapping's status:
ok, has_events (see 'halobridge events list') or n/a (a suggestion not yet
confirmed, or neither ticketing nor billing on). Clients that mappings name but
HaloPSA no longer has come last, marked missing. Then come the companies not
mapped yet, those known only from the events they pushed marked "seen in an
event": map any of them with 'halobridge mapping map'.

Examples:
  halobridge mapping list --partner northpoint --mapped unmapped
  halobridge mapping list --partner northpoint --search contoso`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&filter.Mapped, "mapped", "", "mapped: clients with a confirmed mapping; unmapped: the others")
			fs.IntVar(&filter.TopLevelID, "top-level", 0, "only clients under this HaloPSA top level id")
			fs.StringVar(&filter.Search, "search", "", "only clients whose name, or a company's name or id, contains this")
			f.register(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			rt, service, p, err := f.open(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			table, err := service.mappings.MappingRows(ctx, p.ID, filter)
			if err != nil {
				return err
			}
			switch {
			case len(table.Rows) > 0:
				if err := writeTable(env.Stdout, table); err != nil {
					return err
				}
			case filter != (mapper.RowFilter{}):
				fmt.Fprintln(env.Stdout, "No HaloPSA client matches these filters: run it without --mapped, --top-level and --search to see them all.")
			default:
				fmt.Fprintf(env.Stdout, "No HaloPSA clients yet: they come from a sync of the partner's HaloPSA.\n"+
					"Next: halobridge sync --partner %s --wait (after 'halobridge halo connect --partner %s ...' if HaloPSA is not connected yet)\n", p.Slug, p.Slug)
			}
			return writeUnmapped(env.Stdout, table.Unmapped)
		},
	}
}

// writeUnmapped lists the companies not mapped yet.
func writeUnmapped(w io.Writer, companies []mapper.Company) error {
	if len(companies) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\nCompanies not mapped yet (%d):\n", len(companies))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPANY\tSOURCE/COMPANY ID\tSOURCE\tKNOWN FROM")
	for _, c := range companies {
		from := "the source's customer list"
		if c.SeenInPush {
			from = "seen in an event"
		}
		if c.Suggested {
			from += ", client suggested"
		}
		fmt.Fprintf(tw, "%s\t%d/%s\t%s\t%s\n", cmp.Or(c.CustomerName, "-"), c.SourceID, c.CustomerID, c.SourceName, from)
	}
	return tw.Flush()
}

func writeTable(w io.Writer, table mapper.MappingTable) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT\tCLIENT ID\tCOMPANY\tSOURCE/COMPANY ID\tSTATUS\tTICKETING\tBILLING\tCONFIRMED")
	for _, r := range table.Rows {
		name := r.Name
		switch {
		case r.Missing:
			name += " (missing)"
		case r.Inactive:
			name += " (inactive)"
		}
		if len(r.Mappings) == 0 {
			fmt.Fprintf(tw, "%s\t%d\t-\t\t\t\t\t\n", name, r.ClientID)
		}
		for _, m := range r.Mappings {
			confirmed := "yes"
			if !m.Confirmed {
				confirmed = "suggested (" + m.Rule + ")"
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%d/%s\t%s\t%s\t%s\t%s\n", name, r.ClientID, m.CustomerName, m.SourceID, m.CustomerID,
				m.Status, onOff(m.Ticketing), onOff(m.Billing), confirmed)
		}
	}
	return tw.Flush()
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func mappingSuggestionsCommand() *command {
	f := newPartnerFlags()
	return &command{
		name:    "suggestions",
		summary: "list the auto-match suggestions waiting for a person",
		usage:   "halobridge mapping suggestions --partner SLUG",
		long: `Lists the suggestions of the last sync: for each company without a confirmed
mapping, the HaloPSA client it most likely is and why (exact_external_id: a
link halobridge wrote on the client earlier; normalised_name; domain; fuzzy,
with its similarity score). A company that several clients match equally well
is ambiguous: its candidates are listed and one must be chosen.

Accept them with 'halobridge mapping accept'.

Example:
  halobridge mapping suggestions --partner northpoint`,
		flags: f.register,
		run: func(ctx context.Context, env Env, args []string) error {
			rt, service, p, err := f.open(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			suggestions, err := service.mappings.Suggestions(ctx, p.ID)
			if err != nil {
				return err
			}
			if len(suggestions) == 0 {
				fmt.Fprintln(env.Stdout, "No suggestions are waiting.")
				return nil
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SOURCE/COMPANY ID\tCOMPANY\tCLIENT\tCLIENT ID\tRULE\tSCORE")
			for _, s := range suggestions {
				ref := fmt.Sprintf("%d/%s", s.SourceID, s.CustomerID)
				if !s.Ambiguous {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%.2f\n", ref, s.CustomerName, s.ClientName, s.ClientID, s.Rule, s.Score)
					continue
				}
				fmt.Fprintf(tw, "%s\t%s\t(ambiguous: choose one)\t\t%s\t%.2f\n", ref, s.CustomerName, s.Rule, s.Score)
				for _, c := range s.Candidates {
					fmt.Fprintf(tw, "\t\t  %s\t%d\t\t\n", c.Name, c.ClientID)
				}
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, "\nAccept with: halobridge mapping accept --partner "+p.Slug+" SOURCE/COMPANY_ID[=CLIENT_ID] ... (or --all)")
			return nil
		},
	}
}

func mappingAcceptCommand() *command {
	f := newPartnerFlags()
	var all bool
	return &command{
		name:    "accept",
		summary: "confirm suggestions, one by one or all at once",
		usage:   "halobridge mapping accept --partner SLUG (--all | SOURCE/COMPANY_ID[=CLIENT_ID] ...)",
		long: `Confirms suggestions: each argument names a company as 'mapping suggestions'
lists it (source id/company id); for an ambiguous suggestion add the chosen
client, =CLIENT_ID. --all confirms every suggestion that is not ambiguous.
A confirmed mapping is never changed by accepting a suggestion: unmap it first.
New mappings have ticketing and billing on.

Examples:
  halobridge mapping accept --partner northpoint --all
  halobridge mapping accept --partner northpoint 3/5f2a9c01 3/77b1e0d2=512`,
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&all, "all", false, "accept every suggestion that names one client")
			f.register(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if all == (len(args) > 0) {
				return errors.New("give either --all or the suggestions to accept (SOURCE/COMPANY_ID[=CLIENT_ID])")
			}
			accepts, err := parseAccepts(args)
			if err != nil {
				return err
			}
			rt, service, p, err := f.open(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			var res mapper.ConfirmResult
			if all {
				res, err = service.mappings.ConfirmAll(ctx, p.ID)
			} else {
				res, err = service.mappings.Confirm(ctx, p.ID, accepts)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Confirmed %d mappings.\n", len(res.Confirmed))
			for _, c := range res.Conflicts {
				fmt.Fprintf(env.Stdout, "Not confirmed %d/%s: %s\n", c.SourceID, c.CustomerID, c.Message)
			}
			return nil
		},
	}
}

// parseAccepts reads SOURCE/COMPANY_ID[=CLIENT_ID] arguments.
func parseAccepts(args []string) ([]mapper.Accept, error) {
	var out []mapper.Accept
	for _, a := range args {
		ref, client, chosen := strings.Cut(a, "=")
		src, customer, ok := strings.Cut(ref, "/")
		sourceID, err := strconv.ParseInt(src, 10, 64)
		if !ok || err != nil || customer == "" {
			return nil, fmt.Errorf("%q is not SOURCE/COMPANY_ID[=CLIENT_ID], e.g. 3/5f2a9c01=512", a)
		}
		acc := mapper.Accept{SourceID: sourceID, CustomerID: customer}
		if chosen {
			if acc.ClientID, err = strconv.Atoi(client); err != nil {
				return nil, fmt.Errorf("%q: the client id after = is not a number", a)
			}
		}
		out = append(out, acc)
	}
	return out, nil
}

// mappingRef are the flags that name one company.
type mappingRef struct {
	sourceID int64
	customer string
}

func (m *mappingRef) register(fs *flag.FlagSet) {
	fs.Int64Var(&m.sourceID, "source", 0, "the source's id (see 'halobridge source list')")
	fs.StringVar(&m.customer, "customer", "", "the company's id in the source")
}

func (m *mappingRef) check() error {
	if m.sourceID <= 0 || m.customer == "" {
		return errors.New("--source and --customer are required: the source id and the company id, as 'halobridge mapping list' shows them (SOURCE/COMPANY ID)")
	}
	return nil
}

func mappingMapCommand() *command {
	f := newPartnerFlags()
	var (
		ref mappingRef
		in  mapper.MapInput
	)
	return &command{
		name:    "map",
		summary: "map a company to a HaloPSA client by hand",
		usage:   "halobridge mapping map --partner SLUG --source ID --customer ID --client ID [--site ID] [--ticketing=false] [--billing=false]",
		long: `Maps a company to a HaloPSA client, replacing its mapping or suggestion.
Several companies may map to one client. --site sends its tickets to one site
of the client instead of the client's General User. --ticketing and --billing
switch alerts and usage for this mapping.

Example:
  halobridge mapping map --partner northpoint --source 3 --customer 5f2a9c01 --client 512 --billing=false`,
		flags: func(fs *flag.FlagSet) {
			ref.register(fs)
			fs.IntVar(&in.ClientID, "client", 0, "the HaloPSA client id")
			fs.IntVar(&in.SiteID, "site", 0, "a HaloPSA site id of that client (default: none)")
			fs.BoolVar(&in.Ticketing, "ticketing", true, "turn the company's alerts into tickets of the client")
			fs.BoolVar(&in.Billing, "billing", true, "bill the company's usage on the client's invoice")
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
			v, err := service.mappings.Map(ctx, p.ID, ref.sourceID, ref.customer, in)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Mapped %s to HaloPSA client '%s' (id %d): ticketing %s, billing %s, status %s.\n",
				v.CustomerName, v.ClientName, v.ClientID, onOff(v.Ticketing), onOff(v.Billing), v.Status)
			return nil
		},
	}
}

func mappingUnmapCommand() *command {
	f := newPartnerFlags()
	var ref mappingRef
	return &command{
		name:    "unmap",
		summary: "remove a company's mapping or suggestion",
		usage:   "halobridge mapping unmap --partner SLUG --source ID --customer ID",
		long: `Removes the mapping (or the suggestion) of a company; its alerts and usage no
longer reach HaloPSA, and its events are cleared.

Example:
  halobridge mapping unmap --partner northpoint --source 3 --customer 5f2a9c01`,
		flags: func(fs *flag.FlagSet) {
			ref.register(fs)
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
			if err := service.mappings.Unmap(ctx, p.ID, ref.sourceID, ref.customer); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Unmapped company %s of source %d.\n", ref.customer, ref.sourceID)
			return nil
		},
	}
}
