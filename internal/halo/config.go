package halo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"halobridge/internal/outbound"
)

// GrantType is how the client obtains access tokens.
type GrantType string

const (
	// GrantClientCredentials signs in with a client ID and secret ("Client ID and Secret
	// (Services)" in Halo), the DefensX flow.
	GrantClientCredentials GrantType = "client_credentials"
	// GrantAuthorizationCode uses the refresh token of an authorization-code + PKCE login,
	// the Bitdefender flow.
	GrantAuthorizationCode GrantType = "authorization_code"
)

// Config describes one partner's Halo connection.
type Config struct {
	// ResourceURL is the resource server, e.g. https://acme.halopsa.com/api.
	ResourceURL string
	// AuthURL is the authorisation server, e.g. https://acme.halopsa.com/auth; tokens come
	// from AuthURL + "/token" (+ "?tenant=" when Tenant is set).
	AuthURL string
	// Tenant is the tenant name of a Halo-hosted instance (usually the subdomain).
	Tenant       string
	ClientID     string
	ClientSecret string
	// Scope is the space-separated scope list; default "all".
	Scope     string
	GrantType GrantType
	// Tokens holds the single-use refresh token; required for GrantAuthorizationCode.
	Tokens TokenStore
	// Outbound is what the operator lets halobridge call; the zero Policy allows public
	// https addresses only. Both URLs, every request and every redirect are checked.
	Outbound outbound.Policy
	// HTTPClient defaults to a client with a 30 s timeout that dials through Outbound's
	// guard; a given one is wrapped, not replaced, and its requests are checked against
	// Outbound too (see outbound.Policy.Guard).
	HTTPClient *http.Client
	// Budget is shared by every client of one tenant, so that they spend one budget: the
	// process's Limiters, or a budget in the database shared by every replica; nil gives this
	// client a private one with Halo's hosted limit.
	Budget Budget
	// Metrics counts requests; nil counts nothing.
	Metrics *Metrics
	// Logger receives one debug line per request and a warning per failed Test Connection
	// check; it never sees secrets or tokens.
	Logger *slog.Logger
	// MaxRateWait is how long a call may wait for the rate limit before failing with
	// *RateLimitError. Zero fails at once, so that a durable job can snooze instead.
	MaxRateWait time.Duration
	// MaxRetries bounds the retries of one call after a transient failure; zero means 3,
	// negative means none.
	MaxRetries int
	// RetryBackoff is the first pause between retries (doubling after each); zero means 500 ms.
	RetryBackoff time.Duration
	// TokenResult, when set, hears how every access-token request sent to Halo ended: nil
	// when Halo issued a token, the error otherwise. Tokens served from memory are not
	// requests, so it runs about once an hour while things work. It runs before the caller
	// that needed the token goes on, and must not call this client.
	TokenResult func(ctx context.Context, err error)
}

// TokenStore persists the rotating refresh token of an authorization-code connection.
// RotateRefreshToken must serialise refreshes across goroutines and processes (e.g. under a
// database row lock): it calls fn with the current refresh token and atomically stores the
// token fn returns; when fn fails nothing is stored.
type TokenStore interface {
	RotateRefreshToken(ctx context.Context, fn func(current string) (next string, err error)) error
}

const (
	defaultScope        = "all"
	defaultTimeout      = 30 * time.Second
	defaultMaxRetries   = 3
	defaultRetryBackoff = 500 * time.Millisecond
	// offlineAccess asks the authorisation server for a refresh token.
	offlineAccess = "offline_access"
)

// resolve checks cfg and fills in the defaults.
func (cfg Config) resolve() (Config, error) {
	cfg.ResourceURL = strings.TrimRight(strings.TrimSpace(cfg.ResourceURL), "/")
	cfg.AuthURL = strings.TrimRight(strings.TrimSpace(cfg.AuthURL), "/")
	if err := cfg.Outbound.CheckURL(cfg.ResourceURL); err != nil {
		return cfg, fmt.Errorf("halo config: resource URL: %w", err)
	}
	if err := cfg.Outbound.CheckURL(cfg.AuthURL); err != nil {
		return cfg, fmt.Errorf("halo config: authorisation URL: %w", err)
	}
	if cfg.ClientID == "" {
		return cfg, errors.New("halo config: client ID is required")
	}
	switch cfg.GrantType {
	case "":
		cfg.GrantType = GrantClientCredentials
		fallthrough
	case GrantClientCredentials:
		if cfg.ClientSecret == "" {
			return cfg, errors.New("halo config: client secret is required for the client credentials grant")
		}
	case GrantAuthorizationCode:
	default:
		return cfg, fmt.Errorf("halo config: unknown grant type %q", cfg.GrantType)
	}
	if strings.TrimSpace(cfg.Scope) == "" {
		cfg.Scope = defaultScope
	}
	cfg.HTTPClient = cfg.Outbound.Guard(cfg.HTTPClient, defaultTimeout)
	if cfg.Budget == nil {
		cfg.Budget = NewLimiters(0, 0)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = defaultMaxRetries
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = defaultRetryBackoff
	}
	return cfg, nil
}

func (cfg Config) tenantQuery() string {
	if cfg.Tenant == "" {
		return ""
	}
	return "?" + url.Values{"tenant": {cfg.Tenant}}.Encode()
}

// limiterKey names the tenant whose budget a request spends.
func (cfg Config) limiterKey() string { return TenantKey(cfg.ResourceURL, cfg.Tenant) }

// TenantKey names the HaloPSA tenant a connection's requests count
// against: one Halo instance can host several tenants, and one tenant is
// reached through one resource URL.
func TenantKey(resourceURL, tenant string) string {
	return strings.ToLower(strings.TrimRight(strings.TrimSpace(resourceURL), "/")) + "#" + strings.ToLower(tenant)
}

func (cfg Config) scopes() []string {
	return strings.Fields(cfg.Scope)
}

// authCodeScopes adds offline_access, without which no refresh token is issued.
func (cfg Config) authCodeScopes() []string {
	scopes := cfg.scopes()
	for _, s := range scopes {
		if s == offlineAccess {
			return scopes
		}
	}
	return append(scopes, offlineAccess)
}
