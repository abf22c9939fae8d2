// Package connect builds, from what a partner stored, the clients that talk
// to its systems: a HaloPSA client per partner (sharing one budget per
// tenant, in the process or, with SharedBudget, in the database for every
// replica, so that halobridge stays within Halo's budget for that tenant)
// and a connector per source. It also connects, edits and removes
// sources, setting up (and switching off) what they push to halobridge, and
// sets halobridge up in a partner's HaloPSA when an administrator signs in
// with HaloPSA (Provisioning).
package connect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"halobridge/internal/halo"
	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/source/defensx"
	"halobridge/internal/source/gravityzone"
	"halobridge/internal/store"
)

// Halo builds and caches one HaloPSA client per partner. Every part of
// halobridge that calls HaloPSA for a partner goes through it, so it is
// where a refusal of the partner's credentials is first noticed: see
// tokenResult.
type Halo struct {
	Store *store.Store
	// Budget is the HaloPSA request budget every client of a tenant spends:
	// a SharedBudget in a server, so that every replica shares it.
	Budget  halo.Budget
	Metrics *halo.Metrics
	// Outbound is what the operator lets halobridge call (--allow-private-urls,
	// --allow-http); the zero Policy allows public https addresses only.
	Outbound   outbound.Policy
	HTTPClient *http.Client
	Logger     *slog.Logger
	// MaxRateWait is how long a call may wait for the tenant's rate limit
	// before it returns *halo.RateLimitError (durable jobs snooze on it).
	MaxRateWait time.Duration
	// MaxRetries and RetryBackoff are halo.Config's: how often, and after
	// how long, a call HaloPSA cannot have acted on is sent again.
	MaxRetries   int
	RetryBackoff time.Duration

	mu      sync.Mutex
	clients map[int64]*cachedClient
}

type cachedClient struct {
	client *halo.Client
	// key is what the client signs in with: saving other credentials
	// builds a new client, rotating the refresh token does not.
	key credentialsKey
	// access is what HaloPSA last answered this client's token requests.
	access access
}

// credentialsKey is what a client is built from.
type credentialsKey struct {
	resourceURL, authURL, tenant, clientID, clientSecret, grantType, scope string
}

func keyOf(conn store.HaloConnection) credentialsKey {
	return credentialsKey{conn.ResourceURL, conn.AuthURL, conn.Tenant, conn.ClientID, conn.ClientSecret, conn.GrantType, conn.Scope}
}

// ErrNotConnected says the partner has no HaloPSA connection yet.
var ErrNotConnected = errors.New("this partner has not connected HaloPSA yet")

// Client returns the partner's HaloPSA client.
func (h *Halo) Client(ctx context.Context, partnerID int64) (*halo.Client, error) {
	conn, err := h.Store.HaloConnection(ctx, partnerID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotConnected
	}
	if err != nil {
		return nil, err
	}
	key := keyOf(conn)
	h.mu.Lock()
	defer h.mu.Unlock()
	if c, ok := h.clients[partnerID]; ok && c.key == key {
		return c.client, nil
	}
	entry := &cachedClient{key: key}
	cfg := h.config(conn)
	if cfg.GrantType == halo.GrantAuthorizationCode {
		cfg.Tokens = refreshTokens{st: h.Store, partnerID: partnerID}
	}
	cfg.TokenResult = func(ctx context.Context, err error) { h.tokenResult(ctx, conn, entry, err) }
	if entry.client, err = halo.New(cfg); err != nil {
		return nil, fmt.Errorf("HaloPSA connection of partner %d: %w", partnerID, err)
	}
	if h.clients == nil {
		h.clients = map[int64]*cachedClient{}
	}
	h.clients[partnerID] = entry
	return entry.client, nil
}

// config is the client configuration of conn, without a token store.
func (h *Halo) config(conn store.HaloConnection) halo.Config {
	return halo.Config{
		ResourceURL:  conn.ResourceURL,
		AuthURL:      conn.AuthURL,
		Tenant:       conn.Tenant,
		ClientID:     conn.ClientID,
		ClientSecret: conn.ClientSecret,
		Scope:        conn.Scope,
		GrantType:    halo.GrantType(conn.GrantType),
		Outbound:     h.Outbound,
		HTTPClient:   h.HTTPClient,
		Budget:       h.Budget,
		Metrics:      h.Metrics,
		Logger:       h.Logger,
		MaxRateWait:  h.MaxRateWait,
		MaxRetries:   h.MaxRetries,
		RetryBackoff: h.RetryBackoff,
	}
}

// forget drops the partner's cached client, so that the next call builds
// one from what is stored and knows nothing yet of how it fares.
func (h *Halo) forget(partnerID int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.clients, partnerID)
}

func (h *Halo) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

// refreshTokens keeps a partner's single-use refresh token in the database,
// rotated under a row lock so replicas never spend the same token twice.
type refreshTokens struct {
	st        *store.Store
	partnerID int64
}

func (r refreshTokens) RotateRefreshToken(ctx context.Context, fn func(current string) (string, error)) error {
	return r.st.RotateRefreshToken(ctx, r.partnerID, fn)
}

// Sources builds source connectors, and connects, edits and removes
// sources.
type Sources struct {
	Store *store.Store
	// Outbound is what the operator lets halobridge call (--allow-private-urls,
	// --allow-http); the zero Policy allows public https addresses only.
	Outbound   outbound.Policy
	HTTPClient *http.Client
	Now        func() time.Time
	// PublicURL is this server's address as security platforms reach it:
	// where they push.
	PublicURL string
	// LeaseWait bounds how long RemoveSource waits for the partner's ticket
	// delivery to pause; 0 means 20 s.
	LeaseWait time.Duration
	Logger    *slog.Logger
}

func (s *Sources) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// ErrNoPublicURL says that halobridge does not know where platforms reach it.
var ErrNoPublicURL = errors.New("halobridge does not know the address security platforms reach it at: set --base-url (HALOBRIDGE_BASE_URL)")

// Delivery is where src pushes to reach this halobridge, with the secret it
// must present.
func (s *Sources) Delivery(src store.Source) (source.Delivery, error) {
	if s.PublicURL == "" {
		return source.Delivery{}, ErrNoPublicURL
	}
	return source.Delivery{URL: s.ingestURL(src), Secret: src.Secret}, nil
}

// PushURL is where src's events arrive: its own address, or the push API's
// for a push source.
func (s *Sources) PushURL(src store.Source) string {
	if src.Kind == source.Push {
		return strings.TrimRight(s.PublicURL, "/") + "/api/push/v1"
	}
	return s.ingestURL(src)
}

// ingestURL is src's push address under PublicURL; only its path when
// PublicURL is unknown.
func (s *Sources) ingestURL(src store.Source) string {
	return strings.TrimRight(s.PublicURL, "/") + "/ingest/" + src.Token
}

// checkAPIURL refuses, before anything is stored or sent, a platform API
// URL the operator keeps closed (the outbound URL guard), in words that
// say so; connectors check every request again where it is dialled.
func (s *Sources) checkAPIURL(ctx context.Context, kind source.Kind, apiURL string) error {
	if kind == source.Push || apiURL == "" {
		return nil
	}
	if err := s.Outbound.CheckResolved(ctx, apiURL); err != nil {
		return &FieldError{Field: "api_url", Message: fmt.Sprintf("the %s API URL: %v", KindName(kind), err)}
	}
	return nil
}

// Connector returns the connector of a stored source. Push sources have no
// API to call: their customers and usage are what the vendor pushed.
func (s *Sources) Connector(src store.Source) (source.Source, error) {
	now := s.Now
	if now == nil {
		now = time.Now
	}
	switch src.Kind {
	case source.GravityZone:
		client, err := gravityzone.New(gravityzone.Config{AccessURL: src.APIURL, APIKey: src.APIKey, Outbound: s.Outbound, HTTPClient: s.HTTPClient})
		if err != nil {
			return nil, fmt.Errorf("GravityZone source %q: %w", src.Name, err)
		}
		return gravityzone.NewConnector(client, now), nil
	case source.DefensX:
		c, err := defensx.NewConnector(defensx.Config{APIRoot: src.APIURL, APIKey: src.APIKey, Outbound: s.Outbound, HTTPClient: s.HTTPClient, Now: now})
		if err != nil {
			return nil, fmt.Errorf("DefensX source %q: %w", src.Name, err)
		}
		return c, nil
	case source.Push:
		return &pushed{st: s.Store, src: src}, nil
	}
	return nil, fmt.Errorf("source %q: unknown kind %q", src.Name, src.Kind)
}

// pushed is the connector of a push source: it answers from what the
// vendor pushed, and delivery is the vendor's to configure.
type pushed struct {
	st  *store.Store
	src store.Source
}

// ErrPushedByVendor says that a push source's vendor sends everything itself.
var ErrPushedByVendor = errors.New("push sources are configured by the vendor: give it the push API URL and token")

func (p *pushed) Kind() source.Kind { return source.Push }

func (p *pushed) Customers(ctx context.Context) ([]source.Customer, error) {
	return p.st.SourceCustomers(ctx, p.src.ID)
}

func (p *pushed) Usage(ctx context.Context, month source.Month) ([]source.Usage, error) {
	return p.st.Usage(ctx, p.src.ID, month)
}

func (p *pushed) RegisterDelivery(context.Context, source.Delivery) error { return ErrPushedByVendor }

func (p *pushed) UnregisterDelivery(context.Context, source.Delivery) (string, error) {
	return "", errors.New("the push API vendor calls halobridge by itself: tell it to stop; halobridge refuses this source's token from now on")
}

func (p *pushed) CheckDelivery(context.Context) (source.DeliveryStatus, error) {
	return source.DeliveryStatus{Enabled: true}, nil
}

func (p *pushed) ParseInbound(http.Header, []byte) (source.Inbound, error) {
	return source.Inbound{}, ErrPushedByVendor
}

// KindName names a kind of source for people.
func KindName(kind source.Kind) string {
	switch kind {
	case source.GravityZone:
		return "GravityZone"
	case source.DefensX:
		return "DefensX"
	case source.Push:
		return "Push API"
	}
	return string(kind)
}

// Label names a source for people: "GravityZone 'EU'".
func Label(src store.Source) string {
	if src.Name == "" {
		return KindName(src.Kind)
	}
	return fmt.Sprintf("%s '%s'", KindName(src.Kind), src.Name)
}
