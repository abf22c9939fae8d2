package storetest

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"halobridge/internal/secret"
	"halobridge/internal/store"
)

func testShared(t *testing.T, newDatabase func(t *testing.T) Reopen) {
	t.Run("MigratesOnceFromFourStoresAtOnce", func(t *testing.T) {
		t.Parallel()
		reopen := newDatabase(t)
		keys := NewKeyring(t)
		stores := make([]*store.Store, 4)
		for i := range stores {
			stores[i] = reopen(t, keys)
		}
		var wg sync.WaitGroup
		errs := make([]error, len(stores))
		for i, s := range stores {
			wg.Go(func() { errs[i] = s.Migrate(t.Context()) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Migrate on store %d: %v", i, err)
			}
		}
		b := &testBundle{ctx: t.Context(), store: stores[0]}
		counts := migrationCounts(t, b)
		if counts.rows == 0 || counts.rows != counts.versions {
			t.Errorf("schema_migrations has %d rows for %d versions, want one row per version", counts.rows, counts.versions)
		}
		p := createPartner(t, b, "Acme IT", "acme")
		if _, err := stores[3].Partner(t.Context(), p.ID); err != nil {
			t.Errorf("another store cannot read the partner: %v", err)
		}
	})

	t.Run("PassesEachRefreshTokenOnceAcrossStores", func(t *testing.T) {
		t.Parallel()
		reopen := newDatabase(t)
		keys := NewKeyring(t)
		b := &testBundle{ctx: t.Context(), store: reopen(t, keys)}
		if err := b.store.Migrate(b.ctx); err != nil {
			t.Fatal(err)
		}
		p := createPartner(t, b, "Acme IT", "acme")
		seedRefreshToken(t, b, p.ID)
		rotateConcurrently(t, b.ctx, []*store.Store{b.store, reopen(t, keys)}, p.ID, 3)
	})

	t.Run("ReencryptsSecretsAfterKeyRotation", func(t *testing.T) {
		t.Parallel()
		reopen := newDatabase(t)
		keyA, keyB := NewKey(t), NewKey(t)
		ring := func(current []byte, old ...[]byte) *secret.Keyring {
			k, err := secret.NewKeyring(current, old...)
			if err != nil {
				t.Fatal(err)
			}
			return k
		}

		withA := &testBundle{ctx: t.Context(), store: reopen(t, ring(keyA))}
		if err := withA.store.Migrate(withA.ctx); err != nil {
			t.Fatal(err)
		}
		p := createPartner(t, withA, "Acme IT", "acme")
		empty := createPartner(t, withA, "No Secrets", "")
		conn := exampleConnection(p.ID)
		conn.RefreshToken = "refresh-token-sealed-with-a"
		if _, err := withA.store.SaveHaloConnection(withA.ctx, conn); err != nil {
			t.Fatal(err)
		}
		noSecrets := exampleConnection(empty.ID)
		noSecrets.ClientSecret = ""
		if _, err := withA.store.SaveHaloConnection(withA.ctx, noSecrets); err != nil {
			t.Fatal(err)
		}

		onlyB := reopen(t, ring(keyB))
		_, err := onlyB.HaloConnection(t.Context(), p.ID)
		if !errors.Is(err, secret.ErrUnknownKey) || !strings.Contains(err.Error(), secret.KeyID(keyA)) {
			t.Errorf("reading with key B only before re-encryption: error = %v, want ErrUnknownKey naming key %s", err, secret.KeyID(keyA))
		}

		rotated := reopen(t, ring(keyB, keyA))
		got, err := rotated.HaloConnection(t.Context(), p.ID)
		if err != nil {
			t.Fatalf("reading with keys B,A: %v", err)
		}
		if got.ClientSecret != conn.ClientSecret || got.RefreshToken != conn.RefreshToken {
			t.Errorf("secrets read with keys B,A = %q, %q", got.ClientSecret, got.RefreshToken)
		}
		n, err := rotated.ReencryptSecrets(t.Context())
		if err != nil || n != 2 {
			t.Fatalf("ReencryptSecrets = %d, %v; want the client secret and refresh token re-sealed (2)", n, err)
		}
		if n, err := rotated.ReencryptSecrets(t.Context()); err != nil || n != 0 {
			t.Errorf("second ReencryptSecrets = %d, %v; want 0, nil", n, err)
		}

		got, err = onlyB.HaloConnection(t.Context(), p.ID)
		if err != nil {
			t.Fatalf("reading with key B only after re-encryption: %v", err)
		}
		if got.ClientSecret != conn.ClientSecret || got.RefreshToken != conn.RefreshToken {
			t.Errorf("secrets read with key B only = %q, %q", got.ClientSecret, got.RefreshToken)
		}
		var sealed string
		err = rawDB(t, onlyB).QueryRowContext(t.Context(),
			"SELECT client_secret FROM halo_connections WHERE partner_id = $1", p.ID).Scan(&sealed)
		if err != nil {
			t.Fatal(err)
		}
		if want := "v1:" + secret.KeyID(keyB) + ":"; !strings.HasPrefix(sealed, want) {
			t.Errorf("client_secret column = %q, want the prefix %q", sealed, want)
		}
	})
}
