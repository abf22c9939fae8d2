package deliver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

// ResolutionSource is a source that has to be asked what it resolved, as
// GravityZone closes incidents without pushing anything;
// *gravityzone.Connector is one.
type ResolutionSource interface {
	Resolutions(ctx context.Context, since time.Time) ([]source.Resolution, error)
}

// Connectors builds the connector of a stored source; *connect.Sources is one.
type Connectors interface {
	Connector(src store.Source) (source.Source, error)
}

// resolutionCursor is the source cursor scope of PollResolutions.
const resolutionCursor = "resolutions"

// pollOverlap is how far each poll reaches back into the last one, so that
// a resolution the source saved just as the last poll ran is not missed.
// Resolutions seen twice are stored once.
const pollOverlap = time.Minute

// PollResolutions asks each of the partner's sources that must be asked
// for what it resolved since the last poll, and stores it for the next
// pass to act on. It returns how many new resolutions it stored.
func (s *Service) PollResolutions(ctx context.Context, partnerID int64, connectors Connectors) (int, error) {
	sources, err := s.store.Sources(ctx, partnerID)
	if err != nil {
		return 0, fmt.Errorf("poll resolutions of partner %d: %w", partnerID, err)
	}
	stored := 0
	var errs []error
	for _, src := range sources {
		n, err := s.pollSource(ctx, src, connectors)
		stored += n
		if err != nil {
			errs = append(errs, fmt.Errorf("poll resolutions of source %q: %w", src.Name, err))
		}
	}
	return stored, errors.Join(errs...)
}

func (s *Service) pollSource(ctx context.Context, src store.Source, connectors Connectors) (int, error) {
	conn, err := connectors.Connector(src)
	if err != nil {
		return 0, err
	}
	asked, ok := conn.(ResolutionSource)
	if !ok {
		return 0, nil
	}
	var cursor struct {
		Since time.Time `json:"since"`
	}
	raw, err := s.store.SourceCursor(ctx, src.ID, resolutionCursor)
	if err != nil {
		return 0, err
	}
	if raw != nil {
		if err := json.Unmarshal(raw, &cursor); err != nil {
			return 0, fmt.Errorf("read cursor: %w", err)
		}
	} else {
		cursor.Since = src.CreatedAt
	}
	now := s.opts.Now().UTC()
	found, err := asked.Resolutions(ctx, cursor.Since.Add(-pollOverlap))
	if err != nil {
		return 0, err
	}
	n := 0
	if len(found) > 0 {
		res, err := s.store.StoreInbound(ctx, []store.InboundBatch{{PartnerID: src.PartnerID, SourceID: src.ID, ReceivedAt: now, Resolutions: found}})
		if err != nil {
			return 0, err
		}
		n = res[0].Resolutions
	}
	cursor.Since = now
	next, err := json.Marshal(cursor)
	if err != nil {
		return n, err
	}
	return n, s.store.SaveSourceCursor(ctx, src.ID, resolutionCursor, next)
}
