package connect

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"halobridge/internal/ingest"
	"halobridge/internal/source"
	"halobridge/internal/source/defensx"
	"halobridge/internal/store"
)

// NewSource is what a partner gives to connect a security platform.
type NewSource struct {
	PartnerID int64
	Kind      string
	Name      string
	// APIURL and APIKey reach the platform's API: the GravityZone access URL
	// and API key, the DefensX Partner API root and key. Push sources have none.
	APIURL string
	APIKey string
}

// Connected is a source just added, with what to do next.
type Connected struct {
	Source store.Source
	// PushURL is where the platform delivers: registered by halobridge for
	// GravityZone, to paste into the DefensX portal, or the push API base.
	PushURL string
	// Registered is true when halobridge configured the platform itself.
	Registered bool
	// Token is the push API bearer token (push sources only), shown once.
	Token string
	// Instructions say, in an admin's words, what remains to be done.
	Instructions string
}

// AddSource stores a new source and sets up delivery: for GravityZone it
// checks the API key and registers halobridge with the Event Push Service;
// for DefensX it returns the webhook URL to paste in the DefensX portal; for
// the push API it returns the URL and token to give the vendor. publicURL is
// this server's address as the platform reaches it.
func (s *Sources) AddSource(ctx context.Context, n NewSource, publicURL string) (Connected, error) {
	src, err := s.Store.CreateSource(ctx, store.Source{
		PartnerID: n.PartnerID, Kind: n.Kind, Name: n.Name, APIURL: n.APIURL, APIKey: n.APIKey, Secret: newSecret(),
	})
	if err != nil {
		return Connected{}, err
	}
	base := strings.TrimRight(publicURL, "/")
	switch n.Kind {
	case store.SourcePush:
		return Connected{
			Source: src, PushURL: base + "/api/push/v1", Token: ingest.PushToken(src),
			Instructions: "Give the vendor the push API URL and this token (sent as 'Authorization: Bearer <token>'). It is shown only now.",
		}, nil
	}
	c, err := s.deliver(ctx, src, base)
	if err != nil {
		return Connected{}, s.undo(ctx, src, err)
	}
	return c, nil
}

// deliver checks the source's API key and sets up its delivery to base.
func (s *Sources) deliver(ctx context.Context, src store.Source, base string) (Connected, error) {
	conn, err := s.Connector(src)
	if err != nil {
		return Connected{}, err
	}
	if _, err := conn.Customers(ctx); err != nil {
		return Connected{}, fmt.Errorf("check the API key by listing customers: %w", err)
	}
	delivery := source.Delivery{URL: strings.TrimRight(base, "/") + "/ingest/" + src.Token, Secret: src.Secret}
	err = conn.RegisterDelivery(ctx, delivery)
	var manual *defensx.ManualDeliveryError
	switch {
	case err == nil:
		return Connected{Source: src, PushURL: delivery.URL, Registered: true,
			Instructions: "halobridge registered itself with the Event Push Service; events arrive from now on."}, nil
	case errors.As(err, &manual):
		return Connected{Source: src, PushURL: manual.URL, Instructions: manual.Error()}, nil
	default:
		return Connected{}, err
	}
}

// undo removes a source whose setup failed, so a retry starts clean.
func (s *Sources) undo(ctx context.Context, src store.Source, cause error) error {
	if _, err := s.Store.DeleteSource(context.WithoutCancel(ctx), src.ID); err != nil {
		return errors.Join(cause, fmt.Errorf("remove the half-added source: %w", err))
	}
	return cause
}

// newSecret is 32 random bytes, URL-safe, for a platform to present when it pushes.
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Reconnect points an existing source at apiURL and sets up delivery again,
// keeping its token, secret and everything it received.
func (s *Sources) Reconnect(ctx context.Context, src store.Source, apiURL, publicURL string) (Connected, error) {
	src.APIURL = apiURL
	src, err := s.Store.UpdateSource(ctx, src)
	if err != nil {
		return Connected{}, err
	}
	return s.deliver(ctx, src, publicURL)
}
