package gravityzone

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// timeLayouts are the text forms the samples use: ISO-8601 with milliseconds and Z, and
// naive times, which GravityZone writes in UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
}

// parseTimeValue reads a timestamp field: text in any of timeLayouts, or unix seconds (or
// milliseconds) as a number or as text.
func parseTimeValue(v any) (time.Time, bool) {
	switch v := v.(type) {
	case json.Number:
		return parseTimeText(v.String())
	case string:
		return parseTimeText(v)
	}
	return time.Time{}, false
}

func parseTimeText(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		return fromUnix(n)
	}
	if t, ok := parseLayouts(s); ok {
		return t, true
	}
	// The documentation's exchange-malware sample reads "2017- 09 - 13T14: 20:37.000Z":
	// without its spaces it is ISO-8601.
	return parseLayouts(strings.Join(strings.Fields(s), ""))
}

func parseLayouts(s string) (time.Time, bool) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return plausible(t.UTC())
		}
	}
	return time.Time{}, false
}

// fromUnix reads seconds, or milliseconds when the number is too large to be seconds.
func fromUnix(n float64) (time.Time, bool) {
	if n > 1e11 {
		n /= 1000
	}
	sec := int64(n)
	return plausible(time.Unix(sec, int64((n-float64(sec))*1e9)).UTC())
}

// plausible rejects times no security event can have, such as a "0" placeholder.
func plausible(t time.Time) (time.Time, bool) {
	if t.Year() < 1990 || t.Year() > 2200 {
		return time.Time{}, false
	}
	return t, true
}
