package ticketing

import (
	"strings"
	"unicode/utf16"

	"halobridge/internal/source"
)

// MaxSummaryLength caps ticket titles. HaloPSA does not document its summary
// limit; 250 characters (counted as UTF-16 units, as HaloPSA's .NET and SQL
// Server count them) stays clear of the usual column sizes.
const MaxSummaryLength = 250

// unmappedPrefix marks tickets raised on the fallback client.
const unmappedPrefix = "[Unmapped] "

// Title renders the ticket title for a: the template, or the type's default
// title when the template is blank or renders to nothing, capped at
// MaxSummaryLength.
func Title(template string, a source.Alert) string {
	out := Render(template, a)
	if out == "" {
		// Every default title has words of its own, so it never renders empty.
		out = Render(DefaultTitle(a.Type), a)
	}
	return capSummary(out)
}

// capSummary shortens s to MaxSummaryLength, ending with an ellipsis when it
// had to cut.
func capSummary(s string) string {
	if utf16Len(s) <= MaxSummaryLength {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		w := utf16.RuneLen(r)
		if n+w > MaxSummaryLength-1 {
			break
		}
		b.WriteRune(r)
		n += w
	}
	return strings.TrimRight(b.String(), " ") + "…"
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
