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
// An alert that names no company is grouped with its own endpoint's alerts
// only, whatever the grouping (see companylessEndpoint).
//
// Windows are fixed buckets counted from the alert's occurred_at (now when it
// has none), not from the first alert, so every delivery of the same alert,
// retries included, lands on the same key.
func GroupKey(a source.Alert, p Policy, now time.Time) string {
	return groupKey(a, p.ForSource(a.Source).Types[a.Type], now)
}

func groupKey(a source.Alert, tp TypePolicy, now time.Time) string {
	key := a.Fingerprint
	endpoint := companylessEndpoint(a)
	switch g := tp.Grouping.orDefault(); {
	case endpoint != "" && g == GroupByAlert && key != "":
		key = joinKey("endpoint", key, endpoint)
	case endpoint != "":
		key = joinKey("endpoint", string(a.Source), a.Type, endpoint)
	case g == GroupByHost:
		// An alert without a host cannot join a host's ticket; it keeps its own.
		if host := hostOf(a); host != "" {
			key = joinKey("host", string(a.Source), a.CustomerID, a.Type, host)
		}
	case g == GroupByCustomer:
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

// companylessEndpoint is, for an alert that names no company, what its
// group key holds of its endpoint: its first id, else its host. Such an
// alert goes to the client of its endpoint's company, so it may share a
// ticket only with alerts of its own endpoint; grouped by customer or by a
// host name that endpoints of two companies share, one company's alert
// would be noted on another's ticket. It is "" for an alert with a company
// or without an endpoint.
func companylessEndpoint(a source.Alert) string {
	if a.CustomerID != "" {
		return ""
	}
	for _, f := range endpointIDFacts {
		if id := strings.TrimSpace(a.Facts[f]); id != "" {
			return f + ":" + id
		}
	}
	if h := hostOf(a); h != "" {
		return "host:" + h
	}
	return ""
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
