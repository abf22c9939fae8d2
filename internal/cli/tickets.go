package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strconv"

	"halobridge/internal/store"
	"halobridge/internal/ticketing"
	"halobridge/internal/ticketing/deliver"
)

func ticketsCommands() []*command {
	return []*command{
		{name: "policy", summary: "show or set a partner's ticket policy", children: []*command{ticketsPolicyShowCommand(), ticketsPolicySetCommand()}},
		ticketsTestCommand(),
	}
}

// ticketFlags are the flags every tickets command shares.
type ticketFlags struct{ *partnerFlags }

// open reaches the store and the partner, and builds the delivery service.
func (f *ticketFlags) open(ctx context.Context, env Env) (*runtime, *deliver.Service, store.Partner, error) {
	rt, p, err := f.openPartner(ctx, env)
	if err != nil {
		return nil, nil, store.Partner{}, err
	}
	return rt, deliver.New(rt.store, rt.commandHalo(), deliver.Options{Logger: rt.logger}), p, nil
}

func ticketsPolicyShowCommand() *command {
	f := &ticketFlags{partnerFlags: newPartnerFlags()}
	return &command{
		name:    "show",
		summary: "print a partner's ticket policy as JSON",
		usage:   "halobridge tickets policy show --partner SLUG",
		long: `Prints the partner's ticket policy and fallback client as JSON, in the shape
'tickets policy set' reads.

Example:
  halobridge tickets policy show --partner acme > policy.json`,
		flags: f.register,
		run: func(ctx context.Context, env Env, args []string) error {
			rt, svc, p, err := f.open(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			saved, err := svc.Policy(ctx, p.ID)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("partner %q has no ticket policy yet; set one with 'halobridge tickets policy set'", p.Slug)
			}
			if err != nil {
				return err
			}
			return writeJSON(env.Stdout, saved)
		},
	}
}

func ticketsPolicySetCommand() *command {
	f := &ticketFlags{partnerFlags: newPartnerFlags()}
	var file, fallback string
	return &command{
		name:    "set",
		summary: "check a ticket policy against HaloPSA and save it",
		usage:   "halobridge tickets policy set --partner SLUG --file policy.json [--fallback-client ID]",
		long: `Reads a ticket policy (JSON, as 'tickets policy show' prints it, or the policy
alone) from --file ("-" for standard input), checks every field against the
partner's HaloPSA catalog as the last sync stored it, and saves it. A policy
with problems is not saved: each one is printed with its field, and the exit
code is 1.

--fallback-client is the HaloPSA client that receives tickets of customers not
mapped yet, titled "[Unmapped] ..."; 0 means their alerts raise no ticket. It
overrides the file's fallback_client_id.

Example:
  halobridge tickets policy set --partner acme --file policy.json --fallback-client 140`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&file, "file", "", `the policy JSON file, or "-" for standard input`)
			fs.StringVar(&fallback, "fallback-client", "", "the HaloPSA client id of unmapped customers' tickets (0: none)")
			f.register(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			policy, err := readPolicy(file, fallback)
			if err != nil {
				return err
			}
			rt, svc, p, err := f.open(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			saved, err := svc.SavePolicy(ctx, p.ID, policy)
			if pe, ok := deliver.IsPolicyError(err); ok {
				fmt.Fprintf(env.Stdout, "The ticket policy was not saved: %d problem(s).\n", len(pe.Fields))
				for _, fe := range pe.Fields {
					fmt.Fprintf(env.Stdout, "  %s: %s\n", fe.Field, fe.Message)
				}
				return errors.New("fix the fields above and try again")
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Saved the ticket policy of %s (%d alert type(s), fallback client %d).\n", p.Name, len(saved.Policy.Types), saved.FallbackClientID)
			return nil
		},
	}
}

// readPolicy reads a SavedPolicy, or a bare ticketing.Policy, from file.
func readPolicy(file, fallback string) (deliver.SavedPolicy, error) {
	if file == "" {
		return deliver.SavedPolicy{}, errors.New("--file is required: the policy JSON ('halobridge tickets policy show' prints one)")
	}
	raw, err := readInput(file)
	if err != nil {
		return deliver.SavedPolicy{}, fmt.Errorf("read the policy: %w", err)
	}
	var saved deliver.SavedPolicy
	var probe struct {
		Policy json.RawMessage `json:"policy"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return deliver.SavedPolicy{}, fmt.Errorf("read the policy %s: %w", file, err)
	}
	if probe.Policy != nil {
		err = json.Unmarshal(raw, &saved)
	} else {
		var p ticketing.Policy
		err = json.Unmarshal(raw, &p)
		saved.Policy = p
	}
	if err != nil {
		return deliver.SavedPolicy{}, fmt.Errorf("read the policy %s: %w", file, err)
	}
	if fallback != "" {
		id, err := strconv.Atoi(fallback)
		if err != nil || id < 0 {
			return deliver.SavedPolicy{}, fmt.Errorf("--fallback-client %q is not a HaloPSA client id", fallback)
		}
		saved.FallbackClientID = id
	}
	return saved, nil
}

func ticketsTestCommand() *command {
	f := &ticketFlags{partnerFlags: newPartnerFlags()}
	var sourceID int64
	var customer string
	return &command{
		name:    "test",
		summary: "create a real test ticket for one mapping with the current policy",
		usage:   "halobridge tickets test --partner SLUG --source ID --customer ID",
		long: `Creates a real ticket in the partner's HaloPSA for the customer of one mapping,
with the current ticket policy and a made-up alert of the first alert type the
policy enables, titled "[Test] ...". It prints the ticket HaloPSA created, or
why HaloPSA refused it and how to fix that (exit code 1). Close the test ticket
in HaloPSA afterwards.

--source is the source's id ('halobridge source list'); --customer the
customer's id in that source.

Example:
  halobridge tickets test --partner acme --source 3 --customer 59a14b271da197c6108b4567`,
		flags: func(fs *flag.FlagSet) {
			fs.Int64Var(&sourceID, "source", 0, "the id of the mapping's source")
			fs.StringVar(&customer, "customer", "", "the customer's id in the source")
			f.register(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			if sourceID == 0 || customer == "" {
				return errors.New("--source and --customer are required: they name the mapping to test")
			}
			rt, svc, p, err := f.open(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			res, err := svc.TestTicket(ctx, p.ID, sourceID, customer)
			if err != nil {
				return err
			}
			if res.Problem != nil {
				fmt.Fprintf(env.Stdout, "HaloPSA refused the test ticket %q for client %d.\n  %s\n  Fix: %s\n", res.Summary, res.ClientID, res.Problem.Message, res.Problem.Fix)
				return errors.New("the test ticket was refused")
			}
			fmt.Fprintf(env.Stdout, "HaloPSA created test ticket #%d %q for client %d.\n", res.TicketID, res.Summary, res.ClientID)
			return nil
		},
	}
}
