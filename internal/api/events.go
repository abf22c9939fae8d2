package api

import (
	"net/http"
	"time"

	"halobridge/internal/events"
	"halobridge/internal/store"
)

// eventView is an integration event as the API shows it.
type eventView struct {
	ID   int64  `json:"id"`
	Kind string `json:"kind"`
	// Title names the kind in words; Page is the portal page where the
	// problem is fixed, PageName that page as the menu names it.
	Title     string    `json:"title"`
	Page      string    `json:"page"`
	PageName  string    `json:"page_name"`
	Subject   string    `json:"subject"`
	Message   string    `json:"message"`
	Fix       string    `json:"fix"`
	State     string    `json:"state"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Count     int       `json:"count"`
}

func viewEvent(e store.Event) eventView {
	shown := events.Shown(e)
	return eventView{ID: e.ID, Kind: e.Kind, Title: shown.Title, Page: shown.Page, PageName: shown.PageName, Subject: e.Subject, Message: e.Message, Fix: e.Fix, State: e.State,
		FirstSeen: e.FirstSeen, LastSeen: e.LastSeen, Count: e.Count}
}

// listEvents answers the partner's events, most recently seen first.
// Query: state=open|acknowledged|resolved, kind=<kind>, limit=<n>.
func (h *handler) listEvents(w http.ResponseWriter, r *http.Request, partnerID int64) {
	q := r.URL.Query()
	state := q.Get("state")
	switch state {
	case "", store.EventOpen, store.EventAcknowledged, store.EventResolved:
	default:
		h.badInput(w, r, "state", "state must be open, acknowledged or resolved.")
		return
	}
	limit, ok := h.queryInt(w, r, "limit")
	if !ok {
		return
	}
	events, err := h.deps.Store.Events(r.Context(), partnerID, store.EventQuery{State: state, Kind: q.Get("kind"), Limit: limit})
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	views := make([]eventView, 0, len(events))
	for _, e := range events {
		views = append(views, viewEvent(e))
	}
	h.json(w, http.StatusOK, map[string]any{"events": views})
}

// recheckEvent evaluates one event again now.
func (h *handler) recheckEvent(w http.ResponseWriter, r *http.Request, partnerID int64) {
	id, ok := h.pathID(w, r, "id")
	if !ok {
		return
	}
	e, err := h.deps.Events.Recheck(r.Context(), partnerID, id)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, viewEvent(e))
}

// recheckRequest names the events to recheck; none means every open one.
type recheckRequest struct {
	IDs []int64 `json:"ids"`
}

// recheckEvents rechecks several events.
func (h *handler) recheckEvents(w http.ResponseWriter, r *http.Request, partnerID int64) {
	var req recheckRequest
	if r.ContentLength != 0 && !h.decode(w, r, &req) {
		return
	}
	events, err := h.deps.Events.RecheckAll(r.Context(), partnerID, req.IDs)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	views := make([]eventView, 0, len(events))
	for _, e := range events {
		views = append(views, viewEvent(e))
	}
	h.json(w, http.StatusOK, map[string]any{"events": views})
}

// resolveEvent applies an event's obvious fix, or acknowledges it.
func (h *handler) resolveEvent(w http.ResponseWriter, r *http.Request, partnerID int64) {
	id, ok := h.pathID(w, r, "id")
	if !ok {
		return
	}
	res, err := h.deps.Events.Resolve(r.Context(), partnerID, id)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, resolutionView{Event: viewEvent(res.Event), Action: res.Action})
}

type resolutionView struct {
	Event  eventView `json:"event"`
	Action string    `json:"action"`
}
