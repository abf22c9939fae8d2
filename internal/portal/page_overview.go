package portal

import (
	"context"
	"net/http"

	"halobridge/internal/connect"
	"halobridge/internal/store"
)

// overviewView is the home page once the integration is active: where
// things stand, and the charts.
type overviewView struct {
	Activated bool
	// Revoked is the open credentials event: HaloPSA refuses halobridge,
	// which the page says first until it is fixed.
	Revoked    *store.Event
	OpenEvents int
	Mapped     int
	Unmapped   int
	Suggested  int
	LastSync   *store.SyncRun
	Alerts     int
	Tickets    int
	Activity   chart
	// Billed has a chart per item billed; BilledEmpty says why there is
	// none.
	Billed      []productChart
	BilledEmpty string
}

func (h *handler) overviewPage(w http.ResponseWriter, r *http.Request) {
	v, err := h.overviewView(r.Context(), callerOf(r).partnerID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Activated = r.URL.Query().Get("activated") != ""
	h.render(w, r, viewOverview, "Overview", "overview", v)
}

func (h *handler) overviewView(ctx context.Context, partnerID int64) (*overviewView, error) {
	v := &overviewView{}
	var err error
	if v.OpenEvents, err = h.openEvents(ctx, partnerID); err != nil {
		return nil, err
	}
	if v.Revoked, err = h.revokedEvent(ctx, partnerID); err != nil {
		return nil, err
	}
	mappings, err := h.deps.Store.Mappings(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	for _, m := range mappings {
		if m.Confirmed {
			v.Mapped++
		} else {
			v.Suggested++
		}
	}
	unmapped, err := h.unmappedCompanies(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	v.Unmapped = len(unmapped)
	runs, err := h.deps.Store.SyncRuns(ctx, partnerID, store.SyncCatalog, 1)
	if err != nil {
		return nil, err
	}
	if len(runs) > 0 {
		v.LastSync = &runs[0]
	}
	now := h.deps.Now()
	activity, err := h.deps.Store.DailyActivity(ctx, partnerID, now.AddDate(0, 0, -chartDays))
	if err != nil {
		return nil, err
	}
	for _, d := range activity {
		v.Alerts += d.Alerts
		v.Tickets += d.Tickets
	}
	v.Activity = activityChart(activity, now, chartDays)
	if v.Billed, err = h.billedCharts(ctx, partnerID); err != nil {
		return nil, err
	}
	v.BilledEmpty = billedEmpty
	return v, nil
}

// revokedEvent is the partner's credentials event while it is open or
// acknowledged; nil when HaloPSA accepts halobridge.
func (h *handler) revokedEvent(ctx context.Context, partnerID int64) (*store.Event, error) {
	for _, state := range []string{store.EventOpen, store.EventAcknowledged} {
		events, err := h.deps.Store.Events(ctx, partnerID, store.EventQuery{State: state, Kind: connect.EventCredentialsRevoked, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(events) > 0 {
			return &events[0], nil
		}
	}
	return nil, nil
}
