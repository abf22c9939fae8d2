package auth

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"halobridge/internal/store"
)

// API tokens read hb_<prefix>_<secret>: the prefix tells tokens apart in
// lists and logs, the secret is what makes one unguessable.
const (
	tokenScheme      = "hb_"
	tokenPrefixBytes = 5  // 8 base32 characters
	tokenSecretBytes = 20 // 32 base32 characters, 160 bits
	// MaxTokenName bounds the name of an API token, in characters.
	MaxTokenName = 100
)

// ErrInvalidToken refuses a bearer token that is malformed, unknown or revoked.
var ErrInvalidToken = errors.New("the API token is not valid: it is malformed, unknown or revoked")

// lowerBase32 keeps tokens to lower-case letters and digits, which survive
// copying through any terminal, form or configuration file.
func lowerBase32(n int) string {
	b := make([]byte, n)
	// crypto/rand.Read never fails on the platforms Go supports.
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// CreateToken creates an API token for the partner and returns it in
// plaintext, the only time it is ever available, with what is stored.
func (s *Service) CreateToken(ctx context.Context, partnerID int64, name string) (string, store.APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > MaxTokenName {
		return "", store.APIToken{}, fmt.Errorf("create API token: %w: give it a name of 1 to %d characters that says what uses it", store.ErrInvalid, MaxTokenName)
	}
	prefix := tokenScheme + lowerBase32(tokenPrefixBytes)
	plain := prefix + "_" + lowerBase32(tokenSecretBytes)
	t, err := s.Store.CreateAPIToken(ctx, store.APIToken{PartnerID: partnerID, Name: name, Prefix: prefix, Hash: digest(plain)})
	if err != nil {
		return "", store.APIToken{}, fmt.Errorf("create API token: %w", err)
	}
	s.logger().Info("created an API token", "partner_id", partnerID, "token_id", t.ID, "prefix", prefix)
	return plain, t, nil
}

// ListTokens lists the partner's tokens, revoked ones included.
func (s *Service) ListTokens(ctx context.Context, partnerID int64) ([]store.APIToken, error) {
	return s.Store.APITokens(ctx, partnerID)
}

// RevokeToken revokes one of the partner's tokens; store.ErrNotFound when
// the partner has no token with this id.
func (s *Service) RevokeToken(ctx context.Context, partnerID, id int64) (store.APIToken, error) {
	t, err := s.Store.RevokeAPIToken(ctx, partnerID, id, s.now())
	if err != nil {
		return store.APIToken{}, err
	}
	s.logger().Info("revoked an API token", "partner_id", partnerID, "token_id", id, "prefix", t.Prefix)
	return t, nil
}

// tokenCaller authenticates a bearer token.
func (s *Service) tokenCaller(ctx context.Context, plain string) (Caller, error) {
	if !wellFormedToken(plain) {
		return Caller{}, ErrInvalidToken
	}
	t, err := s.Store.APITokenByHash(ctx, digest(plain))
	if errors.Is(err, store.ErrNotFound) {
		return Caller{}, ErrInvalidToken
	}
	if err != nil {
		return Caller{}, fmt.Errorf("check API token: %w", err)
	}
	if !t.RevokedAt.IsZero() {
		return Caller{}, ErrInvalidToken
	}
	now := s.now()
	if now.Sub(t.LastUsedAt) >= touchEvery {
		if err := s.Store.TouchAPIToken(ctx, t.ID, now); err != nil {
			s.logger().Warn("could not record the use of an API token", "token_id", t.ID, "error", err)
		}
		t.LastUsedAt = now
	}
	return Caller{PartnerID: t.PartnerID, Token: &t}, nil
}

// wellFormedToken checks the shape before the database is asked.
func wellFormedToken(plain string) bool {
	rest, ok := strings.CutPrefix(plain, tokenScheme)
	if !ok {
		return false
	}
	prefix, secret, ok := strings.Cut(rest, "_")
	return ok && len(prefix) == 8 && len(secret) == 32 && isLowerBase32(prefix) && isLowerBase32(secret)
}

func isLowerBase32(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '2' && r <= '7') {
			return false
		}
	}
	return true
}
