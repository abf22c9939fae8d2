package events_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"halobridge/internal/billing"
	"halobridge/internal/billing/run"
	"halobridge/internal/events"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/mapping"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/syncrun/syncruntest"
	"halobridge/internal/ticketing/deliver"
	"halobridge/internal/twoway"
)

// everyKind collects the kinds of event from the constants of the
// packages that raise them.
func everyKind() []string {
	kinds := []string{
		events.EventReferenceNotFound, events.EventNoRecurringInvoice, events.EventCredentialsRevoked, events.EventPermissionMissing,
		events.EventPushFailing, events.EventUnmappedCustomer, events.EventTicketRefused, events.EventDeliveryPaused, events.EventBillingFailed,
		deliver.KindUnmappedCustomer, deliver.KindSiteWithoutGeneralUser, deliver.KindClientInactive, deliver.KindPermissionMissing,
		deliver.KindTicketRefused, deliver.KindDeliveryPaused, events.EventHaloWebhook, deliver.KindNoCompany, events.EventPushCallback,
		deliver.KindMandatoryField, events.EventIncidentWrite, events.EventEndpointGone, events.EventAssetDeleted,
	}
	for _, k := range []mapping.FindingKind{mapping.FindingClientNotFound, mapping.FindingClientInactive, mapping.FindingCustomerNotFound,
		mapping.FindingBothNotFound, mapping.FindingSiteNotFound, mapping.FindingSiteWithoutGeneralUser} {
		kinds = append(kinds, string(k))
	}
	for _, k := range []billing.FindingKind{billing.FindingUsageUnavailable, billing.FindingUsageInconsistent, billing.FindingProductUnmapped,
		billing.FindingItemDeleted, billing.FindingInvoiceMissing, billing.FindingInvoiceAmbiguous, billing.FindingInvoiceDisabled,
		billing.FindingInvoiceChanged, billing.FindingLineDeleted, billing.FindingCreditCarried} {
		kinds = append(kinds, string(k))
	}
	slices.Sort(kinds)
	return slices.Compact(kinds)
}

// recheckBundle is a partner whose push source's company "c-1" is mapped
// to a HaloPSA client with ticketing and billing on, billed by creating
// recurring invoices; "c-2" is not mapped. Fixed records the partners
// whose delivery a fix woke.
type recheckBundle struct {
	*syncruntest.Fixture
	src    store.Source
	client halosim.Client
	other  halosim.Client

	mu    sync.Mutex
	fixed []int64
}

func setupRecheck(t *testing.T, st *store.Store) *recheckBundle {
	t.Helper()
	ctx := t.Context()
	b := &recheckBundle{Fixture: syncruntest.NewFixture(t, st, halosim.Options{Clients: 12})}
	var active []halosim.Client
	for _, c := range b.Sim.Clients() {
		if !c.Inactive {
			active = append(active, c)
		}
	}
	b.client, b.other = active[0], active[1]
	b.src = b.PushSource(t, "Mail filter", source.Customer{ID: "c-1", Name: "Brightwater Dental"}, source.Customer{ID: "c-2", Name: "Pinecrest Clinic"})
	b.MustSync(t)
	if _, err := b.Mappings.Map(ctx, b.Partner.ID, b.src.ID, "c-1", mapper.MapInput{ClientID: b.client.ID, Ticketing: true, Billing: true}); err != nil {
		t.Fatal(err)
	}
	b.setBillingMode(t, billing.ModeCreate)
	fixed := func(_ context.Context, partnerID int64) {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.fixed = append(b.fixed, partnerID)
	}
	b.Events.Fixed, b.Mappings.Fixed = fixed, fixed
	loop := &twoway.Service{Store: st, Halo: b.Syncer.Halo, BaseURL: "https://bridge.example"}
	b.Events.Webhooks, b.Events.Incidents = loop, loop
	return b
}

func (b *recheckBundle) setBillingMode(t *testing.T, mode billing.Mode) {
	t.Helper()
	policy, err := b.Billing.Policy(t.Context(), b.Partner.ID)
	if err != nil && !errors.Is(err, run.ErrNoPolicy) {
		t.Fatal(err)
	}
	policy.Mode = mode
	if _, err := b.Billing.SavePolicy(t.Context(), b.Partner.ID, policy); err != nil {
		t.Fatalf("save the billing policy: %v", err)
	}
}

// woken is how many times a fix woke the partner's delivery.
func (b *recheckBundle) woken() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.fixed)
}

func (b *recheckBundle) raise(t *testing.T, kind, key string, data any) store.Event {
	t.Helper()
	raw, ok := data.([]byte)
	if !ok {
		raw = []byte(data.(events.Data).Encode())
	}
	e, err := b.St.RaiseEvent(t.Context(), store.Event{PartnerID: b.Partner.ID, Kind: kind, Key: key, Subject: "subject", Message: "message", Data: raw})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestRecheck(t *testing.T) {
	t.Parallel()

	t.Run("EveryKindHasATitleAndAPage", func(t *testing.T) {
		t.Parallel()
		all := everyKind()
		if got := events.Kinds(); !slices.Equal(slices.Sorted(slices.Values(got)), all) {
			t.Errorf("events.Kinds() = %v, want the kinds the packages raise: %v", slices.Sorted(slices.Values(got)), all)
		}
		for _, kind := range all {
			k := events.KindOf(kind)
			if k.Title == "" || strings.Contains(k.Title, "_") || k.Title == events.KindOf("no such kind").Title || !strings.HasPrefix(k.Page, "/") || k.PageName == "" {
				t.Errorf("KindOf(%s) = %+v, want a title in words and a page", kind, k)
			}
		}
	})

	t.Run("EveryKindCanBeRecheckedOnDemand", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupRecheck(t, st)
			for _, kind := range everyKind() {
				d := events.Data{SourceID: b.src.ID, CustomerID: "c-1", ClientID: b.client.ID}
				key := "test/" + kind
				switch {
				case events.IsBillingKind(kind):
					key = fmt.Sprintf("billing/%d/%s", b.client.ID, kind)
				case kind == events.EventReferenceNotFound:
					d = events.Data{RefKind: store.KindTeam, RefID: "1"}
				}
				e := b.raise(t, kind, key, d)
				after, err := b.Events.Recheck(t.Context(), b.Partner.ID, e.ID)
				if err != nil {
					t.Errorf("recheck of a %s event: %v", kind, err)
					continue
				}
				if said := events.Rechecked(after); strings.Contains(said, kind) || said == "" {
					t.Errorf("recheck of a %s event says %q", kind, said)
				}
			}
		})
	})

	t.Run("AnEventWithoutACompanyIsSeenAgainUntilItsEndpointIsKnownFromAMappedCompany", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupRecheck(t, st)
			ctx := t.Context()
			alert := func(id, customer string) source.Alert {
				return source.Alert{Source: source.Push, CustomerID: customer, Type: "network", Severity: source.SeverityMedium,
					HostName: "WS-12", OccurredAt: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC), Fingerprint: "fp-" + id, EventID: "ev-" + id}
			}
			stored := func(alerts ...source.Alert) []int64 {
				res, err := b.St.StoreInbound(ctx, []store.InboundBatch{{PartnerID: b.Partner.ID, SourceID: b.src.ID, ReceivedAt: time.Now(), Alerts: alerts}})
				if err != nil {
					t.Fatal(err)
				}
				return res[0].AlertIDs
			}
			orphan := stored(alert("1", ""))[0]
			key := fmt.Sprintf("%s/%d", events.EventNoCompany, b.src.ID)
			e := b.raise(t, events.EventNoCompany, key, events.Data{SourceID: b.src.ID, AlertID: orphan})
			after, err := b.Events.Recheck(ctx, b.Partner.ID, e.ID)
			if err != nil || after.State != store.EventOpen || after.Count != 2 || !strings.HasPrefix(events.Rechecked(after), "Still no company") {
				t.Fatalf("recheck while the endpoint is unknown: %s seen %d×, %v: %s", after.State, after.Count, err, events.Rechecked(after))
			}
			stored(alert("2", "c-2"))
			if after, err = b.Events.Recheck(ctx, b.Partner.ID, e.ID); err != nil || after.State != store.EventOpen {
				t.Fatalf("recheck while the endpoint's company is not mapped: %s, %v", after.State, err)
			}
			if _, err := b.Mappings.Map(ctx, b.Partner.ID, b.src.ID, "c-2", mapper.MapInput{ClientID: b.other.ID, Ticketing: true}); err != nil {
				t.Fatal(err)
			}
			if after, err = b.Events.Recheck(ctx, b.Partner.ID, e.ID); err != nil || after.State != store.EventResolved {
				t.Errorf("recheck once the endpoint's company is mapped: %s, %v; want resolved", after.State, err)
			}
		})
	})

	t.Run("AnUnmappedCustomerIsSeenAgainUntilMappedAndThenItsAlertsAreTriedAgain", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupRecheck(t, st)
			e := b.raise(t, events.EventUnmappedCustomer, events.UnmappedKey(b.src.ID, "c-2"), events.Data{SourceID: b.src.ID, CustomerID: "c-2"})
			after, err := b.Events.Recheck(t.Context(), b.Partner.ID, e.ID)
			if err != nil || after.State != store.EventOpen || after.Count != 2 || b.woken() != 0 {
				t.Fatalf("recheck while unmapped: %s seen %d×, %v, delivery woken %d×; want open, seen twice, not woken", after.State, after.Count, err, b.woken())
			}
			if got, want := events.Rechecked(after), "Still not mapped: map the customer on the Client mapping page; its alerts are then tried again at once."; got != want {
				t.Errorf("Rechecked = %q, want %q", got, want)
			}
			// Mapped behind the service's back, as another replica would.
			if _, err := b.St.SaveMapping(t.Context(), store.Mapping{PartnerID: b.Partner.ID, SourceID: b.src.ID, CustomerID: "c-2", ClientID: b.other.ID, Ticketing: true, Confirmed: true}); err != nil {
				t.Fatal(err)
			}
			after, err = b.Events.Recheck(t.Context(), b.Partner.ID, e.ID)
			if err != nil || after.State != store.EventResolved || b.woken() != 1 {
				t.Fatalf("recheck once mapped: %s, %v, delivery woken %d×; want resolved and woken once", after.State, err, b.woken())
			}
			if got, want := events.Rechecked(after), "Fixed: the problem is gone."; got != want {
				t.Errorf("Rechecked = %q, want %q", got, want)
			}
		})
	})

	t.Run("ASuggestionIsNotAMapping", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupRecheck(t, st)
			if _, err := b.St.SaveMapping(t.Context(), store.Mapping{PartnerID: b.Partner.ID, SourceID: b.src.ID, CustomerID: "c-2", ClientID: b.other.ID, Ticketing: true}); err != nil {
				t.Fatal(err)
			}
			e := b.raise(t, events.EventUnmappedCustomer, events.UnmappedKey(b.src.ID, "c-2"), events.Data{SourceID: b.src.ID, CustomerID: "c-2"})
			if after, err := b.Events.Recheck(t.Context(), b.Partner.ID, e.ID); err != nil || after.State != store.EventOpen {
				t.Errorf("recheck with an unconfirmed suggestion: %s, %v; want open", after.State, err)
			}
		})
	})

	t.Run("ARefusedTicketIsDeliveredAgainAndStaysOpenUntilHaloPSAAccepts", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupRecheck(t, st)
			for i, kind := range []string{events.EventTicketRefused, events.EventDeliveryPaused, events.EventPermissionMissing} {
				e := b.raise(t, kind, "test/"+kind, events.Data{Permission: "edit:tickets"})
				after, err := b.Events.Recheck(t.Context(), b.Partner.ID, e.ID)
				if err != nil || after.State != store.EventOpen || after.Count != 1 || b.woken() != i+1 {
					t.Errorf("recheck of %s: %s seen %d×, %v, delivery woken %d×; want open as it was, delivery woken", kind, after.State, after.Count, err, b.woken())
				}
				if got, want := events.Rechecked(after), "Delivery to HaloPSA is being tried again now: the event clears once HaloPSA accepts the tickets."; got != want {
					t.Errorf("Rechecked(%s) = %q, want %q", kind, got, want)
				}
			}
		})
	})

	t.Run("ABillingEventIsSettledByADryRunOfItsClient", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupRecheck(t, st)
			failed := b.raise(t, events.EventBillingFailed, fmt.Sprintf("billing/%d/billing_failed", b.client.ID), []byte(fmt.Sprintf(`{"client_id":%d}`, b.client.ID)))
			if after, err := b.Events.Recheck(t.Context(), b.Partner.ID, failed.ID); err != nil || after.State != store.EventResolved {
				t.Errorf("recheck of a failure once the client bills: %s, %v; want resolved", after.State, err)
			}
			// The vendor reports seats of c-1 in November, the month billed
			// on 15 December, and the policy gives seats no item.
			b.Billing.Now = func() time.Time { return time.Date(2026, time.December, 15, 9, 0, 0, 0, time.UTC) }
			usage := []source.Usage{{CustomerID: "c-1", Month: source.Month{Year: 2026, Month: time.November}, Product: "seats", Quantity: 5}}
			if err := b.St.SaveUsage(t.Context(), b.src.ID, usage, nil); err != nil {
				t.Fatal(err)
			}
			unmapped := b.raise(t, string(billing.FindingProductUnmapped), fmt.Sprintf("billing/%d/product_unmapped/push/c-1/seats", b.client.ID),
				[]byte(fmt.Sprintf(`{"kind":"product_unmapped","client_id":%d,"source":"push","customer_id":"c-1","product":"seats"}`, b.client.ID)))
			after, err := b.Events.Recheck(t.Context(), b.Partner.ID, unmapped.ID)
			if err != nil || after.State != store.EventOpen || after.Count != 2 {
				t.Errorf("recheck of a product still without item: %s seen %d×, %v; want open, seen twice", after.State, after.Count, err)
			}
			if got, want := events.Rechecked(after), "Still a problem: a billing dry run of the client finds it again."; got != want {
				t.Errorf("Rechecked = %q, want %q", got, want)
			}
			// A client billed no more has nothing left to fix.
			other := b.raise(t, string(billing.FindingProductUnmapped), fmt.Sprintf("billing/%d/product_unmapped", b.other.ID), []byte(fmt.Sprintf(`{"kind":"product_unmapped","client_id":%d}`, b.other.ID)))
			if after, err := b.Events.Recheck(t.Context(), b.Partner.ID, other.ID); err != nil || after.State != store.EventResolved {
				t.Errorf("recheck of a client billed no more: %s, %v; want resolved", after.State, err)
			}
		})
	})
}
