package ticketing

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/vocab"
)

// NoteFields is a HaloPSA action (a note) on an existing ticket.
type NoteFields struct {
	NoteHTML string `json:"note_html"`
	// HiddenFromUser keeps the note from the end user; it follows the
	// policy's "show updates to the HaloPSA user" switch.
	HiddenFromUser bool `json:"hiddenfromuser"`
	// OutcomeID is the policy's note outcome; BuildNote leaves it 0 because
	// it does not see the policy.
	OutcomeID int `json:"outcome_id"`
}

// maxNoteLines bounds a note listing a burst of alerts; the rest are counted.
const maxNoteLines = 20

// BuildNote makes one note listing alerts that arrived for an open ticket:
// how many, first and last seen, and one line per fingerprint with its
// headline and its own count. Every alert value is HTML-escaped. No alerts give an empty note,
// which is not worth sending.
func BuildNote(alerts []source.Alert, hidden bool) NoteFields {
	note := NoteFields{HiddenFromUser: hidden}
	if len(alerts) == 0 {
		return note
	}
	sorted := slices.Clone(alerts)
	slices.SortStableFunc(sorted, func(x, y source.Alert) int { return x.OccurredAt.Compare(y.OccurredAt) })

	type line struct {
		alert       source.Alert
		count       int
		first, last time.Time
	}
	var lines []line
	index := map[string]int{}
	for _, a := range sorted {
		if i, ok := index[a.Fingerprint]; ok {
			lines[i].count++
			lines[i].last = a.OccurredAt
			continue
		}
		index[a.Fingerprint] = len(lines)
		lines = append(lines, line{alert: a, count: 1, first: a.OccurredAt, last: a.OccurredAt})
	}

	var b strings.Builder
	first, last := sorted[0].OccurredAt, sorted[len(sorted)-1].OccurredAt
	if len(sorted) == 1 {
		fmt.Fprintf(&b, "<p>1 new alert, seen %s.</p>\n<ul>\n", seenAt(first))
	} else {
		fmt.Fprintf(&b, "<p>%d new alerts, first seen %s, last seen %s.</p>\n<ul>\n", len(sorted), seenAt(first), seenAt(last))
	}
	for i, l := range lines {
		if i == maxNoteLines {
			rest := 0
			for _, r := range lines[i:] {
				rest += r.count
			}
			fmt.Fprintf(&b, "<li>and %s</li>\n", plural(rest, "more alert", "more alerts"))
			break
		}
		if l.count == 1 {
			fmt.Fprintf(&b, "<li>%s, seen %s</li>\n", escape(headline(l.alert)), seenAt(l.first))
		} else {
			fmt.Fprintf(&b, "<li>%s: %d times, first seen %s, last seen %s</li>\n", escape(headline(l.alert)), l.count, seenAt(l.first), seenAt(l.last))
		}
	}
	b.WriteString("</ul>")
	note.NoteHTML = b.String()
	return note
}

// headline says in one line what the alert is, as the vocabulary words it.
func headline(a source.Alert) string {
	if h := oneLine(vocab.Describe(a).Headline); h != "" {
		return h
	}
	return Title("", a)
}

func seenAt(t time.Time) string {
	if t.IsZero() {
		return "at an unknown time"
	}
	return formatTime(t)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// humanDuration writes d the way a person would ("2 hours 30 minutes"),
// dropping seconds.
func humanDuration(d time.Duration) string {
	if d < time.Minute {
		return "less than a minute"
	}
	day := 24 * time.Hour
	units := []struct {
		size      time.Duration
		one, many string
	}{{day, "day", "days"}, {time.Hour, "hour", "hours"}, {time.Minute, "minute", "minutes"}}
	var parts []string
	for _, u := range units {
		if n := int(d / u.size); n > 0 && len(parts) < 2 {
			parts = append(parts, plural(n, u.one, u.many))
			d -= time.Duration(n) * u.size
		} else if len(parts) > 0 {
			break
		}
	}
	return strings.Join(parts, " ")
}
