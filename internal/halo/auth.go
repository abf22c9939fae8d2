package halo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"halobridge/internal/outbound"
)

const (
	// refreshMargin renews an access token this long before it expires, so that a request
	// never leaves with a token that dies on the way.
	refreshMargin = 60 * time.Second
	// defaultTokenLifetime applies when the answer has no expires_in (Halo's usual 3600 s).
	defaultTokenLifetime = 3600 * time.Second
	tokenTemplate        = "/auth/token"
)

// tokenFetch obtains a new access token.
type tokenFetch func(ctx context.Context) (*oauth2.Token, verdict, error)

// tokenCache keeps the current access token in memory. Its lock is held while fetching, so
// concurrent callers wait for one refresh instead of each spending a (single-use) refresh
// token.
type tokenCache struct {
	fetch tokenFetch
	// result is Config.TokenResult, or nil.
	result func(ctx context.Context, err error)

	mu     sync.Mutex
	cached *oauth2.Token
}

func (tc *tokenCache) token(ctx context.Context) (*oauth2.Token, verdict, error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.cached != nil && time.Until(tc.cached.Expiry) > refreshMargin {
		return tc.cached, final, nil
	}
	tok, v, err := tc.fetch(ctx)
	if tc.result != nil {
		tc.result(ctx, err)
	}
	if err != nil {
		return nil, v, err
	}
	if tok.Expiry.IsZero() {
		tok.Expiry = time.Now().Add(defaultTokenLifetime)
	}
	tc.cached = tok
	return tok, final, nil
}

// reset forgets the cached token, whichever it is.
func (tc *tokenCache) reset() {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	tc.cached = nil
}

// invalidate forgets tok after Halo refused it, unless a newer token already replaced it.
func (tc *tokenCache) invalidate(tok *oauth2.Token) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.cached != nil && tc.cached.AccessToken == tok.AccessToken {
		tc.cached = nil
	}
}

// oauthConfig is the authorization-code configuration, at the endpoints the authorisation
// server publishes (see endpoints).
func (l *link) oauthConfig(ctx context.Context, redirectURI string, scopes []string) *oauth2.Config {
	ep := l.endpoints(ctx)
	return &oauth2.Config{
		ClientID:     l.cfg.ClientID,
		ClientSecret: l.cfg.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:   l.cfg.withTenant(ep.authorize),
			TokenURL:  l.cfg.withTenant(ep.token),
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: redirectURI,
		Scopes:      scopes,
	}
}

// tokenURL is where tokens come from, tenant included.
func (l *link) tokenURL(ctx context.Context) string { return l.cfg.withTenant(l.endpoints(ctx).token) }

// tokenRequest sends one token request through the tenant's limiter, metrics and our HTTP
// client. idempotent says whether the grant may be replayed: client credentials may, but an
// authorization code or a refresh token is burnt once Halo has seen it.
func (l *link) tokenRequest(ctx context.Context, idempotent bool, do func(ctx context.Context) (*oauth2.Token, error)) (*oauth2.Token, verdict, error) {
	tok, v, err := l.sendTokenRequest(ctx, idempotent, do)
	if v == maybeApplied {
		// A burnt grant cannot be resent, and no API write was sent: nothing may have been
		// applied that the caller should look for.
		v = final
	}
	return tok, v, err
}

func (l *link) sendTokenRequest(ctx context.Context, idempotent bool, do func(ctx context.Context) (*oauth2.Token, error)) (*oauth2.Token, verdict, error) {
	tokenURL := l.tokenURL(ctx)
	if err := l.wait(ctx); err != nil {
		return nil, final, err
	}
	ctx, sent := traceSent(withTemplate(context.WithValue(ctx, oauth2.HTTPClient, l.http), tokenTemplate))
	tok, err := do(ctx)
	if err == nil {
		return tok, final, nil
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		status := re.Response.StatusCode
		if status == http.StatusTooManyRequests {
			return nil, retrySafe, &RateLimitError{RetryAfter: retryAfter(re.Response.Header)}
		}
		oe := &OAuthError{Status: status, Code: outbound.Excerpt(re.ErrorCode), Description: outbound.Excerpt(re.ErrorDescription, l.cfg.ClientSecret)}
		if oe.Code == "" && oe.Description == "" {
			oe.Description = newAPIError(http.MethodPost, tokenTemplate, status, re.Body).Message
		}
		if oe.Code == "" && notSignIn(status, re.Body) {
			// Every HaloPSA answers its token path, in OAuth's JSON: this is a wrong address.
			return nil, final, notHalo(tokenURL, status, outbound.Said(status, re.Body, l.cfg.ClientSecret), oe)
		}
		if oe.Code == "" && oe.Description == "" {
			oe.Description = fmt.Sprintf("the authorisation server address answered %d %s, not as HaloPSA's sign-in answers", status, http.StatusText(status))
		}
		if oe.Code == "" && status >= 500 && l.cfg.Tenant != "" {
			oe.Tenant = l.cfg.Tenant
		}
		return nil, statusVerdict(status, idempotent), oe
	}
	if msg := err.Error(); strings.Contains(msg, "oauth2: cannot parse") || strings.Contains(msg, "server response missing access_token") {
		// golang.org/x/oauth2's words for a 2xx answer without a token (a web page, say),
		// which it gives no type.
		return nil, final, notHalo(tokenURL, http.StatusOK, "no access token", err)
	}
	return nil, transportVerdict(ctx, err, idempotent, sent()), noAnswer(tokenURL, fmt.Errorf("HaloPSA token request: %w", err))
}

// clientCredentials fetches tokens with the application's own id and secret. Hosted HaloPSA
// answers with a refresh token too; it is not kept, as the next token comes from the same
// credentials.
func (l *link) clientCredentials() tokenFetch {
	return func(ctx context.Context) (*oauth2.Token, verdict, error) {
		cc := &clientcredentials.Config{
			ClientID:     l.cfg.ClientID,
			ClientSecret: l.cfg.ClientSecret,
			TokenURL:     l.tokenURL(ctx),
			Scopes:       l.cfg.scopes(),
			AuthStyle:    oauth2.AuthStyleInParams,
		}
		return l.tokenRequest(ctx, true, cc.Token)
	}
}

// refreshFromStore spends the stored refresh token under the store's lock and persists its
// successor before the new access token is used by anyone.
func (l *link) refreshFromStore() tokenFetch {
	return func(ctx context.Context) (*oauth2.Token, verdict, error) {
		oc := l.oauthConfig(ctx, "", l.cfg.authCodeScopes())
		var fresh *oauth2.Token
		v := final
		err := l.cfg.Tokens.RotateRefreshToken(ctx, func(current string) (string, error) {
			if current == "" {
				return "", ErrNoRefreshToken
			}
			tok, verdict, err := l.tokenRequest(ctx, false, func(ctx context.Context) (*oauth2.Token, error) {
				return oc.TokenSource(ctx, &oauth2.Token{RefreshToken: current}).Token()
			})
			if err != nil {
				v = verdict
				return "", err
			}
			if tok.RefreshToken == "" {
				tok.RefreshToken = current
			}
			fresh = tok
			return tok.RefreshToken, nil
		})
		if err != nil {
			return nil, v, fmt.Errorf("refresh HaloPSA access token: %w", err)
		}
		return fresh, final, nil
	}
}

// notSignIn reports whether a token answer without an OAuth error code came from something
// else than HaloPSA's authorisation server: a 404, 405 or 501 on the path it always serves,
// or a web page where it answers JSON. A 5xx web page may be a proxy in front of a HaloPSA
// that is down, and says nothing about the address.
func notSignIn(status int, body []byte) bool {
	switch {
	case status == http.StatusNotFound, status == http.StatusMethodNotAllowed, status == http.StatusNotImplemented:
		return true
	}
	return status < 500 && outbound.IsWebPage(body)
}
