package api

import (
	"net/http"
	"slices"
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

// itemMonthsJSON is what was billed on one HaloPSA item, month by month,
// in its products' units.
type itemMonthsJSON struct {
	ItemID int         `json:"item_id"`
	Name   string      `json:"name"`
	Units  []string    `json:"units"`
	Months []monthJSON `json:"months"`
}

// Bounds of the activity: the days of alerts and tickets, by default and
// at most, and the months of quantities billed.
const (
	activityDays    = 30
	maxActivityDays = 366
	billedMonths    = 12
)

// activity answers what the portal's charts draw: alerts and tickets per
// day, and the quantities billed per month, in all and item by item. Query: days=<n> (default 30,
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
		Days        []dayJSON        `json:"days"`
		Billed      []monthJSON      `json:"billed"`
		BilledItems []itemMonthsJSON `json:"billed_items"`
	}{Days: []dayJSON{}, Billed: []monthJSON{}, BilledItems: []itemMonthsJSON{}}
	for _, d := range activity {
		out.Days = append(out.Days, dayJSON{Day: d.Day.Format(time.DateOnly), Alerts: d.Alerts, Tickets: d.Tickets})
	}
	billed, items, err := h.deps.Billing.Billed(r.Context(), partnerID)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	// The total adds every item's quantity whatever it counts; each item
	// says in which units its own are.
	out.Billed = lastMonths(billed, source.MonthOf(now))
	for _, it := range items {
		months := lastMonths(it.Months, source.MonthOf(now))
		if len(months) == 0 {
			continue
		}
		units := []string{}
		for _, p := range it.Products {
			if p.Unit != "" && !slices.Contains(units, p.Unit) {
				units = append(units, p.Unit)
			}
		}
		out.BilledItems = append(out.BilledItems, itemMonthsJSON{ItemID: it.ItemID, Name: it.Name, Units: units, Months: months})
	}
	h.json(w, http.StatusOK, out)
}

// lastMonths are the quantities of the billedMonths months before this
// one that have any, oldest first.
func lastMonths(quantities map[source.Month]float64, this source.Month) []monthJSON {
	out := []monthJSON{}
	m := this.Prev()
	for range billedMonths {
		if q, ok := quantities[m]; ok {
			out = append([]monthJSON{{Month: m, Quantity: q}}, out...)
		}
		m = m.Prev()
	}
	return out
}
