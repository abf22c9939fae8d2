package ticketing

import (
	"errors"
	"fmt"
	"html"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"halobridge/internal/source"
)

// Templates are plain text with {{name}} variables and nothing else: no
// conditions, no loops, no functions. Partners write them, so they must not be
// able to run logic; and alert values are attacker-controlled, so they are
// only ever substituted, never interpreted.
var (
	// ErrUnbalancedBraces reports a "{{" without "}}" or the reverse.
	ErrUnbalancedBraces = errors.New("unbalanced braces")
	// ErrUnknownVariable reports a {{name}} that is not an alert variable.
	ErrUnknownVariable = errors.New("unknown variable")
)

// baseVariables are the variables every alert has, in the order the portal
// lists them.
func baseVariables() []string {
	return []string{"report_type", "hostname", "host_ip", "user", "url", "url_domain",
		"customer", "customer_id", "type", "severity", "occurred_at", "source"}
}

// KnownVariables lists the variables a template may use for alerts of the
// given types: the base variables, then the facts of those types in
// alphabetical order. With no types it lists the facts of every known type.
func KnownVariables(types ...string) []string {
	known := KnownTypes()
	if len(types) > 0 {
		known = slices.DeleteFunc(known, func(t TypeInfo) bool { return !slices.Contains(types, t.Type) })
	}
	base := baseVariables()
	var facts []string
	for _, t := range known {
		for _, f := range t.Facts {
			if !slices.Contains(base, f) {
				facts = append(facts, f)
			}
		}
	}
	slices.Sort(facts)
	return append(base, slices.Compact(facts)...)
}

// ValidateTemplate checks that s is well formed and uses only variables known
// for the given alert types (every known type when none are given).
func ValidateTemplate(s string, types ...string) error {
	segs, err := parseTemplate(s)
	if err != nil {
		return err
	}
	known := KnownVariables(types...)
	var unknown []string
	for _, seg := range segs {
		name := "{{" + seg.text + "}}"
		if seg.isVar && !slices.Contains(known, variableName(seg.text)) && !slices.Contains(unknown, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	return fmt.Errorf("%w %s; the known variables are %s", ErrUnknownVariable,
		strings.Join(unknown, ", "), braced(known))
}

// Render fills the one-line text template s with a's values. A variable that
// is empty takes with it what only makes sense around its value: the
// brackets or quotes that enclose it ("on {{hostname}} ({{user}})" becomes
// "on PC-01", not "on PC-01 ()"), or else its connecting word ("Malware X on
// {{hostname}}" becomes "Malware X", not "Malware X on "). Whitespace and
// control characters collapse to single spaces, and invalid UTF-8 is
// replaced. A malformed template is rendered as text.
func Render(s string, a source.Alert) string {
	segs, err := parseTemplate(s)
	if err != nil {
		segs = []segment{{text: s}}
	}
	var out string
	dropLeading := false
	closing := ""
	for i, seg := range segs {
		if !seg.isVar {
			text := seg.text
			if closing != "" {
				text = strings.TrimPrefix(strings.TrimLeft(text, " \t"), closing)
				closing = ""
			}
			if dropLeading {
				text = dropFirstConnector(text)
				dropLeading = false
			}
			out += text
			continue
		}
		if v := oneLine(variable(a, variableName(seg.text))); v != "" {
			out += v
			dropLeading = false
			continue
		}
		if open, close, ok := enclosing(out, segs[i+1:]); ok {
			out = strings.TrimRight(strings.TrimSuffix(strings.TrimRight(out, " \t"), open), " \t")
			closing = close
			dropLeading = strings.TrimSpace(out) == ""
			continue
		}
		trimmed := strings.TrimRight(out, " \t")
		switch {
		case opens(trimmed):
			out = trimmed
			dropLeading = true
		case isConnector(lastWord(trimmed)):
			out = strings.TrimSuffix(trimmed, lastWord(trimmed))
		case endsWithSeparator(trimmed) && connectorOrEnd(segs[i+1:]):
			out = trimmed[:len(trimmed)-lastRuneLen(trimmed)]
		case strings.TrimSpace(out) == "":
			dropLeading = true
		}
	}
	return strings.Join(strings.Fields(oneLine(out)), " ")
}

// RenderHTML fills the HTML template s with a's values, HTML-escaped. The
// template's own markup is the partner's and is kept as it is.
func RenderHTML(s string, a source.Alert) string {
	segs, err := parseTemplate(s)
	if err != nil {
		return s
	}
	var b strings.Builder
	for _, seg := range segs {
		if seg.isVar {
			b.WriteString(html.EscapeString(strings.ToValidUTF8(variable(a, variableName(seg.text)), "\uFFFD")))
		} else {
			b.WriteString(seg.text)
		}
	}
	return b.String()
}

// segment is a run of literal text, or a variable whose raw name is text.
type segment struct {
	text  string
	isVar bool
}

func parseTemplate(s string) ([]segment, error) {
	var segs []segment
	for offset := 0; offset < len(s); {
		rest := s[offset:]
		open, closing := strings.Index(rest, "{{"), strings.Index(rest, "}}")
		if closing >= 0 && (open < 0 || closing < open) {
			return nil, fmt.Errorf(`%w: "}}" at character %d has no "{{" before it`, ErrUnbalancedBraces, charPos(s, offset+closing))
		}
		if open < 0 {
			segs = append(segs, segment{text: rest})
			break
		}
		if open > 0 {
			segs = append(segs, segment{text: rest[:open]})
		}
		body := rest[open+2:]
		end := strings.Index(body, "}}")
		if end < 0 {
			return nil, fmt.Errorf(`%w: "{{" at character %d is never closed`, ErrUnbalancedBraces, charPos(s, offset+open))
		}
		if strings.Contains(body[:end], "{{") {
			return nil, fmt.Errorf(`%w: "{{" at character %d is not closed before the next "{{"`, ErrUnbalancedBraces, charPos(s, offset+open))
		}
		segs = append(segs, segment{text: body[:end], isVar: true})
		offset += open + 2 + end + 2
	}
	return segs, nil
}

// charPos is the 1-based character position of byte offset i, as a person
// counts it.
func charPos(s string, i int) int { return utf8.RuneCountInString(s[:i]) + 1 }

// variableName lets {{ Hostname }} mean {{hostname}}.
func variableName(raw string) string { return strings.ToLower(strings.TrimSpace(raw)) }

func braced(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "{{" + n + "}}"
	}
	return strings.Join(out, ", ")
}

// variable is the value of one variable for a; facts answer every name that
// is not a base variable.
func variable(a source.Alert, name string) string {
	switch name {
	case "report_type":
		return reportType(a)
	case "hostname":
		return a.HostName
	case "host_ip":
		return a.HostIP
	case "user":
		return a.User
	case "url":
		return a.URL
	case "url_domain":
		return urlDomain(a.URL)
	case "customer":
		// Alerts carry the customer's id; connectors add its name as a fact
		// when the source sends one, and Names.Apply the name the source's
		// catalog holds.
		if n := a.Facts["customer_name"]; n != "" {
			return n
		}
		return a.CustomerID
	case "customer_id":
		return a.CustomerID
	case "type":
		return a.Type
	case "severity":
		return string(a.Severity)
	case "occurred_at":
		if a.OccurredAt.IsZero() {
			return ""
		}
		return formatTime(a.OccurredAt)
	case "source":
		return sourceName(a.Source)
	}
	return a.Facts[name]
}

// reportType names what happened: the source's report type (DefensX sends
// "url_block", shown as "URL Block"), else the type's display name.
func reportType(a source.Alert) string {
	if f := a.Facts["report_type"]; f != "" {
		return humanize(f)
	}
	if t, ok := typeInfo(a.Type); ok {
		return t.Name
	}
	return strings.TrimPrefix(a.Type, "unknown:")
}

// humanize turns a wire value such as "url_block" into "URL Block"; text that
// already reads as words is left alone.
func humanize(v string) string {
	words := strings.FieldsFunc(v, func(r rune) bool { return r == '_' || r == '-' })
	for i, w := range words {
		for _, r := range w {
			if !unicode.IsLower(r) && !unicode.IsDigit(r) {
				return v
			}
		}
		switch w {
		case "url", "dns", "ip", "edr", "av", "usb", "vpn":
			words[i] = strings.ToUpper(w)
		default:
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	if len(words) == 0 {
		return v
	}
	return strings.Join(words, " ")
}

func urlDomain(raw string) string {
	raw = strings.TrimSpace(raw)
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return strings.ToLower(u.Hostname())
	}
	if raw == "" || strings.Contains(raw, "://") {
		return ""
	}
	// "monster.com/path" has no scheme, so its host reads as a path.
	u, err := url.Parse("//" + raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

func sourceName(k source.Kind) string {
	switch k {
	case source.GravityZone:
		return "GravityZone"
	case source.DefensX:
		return "DefensX"
	case source.Push:
		return "the push API"
	}
	return string(k)
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// oneLine makes a value safe for a one-line title: valid UTF-8, and no line
// breaks or other control characters that would let an alert forge lines.
func oneLine(v string) string {
	v = strings.ToValidUTF8(v, "\uFFFD")
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, v))
}

// isConnector reports whether w is a word that only makes sense with the
// value after it.
func isConnector(w string) bool {
	switch strings.ToLower(w) {
	case "on", "to", "for", "from", "in", "at", "by", "of", "via", "with", "and", "or":
		return true
	}
	return false
}

func lastWord(s string) string {
	if i := strings.LastIndexAny(s, " \t"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// separators join the parts of a title and mean nothing on their own.
const separators = ":-–—|,/"

func endsWithSeparator(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return strings.ContainsRune(separators, r)
}

func lastRuneLen(s string) int {
	_, n := utf8.DecodeLastRuneInString(s)
	return n
}

// brackets pair each opening bracket or quote with the one that closes it.
var brackets = [][2]string{{"(", ")"}, {"[", "]"}, {"{", "}"}, {"<", ">"}, {"\"", "\""}, {"'", "'"}, {"«", "»"}, {"“", "”"}}

// enclosing reports whether an empty variable sits between an opening
// bracket or quote that ends out and its closing one that starts the text
// after it, so that the pair has nothing left to enclose.
func enclosing(out string, after []segment) (open, close string, ok bool) {
	if len(after) == 0 || after[0].isVar {
		return "", "", false
	}
	before := strings.TrimRight(out, " \t")
	next := strings.TrimLeft(after[0].text, " \t")
	for _, b := range brackets {
		if strings.HasSuffix(before, b[0]) && strings.HasPrefix(next, b[1]) {
			return b[0], b[1], true
		}
	}
	return "", "", false
}

// connectorOrEnd reports whether the text after an empty variable is the end
// of the template or starts with a connecting word, in which case a separator
// before the variable ("incident: {{name}} on host") has nothing to separate.
func connectorOrEnd(after []segment) bool {
	if len(after) == 0 {
		return true
	}
	if after[0].isVar {
		return false
	}
	fields := strings.Fields(after[0].text)
	if len(fields) == 0 {
		return len(after) == 1
	}
	return isConnector(fields[0])
}

// dropFirstConnector removes the separator or connecting word that followed
// an empty variable at the start of the template.
func dropFirstConnector(s string) string {
	trimmed := strings.TrimLeft(s, " \t"+separators)
	fields := strings.Fields(trimmed)
	if len(fields) == 0 || !isConnector(fields[0]) {
		return trimmed
	}
	return strings.TrimLeft(strings.TrimPrefix(trimmed, fields[0]), " \t")
}

// opens reports whether s ends with an opening bracket or quote, after
// which, as at the start of a title, a connecting word has nothing to
// connect.
func opens(s string) bool {
	for _, b := range brackets {
		if b[0] != b[1] && strings.HasSuffix(s, b[0]) {
			return true
		}
	}
	return false
}
