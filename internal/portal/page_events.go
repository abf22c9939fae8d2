package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"halobridge/internal/events"
	"halobridge/internal/store"
)

// eventsView is the events page: the problems that need a person.
type eventsView struct {
	// Show is "active" (open and acknowledged, the default), "resolved" or "all".
	Show string
	// Client, when not 0, shows only the events about that HaloPSA
	// client, as the status of its mappings links to them; ClientName
	// names it.
	Client     int
	ClientName string
	Events     []eventRow
	Open       int
	Flash      flash
}

// eventRow is an event as a person sees it: its kind's title and the
// page where it is fixed, the ids of what it names in small print, and
// what was just done about it.
type eventRow struct {
	store.Event
	Shown events.Kind
	IDs   string
	Done  string
}

func rowOf(e store.Event) eventRow {
	return eventRow{Event: e, Shown: events.Shown(e), IDs: eventIDs(e)}
}

// eventIDs are the ids of the records an event names, which its subject
// names by name.
func eventIDs(e store.Event) string {
	d := events.DataOf(e)
	var ids []string
	if d.CustomerID != "" {
		ids = append(ids, "company id "+d.CustomerID)
	}
	if d.ClientID != 0 {
		ids = append(ids, fmt.Sprintf("HaloPSA client id %d", d.ClientID))
	}
	if d.SiteID != 0 {
		ids = append(ids, fmt.Sprintf("site id %d", d.SiteID))
	}
	return strings.Join(ids, " · ")
}

func (h *handler) eventsPage(w http.ResponseWriter, r *http.Request) {
	v, err := h.eventsView(r.Context(), callerOf(r).partnerID, r.URL.Query().Get("show"), r.URL.Query().Get("client"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, viewEvents, "Events", "events", v)
}

func (h *handler) eventsView(ctx context.Context, partnerID int64, show, client string) (*eventsView, error) {
	v := &eventsView{Show: show}
	if id, err := strconv.Atoi(client); err == nil && id > 0 {
		v.Client = id
		entry, err := h.deps.Store.CatalogEntry(ctx, partnerID, store.KindClient, client)
		switch {
		case err == nil:
			v.ClientName = entry.Name
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
	}
	var states []string
	switch show {
	case "resolved":
		states = []string{store.EventResolved}
	case "all":
		states = []string{""}
	default:
		v.Show = "active"
		states = []string{store.EventOpen, store.EventAcknowledged}
	}
	for _, state := range states {
		list, err := h.deps.Store.Events(ctx, partnerID, store.EventQuery{State: state, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			// The menu counts every open event, whatever this list shows.
			if e.State == store.EventOpen {
				v.Open++
			}
			if v.Client == 0 || events.DataOf(e).ClientID == v.Client {
				v.Events = append(v.Events, rowOf(e))
			}
		}
	}
	slices.SortStableFunc(v.Events, func(a, b eventRow) int { return b.LastSeen.Compare(a.LastSeen) })
	if show == "resolved" || show == "all" {
		open, err := h.deps.Store.Events(ctx, partnerID, store.EventQuery{State: store.EventOpen})
		if err != nil {
			return nil, err
		}
		v.Open = len(open)
	}
	return v, nil
}

func eventID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("event %q: %w", r.PathValue("id"), store.ErrNotFound)
	}
	return id, nil
}

// recheckEvent evaluates one event again against HaloPSA itself.
func (h *handler) recheckEvent(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	id, err := eventID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	e, err := h.deps.Events.Recheck(r.Context(), c.partnerID, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.eventDone(w, r, e, events.Rechecked(e))
}

// resolveEvent applies the event's obvious fix, or acknowledges it.
func (h *handler) resolveEvent(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	id, err := eventID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.deps.Events.Resolve(r.Context(), c.partnerID, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.eventDone(w, r, res.Event, res.Action)
}

// eventDone answers an action on one event with the list as the page
// shows it, the event's row saying what was done, and the menu's counter.
func (h *handler) eventDone(w http.ResponseWriter, r *http.Request, e store.Event, done string) {
	if !isHTMX(r) {
		http.Redirect(w, r, "/events", http.StatusSeeOther)
		return
	}
	v, err := h.eventsView(r.Context(), callerOf(r).partnerID, r.PostFormValue("show"), r.PostFormValue("client"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	i := slices.IndexFunc(v.Events, func(row eventRow) bool { return row.ID == e.ID })
	if i >= 0 {
		v.Events[i].Done = done
	} else {
		// The event left this list (resolved while open ones are shown).
		v.Flash.OK = events.Shown(e).Title + ", " + e.Subject + ": " + done
	}
	h.formFragment(w, r, http.StatusOK, viewEvents, "events-body", v)
}

// recheckEvents is bulk Recheck: the events ticked, or every open one.
func (h *handler) recheckEvents(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	form, ok := parseForm(w, r)
	if !ok {
		return
	}
	var ids []int64
	for _, raw := range form["id"] {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			h.fail(w, r, fmt.Errorf("event %q: %w", raw, store.ErrNotFound))
			return
		}
		ids = append(ids, id)
	}
	rechecked, err := h.deps.Events.RecheckAll(r.Context(), c.partnerID, ids)
	var f flash
	var input *events.InputError
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.fail(w, r, err)
		return
	case err != nil && !errors.As(err, &input):
		h.deps.Logger.Warn("recheck of events failed in part", "partner_id", c.partnerID, "error", err)
		f.Error = "Some events could not be rechecked: " + err.Error()
	}
	fixed := 0
	for _, e := range rechecked {
		if e.State == store.EventResolved {
			fixed++
		}
	}
	f.OK = fmt.Sprintf("Rechecked %s: %d fixed, %d still open.", plural(len(rechecked), "event"), fixed, len(rechecked)-fixed)
	v, err := h.eventsView(r.Context(), c.partnerID, form.Get("show"), form.Get("client"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Flash = f
	if !isHTMX(r) {
		http.Redirect(w, r, "/events", http.StatusSeeOther)
		return
	}
	h.formFragment(w, r, http.StatusOK, viewEvents, "events-body", v)
}
