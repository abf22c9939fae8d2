package datadir

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDataDir(t *testing.T) {
	t.Parallel()

	t.Run("CreateKeepsWhatAFileHoldsAndTightensIt", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "halobridge.db")
		if err := os.WriteFile(path, []byte("SQLite format 3\x00"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := Create(path, nil); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		info, _ := os.Stat(path)
		if string(b) != "SQLite format 3\x00" || info.Mode().Perm() != 0o600 {
			t.Errorf("after Create: %q, mode %04o; want the content kept, mode 0600", b, info.Mode().Perm())
		}
	})

	t.Run("FileLeavesAMissingFileAlone", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "halobridge.db-wal")
		if err := File(path, nil); err != nil {
			t.Fatalf("File on a missing file: %v", err)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("File created %s: %v", path, err)
		}
	})

	t.Run("LeavesANarrowerModeAsItIs", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "secret.key")
		if err := os.WriteFile(path, nil, 0o400); err != nil {
			t.Fatal(err)
		}
		if err := File(path, nil); err != nil {
			t.Fatal(err)
		}
		if info, _ := os.Stat(path); info.Mode().Perm() != 0o400 {
			t.Errorf("mode %04o, want 0400 kept", info.Mode().Perm())
		}
	})

	t.Run("DirCreatesParentsForTheOwnerOnly", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "a", "data")
		if err := Dir(dir, nil); err != nil {
			t.Fatal(err)
		}
		if info, _ := os.Stat(dir); info.Mode().Perm() != 0o700 {
			t.Errorf("mode %04o, want 0700", info.Mode().Perm())
		}
	})
}
