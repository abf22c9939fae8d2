package store_test

import (
	"bytes"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"halobridge/internal/store"
	"halobridge/internal/store/storetest"
)

// mode is the permission bits of path.
func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

func TestDataFiles(t *testing.T) {
	t.Parallel()

	t.Run("AreCreatedForTheOwnerOnly", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "data")
		s := openStore(t, store.Config{DataDir: dir, Keys: storetest.NewKeyring(t)})
		// Writing makes SQLite open its write-ahead log and shared memory.
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := mode(t, dir); got != 0o700 {
			t.Errorf("data directory: mode %04o, want 0700", got)
		}
		db := filepath.Join(dir, "halobridge.db")
		for _, path := range []string{db, db + "-wal", db + "-shm"} {
			if got := mode(t, path); got != 0o600 {
				t.Errorf("%s: mode %04o, want 0600", filepath.Base(path), got)
			}
		}
	})

	t.Run("AreTightenedWithAWarningWhenTheyExistedWider", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "data")
		db := filepath.Join(dir, "halobridge.db")
		// As an older halobridge, a restored backup or a hand-made
		// directory may have left them: readable to everyone. Empty -wal
		// and -shm files are what SQLite finds after a crash at the start.
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{db, db + "-wal", db + "-shm"} {
			if err := os.WriteFile(path, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		s := openStore(t, store.Config{DataDir: dir, Keys: storetest.NewKeyring(t), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := mode(t, dir); got != 0o700 {
			t.Errorf("data directory: mode %04o, want 0700", got)
		}
		for _, path := range []string{db, db + "-wal", db + "-shm"} {
			if got := mode(t, path); got != 0o600 {
				t.Errorf("%s: mode %04o, want 0600", filepath.Base(path), got)
			}
			if !strings.Contains(logs.String(), "path="+path+" mode_was=0644 mode=0600") {
				t.Errorf("no warning names %s:\n%s", path, logs.String())
			}
		}
		if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "path="+dir+" mode_was=0755 mode=0700") {
			t.Errorf("no warning names the data directory:\n%s", logs.String())
		}
	})

	t.Run("AreCreatedForTheOwnerOnlyAtASQLiteURL", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "hb.db")
		s := openStore(t, store.Config{DatabaseURL: "sqlite://" + path, Keys: storetest.NewKeyring(t)})
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{path, path + "-wal"} {
			if got := mode(t, p); got != 0o600 {
				t.Errorf("%s: mode %04o, want 0600", filepath.Base(p), got)
			}
		}
	})
}
