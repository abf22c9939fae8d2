package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/store"
)

func testPartners(t *testing.T, setup func(t *testing.T) *testBundle) {
	t.Run("CreatesPartnerAndReadsItBack", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		start := time.Now().Add(-time.Second)
		created := createPartner(t, b, "Acme IT", "acme")

		if created.ID <= 0 || created.Name != "Acme IT" || created.Slug != "acme" {
			t.Errorf("created = %+v, want a positive id, name Acme IT, slug acme", created)
		}
		if created.CreatedAt.Before(start) || !created.UpdatedAt.Equal(created.CreatedAt) {
			t.Errorf("created at %v, updated at %v; want both now", created.CreatedAt, created.UpdatedAt)
		}
		byID, err := b.store.Partner(b.ctx, created.ID)
		if err != nil {
			t.Fatalf("Partner: %v", err)
		}
		if diff := cmp.Diff(created, byID); diff != "" {
			t.Errorf("Partner(id) differs from what CreatePartner returned (-created +read):\n%s", diff)
		}
		bySlug, err := b.store.PartnerBySlug(b.ctx, "acme")
		if err != nil {
			t.Fatalf("PartnerBySlug: %v", err)
		}
		if diff := cmp.Diff(created, bySlug); diff != "" {
			t.Errorf("PartnerBySlug differs from what CreatePartner returned (-created +read):\n%s", diff)
		}
	})

	t.Run("MakesSlugFromNameWhenNoneIsGiven", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		tests := []struct{ name, want string }{
			{"Contoso Managed Services, Inc.", "contoso-managed-services-inc"},
			{"  NetWorks 24/7  ", "networks-24-7"},
			{"Café Olé IT", "caf-ol-it"},
		}
		for _, tt := range tests {
			p := createPartner(t, b, tt.name, "")
			if p.Slug != tt.want {
				t.Errorf("slug of %q = %q, want %q", tt.name, p.Slug, tt.want)
			}
		}
	})

	t.Run("RejectsDuplicateSlugWithConflict", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		createPartner(t, b, "Acme IT", "acme")
		other := createPartner(t, b, "Other", "other")

		_, err := b.store.CreatePartner(b.ctx, store.Partner{Name: "Acme Again", Slug: "acme"})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("CreatePartner with a taken slug: error = %v, want ErrConflict", err)
		}
		other.Slug = "acme"
		_, err = b.store.UpdatePartner(b.ctx, other)
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("UpdatePartner to a taken slug: error = %v, want ErrConflict", err)
		}
	})

	t.Run("RejectsSlugsThatAreNotURLSafe", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		for _, slug := range []string{"Acme", "acme_it", "-acme", "acme-", "ac--me", "acmé", "a/b", "a b", strings.Repeat("a", 64)} {
			_, err := b.store.CreatePartner(b.ctx, store.Partner{Name: "Acme", Slug: slug})
			if !errors.Is(err, store.ErrInvalid) {
				t.Errorf("slug %q: error = %v, want ErrInvalid", slug, err)
			}
		}
		if _, err := b.store.CreatePartner(b.ctx, store.Partner{Name: "  ", Slug: "blank"}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("blank name: error = %v, want ErrInvalid", err)
		}
		createPartner(t, b, "Longest", strings.Repeat("a", 63))
	})

	t.Run("ReportsMissingPartnerAsNotFound", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		if _, err := b.store.Partner(b.ctx, 999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Partner(999): error = %v, want ErrNotFound", err)
		}
		if _, err := b.store.PartnerBySlug(b.ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("PartnerBySlug(nobody): error = %v, want ErrNotFound", err)
		}
		if _, err := b.store.UpdatePartner(b.ctx, store.Partner{ID: 999, Name: "Ghost", Slug: "ghost"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UpdatePartner(999): error = %v, want ErrNotFound", err)
		}
		if err := b.store.DeletePartner(b.ctx, 999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeletePartner(999): error = %v, want ErrNotFound", err)
		}
	})

	t.Run("ListsPartnersByNameIgnoringCase", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		none, err := b.store.Partners(b.ctx)
		if err != nil || len(none) != 0 {
			t.Fatalf("Partners on an empty store = %v, %v; want none", none, err)
		}
		createPartner(t, b, "beta", "")
		createPartner(t, b, "Gamma", "")
		createPartner(t, b, "alpha", "")
		createPartner(t, b, "Beta", "beta-2")

		list, err := b.store.Partners(b.ctx)
		if err != nil {
			t.Fatal(err)
		}
		var slugs []string
		for _, p := range list {
			slugs = append(slugs, p.Slug)
		}
		if diff := cmp.Diff([]string{"alpha", "beta-2", "beta", "gamma"}, slugs); diff != "" {
			t.Errorf("partner order (-want +got):\n%s", diff)
		}
	})

	t.Run("UpdatesNameAndSlug", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		created := createPartner(t, b, "Acme IT", "acme")

		updated, err := b.store.UpdatePartner(b.ctx, store.Partner{ID: created.ID, Name: "Acme Security", Slug: "acme-security"})
		if err != nil {
			t.Fatalf("UpdatePartner: %v", err)
		}
		want := store.Partner{ID: created.ID, Name: "Acme Security", Slug: "acme-security", CreatedAt: created.CreatedAt, UpdatedAt: updated.UpdatedAt}
		if diff := cmp.Diff(want, updated); diff != "" {
			t.Errorf("UpdatePartner result (-want +got):\n%s", diff)
		}
		if updated.UpdatedAt.Before(created.UpdatedAt) {
			t.Errorf("UpdatedAt went back from %v to %v", created.UpdatedAt, updated.UpdatedAt)
		}
		read, err := b.store.PartnerBySlug(b.ctx, "acme-security")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(updated, read); diff != "" {
			t.Errorf("read back (-updated +read):\n%s", diff)
		}
		if _, err := b.store.PartnerBySlug(b.ctx, "acme"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("old slug: error = %v, want ErrNotFound", err)
		}
	})

	t.Run("DeletesPartnerWithEverythingItOwns", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		gone := createPartner(t, b, "Gone", "")
		kept := createPartner(t, b, "Kept", "")
		for _, p := range []store.Partner{gone, kept} {
			if _, err := b.store.SaveHaloConnection(b.ctx, exampleConnection(p.ID)); err != nil {
				t.Fatal(err)
			}
			if _, err := b.store.ReplaceCatalog(b.ctx, p.ID, store.KindClient, []store.CatalogEntry{{HaloID: "12", Name: "Client"}}, time.Now()); err != nil {
				t.Fatal(err)
			}
		}

		if err := b.store.DeletePartner(b.ctx, gone.ID); err != nil {
			t.Fatalf("DeletePartner: %v", err)
		}
		if _, err := b.store.Partner(b.ctx, gone.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted partner: error = %v, want ErrNotFound", err)
		}
		if _, err := b.store.HaloConnection(b.ctx, gone.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted partner's connection: error = %v, want ErrNotFound", err)
		}
		if entries, err := b.store.Catalog(b.ctx, gone.ID, store.KindClient); err != nil || len(entries) != 0 {
			t.Errorf("deleted partner's catalog = %v, %v; want empty", entries, err)
		}
		if reads, err := b.store.CatalogReads(b.ctx, gone.ID); err != nil || len(reads) != 0 {
			t.Errorf("deleted partner's catalog reads = %v, %v; want none", reads, err)
		}
		if _, err := b.store.HaloConnection(b.ctx, kept.ID); err != nil {
			t.Errorf("other partner's connection: %v", err)
		}
		if entries, err := b.store.Catalog(b.ctx, kept.ID, store.KindClient); err != nil || len(entries) != 1 {
			t.Errorf("other partner's catalog = %v, %v; want its one client", entries, err)
		}
		if reads, err := b.store.CatalogReads(b.ctx, kept.ID); err != nil || len(reads) != 1 {
			t.Errorf("other partner's catalog reads = %v, %v; want its read of clients", reads, err)
		}
	})
}
