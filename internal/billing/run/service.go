package run

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/store"
)

// Service runs billing for partners. Its zero Now and Logger mean
// time.Now and no logging.
type Service struct {
	Store   *store.Store
	Halo    *connect.Halo
	Sources *connect.Sources
	Now     func() time.Time
	Logger  *slog.Logger
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// haloClient is the partner's HaloPSA client.
func (s *Service) haloClient(ctx context.Context, partnerID int64) (*halo.Client, error) {
	hc, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		return nil, fmt.Errorf("billing of partner %d: %w", partnerID, err)
	}
	return hc, nil
}

// stopsEverything reports whether a HaloPSA error ends the whole run rather
// than one client's part of it: the tenant's rate limit (a durable job
// snoozes on it), and credentials or permissions that every client would
// meet again.
func stopsEverything(err error) bool {
	var oauth *halo.OAuthError
	var api *halo.APIError
	return halo.IsRateLimited(err) || halo.IsForbidden(err) || errors.As(err, &oauth) || errors.Is(err, halo.ErrNoRefreshToken) ||
		(errors.As(err, &api) && api.Status == http.StatusUnauthorized)
}
