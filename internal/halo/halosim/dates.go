package halosim

import (
	"strings"
	"time"
)

// Halo dates are ISO-8601 without a zone; "1899-12-30T00:00:00" (the OLE epoch) means none.
const (
	haloTimeLayout = "2006-01-02T15:04:05.999"
	emptyDate      = "1899-12-30T00:00:00"
)

func haloTime(t time.Time) string { return t.UTC().Format(haloTimeLayout) }

func (s *Sim) stamp() string { return haloTime(s.now()) }

// parseHaloTime reads a date as Halo writes it and as a query may give it: a date, or a
// date and time with or without fractions of a second, in UTC unless a zone is given.
func parseHaloTime(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// updateWindow is the lastupdatefromdate / lastupdatetodate filter of the Client, Site and
// Users lists: records last updated within it, both ends included.
type updateWindow struct {
	from, to time.Time
}

// updateWindow reads the filter. A value that is not a date filters nothing, as other
// malformed list parameters do.
func (q query) updateWindow() updateWindow {
	var w updateWindow
	if v, ok := q.getCI("lastupdatefromdate"); ok {
		w.from, _ = parseHaloTime(v)
	}
	if v, ok := q.getCI("lastupdatetodate"); ok {
		w.to, _ = parseHaloTime(v)
	}
	return w
}

// keeps reports whether a record last updated at stamp is within the window; a record
// without a last update is kept only when the window is open.
func (w updateWindow) keeps(stamp string) bool {
	if w.from.IsZero() && w.to.IsZero() {
		return true
	}
	t, ok := parseHaloTime(stamp)
	return ok && (w.from.IsZero() || !t.Before(w.from)) && (w.to.IsZero() || !t.After(w.to))
}
