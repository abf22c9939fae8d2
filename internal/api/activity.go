package api

import (
	"net/http"
	"strconv"
	"time"

	"halobridge/internal/source"
)

type dayJSON struct {
	Day     string `json:"day"`
	Alerts  int    `json:"alerts"`
	Tickets int    `json:"tickets"`
}

type monthJSON struct {
	Month    source.Month `json:"month"`
	Quantity float64      `json:"quantity"`
}

// Bounds of the activity: the days of alerts and tickets, by default and
// at most, and the months of quantities billed.
const (
	activityDays    = 30
	maxActivityDays = 366
	billedMonths    = 12
)

// activity answers what the portal's charts draw: alerts and tickets per
// day, and the quantities billed per month. Query: days=<n> (default 30,
// at most 366).
func (h *handler) activity(w http.ResponseWriter, r *http.Request, partnerID int64) {
	days, err := strconv.Atoi(r.URL.Query().Get("days"))
	if err != nil || days <= 0 || days > maxActivityDays {
		days = activityDays
	}
	now := h.deps.Now().UTC()
	first := now.Truncate(24*time.Hour).AddDate(0, 0, -(days - 1))
	activity, err := h.deps.Store.DailyActivity(r.Context(), partnerID, first)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	out := struct {
		Days   []dayJSON   `json:"days"`
		Billed []monthJSON `json:"billed"`
	}{Days: []dayJSON{}, Billed: []monthJSON{}}
	for _, d := range activity {
		out.Days = append(out.Days, dayJSON{Day: d.Day.Format(time.DateOnly), Alerts: d.Alerts, Tickets: d.Tickets})
	}
	billed, err := h.deps.Billing.Billed(r.Context(), partnerID)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	m := source.MonthOf(now).Prev()
	for range billedMonths {
		if q, ok := billed[m]; ok {
			out.Billed = append([]monthJSON{{Month: m, Quantity: q}}, out.Billed...)
		}
		m = m.Prev()
	}
	h.json(w, http.StatusOK, out)
}
