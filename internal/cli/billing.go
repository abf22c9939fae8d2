package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"halobridge/internal/billing"
	"halobridge/internal/billing/run"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

func billingCommands() []*command {
	return []*command{
		billingRunCommand(true),
		billingRunCommand(false),
		{name: "policy", summary: "show or set a partner's billing policy", children: []*command{billingPolicyShowCommand(), billingPolicySetCommand()}},
		{name: "items", summary: "offer or create HaloPSA items for products in use", children: []*command{billingItemsCommand(false), billingItemsCommand(true)}},
		billingCorrectionsCommand(),
	}
}

// billingFlags are the flags every billing command shares.
type billingFlags struct {
	*partnerFlags
	asJSON bool
}

func (f *billingFlags) register(fs *flag.FlagSet, withJSON bool) {
	f.partnerFlags.register(fs)
	if withJSON {
		fs.BoolVar(&f.asJSON, "json", false, "print JSON instead of tables")
	}
}

// open reaches the store and the partner, and builds the billing service.
func (f *billingFlags) open(ctx context.Context, env Env) (*runtime, *run.Service, store.Partner, error) {
	rt, p, err := f.openPartner(ctx, env)
	if err != nil {
		return nil, nil, store.Partner{}, err
	}
	svc := &run.Service{Store: rt.store, Halo: rt.commandHalo(), Sources: rt.sources, Logger: rt.logger}
	return rt, svc, p, nil
}

func billingRunCommand(dry bool) *command {
	f := &billingFlags{partnerFlags: newPartnerFlags()}
	var month string
	c := &command{
		name:    "run",
		summary: "bill a month on the partner's HaloPSA recurring invoices",
		usage:   "halobridge billing run --partner SLUG [--month YYYY-MM] [--json]",
		long: `Bills a month for real: for each HaloPSA client with billing on, writes the
quantities of the month (and of any month carried since the last run) to the
client's recurring invoice, creating it in create mode, and records what it
did. Running a month twice changes nothing the second time; a run that stopped
half way resumes without counting anything twice. Problems that need a person
(an item deleted, an invoice missing or disabled, usage unavailable) become
integration events ('halobridge events list'). The server bills the due month
by itself on the policy's bill day; this command bills on demand.

The exit code is 1 when a client could not be billed; the others are billed.

Examples:
  halobridge billing dry-run --partner acme --month 2026-10
  halobridge billing run --partner acme --month 2026-10`,
	}
	if dry {
		c.name, c.summary, c.usage = "dry-run", "show, per client, what billing a month would change and why", "halobridge billing dry-run --partner SLUG [--month YYYY-MM] [--json]"
		c.long = `Shows what 'billing run' would do, without writing anything to HaloPSA: per
client, each line of its recurring invoice with the quantity HaloPSA holds now,
the quantity halobridge would write, the change and why, then the problems that
need a person. A real run of the same month right after does exactly this.

--month is the month the usage is for (default: last month); it must be over.

Examples:
  halobridge billing dry-run --partner acme
  halobridge billing dry-run --partner acme --month 2026-10 --json`
	}
	c.flags = func(fs *flag.FlagSet) {
		fs.StringVar(&month, "month", "", "the month to bill, YYYY-MM (default: last month)")
		f.register(fs, true)
	}
	c.run = func(ctx context.Context, env Env, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("billing %s takes no arguments, got %q", c.name, args)
		}
		m := source.MonthOf(time.Now().UTC()).Prev()
		if month != "" {
			var err error
			if m, err = source.ParseMonth(month); err != nil {
				return fmt.Errorf("--month: %w", err)
			}
		}
		rt, svc, p, err := f.open(ctx, env)
		if err != nil {
			return err
		}
		defer rt.Close()
		res, err := svc.Run(ctx, p.ID, m, dry)
		if err != nil {
			return err
		}
		if f.asJSON {
			if err := writeJSON(env.Stdout, res); err != nil {
				return err
			}
		} else if err := writeRun(env.Stdout, res); err != nil {
			return err
		}
		if failed := countFailed(res); failed > 0 {
			return fmt.Errorf("%d client(s) could not be billed; the others were", failed)
		}
		return nil
	}
	return c
}

func countFailed(res run.Result) int {
	n := 0
	for _, c := range res.Clients {
		if c.Error != "" {
			n++
		}
	}
	return n
}

// writeRun prints a run as one table per client, each followed by what
// needs a person.
func writeRun(w io.Writer, res run.Result) error {
	what := "Billing"
	if res.DryRun {
		what = "Dry run of billing"
	}
	fmt.Fprintf(w, "%s for %s: %d client(s).\n", what, res.Month, len(res.Clients))
	for _, c := range res.Clients {
		fmt.Fprintf(w, "\n%s (client %d), %s\n", c.Name, c.ClientID, invoiceLabel(c, res.DryRun))
		if c.Error != "" {
			fmt.Fprintf(w, "  FAILED: %s\n", c.Error)
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  LINE\tITEM\tNAME\tMONTHS\tHALOPSA\tHALOBRIDGE\tUSAGE\tCHANGE\tWHY")
		lines := 0
		for _, r := range c.Rows {
			if r.Finding != "" {
				continue
			}
			lines++
			halo := quantity(r.HaloQuantity)
			if r.Change == billing.ChangeAdd {
				halo = "-"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", orDash(r.LineID), orDash(r.ItemID), r.Name, months(r.Months),
				halo, quantity(r.Quantity), r.UsageText(), r.Change, r.Reason)
		}
		if lines > 0 {
			if err := tw.Flush(); err != nil {
				return fmt.Errorf("billing table: %w", err)
			}
		} else if c.Error == "" {
			fmt.Fprintln(w, "  no lines")
		}
		for _, r := range c.Rows {
			if r.Finding != "" {
				fmt.Fprintf(w, "  ! %s: %s\n", r.Finding, r.Reason)
			}
		}
		for _, x := range c.Corrections {
			fmt.Fprintf(w, "  corrected: %s\n", x.Note)
		}
	}
	return nil
}

func invoiceLabel(c run.ClientResult, dry bool) string {
	switch {
	case c.CreateInvoice && dry:
		return fmt.Sprintf("recurring invoice %q to be created", c.Reference)
	case c.CreateInvoice:
		return fmt.Sprintf("recurring invoice %d %q, created now", c.InvoiceID, c.Reference)
	case c.InvoiceID == 0:
		return "no recurring invoice"
	}
	return fmt.Sprintf("recurring invoice %d", c.InvoiceID)
}

func months(ms []source.Month) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ",")
}

func quantity(q float64) string { return strconv.FormatFloat(q, 'f', -1, 64) }

func orDash(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

func billingCorrectionsCommand() *command {
	f := &billingFlags{partnerFlags: newPartnerFlags()}
	var limit int
	return &command{
		name:    "corrections",
		summary: "list the billing history of usage corrections",
		usage:   "halobridge billing corrections --partner SLUG [--limit N] [--json]",
		long: `Lists, newest first, the months whose usage changed after halobridge had
written them to a recurring invoice (a vendor's recount, a figure pushed again):
the client, the item, the month, the old and the new figure, when, and what
billing did. Before the invoice generated, the line bills the new figure; after,
the difference is carried to the item's next line, so the month is not billed
twice, and a credit is taken off it (never below 0: what a line cannot take off
waits for the next months). Dry runs show corrections but record none.

Examples:
  halobridge billing corrections --partner acme
  halobridge billing corrections --partner acme --limit 20 --json`,
		flags: func(fs *flag.FlagSet) {
			fs.IntVar(&limit, "limit", 100, "at most this many, 1 to 1000")
			f.register(fs, true)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("billing corrections takes no arguments, got %q", args)
			}
			if limit < 1 || limit > 1000 {
				return fmt.Errorf("--limit must be between 1 and 1000, not %d", limit)
			}
			rt, _, p, err := f.open(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			corrections, err := rt.store.BillingCorrections(ctx, p.ID, limit)
			if err != nil {
				return err
			}
			if f.asJSON {
				if corrections == nil {
					corrections = []store.BillingCorrection{}
				}
				return writeJSON(env.Stdout, corrections)
			}
			return writeCorrections(env.Stdout, corrections)
		},
	}
}

func writeCorrections(w io.Writer, corrections []store.BillingCorrection) error {
	if len(corrections) == 0 {
		fmt.Fprintln(w, "No usage was corrected after it was billed.")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN\tCLIENT\tITEM\tMONTH\tOLD\tNEW\tWHAT WAS DONE")
	for _, c := range corrections {
		fmt.Fprintf(tw, "%s\t%s (%d)\t%s\t%s\t%s\t%s\t%s\n", c.CorrectedAt.Format(time.DateTime), c.ClientName, c.ClientID, c.ItemName,
			c.Month, quantity(c.Old), quantity(c.New), c.Action)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("corrections table: %w", err)
	}
	return nil
}

func billingPolicyShowCommand() *command {
	f := &billingFlags{partnerFlags: newPartnerFlags()}
	return &command{
		name:    "show",
		summary: "print a partner's billing policy as JSON",
		usage:   "halobridge billing policy show --partner SLUG",
		long: `Prints the partner's billing policy in the JSON that 'billing policy set'
reads, so that it can be saved to a file, edited and set again. Its fields:

  mode                    "create": halobridge creates a monthly recurring invoice
                          per client, named after it; "append": it writes to the
                          client's own Monthly recurring invoice
  include_period_in_name  names lines with their months: "Endpoint Security (Oct 2026)"
  basis                   GravityZone endpoints counted per protection model
                          ("package", the default) or all together ("endpoint")
  bill_day                month M is billed on this day of month M+1 (default 2)
  rounding                source -> how its fractional quantities are billed, per
                          client, item and month: "decimal" (as counted, to two
                          decimals; the default for every source, since DefensX
                          counts seats pro rata and charges those decimals), "up",
                          "nearest" or "down" (whole licences); e.g.
                          {"defensx": "up"}
  products                product key -> {"item_id": HaloPSA item}
  overrides               per mapping: {"source", "customer_id", "products"}; an
                          item_id of 0 there means "do not bill this product"
  invoices                append mode: client id -> the recurring invoice chosen
                          for a client that has several

Example:
  halobridge billing policy show --partner acme > policy.json`,
		flags: func(fs *flag.FlagSet) { f.register(fs, false) },
		run: func(ctx context.Context, env Env, args []string) error {
			rt, svc, p, err := f.open(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			policy, err := svc.Policy(ctx, p.ID)
			if err != nil {
				return err
			}
			policy.Policy = policy.Explicit()
			return writeJSON(env.Stdout, policy)
		},
	}
}

func billingPolicySetCommand() *command {
	f := &billingFlags{partnerFlags: newPartnerFlags()}
	var file string
	return &command{
		name:    "set",
		summary: "check and save a partner's billing policy",
		usage:   "halobridge billing policy set --partner SLUG --file policy.json",
		long: `Reads a billing policy (the JSON 'billing policy show' prints), checks it and
saves it. The check reads the products the partner's sources report this month
and last month, and HaloPSA's items: every product in use that must be billed
(each GravityZone protection model, DefensX SKUs, push products) needs an item,
every item named must exist, and GravityZone endpoints must not be counted both
per endpoint and per protection model. Nothing is saved when a check fails; each
problem is printed with the field to change.

Examples:
  halobridge billing policy set --partner acme --file policy.json`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&file, "file", "", "the policy's JSON file")
			f.register(fs, false)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if file == "" {
				return errors.New("--file is required: write the policy ('billing policy show' prints the current one)")
			}
			raw, err := os.ReadFile(file)
			if err != nil {
				return fmt.Errorf("read the policy: %w", err)
			}
			var policy run.Policy
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&policy); err != nil {
				return fmt.Errorf("%s is not a billing policy: %w", file, err)
			}
			rt, svc, p, err := f.open(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			checked, err := svc.SavePolicy(ctx, p.ID, policy)
			var perr *run.PolicyError
			if errors.As(err, &perr) {
				fmt.Fprintln(env.Stderr, "The billing policy was not saved:")
				for _, fe := range perr.Fields {
					fmt.Fprintf(env.Stderr, "  %s: %s\n", fe.Field, fe.Message)
				}
				return errors.New("fix the fields above and set the policy again")
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Billing policy saved; it covers the %d product(s) in use.\n", len(checked.InUse))
			for _, u := range checked.Unchecked {
				fmt.Fprintf(env.Stdout, "Not checked: %s\n", u)
			}
			return nil
		},
	}
}

func billingItemsCommand(create bool) *command {
	f := &billingFlags{partnerFlags: newPartnerFlags()}
	var products string
	c := &command{
		name:    "propose",
		summary: "list the HaloPSA items the products in use lack",
		usage:   "halobridge billing items propose --partner SLUG [--json]",
		long: `Lists the products the partner's sources report this month or last month that
the billing policy does not map to a HaloPSA item: every product that must be
billed, and the optional GravityZone add-ons. Where HaloPSA already has an item
of the same name, it is shown: 'billing items create' maps the product to it
instead of creating a duplicate.

Example:
  halobridge billing items propose --partner acme`,
	}
	if create {
		c.name, c.summary, c.usage = "create", "create the proposed HaloPSA items and map the products to them", "halobridge billing items create --partner SLUG [--products KEY,KEY]"
		c.long = `Gives each proposed product ('billing items propose') an item: the HaloPSA item
of the same name when there is one, or a new recurring item named after the
product, whose prices you then set in HaloPSA. The billing policy is updated to
map the products to their items (and created, without an invoice mode, when the
partner has none yet).

Examples:
  halobridge billing items create --partner acme
  halobridge billing items create --partner acme --products mspSecureMonthlyUsage,edrMonthlyUsage`
	}
	c.flags = func(fs *flag.FlagSet) {
		if create {
			fs.StringVar(&products, "products", "", "comma-separated product keys to create items for (default: every proposed product)")
		}
		f.register(fs, true)
	}
	c.run = func(ctx context.Context, env Env, args []string) error {
		rt, svc, p, err := f.open(ctx, env)
		if err != nil {
			return err
		}
		defer rt.Close()
		if !create {
			props, err := svc.ProposeItems(ctx, p.ID)
			if err != nil {
				return err
			}
			if f.asJSON {
				return writeJSON(env.Stdout, props)
			}
			return writeProposals(env.Stdout, props)
		}
		var keys []string
		for _, k := range strings.Split(products, ",") {
			if k = strings.TrimSpace(k); k != "" {
				keys = append(keys, k)
			}
		}
		created, err := svc.CreateItems(ctx, p.ID, keys)
		if f.asJSON {
			if werr := writeJSON(env.Stdout, created); werr != nil {
				return errors.Join(err, werr)
			}
		} else {
			for _, c := range created {
				verb := "created"
				if c.Existing {
					verb = "existing"
				}
				fmt.Fprintf(env.Stdout, "%s: item %d %q (%s)\n", c.Product.Key, c.ItemID, c.Name, verb)
			}
			if len(created) == 0 && err == nil {
				fmt.Fprintln(env.Stdout, "Every product in use has an item.")
			}
		}
		return err
	}
	return c
}

func writeProposals(w io.Writer, props run.Proposals) error {
	if len(props.Items) == 0 {
		fmt.Fprintln(w, "Every product in use has an item.")
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "SOURCE\tPRODUCT\tROLE\tITEM NAME\tSUPPLIER\tEXISTING ITEM")
		for _, p := range props.Items {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Product.Source, p.Product.Key, p.Product.Role, p.Name, p.Supplier, orDash(p.ExistingItemID))
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("proposals table: %w", err)
		}
	}
	for _, u := range props.Unchecked {
		fmt.Fprintf(w, "Not checked: %s\n", u)
	}
	return nil
}
