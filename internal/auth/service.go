package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"halobridge/internal/halo"
	"halobridge/internal/store"
)

// Service signs people and programs in. Set the exported fields, then use
// it from any number of goroutines; it must not be copied after first use.
type Service struct {
	Store *store.Store
	// HaloDefaults is what every HaloPSA client and login flow the service
	// builds starts from: HTTP client, rate limiters, metrics, logger,
	// retries. The URLs, credentials and grant are filled in per partner.
	HaloDefaults halo.Config
	// BaseURL is the public address of halobridge. HaloPSA sends people
	// back to BaseURL + "/auth/halo/callback", and cookies are marked
	// Secure when it starts with https://.
	BaseURL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives sign-in notices; nil discards them.
	Logger *slog.Logger
	// Pages draws the sign-in pages; Handler needs them.
	Pages Pages
	// Provisioner sets halobridge up in a partner's HaloPSA when an
	// administrator signs in with HaloPSA; FinishHaloLogin needs it.
	Provisioner Provisioner

	attempts attempts

	handlerOnce sync.Once
	handler     http.Handler
}

// Provisioner sets halobridge up in a partner's HaloPSA:
// connect.Provisioning in a server.
type Provisioner interface {
	// SetUp is called once for each sign-in of a HaloPSA administrator,
	// with a client acting as them (me) and their authorization as a
	// connection (signIn), which it may store. It says whether it set up
	// (or tried to), for the sign-in to show what it did.
	SetUp(ctx context.Context, admin *halo.Client, me halo.Agent, signIn store.HaloConnection) (bool, error)
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// secureCookies says whether cookies may only travel over HTTPS: true
// whenever people reach halobridge over HTTPS.
func (s *Service) secureCookies() bool {
	return strings.HasPrefix(strings.ToLower(s.BaseURL), "https://")
}

// callbackPath is where HaloPSA sends the browser back after a login.
const callbackPath = "/auth/halo/callback"

// RedirectURI is the Login Redirect to register in the partner's HaloPSA
// application.
func (s *Service) RedirectURI() string {
	return strings.TrimRight(s.BaseURL, "/") + callbackPath
}

// randomToken returns n random bytes, URL-safe base64 encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	// crypto/rand.Read never fails on the platforms Go supports.
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// digest is the hex SHA-256 the store keeps in place of a session cookie,
// an API token or an OAuth state. These values are random and long, so a
// fast hash suffices: there is nothing to guess a dictionary against.
func digest(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:])
}
