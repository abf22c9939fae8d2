package syncrun

import (
	"context"
	"errors"
	"strconv"
	"time"

	"halobridge/internal/halo"
	"halobridge/internal/store"
)

// HaloPSA lists clients, sites and users by when each was last changed
// (lastupdatefromdate), so after a whole read of such a list a sync asks
// only for the records changed since the last read began, less
// changesOverlap, and merges them into the catalog: an hourly sync of a
// tenant of thousands of clients costs a few requests instead of hundreds.
//
// A list of changes shows no deletions. Each read of changes therefore
// also counts the whole list (one request): when the catalog with the
// changes merged holds another number of records than HaloPSA counts,
// records left the list (deleted, made inactive, renamed away from
// "General User") and it is read whole at once, in the same sync. Once a
// day the list is read whole anyway, which corrects what the count cannot
// show: a change saved by a HaloPSA whose clock is further behind ours than
// the overlap, a change HaloPSA does not count as one (a site shows its
// client's name, but a client renamed does not change its sites), or a
// deletion offset by an addition the changes missed.
//
// "Sync now" reads the same way. What a person fixes in HaloPSA before
// pressing it is a change, which the read of changes finds, or a deletion,
// which the count finds; reading a large tenant whole at every press would
// spend the request budget that ticket delivery needs.
const (
	// fullReadEvery is how old the last whole read of a list may grow.
	fullReadEvery = 24 * time.Hour
	// changesOverlap reaches back before the last read began, for records
	// saved by HaloPSA transactions that began before it and for a HaloPSA
	// clock somewhat behind ours. Records changed in it are read twice,
	// which costs nothing when none were.
	changesOverlap = 15 * time.Minute
)

// changesSince says from when a sync at now may read only the records
// changed, given the kind's last reads, or false when it must read the
// whole list: never read whole, not for a day, or read at a time still to
// come, as after our clock was set back.
func changesSince(last store.CatalogRead, now time.Time) (time.Time, bool) {
	if last.Full.IsZero() || !last.Full.After(now.Add(-fullReadEvery)) || last.Full.After(now) || last.Changes.After(now) {
		return time.Time{}, false
	}
	return last.Changes.Add(-changesOverlap), true
}

// listRead is what one read of a list found: the whole list, or the
// records changed since its last read.
type listRead struct {
	byKind map[string][]store.CatalogEntry
	whole  bool
}

// readList reads one list, only what changed when changesSince allows it
// and the count shows nothing left the list, else whole. A HaloPSA that
// refuses the filter or cannot count is read whole; every other failure is
// the list's, as with a whole read.
func (s *Syncer) readList(ctx context.Context, partnerID int64, c *halo.Client, l haloList, reads map[string]store.CatalogRead, now time.Time) (listRead, error) {
	whole := func() (listRead, error) {
		byKind, err := l.read(ctx, c)
		return listRead{byKind: byKind, whole: true}, err
	}
	if l.changes == nil {
		return whole()
	}
	kind := l.kinds[0]
	since, ok := changesSince(reads[kind], now)
	if !ok {
		return whole()
	}
	changed, err := l.changes(ctx, c, since)
	total := 0
	if err == nil {
		total, err = l.count(ctx, c)
	}
	switch {
	case halo.IsBadRequest(err) || errors.Is(err, halo.ErrNoRecordCount):
		s.logger().Warn("HaloPSA list read whole: it cannot be read by last update", "partner", partnerID, "list", l.what, "error", err)
		return whole()
	case err != nil:
		return listRead{}, err
	}
	stored, err := s.Store.Catalog(ctx, partnerID, kind)
	if err != nil {
		return listRead{}, err
	}
	if held := heldWith(stored, changed); held != total {
		// Records left the list: its ids, in one request, say which.
		if entries, ok := s.keptOf(ctx, partnerID, c, l, stored, changed, total); ok {
			return listRead{byKind: map[string][]store.CatalogEntry{kind: entries}, whole: true}, nil
		}
		s.logger().Info("HaloPSA list read whole: records left it since the last read", "partner", partnerID, "list", l.what,
			"in_halopsa", total, "in_catalog", held)
		return whole()
	}
	return listRead{byKind: map[string][]store.CatalogEntry{kind: changed}}, nil
}

// keptOf builds the whole list from the catalog and the records changed,
// keeping those whose ids HaloPSA still lists. It fails (false) when the
// ids cannot be read, or name a record neither holds.
func (s *Syncer) keptOf(ctx context.Context, partnerID int64, c *halo.Client, l haloList, stored, changed []store.CatalogEntry, total int) ([]store.CatalogEntry, bool) {
	if l.ids == nil {
		return nil, false
	}
	ids, err := l.ids(ctx, c)
	if err != nil || len(ids) != total {
		s.logger().Info("HaloPSA list ids not read", "partner", partnerID, "list", l.what, "ids", len(ids), "in_halopsa", total, "error", err)
		return nil, false
	}
	byID := make(map[string]store.CatalogEntry, len(stored)+len(changed))
	for _, e := range stored {
		byID[e.HaloID] = e
	}
	for _, e := range changed {
		byID[e.HaloID] = e
	}
	out := make([]store.CatalogEntry, 0, len(ids))
	for _, id := range ids {
		e, ok := byID[strconv.Itoa(id)]
		if !ok {
			return nil, false
		}
		out = append(out, e)
	}
	return out, true
}

// heldWith counts the records the catalog would hold with changed merged
// into stored.
func heldWith(stored, changed []store.CatalogEntry) int {
	ids := make(map[string]bool, len(stored)+len(changed))
	for _, e := range stored {
		ids[e.HaloID] = true
	}
	for _, e := range changed {
		ids[e.HaloID] = true
	}
	return len(ids)
}
