package secret_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"halobridge/internal/secret"
)

// Fixed keys whose ids were computed with sha256sum outside this program:
// 32 zero bytes hash to 66687aad..., 32 bytes of 0x01 to 72cd6e84....
var (
	zeroKey = bytes.Repeat([]byte{0}, 32)
	oneKey  = bytes.Repeat([]byte{1}, 32)
)

const (
	zeroKeyID = "66687aad"
	oneKeyID  = "72cd6e84"
)

func mustKeyring(t *testing.T, current []byte, old ...[]byte) *secret.Keyring {
	t.Helper()
	k, err := secret.NewKeyring(current, old...)
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	return k
}

func TestKeyring(t *testing.T) {
	t.Parallel()

	t.Run("NamesKeysByTheirHash", func(t *testing.T) {
		t.Parallel()
		if got := secret.KeyID(zeroKey); got != zeroKeyID {
			t.Errorf("KeyID(zero key) = %q, want %q", got, zeroKeyID)
		}
		if got := secret.KeyID(oneKey); got != oneKeyID {
			t.Errorf("KeyID(0x01 key) = %q, want %q", got, oneKeyID)
		}
	})

	t.Run("SealsIntoVersionKeyIDAndBase64", func(t *testing.T) {
		t.Parallel()
		k := mustKeyring(t, zeroKey)
		sealed, err := k.Seal("hunter2")
		if err != nil {
			t.Fatal(err)
		}
		body, ok := strings.CutPrefix(sealed, "v1:"+zeroKeyID+":")
		if !ok {
			t.Fatalf("sealed = %q, want prefix v1:%s:", sealed, zeroKeyID)
		}
		ct, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			t.Fatalf("body is not base64: %v", err)
		}
		// 12-byte nonce + 7 bytes of text + 16-byte tag.
		if len(ct) != 12+7+16 {
			t.Errorf("ciphertext is %d bytes, want 35", len(ct))
		}
	})

	t.Run("OpensWhatItSealed", func(t *testing.T) {
		t.Parallel()
		k := mustKeyring(t, zeroKey)
		for _, plain := range []string{"x", "client-secret-0123456789", "päßwörd ✓", strings.Repeat("long", 1000)} {
			sealed, err := k.Seal(plain)
			if err != nil {
				t.Fatal(err)
			}
			got, err := k.Open(sealed)
			if err != nil {
				t.Fatalf("Open(Seal(%q)): %v", plain, err)
			}
			if got != plain {
				t.Errorf("Open(Seal(%q)) = %q", plain, got)
			}
		}
	})

	t.Run("SealsEmptyAsNoSecret", func(t *testing.T) {
		t.Parallel()
		k := mustKeyring(t, zeroKey)
		sealed, err := k.Seal("")
		if err != nil || sealed != "" {
			t.Errorf(`Seal("") = %q, %v; want "", nil`, sealed, err)
		}
		plain, err := k.Open("")
		if err != nil || plain != "" {
			t.Errorf(`Open("") = %q, %v; want "", nil`, plain, err)
		}
		if k.NeedsRotation("") {
			t.Error(`NeedsRotation("") = true, want false`)
		}
	})

	t.Run("UsesAFreshNonceEachTime", func(t *testing.T) {
		t.Parallel()
		k := mustKeyring(t, zeroKey)
		a, _ := k.Seal("same")
		b, _ := k.Seal("same")
		if a == b {
			t.Errorf("two seals of the same text are equal: %q", a)
		}
	})

	t.Run("DetectsTampering", func(t *testing.T) {
		t.Parallel()
		k := mustKeyring(t, zeroKey, oneKey)
		sealed, err := k.Seal("refresh-token")
		if err != nil {
			t.Fatal(err)
		}
		body := strings.TrimPrefix(sealed, "v1:"+zeroKeyID+":")
		ct, _ := base64.StdEncoding.DecodeString(body)
		flipped := bytes.Clone(ct)
		flipped[len(flipped)/2] ^= 0x01

		tests := []struct {
			name   string
			sealed string
		}{
			{"FlippedCiphertextBit", "v1:" + zeroKeyID + ":" + base64.StdEncoding.EncodeToString(flipped)},
			{"TruncatedCiphertext", "v1:" + zeroKeyID + ":" + base64.StdEncoding.EncodeToString(ct[:len(ct)-1])},
			{"KeyIDSwappedForAnotherKnownKey", "v1:" + oneKeyID + ":" + body},
		}
		for _, tt := range tests {
			if got, err := k.Open(tt.sealed); err == nil {
				t.Errorf("%s: Open = %q, nil; want an error", tt.name, got)
			}
		}
	})

	t.Run("RejectsMalformedValues", func(t *testing.T) {
		t.Parallel()
		k := mustKeyring(t, zeroKey)
		for _, sealed := range []string{"plaintext", "v2:" + zeroKeyID + ":AAAA", "v1:", "v1::AAAA", "v1:" + zeroKeyID + ":***"} {
			if _, err := k.Open(sealed); !errors.Is(err, secret.ErrMalformed) {
				t.Errorf("Open(%q) error = %v, want ErrMalformed", sealed, err)
			}
		}
	})

	t.Run("RejectsKeysThatAreNot32Bytes", func(t *testing.T) {
		t.Parallel()
		if _, err := secret.NewKeyring(make([]byte, 16)); err == nil {
			t.Error("NewKeyring(16-byte key) succeeded")
		}
		if _, err := secret.NewKeyring(zeroKey, make([]byte, 31)); err == nil {
			t.Error("NewKeyring(old 31-byte key) succeeded")
		}
	})

	t.Run("RotatesFromOldKeyToNew", func(t *testing.T) {
		t.Parallel()
		old := mustKeyring(t, zeroKey)
		sealedOld, err := old.Seal("client-secret")
		if err != nil {
			t.Fatal(err)
		}
		if old.NeedsRotation(sealedOld) {
			t.Error("value sealed with the current key needs rotation")
		}

		rotated := mustKeyring(t, oneKey, zeroKey)
		if got := rotated.CurrentKeyID(); got != oneKeyID {
			t.Errorf("CurrentKeyID = %q, want %q", got, oneKeyID)
		}
		plain, err := rotated.Open(sealedOld)
		if err != nil || plain != "client-secret" {
			t.Fatalf("old key value: Open = %q, %v", plain, err)
		}
		if !rotated.NeedsRotation(sealedOld) {
			t.Error("value sealed with the old key does not need rotation")
		}
		resealed, err := rotated.Seal(plain)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(resealed, "v1:"+oneKeyID+":") || rotated.NeedsRotation(resealed) {
			t.Errorf("re-sealed value %q is not sealed with the new key", resealed)
		}

		newOnly := mustKeyring(t, oneKey)
		if got, err := newOnly.Open(resealed); err != nil || got != "client-secret" {
			t.Errorf("new-key-only keyring: Open(re-sealed) = %q, %v", got, err)
		}
		_, err = newOnly.Open(sealedOld)
		if !errors.Is(err, secret.ErrUnknownKey) {
			t.Fatalf("new-key-only keyring: Open(old value) error = %v, want ErrUnknownKey", err)
		}
		for _, want := range []string{zeroKeyID, "HALOBRIDGE_SECRET_KEY"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
	})
}
