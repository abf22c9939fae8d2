package ticketing

import (
	"slices"
	"strings"
	"unicode"

	"halobridge/internal/source"
)

// Severities are the severities an alert can have, most urgent first, as
// the ticketing step lists their priorities.
var Severities = []source.Severity{source.SeverityCritical, source.SeverityHigh, source.SeverityMedium,
	source.SeverityLow, source.SeverityInfo}

// severityWords are the words HaloPSA priorities are usually named with,
// per severity ("P1 - Critical", "High Threat", "Normal").
var severityWords = map[source.Severity][]string{
	source.SeverityCritical: {"critical", "urgent"},
	source.SeverityHigh:     {"high"},
	source.SeverityMedium:   {"medium", "normal"},
	source.SeverityLow:      {"low"},
	source.SeverityInfo:     {"info", "informational", "planning"},
}

// PriorityBySeverityName pairs each severity with the SLA's priority named
// after it, word for word ("P2 - High" for high), leaving out the
// severities no priority is named after: the default a person confirms.
func (s SLA) PriorityBySeverityName() map[source.Severity]int {
	out := map[source.Severity]int{}
	for _, sev := range Severities {
		for _, p := range s.Priorities {
			words := strings.FieldsFunc(strings.ToLower(p.Name), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
			if slices.ContainsFunc(words, func(w string) bool { return slices.Contains(severityWords[sev], w) }) {
				out[sev] = p.ID
				break
			}
		}
	}
	return out
}
