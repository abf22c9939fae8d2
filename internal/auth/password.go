package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// The argon2id cost of new hashes: OWASP's first recommended setting
// (19 MiB, two passes, one lane). It keeps a sign-in near 30 ms and the
// memory of many sign-ins at once bounded, while making each guess of an
// offline attacker cost the same. Hashes record their own parameters, so
// raising these later leaves existing hashes readable.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonSaltLen   = 16
	argonKeyLen    = 32
)

// Limits on what a stored hash may ask for, so that a corrupt or hostile
// hash string cannot make a sign-in allocate gigabytes.
const (
	maxArgonMemoryKiB = 1 << 20
	maxArgonTime      = 16
)

// Password length rules: long enough to resist guessing, short enough that
// hashing it is not itself a denial of service.
const (
	minPasswordLen   = 12
	maxPasswordBytes = 1024
)

// ErrWeakPassword reports a password too short or too long to accept.
var ErrWeakPassword = fmt.Errorf("a password must have at least %d characters and at most %d bytes", minPasswordLen, maxPasswordBytes)

// errMalformedHash reports a stored hash that is not one HashPassword wrote.
var errMalformedHash = errors.New("malformed argon2id password hash")

// CheckPasswordRules reports whether password may be set.
func CheckPasswordRules(password string) error {
	if utf8.RuneCountInString(password) < minPasswordLen || len(password) > maxPasswordBytes {
		return ErrWeakPassword
	}
	return nil
}

// HashPassword hashes password with argon2id and a random salt, in the
// PHC string format that carries its parameters:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches a hash HashPassword
// wrote, with the parameters recorded in the hash.
func CheckPassword(encoded, password string) (bool, error) {
	h, err := parseHash(encoded)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(password), h.salt, h.time, h.memory, h.threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1, nil
}

type argonHash struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

func parseHash(encoded string) (argonHash, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return argonHash{}, errMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return argonHash{}, fmt.Errorf("%w: version %q, want v=%d", errMalformedHash, parts[2], argon2.Version)
	}
	var h argonHash
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.memory, &h.time, &h.threads); err != nil {
		return argonHash{}, fmt.Errorf("%w: parameters %q: %w", errMalformedHash, parts[3], err)
	}
	if h.memory == 0 || h.memory > maxArgonMemoryKiB || h.time == 0 || h.time > maxArgonTime || h.threads == 0 {
		return argonHash{}, fmt.Errorf("%w: parameters %q out of range", errMalformedHash, parts[3])
	}
	var err error
	if h.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return argonHash{}, fmt.Errorf("%w: salt", errMalformedHash)
	}
	if h.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(h.key) < 16 {
		return argonHash{}, fmt.Errorf("%w: key", errMalformedHash)
	}
	return h, nil
}
