package secret

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"halobridge/internal/datadir"
)

// LoadKeyring builds the keyring from env, the value of
// HALOBRIDGE_SECRET_KEY: base64 32-byte keys separated by commas, the first
// one current and the others old. When env is empty the keys come from
// keyFile in the same format; on first start the file does not exist yet and
// a random key is generated and written to it (mode 0600, directory 0700).
// A key file or directory that others may read is restricted, with a
// warning to logger (nil: none).
func LoadKeyring(env, keyFile string, logger *slog.Logger) (*Keyring, error) {
	if strings.TrimSpace(env) != "" {
		k, err := parseKeys(env)
		if err != nil {
			return nil, fmt.Errorf("HALOBRIDGE_SECRET_KEY: %w", err)
		}
		return k, nil
	}
	if keyFile == "" {
		return nil, errors.New("no secret key: set HALOBRIDGE_SECRET_KEY or give a key file path")
	}
	if err := datadir.Dir(filepath.Dir(keyFile), logger); err != nil {
		return nil, fmt.Errorf("key file %s: %w", keyFile, err)
	}
	text, err := readKeyFile(keyFile, logger)
	if errors.Is(err, fs.ErrNotExist) {
		text, err = createKeyFile(keyFile, logger)
	}
	if err != nil {
		return nil, err
	}
	k, err := parseKeys(text)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", keyFile, err)
	}
	return k, nil
}

// parseKeys reads "current,old1,old2"; newlines count as separators too so
// a key file may hold one key per line.
func parseKeys(text string) (*Keyring, error) {
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' })
	var keys [][]byte
	for i, f := range fields {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		key, err := decodeKey(f)
		if err != nil {
			return nil, fmt.Errorf("key %d of %d: %w", i+1, len(fields), err)
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, errors.New("no key found; want base64 of 32 random bytes, e.g. the output of `openssl rand -base64 32`")
	}
	return NewKeyring(keys[0], keys[1:]...)
}

func decodeKey(s string) ([]byte, error) {
	var key []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err = enc.DecodeString(s); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("not valid base64 (want base64 of 32 random bytes, e.g. `openssl rand -base64 32`): %w", err)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("decodes to %d bytes, want %d (generate one with `openssl rand -base64 32`)", len(key), KeySize)
	}
	return key, nil
}

func readKeyFile(path string, logger *slog.Logger) (string, error) {
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("key file %s: %w", path, err)
	}
	if err := datadir.File(path, logger); err != nil {
		return "", fmt.Errorf("key file: %w", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("key file %s: %w", path, err)
	}
	return string(b), nil
}

// createKeyFile writes a new random key. The key is written to a temporary
// file first and then hard-linked into place, which fails if the file
// appeared meanwhile: when replicas start together on a shared volume, all
// of them end up with the key that won.
func createKeyFile(path string, logger *slog.Logger) (string, error) {
	dir := filepath.Dir(path)
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("generate secret key: %w", err)
	}
	text := base64.StdEncoding.EncodeToString(key) + "\n"

	tmp, err := os.CreateTemp(dir, ".secret-key-*")
	if err != nil {
		return "", fmt.Errorf("create key file %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(datadir.FileMode); err != nil {
		tmp.Close()
		return "", fmt.Errorf("create key file %s: %w", path, err)
	}
	if _, err := tmp.WriteString(text); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write key file %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write key file %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write key file %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKeyFile(path, logger)
		}
		return "", fmt.Errorf("create key file %s: %w", path, err)
	}
	return text, nil
}
