package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"halobridge/internal/events"
	"halobridge/internal/store"
)

func eventsCommands() []*command {
	return []*command{eventsListCommand(), eventsRecheckCommand(), eventsResolveCommand()}
}

func eventsListCommand() *command {
	f := newPartnerFlags()
	var q store.EventQuery
	return &command{
		name:    "list",
		summary: "list integration events: what needs a person, and how to fix it",
		usage:   "halobridge events list --partner SLUG [--state open|acknowledged|resolved|all] [--kind KIND]",
		long: `Lists a partner's integration events, most recently seen first: a HaloPSA
client or a company not found, a site without a General User, a record the
configuration refers to deleted, a missing recurring invoice, revoked
credentials, a missing permission, a GravityZone Event Push Service that does
not deliver to halobridge. Each says what is wrong and how to fix it;
'halobridge events recheck' looks again, 'halobridge events resolve' applies
the obvious fix or acknowledges the event.

Examples:
  halobridge events list --partner northpoint
  halobridge events list --partner northpoint --state all --kind client_not_found`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&q.State, "state", store.EventOpen, "open, acknowledged, resolved, or all")
			fs.StringVar(&q.Kind, "kind", "", "only events of this kind")
			fs.IntVar(&q.Limit, "limit", 100, "at most this many")
			f.register(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			switch q.State {
			case store.EventOpen, store.EventAcknowledged, store.EventResolved:
			case "all":
				q.State = ""
			default:
				return fmt.Errorf("--state must be open, acknowledged, resolved or all, not %q", q.State)
			}
			rt, _, p, err := f.open(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			list, err := rt.store.Events(ctx, p.ID, q)
			if err != nil {
				return err
			}
			if len(list) == 0 {
				fmt.Fprintln(env.Stdout, "No events.")
				return nil
			}
			for _, e := range list {
				writeEvent(env.Stdout, e)
			}
			return nil
		},
	}
}

func writeEvent(w io.Writer, e store.Event) {
	fmt.Fprintf(w, "#%d  %s  %s  seen %d× (first %s, last %s)\n", e.ID, e.State, e.Kind, e.Count,
		e.FirstSeen.Local().Format(time.DateTime), e.LastSeen.Local().Format(time.DateTime))
	fmt.Fprintf(w, "    %s: %s\n    %s\n", events.Shown(e).Title, e.Subject, e.Message)
	if e.Fix != "" {
		fmt.Fprintf(w, "    Fix: %s (in the portal: %s)\n", e.Fix, events.Shown(e).PageName)
	}
}

// eventIDs reads event ids given as arguments.
func eventIDs(args []string) ([]int64, error) {
	var ids []int64
	for _, a := range args {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("%q is not an event id: see 'halobridge events list'", a)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func eventsRecheckCommand() *command {
	f := newPartnerFlags()
	return &command{
		name:    "recheck",
		summary: "check events again now, reading HaloPSA",
		usage:   "halobridge events recheck --partner SLUG [EVENT_ID ...]",
		long: `Checks events again now: each reads what it is about from HaloPSA (or the
source: a GravityZone Event Push Service is checked against --base-url) and is
resolved if the problem is gone, or seen once more if not.
Without ids, every open event is rechecked; each costs a few HaloPSA requests,
so for many events 'halobridge sync' is cheaper.

Examples:
  halobridge events recheck --partner northpoint 12
  halobridge events recheck --partner northpoint`,
		flags: f.registerPublic,
		run: func(ctx context.Context, env Env, args []string) error {
			ids, err := eventIDs(args)
			if err != nil {
				return err
			}
			rt, service, p, err := f.open(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			rechecked, err := service.events.RecheckAll(ctx, p.ID, ids)
			for _, e := range rechecked {
				fmt.Fprintf(env.Stdout, "#%d %s: %s (seen %d×) %s\n", e.ID, e.Kind, e.State, e.Count, events.Rechecked(e))
			}
			if len(rechecked) == 0 && err == nil {
				fmt.Fprintln(env.Stdout, "No open events to recheck.")
			}
			return err
		},
	}
}

func eventsResolveCommand() *command {
	f := newPartnerFlags()
	return &command{
		name:    "resolve",
		summary: "apply an event's obvious fix, or acknowledge it",
		usage:   "halobridge events resolve --partner SLUG EVENT_ID",
		long: `Resolves an event: where there is an obvious fix halobridge applies it (both
the company and the client gone: the mapping is removed; a site without a
General User: one is created in HaloPSA on that site; a GravityZone Event Push
Service that does not deliver: halobridge registers itself again, at
--base-url, and the event clears at the next recheck or sync that finds the
push healthy); any other event is acknowledged, and stays listed as such until
its problem is gone.

Example:
  halobridge events resolve --partner northpoint 12`,
		flags: f.registerPublic,
		run: func(ctx context.Context, env Env, args []string) error {
			ids, err := eventIDs(args)
			if err != nil {
				return err
			}
			if len(ids) != 1 {
				return errors.New("give the id of one event to resolve: see 'halobridge events list'")
			}
			rt, service, p, err := f.open(ctx, env)
			if err != nil {
				return err
			}
			defer rt.Close()
			res, err := service.events.Resolve(ctx, p.ID, ids[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s\n#%d is now %s.\n", res.Action, res.Event.ID, res.Event.State)
			return nil
		},
	}
}
