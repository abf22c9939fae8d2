package ticketing

import (
	"net/url"
	"strings"
	"time"

	"halobridge/internal/source"
)

// GroupKey is the ticket-link key of a under policy p: the alert's
// fingerprint (per-alert grouping), or its source, customer, type and host
// (per host), or its source, customer and type (per customer); with a group
// window, plus the start of the window a falls in. Alerts with the same key
// share one ticket, the key is stored unique per partner, and it is the
// ticket's third_party_id_string so the ticket can be found after a crash.
// It is "" when the alert has no fingerprint and the grouping needs one.
//
// Windows are fixed buckets counted from the alert's occurred_at (now when it
// has none), not from the first alert, so every delivery of the same alert,
// retries included, lands on the same key.
func GroupKey(a source.Alert, p Policy, now time.Time) string {
	return groupKey(a, p.ForSource(a.Source).Types[a.Type], now)
}

func groupKey(a source.Alert, tp TypePolicy, now time.Time) string {
	key := a.Fingerprint
	switch tp.Grouping.orDefault() {
	case GroupByHost:
		// An alert without a host cannot join a host's ticket; it keeps its own.
		if host := hostOf(a); host != "" {
			key = joinKey("host", string(a.Source), a.CustomerID, a.Type, host)
		}
	case GroupByCustomer:
		key = joinKey("customer", string(a.Source), a.CustomerID, a.Type)
	}
	if key == "" || tp.GroupWindow <= 0 {
		return key
	}
	return key + "@" + windowStart(a, tp.GroupWindow, now).Format(time.RFC3339)
}

// windowStart is the start of the window of length w that a falls in. Windows
// are counted from Go's zero time in UTC, so a day starts at midnight UTC.
func windowStart(a source.Alert, w time.Duration, now time.Time) time.Time {
	t := a.OccurredAt
	if t.IsZero() {
		t = now
	}
	return t.UTC().Truncate(w)
}

func hostOf(a source.Alert) string {
	if h := strings.ToLower(strings.TrimSpace(a.HostName)); h != "" {
		return h
	}
	return strings.TrimSpace(a.HostIP)
}

// joinKey escapes each part so that a "/" in a customer id or host name
// cannot make two different groups share a key.
func joinKey(parts ...string) string {
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}
