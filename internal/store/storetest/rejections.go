package storetest

import (
	"errors"
	"slices"
	"strconv"
	"testing"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

func testRejections(t *testing.T, setup func(t *testing.T) *testBundle) {
	t.Run("RecordsListsAndForgetsRejections", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		for _, r := range []struct {
			customer string
			client   int
		}{{"c2", 101}, {"c1", 102}, {"c1", 101}} {
			if err := b.store.RejectSuggestion(b.ctx, p.ID, src.ID, r.customer, r.client); err != nil {
				t.Fatalf("RejectSuggestion(%q, %d): %v", r.customer, r.client, err)
			}
		}
		first, err := b.store.RejectedSuggestions(b.ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.store.RejectSuggestion(b.ctx, p.ID, src.ID, "c1", 101); err != nil {
			t.Fatalf("rejecting a pair again: %v", err)
		}
		list, err := b.store.RejectedSuggestions(b.ctx, p.ID)
		if err != nil || len(list) != 3 || len(first) != 3 {
			t.Fatalf("RejectedSuggestions = %+v, %v; want three, each once", list, err)
		}
		var got []string
		for _, r := range list {
			got = append(got, r.CustomerID+"/"+strconv.Itoa(r.ClientID))
			if r.PartnerID != p.ID || r.SourceID != src.ID || r.RejectedAt.IsZero() {
				t.Errorf("rejection stored as %+v", r)
			}
		}
		if want := []string{"c1/101", "c1/102", "c2/101"}; !slices.Equal(got, want) {
			t.Errorf("rejections %v, want %v", got, want)
		}
		if list[0].RejectedAt.Before(first[0].RejectedAt) {
			t.Errorf("rejected again at %v, before the first time %v", list[0].RejectedAt, first[0].RejectedAt)
		}
		if err := b.store.ForgetRejection(b.ctx, src.ID, "c1", 101); err != nil {
			t.Fatal(err)
		}
		if err := b.store.ForgetRejection(b.ctx, src.ID, "c1", 101); err != nil {
			t.Errorf("forgetting a rejection twice: %v", err)
		}
		list, err = b.store.RejectedSuggestions(b.ctx, p.ID)
		if err != nil || len(list) != 2 || list[0].ClientID != 102 || list[1].CustomerID != "c2" {
			t.Errorf("after ForgetRejection: %+v, %v; want c1/102 and c2/101 left", list, err)
		}
	})

	t.Run("KeepsEachPartnersRejectionsApart", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		q := createPartner(t, b, "Beta IT", "beta")
		src := createSource(t, b, p.ID, source.GravityZone)
		if err := b.store.RejectSuggestion(b.ctx, q.ID, src.ID, "c1", 101); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("rejecting on another partner's source: err = %v, want ErrNotFound", err)
		}
		if err := b.store.RejectSuggestion(b.ctx, p.ID, src.ID, "c1", 0); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("no client: err = %v, want ErrInvalid", err)
		}
		if err := b.store.RejectSuggestion(b.ctx, p.ID, src.ID, "c1", 101); err != nil {
			t.Fatal(err)
		}
		if list, err := b.store.RejectedSuggestions(b.ctx, q.ID); err != nil || len(list) != 0 {
			t.Errorf("another partner's rejections: %+v, %v; want none", list, err)
		}
		if _, err := b.store.DeleteSource(b.ctx, src.ID); err != nil {
			t.Fatal(err)
		}
		if list, err := b.store.RejectedSuggestions(b.ctx, p.ID); err != nil || len(list) != 0 {
			t.Errorf("rejections of a deleted source: %+v, %v; want none", list, err)
		}
	})
}
