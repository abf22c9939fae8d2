package storetest

import (
	"errors"
	"testing"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

func testMappings(t *testing.T, setup func(t *testing.T) *testBundle) {
	t.Run("SavesReplacesListsAndDeletesMappings", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		suggested, err := b.store.SaveMapping(b.ctx, store.Mapping{PartnerID: p.ID, SourceID: src.ID, CustomerID: "c1", ClientID: 101, Rule: "fuzzy", Score: 0.93})
		if err != nil {
			t.Fatalf("SaveMapping: %v", err)
		}
		if suggested.Confirmed || suggested.Rule != "fuzzy" || suggested.Score != 0.93 || suggested.CreatedAt.IsZero() {
			t.Errorf("suggestion saved as %+v", suggested)
		}
		confirmed, err := b.store.SaveMapping(b.ctx, store.Mapping{PartnerID: p.ID, SourceID: src.ID, CustomerID: "c1", ClientID: 102, SiteID: 502, Ticketing: true, Billing: true, Confirmed: true})
		if err != nil {
			t.Fatal(err)
		}
		if confirmed.ClientID != 102 || confirmed.SiteID != 502 || !confirmed.Ticketing || !confirmed.Billing || !confirmed.Confirmed || !confirmed.CreatedAt.Equal(suggested.CreatedAt) {
			t.Errorf("replaced mapping: %+v", confirmed)
		}
		if _, err := b.store.SaveMapping(b.ctx, store.Mapping{PartnerID: p.ID, SourceID: src.ID, CustomerID: "c2", ClientID: 102}); err != nil {
			t.Fatalf("two customers on one client: %v", err)
		}
		list, err := b.store.Mappings(b.ctx, p.ID)
		if err != nil || len(list) != 2 || list[0].CustomerID != "c1" || list[1].CustomerID != "c2" {
			t.Fatalf("Mappings = %+v, %v", list, err)
		}
		if err := b.store.DeleteMapping(b.ctx, src.ID, "c1"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.Mapping(b.ctx, src.ID, "c1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted mapping: err = %v", err)
		}
	})

	t.Run("RefusesAMappingOfAnotherPartnersSource", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		q := createPartner(t, b, "Beta IT", "beta")
		src := createSource(t, b, q.ID, source.GravityZone)
		if _, err := b.store.SaveMapping(b.ctx, store.Mapping{PartnerID: p.ID, SourceID: src.ID, CustomerID: "c1", ClientID: 101}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
		if _, err := b.store.SaveMapping(b.ctx, store.Mapping{PartnerID: q.ID, SourceID: src.ID, CustomerID: "c1"}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("no client: err = %v, want ErrInvalid", err)
		}
	})

	t.Run("CountsAnEventEachTimeItIsSeenAndReopensItAfterResolution", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		e := store.Event{PartnerID: p.ID, Kind: "client_not_found", Key: "client_not_found/1/c1/42", Subject: "HaloPSA client 'Contoso' (id 42)",
			Message: "The client was deleted.", Fix: "Map the company to another client."}
		first, err := b.store.RaiseEvent(b.ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		e.Message = "The client was deleted or made inactive."
		second, err := b.store.RaiseEvent(b.ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		if second.ID != first.ID || second.Count != 2 || second.State != store.EventOpen || second.Message != e.Message || !second.FirstSeen.Equal(first.FirstSeen) {
			t.Errorf("seen twice: %+v", second)
		}
		if err := b.store.ClearEvent(b.ctx, p.ID, e.Key); err != nil {
			t.Fatal(err)
		}
		if got, _ := b.store.Event(b.ctx, p.ID, first.ID); got.State != store.EventResolved {
			t.Errorf("after ClearEvent: state %q", got.State)
		}
		again, _ := b.store.RaiseEvent(b.ctx, e)
		if again.State != store.EventOpen || again.Count != 3 {
			t.Errorf("seen after resolution: %+v", again)
		}
		open, err := b.store.Events(b.ctx, p.ID, store.EventQuery{State: store.EventOpen})
		if err != nil || len(open) != 1 {
			t.Errorf("open events: %v, %v", open, err)
		}
		ack, err := b.store.SetEventState(b.ctx, p.ID, first.ID, store.EventAcknowledged)
		if err != nil || ack.State != store.EventAcknowledged {
			t.Errorf("acknowledge: %+v, %v", ack, err)
		}
		if _, err := b.store.SetEventState(b.ctx, p.ID+1, first.ID, store.EventResolved); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another partner's event: err = %v", err)
		}
		if _, err := b.store.RaiseEvent(b.ctx, store.Event{PartnerID: p.ID, Kind: "x"}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("event without key: err = %v", err)
		}
	})
}
