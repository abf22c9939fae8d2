package halo

import (
	"context"
	"errors"

	"golang.org/x/oauth2"
)

// AuthCodeFlow is the "Log in with HaloPSA" authorization-code + PKCE flow. The portal
// redirects the person to AuthCodeURL, receives the code on its redirect URI, exchanges it,
// and hands the refresh token to the TokenStore a Client then rotates.
type AuthCodeFlow struct {
	link        *link
	redirectURI string
}

// NewAuthCodeFlow builds the flow for cfg. The redirect URI is fixed here because Halo must
// see the same one in the authorisation request and in the code exchange.
func NewAuthCodeFlow(cfg Config, redirectURI string) (*AuthCodeFlow, error) {
	if redirectURI == "" {
		return nil, errors.New("halo auth code flow: a redirect URI is required")
	}
	cfg.GrantType = GrantAuthorizationCode
	cfg, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	l := newLink(cfg)
	return &AuthCodeFlow{link: l, redirectURI: redirectURI}, nil
}

// AuthCodeURL is where to send the person; verifier comes from oauth2.GenerateVerifier and
// must be kept (server side) until Exchange.
func (f *AuthCodeFlow) AuthCodeURL(ctx context.Context, state, verifier string) string {
	return f.oauth(ctx).AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
}

func (f *AuthCodeFlow) oauth(ctx context.Context) *oauth2.Config {
	return f.link.oauthConfig(ctx, f.redirectURI, f.link.cfg.authCodeScopes())
}

// Exchange trades the authorization code for tokens. A code is single-use, so it is resent
// only when Halo cannot have received it.
func (f *AuthCodeFlow) Exchange(ctx context.Context, code, verifier string) (*oauth2.Token, error) {
	return withRetries(ctx, f.link, func() (*oauth2.Token, verdict, error) {
		return f.link.tokenRequest(ctx, false, func(ctx context.Context) (*oauth2.Token, error) {
			return f.oauth(ctx).Exchange(ctx, code, oauth2.VerifierOption(verifier))
		})
	})
}
