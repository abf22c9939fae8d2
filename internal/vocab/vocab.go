// Package vocab is the vocabulary of every alert type halobridge knows: for
// each source and type, the facts it carries (their wire fields, names,
// labels and order), how its severity is read from the event, and how it is
// described to a person. It is pure: no I/O, no clock.
package vocab

import (
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"halobridge/internal/source"
)

// Describe turns a into what a person reads: a headline, whether anything
// is left to do, and its facts labelled, in order.
func Describe(a source.Alert) source.Description {
	d := source.Description{Headline: strings.TrimPrefix(a.Type, "unknown:")}
	if a.HostName != "" {
		d.Headline += " on " + a.HostName
	}
	for _, name := range slices.Sorted(maps.Keys(a.Facts)) {
		if v := strings.TrimSpace(a.Facts[name]); v != "" {
			d.Facts = append(d.Facts, source.LabelledFact{Name: name, Label: label(name), Value: v})
		}
	}
	return d
}

// label turns "malware_name" into "Malware name".
func label(name string) string {
	s := strings.ReplaceAll(name, "_", " ")
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
