package connect

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"halobridge/internal/ingest"
	"halobridge/internal/source"
	"halobridge/internal/source/defensx"
	"halobridge/internal/store"
)

// NewSource is what a partner gives to connect a security platform.
type NewSource struct {
	PartnerID int64
	Kind      source.Kind
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
// the push API it returns the URL and token to give the vendor.
func (s *Sources) AddSource(ctx context.Context, n NewSource) (Connected, error) {
	if s.PublicURL == "" {
		return Connected{}, ErrNoPublicURL
	}
	if err := s.checkAPIURL(ctx, n.Kind, n.APIURL); err != nil {
		return Connected{}, err
	}
	src, err := s.Store.CreateSource(ctx, store.Source{
		PartnerID: n.PartnerID, Kind: n.Kind, Name: n.Name, APIURL: n.APIURL, APIKey: n.APIKey, Secret: newSecret(),
	})
	if err != nil {
		return Connected{}, err
	}
	if n.Kind == source.Push {
		return Connected{
			Source: src, PushURL: s.PushURL(src), Token: ingest.PushToken(src),
			Instructions: "Give the vendor the push API URL and this token (sent as 'Authorization: Bearer <token>'). It is shown only now.",
		}, nil
	}
	conn, err := s.Connector(src)
	if err == nil {
		// The platform's error says what failed, the URL or the key, and what to do.
		_, err = conn.Customers(ctx)
	}
	if err != nil {
		return Connected{}, s.undo(ctx, src, err)
	}
	c, err := s.register(ctx, conn, src)
	if err != nil {
		return Connected{}, s.undo(ctx, src, err)
	}
	return c, nil
}

// register sets up src's delivery to this halobridge.
func (s *Sources) register(ctx context.Context, conn source.Source, src store.Source) (Connected, error) {
	delivery, err := s.Delivery(src)
	if err != nil {
		return Connected{}, err
	}
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
