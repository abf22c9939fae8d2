package syncrun_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"halobridge/internal/events"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/ref"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/syncrun/syncruntest"
)

// policyRefs stands in for a ticket or billing policy: the references it
// returns can change between syncs.
type policyRefs struct {
	mu   sync.Mutex
	refs []ref.Ref
}

func (p *policyRefs) Refs(context.Context, int64) ([]ref.Ref, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.refs), nil
}

func (p *policyRefs) set(refs ...ref.Ref) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refs = refs
}

// appendMode is billing in append mode.
type appendMode bool

func (a appendMode) AppendsToExistingInvoice(context.Context, int64) (bool, error) {
	return bool(a), nil
}

func TestConfigurationChecks(t *testing.T) {
	t.Parallel()

	t.Run("RecordsTheConfigurationRefersToAreCheckedAtEverySync", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 6})
			policy := &policyRefs{}
			policy.set(
				ref.Ref{Kind: store.KindTicketType, HaloID: "21", Label: "ticket policy: ticket type"},
				ref.Ref{Kind: store.KindStatus, HaloID: "4", Label: "ticket policy: initial status"},
				ref.Ref{Kind: store.KindAgent, HaloID: "8", Label: "ticket policy: default agent"},
				ref.Ref{Kind: store.KindAgent, HaloID: "1", Label: "ticket policy: agent of low alerts (Unassigned)"},
				ref.Ref{Kind: store.KindTeam, HaloID: "5", Label: "ticket policy: default team"},
				ref.Ref{Kind: store.KindItem, HaloID: "1409", Label: "billing policy: item of Firewall"},
			)
			f.Syncer.Refs = []ref.ConfigRefs{policy}
			f.MustSync(t)
			if got := messages(f.ListEvents(t, store.EventOpen)); !slices.Equal(got, []string{
				"HaloPSA agent 'Daniel Price' (id 8), used as ticket policy: default agent, was disabled.",
				"HaloPSA team id 5, used as ticket policy: default team, is no longer an active team: it was deleted or made inactive.",
			}) {
				t.Errorf("events after the first sync: %q", got)
			}

			f.Sim.DeleteItem(1409)
			f.MustSync(t)
			item := findEvent(t, f.ListEvents(t, store.EventOpen), "billing policy: item of Firewall")
			if item.Message != "HaloPSA item id 1409, used as billing policy: item of Firewall, no longer exists: it was deleted." ||
				item.Fix != "Choose another item for billing policy: item of Firewall, or restore it in HaloPSA." {
				t.Errorf("item event: %q / %q", item.Message, item.Fix)
			}

			policy.set(ref.Ref{Kind: store.KindItem, HaloID: "1408", Label: "billing policy: item of Firewall"})
			f.MustSync(t)
			if open := f.ListEvents(t, store.EventOpen); len(open) != 0 {
				t.Errorf("events once the policy changed: %q", messages(open))
			}
		})
	})

	t.Run("AppendModeNeedsAMonthlyRecurringInvoicePerBilledClient", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 6})
			f.Syncer.Invoices = appendMode(true)
			with, without := clientsByInvoice(f.Sim)
			src := f.PushSource(t, "Vendor",
				source.Customer{ID: "with", Name: "Has an invoice"},
				source.Customer{ID: "without", Name: "Has none"},
				source.Customer{ID: "unbilled", Name: "Not billed"})
			f.MustSync(t)
			for id, in := range map[string]mapper.MapInput{
				"with":     {ClientID: with, Billing: true},
				"without":  {ClientID: without, Billing: true, Ticketing: true},
				"unbilled": {ClientID: without, Ticketing: true},
			} {
				if _, err := f.Mappings.Map(t.Context(), f.Partner.ID, src.ID, id, in); err != nil {
					t.Fatal(err)
				}
			}
			f.MustSync(t)
			e := f.OpenEvent(t, events.EventNoRecurringInvoice)
			if syncruntest.DataClientID(t, e) != without || !strings.Contains(e.Fix, "Recurring Invoices") {
				t.Errorf("event %+v, want one for client %d", e, without)
			}
			table, err := f.Mappings.MappingRows(t.Context(), f.Partner.ID, mapper.RowFilter{})
			if err != nil {
				t.Fatal(err)
			}
			statuses := map[string]string{}
			for _, r := range table.Rows {
				for _, m := range r.Mappings {
					statuses[m.CustomerID] = m.Status
				}
			}
			if statuses["without"] != "has_events" || statuses["unbilled"] != "ok" || statuses["with"] != "ok" {
				t.Errorf("statuses %v: only the billed mapping of the client without an invoice has events", statuses)
			}

			// Billing in create mode needs no existing invoice: the next sync
			// neither reads them nor keeps the event.
			f.Syncer.Invoices = appendMode(false)
			f.Sim.ResetRequests()
			f.MustSync(t)
			if n := syncruntest.RequestsByPath(f.Sim)["/api/RecurringInvoice"]; n != 0 {
				t.Errorf("%d reads of recurring invoices out of append mode, want none", n)
			}
			if got, _ := f.St.Event(t.Context(), f.Partner.ID, e.ID); got.State != store.EventResolved {
				t.Errorf("event after leaving append mode: %+v, want it resolved", got)
			}
			f.Syncer.Invoices = appendMode(true)
			f.MustSync(t)
			e = f.OpenEvent(t, events.EventNoRecurringInvoice)

			f.HaloPost(t, "/RecurringInvoice", []map[string]any{{"client_id": without, "is_recurring_invoice": true, "period": 2, "reference": "Monthly"}})
			cleared, err := f.Events.Recheck(t.Context(), f.Partner.ID, e.ID)
			if err != nil || cleared.State != store.EventResolved {
				t.Errorf("recheck once the invoice exists: %+v, %v; want resolved", cleared, err)
			}
		})
	})
}

// clientsByInvoice finds an active client with an enabled monthly
// recurring invoice and one with none.
func clientsByInvoice(sim *halosim.Sim) (with, without int) {
	has := map[int]bool{}
	for _, inv := range sim.RecurringInvoices() {
		if !inv.Disabled && inv.Period == 2 {
			has[inv.ClientID] = true
		}
	}
	for _, c := range sim.Clients() {
		switch {
		case c.Inactive:
		case has[c.ID] && with == 0:
			with = c.ID
		case !has[c.ID] && without == 0:
			without = c.ID
		}
	}
	return with, without
}

func messages(events []store.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Message)
	}
	slices.Sort(out)
	return out
}

func findEvent(t *testing.T, events []store.Event, subject string) store.Event {
	t.Helper()
	for _, e := range events {
		if strings.Contains(e.Subject, subject) {
			return e
		}
	}
	t.Fatalf("no event about %q among %q", subject, messages(events))
	return store.Event{}
}
