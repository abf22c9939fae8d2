package connect

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

// Removed is a source just removed: what went with it, and what was done
// and left at the platform.
type Removed struct {
	Source  store.Source
	Removal store.SourceRemoval
	// AtSource says what was done at the platform; LeftAtSource what could
	// not be, and how to do it by hand ("" when nothing is left).
	AtSource     string
	LeftAtSource string
}

// ErrDeliveryBusy says the partner's ticket delivery did not pause for a
// removal in time.
var ErrDeliveryBusy = errors.New("ticket delivery for this partner is busy and did not pause in time, so the source was not removed: try again in a minute")

const (
	// defaultLeaseWait is how long a removal waits for a delivery pass to end.
	defaultLeaseWait = 20 * time.Second
	// removalLease outlasts the deletion; a removal that dies holding it
	// holds back delivery no longer than this.
	removalLease = 2 * time.Minute
	leasePoll    = 200 * time.Millisecond
)

// RemoveSource deletes a source of the partner with everything it owns
// (see store.DeleteSource) and then stops the platform pushing to it where
// the platform lets halobridge: GravityZone's Event Push Service is
// switched off if it still pushes here. The deletion holds the partner's
// delivery lease, so that no delivery pass, on any replica, is halfway
// through the source's alerts when they go. The platform is asked last: if
// it cannot be reached the source is removed all the same, and
// LeftAtSource says what it still does and how to stop it by hand.
func (s *Sources) RemoveSource(ctx context.Context, partnerID, id int64) (Removed, error) {
	src, err := s.Store.Source(ctx, id)
	if err == nil && src.PartnerID != partnerID {
		err = fmt.Errorf("source %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return Removed{}, err
	}
	holder := "remove-source-" + rand.Text()
	if err := s.holdDelivery(ctx, partnerID, holder); err != nil {
		return Removed{}, fmt.Errorf("remove %s: %w", Label(src), err)
	}
	removal, err := s.Store.DeleteSource(ctx, id)
	// A lease not released lapses by itself after removalLease.
	_ = s.Store.ReleaseDeliveryLease(context.WithoutCancel(ctx), partnerID, holder)
	if err != nil {
		return Removed{}, fmt.Errorf("remove %s: %w", Label(src), err)
	}
	out := Removed{Source: src, Removal: removal}
	// The source is gone: switch its push off even if the caller has gone too.
	if out.AtSource, err = s.unregister(context.WithoutCancel(ctx), src); err != nil {
		out.LeftAtSource = err.Error() + "."
		if src.Kind == source.GravityZone {
			out.LeftAtSource = fmt.Sprintf("GravityZone's Event Push Service could not be switched off: %v. It may still push to %s, which halobridge now refuses. To switch it off by hand, %s",
				err, s.ingestURL(src), offByHand(s.ingestURL(src)))
		}
	}
	return out, nil
}

// holdDelivery takes the partner's delivery lease, waiting up to LeaseWait
// for a running pass to end.
func (s *Sources) holdDelivery(ctx context.Context, partnerID int64, holder string) error {
	deadline := time.NewTimer(cmp.Or(s.LeaseWait, defaultLeaseWait))
	defer deadline.Stop()
	for {
		taken, err := s.Store.TakeDeliveryLease(ctx, partnerID, holder, removalLease)
		if err != nil || taken {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return ErrDeliveryBusy
		case <-time.After(leasePoll):
		}
	}
}

// Summary says in sentences what the removal did and left.
func (r Removed) Summary() []string {
	c := r.Removal
	lines := []string{fmt.Sprintf("%s is removed, with its alerts (%d, of which %d not yet delivered to HaloPSA), resolutions (%d), companies (%d), confirmed mappings (%d) and integration events (%d).",
		Label(r.Source), c.Alerts, c.Undelivered, c.Resolutions, c.Customers, c.Mappings, c.Events)}
	if c.Tickets > 0 {
		lines = append(lines, fmt.Sprintf("The HaloPSA tickets of its alerts (%d, of which %d open) stay in HaloPSA as they are: close them there when done. Connected again, the same account's new alerts go to the open ones.",
			c.Tickets, c.OpenTickets))
	}
	if c.Mappings > 0 {
		lines = append(lines, "Its usage is no longer billed. Invoice lines halobridge wrote for its companies stay on the HaloPSA recurring invoices: a billing dry run shows what the next run does with them.")
	}
	if r.AtSource != "" {
		lines = append(lines, r.AtSource)
	}
	if r.LeftAtSource != "" {
		lines = append(lines, "Left to do by hand: "+r.LeftAtSource)
	}
	return lines
}
