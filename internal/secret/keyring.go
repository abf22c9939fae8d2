package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length in bytes of every key: AES-256.
const KeySize = 32

// formatVersion prefixes every sealed value so the format can change later
// without guessing what an old value is.
const formatVersion = "v1"

// ErrMalformed reports a sealed value that is not in the v1:<kid>:<base64> form.
var ErrMalformed = errors.New("malformed sealed value")

// ErrUnknownKey reports a sealed value whose key is not on the keyring.
var ErrUnknownKey = errors.New("unknown key id")

// Keyring seals with its current key and opens with any of its keys.
type Keyring struct {
	current string
	keys    map[string]cipher.AEAD
}

// NewKeyring builds a keyring whose current key seals new values; old keys
// only open values sealed before a rotation. Each key must be 32 bytes.
func NewKeyring(current []byte, old ...[]byte) (*Keyring, error) {
	k := &Keyring{keys: make(map[string]cipher.AEAD, 1+len(old))}
	for i, key := range append([][]byte{current}, old...) {
		if len(key) != KeySize {
			return nil, fmt.Errorf("key %d of %d is %d bytes long, want %d", i+1, 1+len(old), len(key), KeySize)
		}
		id := KeyID(key)
		if i == 0 {
			k.current = id
		}
		if _, dup := k.keys[id]; dup {
			continue
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", id, err)
		}
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", id, err)
		}
		k.keys[id] = aead
	}
	return k, nil
}

// KeyID names a key by the first 8 hex characters of its SHA-256, so keys
// need no names and an id says nothing usable about the key itself.
func KeyID(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:4])
}

// CurrentKeyID is the id of the key Seal uses.
func (k *Keyring) CurrentKeyID() string { return k.current }

// Seal encrypts plaintext into "v1:<kid>:<base64>". An empty plaintext means
// "no secret set" and seals to "".
func (k *Keyring) Seal(plaintext string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	header := formatVersion + ":" + k.current
	ct := k.keys[k.current].Seal(nil, nil, []byte(plaintext), []byte(header))
	return header + ":" + base64.StdEncoding.EncodeToString(ct), nil
}

// Open decrypts a value made by Seal with any key on the keyring. "" opens
// to "".
func (k *Keyring) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	kid, body, err := split(sealed)
	if err != nil {
		return "", err
	}
	aead, ok := k.keys[kid]
	if !ok {
		return "", fmt.Errorf("%w %s: this value was sealed with a key that is not configured; "+
			"HALOBRIDGE_SECRET_KEY (or the key file) must list it as an old key after the current one: \"new,old1,old2\"",
			ErrUnknownKey, kid)
	}
	ct, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	pt, err := aead.Open(nil, nil, ct, []byte(formatVersion+":"+kid))
	if err != nil {
		return "", fmt.Errorf("open value sealed with key %s: it was altered or the key is wrong: %w", kid, err)
	}
	return string(pt), nil
}

// NeedsRotation reports whether sealed was made with a key other than the
// current one (including keys not on the keyring at all), so a caller can
// re-seal it with the current key.
func (k *Keyring) NeedsRotation(sealed string) bool {
	if sealed == "" {
		return false
	}
	kid, _, err := split(sealed)
	return err == nil && kid != k.current
}

func split(sealed string) (kid, body string, err error) {
	version, rest, ok := strings.Cut(sealed, ":")
	if !ok || version != formatVersion {
		return "", "", fmt.Errorf("%w: want the prefix %q", ErrMalformed, formatVersion+":")
	}
	kid, body, ok = strings.Cut(rest, ":")
	if !ok || kid == "" {
		return "", "", fmt.Errorf("%w: missing key id", ErrMalformed)
	}
	return kid, body, nil
}
