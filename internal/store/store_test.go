package store_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"halobridge/internal/store"
	"halobridge/internal/store/storetest"
)

func TestOpen(t *testing.T) {
	t.Parallel()

	t.Run("PutsSQLiteFileInDataDirByDefault", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "data")
		openStore(t, store.Config{DataDir: dir, Keys: storetest.NewKeyring(t)})
		info, err := os.Stat(filepath.Join(dir, "halobridge.db"))
		if err != nil {
			t.Fatalf("database file: %v", err)
		}
		if info.IsDir() {
			t.Error("halobridge.db is a directory")
		}
		dirInfo, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if perm := dirInfo.Mode().Perm(); perm != 0o700 {
			t.Errorf("data directory mode = %04o, want 0700", perm)
		}
	})

	t.Run("OpensSQLiteURLPathWithSpaces", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "my data", "hb #1.db")
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		s := openStore(t, store.Config{DatabaseURL: "sqlite://" + path, Keys: storetest.NewKeyring(t)})
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("database file: %v", err)
		}
	})

	t.Run("ExplainsBadConfig", func(t *testing.T) {
		t.Parallel()
		keys := storetest.NewKeyring(t)
		tests := []struct {
			name string
			cfg  store.Config
			want string
		}{
			{"NoKeyring", store.Config{DataDir: t.TempDir()}, "keyring"},
			{"NoURLNorDataDir", store.Config{Keys: keys}, "data directory"},
			{"UnknownScheme", store.Config{DatabaseURL: "mysql://db/halobridge", Keys: keys}, `"mysql"`},
			{"SQLiteWithoutPath", store.Config{DatabaseURL: "sqlite://", Keys: keys}, "no file path"},
		}
		for _, tt := range tests {
			s, err := store.Open(t.Context(), tt.cfg)
			if err == nil {
				s.Close()
				t.Errorf("%s: Open succeeded", tt.name)
				continue
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: error %q does not mention %q", tt.name, err, tt.want)
			}
		}
	})
}
