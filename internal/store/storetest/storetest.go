// Package storetest is the conformance suite every *store.Store
// implementation must pass. Each engine's tests call Run with a function
// that opens a Store on a fresh database, and RunShared with one that opens
// several Stores on the same database, the way replicas share one.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"testing"

	"halobridge/internal/secret"
	"halobridge/internal/store"
)

// Reopen opens a new Store, with its own connections, on one database,
// sealing secrets with keys. The Store is closed when t ends.
type Reopen func(t *testing.T, keys *secret.Keyring) *store.Store

// Run runs the conformance suite. open must return a Store on a new, empty
// database each time it is called, closed when t ends; the suite migrates
// it itself.
func Run(t *testing.T, open func(t *testing.T) *store.Store) {
	setup := func(t *testing.T) *testBundle {
		t.Helper()
		b := &testBundle{ctx: t.Context(), store: open(t)}
		if err := b.store.Migrate(b.ctx); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		return b
	}
	t.Run("Migrate", func(t *testing.T) {
		t.Parallel()
		testMigrate(t, open, setup)
	})
	t.Run("Partners", func(t *testing.T) {
		t.Parallel()
		testPartners(t, setup)
	})
	t.Run("HaloConnections", func(t *testing.T) {
		t.Parallel()
		testHaloConnections(t, setup)
	})
	t.Run("RotateRefreshToken", func(t *testing.T) {
		t.Parallel()
		testRotateRefreshToken(t, setup)
	})
	t.Run("Catalog", func(t *testing.T) {
		t.Parallel()
		testCatalog(t, setup)
	})
	t.Run("Sources", func(t *testing.T) {
		t.Parallel()
		testSources(t, setup)
	})
	t.Run("Alerts", func(t *testing.T) {
		t.Parallel()
		testAlerts(t, setup)
	})
	t.Run("Cleaning", func(t *testing.T) {
		t.Parallel()
		testCleaning(t, setup)
	})
	t.Run("Redelivery", func(t *testing.T) {
		t.Parallel()
		testRedelivery(t, setup)
	})
	t.Run("Retention", func(t *testing.T) {
		t.Parallel()
		testRetention(t, setup)
	})
	t.Run("SourceCatalog", func(t *testing.T) {
		t.Parallel()
		testSourceCatalog(t, setup)
	})
	t.Run("TwoWay", func(t *testing.T) {
		t.Parallel()
		testTwoWay(t, setup)
	})
	t.Run("PushedCustomers", func(t *testing.T) {
		t.Parallel()
		testPushedCustomers(t, setup)
	})
	t.Run("SourceEndpoints", func(t *testing.T) {
		t.Parallel()
		testSourceEndpoints(t, setup)
	})
	t.Run("SyncRuns", func(t *testing.T) {
		t.Parallel()
		testSyncRuns(t, setup)
	})
	t.Run("Mappings", func(t *testing.T) {
		t.Parallel()
		testMappings(t, setup)
	})
	t.Run("AssetMappings", func(t *testing.T) {
		t.Parallel()
		testAssetMappings(t, setup)
	})
	t.Run("Rejections", func(t *testing.T) {
		t.Parallel()
		testRejections(t, setup)
	})
	t.Run("Tickets", func(t *testing.T) {
		t.Parallel()
		testTickets(t, setup)
	})
	t.Run("Accounts", func(t *testing.T) {
		t.Parallel()
		testAccounts(t, setup)
	})
	t.Run("Billing", func(t *testing.T) {
		t.Parallel()
		testBilling(t, setup)
	})
	t.Run("Setup", func(t *testing.T) {
		t.Parallel()
		testSetup(t, setup)
	})
	t.Run("HaloBudgets", func(t *testing.T) {
		t.Parallel()
		testHaloBudgets(t, setup)
	})
	t.Run("HaloAssets", func(t *testing.T) {
		t.Parallel()
		testHaloAssets(t, setup)
	})
}

// RunShared runs the tests that need several Stores on one database:
// concurrent migrations, refresh token rotation across processes and key
// rotation. newDatabase creates a fresh, empty database for each test.
func RunShared(t *testing.T, newDatabase func(t *testing.T) Reopen) {
	t.Run("Shared", func(t *testing.T) {
		t.Parallel()
		testShared(t, newDatabase)
	})
}

// NewKeyring returns a keyring with one random key.
func NewKeyring(t *testing.T) *secret.Keyring {
	t.Helper()
	k, err := secret.NewKeyring(NewKey(t))
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	return k
}

// NewKey returns a random 32-byte key.
func NewKey(t *testing.T) []byte {
	t.Helper()
	key := make([]byte, secret.KeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatalf("generate key: %v", err)
	}
	return key
}

type testBundle struct {
	ctx   context.Context
	store *store.Store
}

// sqlDB is implemented by stores built on database/sql; tests that look at
// the raw columns need it and skip stores without it.
func rawDB(t *testing.T, s *store.Store) *sql.DB {
	t.Helper()
	return s.DB()
}

func createPartner(t *testing.T, b *testBundle, name, slug string) store.Partner {
	t.Helper()
	p, err := b.store.CreatePartner(b.ctx, store.Partner{Name: name, Slug: slug})
	if err != nil {
		t.Fatalf("CreatePartner(%q, %q): %v", name, slug, err)
	}
	return p
}

// Open opens a migrated Store on databaseURL (sqlite://… or postgres://…)
// with a random key, closed when t ends: for the tests of packages built on
// the store.
func Open(t *testing.T, databaseURL string) *store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), store.Config{DatabaseURL: databaseURL, Keys: NewKeyring(t)})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return st
}
