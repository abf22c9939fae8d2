package secret_test

import (
	"bytes"
	"encoding/base64"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"halobridge/internal/secret"
)

func TestLoadKeyring(t *testing.T) {
	t.Parallel()

	b64 := base64.StdEncoding.EncodeToString

	t.Run("ReadsCurrentAndOldKeysFromEnv", func(t *testing.T) {
		t.Parallel()
		sealedOld, err := mustKeyring(t, zeroKey).Seal("token")
		if err != nil {
			t.Fatal(err)
		}
		k, err := secret.LoadKeyring(b64(oneKey)+", "+b64(zeroKey), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := k.CurrentKeyID(); got != oneKeyID {
			t.Errorf("CurrentKeyID = %q, want %q (the first key)", got, oneKeyID)
		}
		if got, err := k.Open(sealedOld); err != nil || got != "token" {
			t.Errorf("Open(value sealed with the second key) = %q, %v", got, err)
		}
	})

	t.Run("PrefersEnvOverKeyFile", func(t *testing.T) {
		t.Parallel()
		keyFile := filepath.Join(t.TempDir(), "secret.key")
		k, err := secret.LoadKeyring(b64(zeroKey), keyFile, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := k.CurrentKeyID(); got != zeroKeyID {
			t.Errorf("CurrentKeyID = %q, want %q", got, zeroKeyID)
		}
		if _, err := os.Stat(keyFile); !os.IsNotExist(err) {
			t.Errorf("key file was touched although the env var is set: %v", err)
		}
	})

	t.Run("ExplainsBadEnvValues", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name string
			env  string
			want []string
		}{
			{"NotBase64", "this is not base64!", []string{"HALOBRIDGE_SECRET_KEY", "key 1 of 1", "not valid base64"}},
			{"TooShort", b64(make([]byte, 16)), []string{"HALOBRIDGE_SECRET_KEY", "decodes to 16 bytes, want 32"}},
			{"BadOldKey", b64(zeroKey) + "," + b64(make([]byte, 33)), []string{"key 2 of 2", "decodes to 33 bytes, want 32"}},
			{"OnlySeparators", " , ,", []string{"HALOBRIDGE_SECRET_KEY", "no key found"}},
		}
		for _, tt := range tests {
			_, err := secret.LoadKeyring(tt.env, "", nil)
			if err == nil {
				t.Errorf("%s: LoadKeyring(%q) succeeded", tt.name, tt.env)
				continue
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%s: error %q does not mention %q", tt.name, err, want)
				}
			}
		}
	})

	t.Run("CreatesPrivateKeyFileOnFirstStartAndReusesIt", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "data")
		keyFile := filepath.Join(dir, "secret.key")

		first, err := secret.LoadKeyring("", keyFile, nil)
		if err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("key file mode = %04o, want 0600", perm)
		}
		dirInfo, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if perm := dirInfo.Mode().Perm(); perm != 0o700 {
			t.Errorf("key directory mode = %04o, want 0700", perm)
		}
		leftovers, _ := filepath.Glob(filepath.Join(dir, ".secret-key-*"))
		if len(leftovers) != 0 {
			t.Errorf("temporary files left behind: %v", leftovers)
		}

		sealed, err := first.Seal("kept across restarts")
		if err != nil {
			t.Fatal(err)
		}
		second, err := secret.LoadKeyring("", keyFile, nil)
		if err != nil {
			t.Fatal(err)
		}
		if second.CurrentKeyID() != first.CurrentKeyID() {
			t.Errorf("second start uses key %s, first used %s", second.CurrentKeyID(), first.CurrentKeyID())
		}
		if got, err := second.Open(sealed); err != nil || got != "kept across restarts" {
			t.Errorf("Open after restart = %q, %v", got, err)
		}
	})

	t.Run("RestrictsAKeyFileAndDirectoryOthersCouldReadWithAWarning", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "data")
		keyFile := filepath.Join(dir, "secret.key")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(keyFile, []byte(b64(zeroKey)), 0o600); err != nil {
			t.Fatal(err)
		}
		for path, mode := range map[string]os.FileMode{keyFile: 0o644, dir: 0o755} {
			if err := os.Chmod(path, mode); err != nil {
				t.Fatal(err)
			}
		}
		var logs bytes.Buffer
		k, err := secret.LoadKeyring("", keyFile, slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		if k.CurrentKeyID() != zeroKeyID {
			t.Errorf("CurrentKeyID = %q, want the file's key %q", k.CurrentKeyID(), zeroKeyID)
		}
		for path, want := range map[string]os.FileMode{keyFile: 0o600, dir: 0o700} {
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Mode().Perm(); got != want {
				t.Errorf("%s: mode %04o, want %04o", path, got, want)
			}
		}
		for _, want := range []string{"level=WARN", "path=" + keyFile + " mode_was=0644 mode=0600", "path=" + dir + " mode_was=0755 mode=0700", "rotate the secret key"} {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("the log lacks %q:\n%s", want, logs.String())
			}
		}
	})

	t.Run("ReadsOldKeysFromKeyFileLines", func(t *testing.T) {
		t.Parallel()
		keyFile := filepath.Join(t.TempDir(), "secret.key")
		if err := os.WriteFile(keyFile, []byte(b64(oneKey)+"\n"+b64(zeroKey)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		k, err := secret.LoadKeyring("", keyFile, nil)
		if err != nil {
			t.Fatal(err)
		}
		sealedOld, _ := mustKeyring(t, zeroKey).Seal("v")
		if k.CurrentKeyID() != oneKeyID || !k.NeedsRotation(sealedOld) {
			t.Errorf("CurrentKeyID = %q, NeedsRotation(old) = %v; want %q, true", k.CurrentKeyID(), k.NeedsRotation(sealedOld), oneKeyID)
		}
	})

	t.Run("RequiresEnvOrKeyFile", func(t *testing.T) {
		t.Parallel()
		if _, err := secret.LoadKeyring("", "", nil); err == nil || !strings.Contains(err.Error(), "HALOBRIDGE_SECRET_KEY") {
			t.Errorf(`LoadKeyring("", "") error = %v, want one naming HALOBRIDGE_SECRET_KEY`, err)
		}
	})
}
