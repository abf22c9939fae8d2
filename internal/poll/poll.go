// Package poll fetches what a platform does not push: DefensX URL blocks,
// which only its URL logs show. Each customer's place in the logs is kept in
// the store, so a poll after a restart reads on from where the last one
// stopped, and nothing is counted twice.
package poll

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"halobridge/internal/connect"
	"halobridge/internal/source"
	"halobridge/internal/source/defensx"
	"halobridge/internal/store"
)

// Settings are a DefensX source's polling switches, kept in store.Source.Settings.
type Settings struct {
	// PollURLBlocks turns URL blocks into alerts. DefensX pushes none, so they
	// come from polling the URL logs.
	PollURLBlocks bool `json:"poll_url_blocks"`
}

// Poller polls sources.
type Poller struct {
	Store   *store.Store
	Sources *connect.Sources
	Now     func() time.Time
}

// Result counts what one poll of one source found.
type Result struct {
	Customers int
	Alerts    int
	Errors    []error
}

// URLBlocks polls a DefensX source's URL logs of every customer and stores
// new blocks as url_block alerts. A customer whose logs cannot be read is
// reported and skipped; the others are still polled.
func (p *Poller) URLBlocks(ctx context.Context, src store.Source) (Result, error) {
	var res Result
	if src.Kind != source.DefensX {
		return res, fmt.Errorf("source %q is not a DefensX source", src.Name)
	}
	conn, err := p.Sources.Connector(src)
	if err != nil {
		return res, err
	}
	client := conn.(*defensx.Connector).Client()
	customers, err := client.Customers(ctx)
	if err != nil {
		return res, fmt.Errorf("list DefensX customers: %w", err)
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	for _, c := range customers {
		res.Customers++
		n, err := p.customer(ctx, client, src, c.ID, now())
		res.Alerts += n
		if err != nil {
			res.Errors = append(res.Errors, fmt.Errorf("customer %s (%s): %w", c.Name, c.ID, err))
		}
	}
	return res, errors.Join(res.Errors...)
}

// customer polls one customer: the alerts and the moved cursor are stored
// in that order, so a crash in between re-reads rows whose alerts the
// store then recognises as already received.
func (p *Poller) customer(ctx context.Context, client *defensx.Client, src store.Source, customerID string, now time.Time) (int, error) {
	scope := "url_blocks/" + customerID
	var cur defensx.Cursor
	raw, err := p.Store.SourceCursor(ctx, src.ID, scope)
	if err != nil {
		return 0, err
	}
	if raw != nil {
		if err := json.Unmarshal(raw, &cur); err != nil {
			return 0, fmt.Errorf("stored cursor: %w", err)
		}
	}
	alerts, next, err := client.PollURLBlocks(ctx, customerID, cur)
	if err != nil {
		return 0, err
	}
	stored := 0
	if len(alerts) > 0 {
		res, err := p.Store.StoreInbound(ctx, []store.InboundBatch{{PartnerID: src.PartnerID, SourceID: src.ID, ReceivedAt: now, Alerts: alerts}})
		if err != nil {
			return 0, err
		}
		stored = len(res[0].AlertIDs)
	}
	b, err := json.Marshal(next)
	if err != nil {
		return stored, err
	}
	return stored, p.Store.SaveSourceCursor(ctx, src.ID, scope, b)
}

// Enabled reports whether src asks for URL blocks to be polled.
func Enabled(src store.Source) bool {
	if src.Kind != source.DefensX {
		return false
	}
	var s Settings
	return json.Unmarshal(src.Settings, &s) == nil && s.PollURLBlocks
}
