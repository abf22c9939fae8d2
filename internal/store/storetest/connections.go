package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/store"
)

// exampleConnection is a client-credentials connection to a hosted Halo,
// with the URLs shaped as in HaloPSA API reference §1.1.
func exampleConnection(partnerID int64) store.HaloConnection {
	return store.HaloConnection{
		PartnerID:    partnerID,
		ResourceURL:  "https://acme.halopsa.com/api",
		AuthURL:      "https://acme.halopsa.com/auth",
		Tenant:       "acme",
		ClientID:     "4f1c2d9e-client",
		GrantType:    store.GrantClientCredentials,
		Scope:        "all",
		ClientSecret: "s3cr3t-client-secret-value",
		AgentID:      0,
	}
}

func testHaloConnections(t *testing.T, setup func(t *testing.T) *testBundle) {
	t.Run("SavesAndReadsBackWithSecretsInPlaintext", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		in := exampleConnection(p.ID)
		in.GrantType = store.GrantAuthorizationCode
		in.Scope = "all offline_access"
		in.RefreshToken = "refresh-token-one"
		in.AgentID = 42

		saved, err := b.store.SaveHaloConnection(b.ctx, in)
		if err != nil {
			t.Fatalf("SaveHaloConnection: %v", err)
		}
		if saved.CreatedAt.IsZero() || !saved.UpdatedAt.Equal(saved.CreatedAt) {
			t.Errorf("created at %v, updated at %v; want both set and equal", saved.CreatedAt, saved.UpdatedAt)
		}
		want := in
		want.CreatedAt, want.UpdatedAt = saved.CreatedAt, saved.UpdatedAt
		if diff := cmp.Diff(want, saved); diff != "" {
			t.Errorf("SaveHaloConnection result (-want +got):\n%s", diff)
		}
		read, err := b.store.HaloConnection(b.ctx, p.ID)
		if err != nil {
			t.Fatalf("HaloConnection: %v", err)
		}
		if diff := cmp.Diff(want, read); diff != "" {
			t.Errorf("read back (-want +got):\n%s", diff)
		}
	})

	t.Run("SaveReplacesConnectionAndKeepsCreatedAt", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		first, err := b.store.SaveHaloConnection(b.ctx, exampleConnection(p.ID))
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)

		next := exampleConnection(p.ID)
		next.ResourceURL = "https://halo.example.net/api"
		next.AuthURL = "https://halo.example.net/auth"
		next.Tenant = ""
		next.ClientSecret = ""
		next.AgentID = 7
		second, err := b.store.SaveHaloConnection(b.ctx, next)
		if err != nil {
			t.Fatal(err)
		}
		if !second.CreatedAt.Equal(first.CreatedAt) || !second.UpdatedAt.After(first.UpdatedAt) {
			t.Errorf("second save: created %v updated %v; want created %v kept and a later update", second.CreatedAt, second.UpdatedAt, first.CreatedAt)
		}
		read, err := b.store.HaloConnection(b.ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := next
		want.CreatedAt, want.UpdatedAt = first.CreatedAt, second.UpdatedAt
		if diff := cmp.Diff(want, read); diff != "" {
			t.Errorf("read back (-want +got):\n%s", diff)
		}
	})

	t.Run("RejectsConnectionOfUnknownPartner", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.store.SaveHaloConnection(b.ctx, exampleConnection(999))
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("error = %v, want ErrNotFound", err)
		}
	})

	t.Run("RejectsUnknownGrantType", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		c := exampleConnection(p.ID)
		c.GrantType = "password"
		if _, err := b.store.SaveHaloConnection(b.ctx, c); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("error = %v, want ErrInvalid", err)
		}
	})

	t.Run("DeletesConnection", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		if _, err := b.store.SaveHaloConnection(b.ctx, exampleConnection(p.ID)); err != nil {
			t.Fatal(err)
		}
		if err := b.store.DeleteHaloConnection(b.ctx, p.ID); err != nil {
			t.Fatalf("DeleteHaloConnection: %v", err)
		}
		if _, err := b.store.HaloConnection(b.ctx, p.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("read after delete: error = %v, want ErrNotFound", err)
		}
		if err := b.store.DeleteHaloConnection(b.ctx, p.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second delete: error = %v, want ErrNotFound", err)
		}
		if _, err := b.store.Partner(b.ctx, p.ID); err != nil {
			t.Errorf("partner after deleting its connection: %v", err)
		}
	})

	t.Run("StoresSecretsOnlySealed", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		c := exampleConnection(p.ID)
		c.ClientSecret = "plain-client-secret-XQ81"
		c.RefreshToken = "plain-refresh-token-ZK27"
		if _, err := b.store.SaveHaloConnection(b.ctx, c); err != nil {
			t.Fatal(err)
		}
		var secret, token string
		err := rawDB(t, b.store).QueryRowContext(b.ctx,
			"SELECT client_secret, refresh_token FROM halo_connections WHERE partner_id = $1", p.ID).Scan(&secret, &token)
		if err != nil {
			t.Fatal(err)
		}
		for _, col := range []struct{ name, value, plain string }{
			{"client_secret", secret, c.ClientSecret},
			{"refresh_token", token, c.RefreshToken},
		} {
			if !strings.HasPrefix(col.value, "v1:") || strings.Contains(col.value, col.plain) {
				t.Errorf("%s column holds %q; want v1: sealed text without the plaintext", col.name, col.value)
			}
		}
	})
}
