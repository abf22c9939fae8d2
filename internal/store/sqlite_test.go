package store_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"halobridge/internal/secret"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/store/storetest"
	"halobridge/internal/wait"
)

// newSQLiteDatabase makes a database file in the test's temporary folder.
func newSQLiteDatabase(t *testing.T) storetest.Reopen {
	path := filepath.Join(t.TempDir(), "halobridge.db")
	return func(t *testing.T, keys *secret.Keyring) *store.Store {
		t.Helper()
		return openStore(t, store.Config{DatabaseURL: "sqlite://" + path, Keys: keys})
	}
}

func openStore(t *testing.T, cfg store.Config) *store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) *store.Store {
		return newSQLiteDatabase(t)(t, storetest.NewKeyring(t))
	})
	storetest.RunShared(t, newSQLiteDatabase)
}

func TestSQLiteFile(t *testing.T) {
	t.Parallel()

	type testBundle struct {
		dir   string
		keys  *secret.Keyring
		store *store.Store
	}
	setup := func(t *testing.T) *testBundle {
		t.Helper()
		b := &testBundle{dir: t.TempDir(), keys: storetest.NewKeyring(t)}
		b.store = openStore(t, store.Config{DataDir: b.dir, Keys: b.keys})
		if err := b.store.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		return b
	}

	t.Run("KeepsPlaintextSecretsOutOfTheFiles", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p, err := b.store.CreatePartner(t.Context(), store.Partner{Name: "Acme IT"})
		if err != nil {
			t.Fatal(err)
		}
		const clientSecret, refreshToken = "CLIENT-SECRET-7f3a9c-XQ81", "REFRESH-TOKEN-b21e55-ZK27"
		_, err = b.store.SaveHaloConnection(t.Context(), store.HaloConnection{
			PartnerID: p.ID, ResourceURL: "https://acme.halopsa.com/api", AuthURL: "https://acme.halopsa.com/auth",
			ClientID: "client", GrantType: store.GrantAuthorizationCode, Scope: "all offline_access",
			ClientSecret: clientSecret, RefreshToken: refreshToken,
		})
		if err != nil {
			t.Fatal(err)
		}
		const pushSecret, apiKey = "PUSH-SECRET-d4e5f6-QW12", "API-KEY-9a8b7c-PL34"
		_, err = b.store.CreateSource(t.Context(), store.Source{PartnerID: p.ID, Kind: source.GravityZone,
			Name: "GravityZone", Secret: pushSecret, APIKey: apiKey, APIURL: "https://cloud.gravityzone.bitdefender.com/api"})
		if err != nil {
			t.Fatal(err)
		}

		var all []byte
		for _, name := range []string{"halobridge.db", "halobridge.db-wal", "halobridge.db-shm"} {
			data, err := os.ReadFile(filepath.Join(b.dir, name))
			if os.IsNotExist(err) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, data...)
		}
		for _, plain := range []string{clientSecret, refreshToken, pushSecret, apiKey} {
			if bytes.Contains(all, []byte(plain)) {
				t.Errorf("%q appears in the database files", plain)
			}
		}
		// The files must hold the connection at all, or the check above
		// proves nothing.
		for _, present := range []string{"https://acme.halopsa.com/api", "v1:" + b.keys.CurrentKeyID() + ":"} {
			if !bytes.Contains(all, []byte(present)) {
				t.Errorf("%q does not appear in the database files", present)
			}
		}
	})

	t.Run("UsesWALAndTheConfiguredPragmas", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		s := b.store
		if s.PgxPool() != nil {
			t.Error("PgxPool() is not nil on SQLite")
		}
		tests := []struct {
			pragma string
			want   string
		}{
			{"journal_mode", "wal"},
			{"foreign_keys", "1"},
			{"busy_timeout", "10000"},
			{"synchronous", "2"}, // FULL: a commit is on disk before it returns
			{"temp_store", "2"},  // MEMORY
			{"cache_size", "-65536"},
			{"wal_autocheckpoint", "16384"},
			{"journal_size_limit", "67108864"},
		}
		for _, tt := range tests {
			var got string
			if err := s.DB().QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
			}
			if got != tt.want {
				t.Errorf("PRAGMA %s = %q, want %q", tt.pragma, got, tt.want)
			}
		}
		if got := s.DB().Stats().MaxOpenConnections; got != 1 {
			t.Errorf("writer allows %d connections, want 1", got)
		}
	})

	t.Run("IngestLeavesTheWriterSyncingEveryCommit", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		s := b.store
		p, err := s.CreatePartner(t.Context(), store.Partner{Name: "Acme IT"})
		if err != nil {
			t.Fatal(err)
		}
		src, err := s.CreateSource(t.Context(), store.Source{PartnerID: p.ID, Kind: source.GravityZone, Name: "GZ"})
		if err != nil {
			t.Fatal(err)
		}
		alert := source.Alert{Source: source.GravityZone, Type: "av", CustomerID: "c", EventID: "e1", Fingerprint: "f"}
		stored := store.InboundBatch{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: time.Now(), Alerts: []source.Alert{alert}}
		// An alert without an event id fails its commit.
		refused := store.InboundBatch{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: time.Now(), Alerts: []source.Alert{{Type: "av"}}}
		for _, batch := range []store.InboundBatch{stored, refused} {
			s.StoreInbound(t.Context(), []store.InboundBatch{batch})
			var got string
			if err := s.DB().QueryRowContext(t.Context(), "PRAGMA synchronous").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != "2" {
				t.Errorf("after storing %d alerts, PRAGMA synchronous = %s, want 2 (FULL) for the writes that follow", len(batch.Alerts), got)
			}
		}
		if n, _ := s.CountAlerts(t.Context(), src.ID); n != 1 {
			t.Errorf("%d alerts stored, want 1", n)
		}
	})

	t.Run("CopiesTheWALIntoTheDatabaseInTheBackground", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		s := b.store
		db := filepath.Join(b.dir, "halobridge.db")
		before := fileSize(t, db)
		// 4 MiB in 1000 pages: far below the 16384 pages at which the
		// writer would checkpoint itself, so only the background
		// checkpoint can move them into the database file.
		if _, err := s.DB().ExecContext(t.Context(), "CREATE TABLE filler (b BLOB)"); err != nil {
			t.Fatal(err)
		}
		for range 4 {
			if _, err := s.DB().ExecContext(t.Context(), "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 256) INSERT INTO filler SELECT randomblob(4000) FROM n"); err != nil {
				t.Fatal(err)
			}
		}
		wait.For(t, fmt.Sprintf("the database file to grow by the 4 MiB written from %d bytes", before), func() bool {
			return fileSize(t, db) >= before+4<<20
		})
	})

	t.Run("PingsAnOpenDatabase", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		if err := b.store.Ping(t.Context()); err != nil {
			t.Errorf("Ping: %v", err)
		}
	})
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
