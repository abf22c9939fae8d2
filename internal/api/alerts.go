package api

import (
	"halobridge/internal/connect"
	"halobridge/internal/ticketing/deliver"
	"net/http"
	"strconv"
	"time"
)

// alertJSON is an alert and what it became, as the ticketing page lists it.
type alertJSON struct {
	ID         int64         `json:"id"`
	SourceID   int64         `json:"source_id"`
	CustomerID string        `json:"customer_id"`
	Customer   string        `json:"customer,omitempty"`
	Type       string        `json:"type"`
	Severity   string        `json:"severity"`
	HostName   string        `json:"host_name,omitempty"`
	Test       bool          `json:"test,omitempty"`
	OccurredAt time.Time     `json:"occurred_at"`
	ReceivedAt time.Time     `json:"received_at"`
	Delivery   *deliveryJSON `json:"delivery"`
}

type deliveryJSON struct {
	State     string `json:"state"`
	Action    string `json:"action"`
	Reason    string `json:"reason,omitempty"`
	TicketID  int    `json:"ticket_id,omitempty"`
	TicketURL string `json:"ticket_url,omitempty"`
	Outcome   string `json:"outcome"`
}

// listAlerts lists the latest alerts, newest first, with the tickets they
// became. Query: limit=<n> (default 50, at most 1000).
func (h *handler) listAlerts(w http.ResponseWriter, r *http.Request, partnerID int64) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	alerts, err := h.deps.Store.RecentAlerts(r.Context(), partnerID, limit)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	names, err := connect.CompanyNames(r.Context(), h.deps.Store, partnerID)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	root, err := h.deps.Halo.Root(r.Context(), partnerID)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	out := []alertJSON{}
	for _, a := range alerts {
		j := alertJSON{ID: a.ID, SourceID: a.SourceID, CustomerID: a.CustomerID, Customer: connect.AlertCompany(names, a.SourceID, a.Alert),
			Type: a.Type, Severity: string(a.Severity), HostName: a.HostName, Test: a.Test, OccurredAt: a.OccurredAt, ReceivedAt: a.ReceivedAt}
		if d := a.Delivery; d != nil {
			outcome, url := deliver.Outcome(a, root)
			j.Delivery = &deliveryJSON{State: d.State, Action: d.Action, Reason: d.Reason, TicketID: d.TicketID, TicketURL: url, Outcome: outcome}
		}
		out = append(out, j)
	}
	h.json(w, http.StatusOK, map[string]any{"alerts": out})
}
