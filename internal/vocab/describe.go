package vocab

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"halobridge/internal/source"
)

// FactConsoleAddress names the fact that carries the address of the
// source's console (GravityZone's, such as https://cloud.gravityzone.bitdefender.com)
// when halobridge knows it; with a valid incident id it gives the incident's
// link.
const FactConsoleAddress = "console_address"

// noteLabels label the notes normalisers add about an event rather than from it.
var noteLabels = map[string]string{
	"occurred_at_fallback": "Event time",
	"more_fields":          "More fields",
	source.FactCleaned:     "Text cleaned",
	"parse_error":          "Not an event",
}

// skipped are facts that say nothing to a person reading the alert: they
// repeat the type's name or are read elsewhere.
var skipped = map[string]bool{"event_name": true, FactConsoleAddress: true}

// Describe turns a into what a person reads: a headline, whether anything
// is left to do, what the product did and what to do next, and its facts
// labelled, decoded and in the type's order. Alerts of types the vocabulary
// does not know, and alerts stored under older fact names, get the same
// shape from their facts' names.
func Describe(a source.Alert) source.Description {
	t := lookup(a.Source, a.Type)
	if t == nil && a.Source == "" {
		t = lookup("", a.Type)
	}
	if t == nil {
		return describeGeneric(a)
	}
	// Alerts stored before a derived fact existed get it here.
	f := make(facts, len(a.Facts)+4)
	for k, v := range a.Facts {
		f[k] = v
	}
	for _, fact := range t.Facts {
		if fact.derive != nil && f[fact.Name] == "" {
			if v := fact.derive(f); v != "" {
				f[fact.Name] = v
			}
		}
	}
	v := t.judge(f)
	what := t.Name
	if t.what != nil {
		if s := t.what(f, a); s != "" {
			what = s
		}
	}
	d := source.Description{
		Headline:     headline(a, what),
		Outcome:      v.outcome,
		ActionNeeded: v.actionNeeded,
		Action:       v.action,
		NextStep:     v.next,
		ConsoleURL:   consoleURL(a),
	}
	listed := map[string]bool{}
	var set, unset, counts []string
	flagsAt := -1
	for _, fact := range t.Facts {
		listed[fact.Name] = true
		val := strings.TrimSpace(a.Facts[fact.Name])
		if fact.flag != "" && flagsAt < 0 && val != "" {
			flagsAt = len(d.Facts)
		}
		switch {
		case val == "" || fact.hidden:
			continue
		case fact.flag != "":
			n, ok := f.num(fact.Name)
			if fact.count && ok && n > 0 {
				counts = append(counts, fmt.Sprintf("%d %s", n, fact.flag))
			} else if !fact.count && (ok && n == 1 || val == "true") {
				set = append(set, fact.flag)
			} else if !fact.count && (ok && n == 0 || val == "false") {
				unset = append(unset, fact.flag)
			}
			continue
		case fact.link != nil:
			d.Facts = append(d.Facts, linked(fact, val)...)
			continue
		}
		if fact.decode != nil {
			val = fact.decode(val)
		}
		d.Facts = append(d.Facts, source.LabelledFact{Name: fact.Name, Label: fact.Label, Value: val})
	}
	if s := flagSentence(t, set, unset, counts); s != "" {
		// The sentence stands where the type lists its first flag.
		d.Facts = slices.Insert(d.Facts, flagsAt, source.LabelledFact{Name: "flags", Label: t.flagsLabelOr(), Value: s})
	}
	for _, name := range slices.Sorted(maps.Keys(a.Facts)) {
		if !listed[name] && !skipped[name] {
			d.Facts = appendOther(d.Facts, a, name)
		}
	}
	return d
}

func (t *Type) flagsLabelOr() string {
	if t.flagsLabel != "" {
		return t.flagsLabel
	}
	return "Details"
}

// flagSentence says the type's 0/1 flags and counters in one sentence.
// The protection modules are listed on and off; elsewhere a flag that is not
// set says nothing.
func flagSentence(t *Type, set, unset, counts []string) string {
	if t.ID == "modules" && t.Source == source.GravityZone {
		var parts []string
		if len(set) > 0 {
			parts = append(parts, "On: "+strings.Join(set, ", ")+".")
		}
		if len(unset) > 0 {
			parts = append(parts, "Off: "+strings.Join(unset, ", ")+".")
		}
		return strings.Join(parts, " ")
	}
	all := append(counts, set...)
	if len(all) == 0 {
		return ""
	}
	return capital(strings.Join(all, ", ")) + "."
}

// linked lists each id of a list such as "T1036, T1059" as its own fact,
// with a link when the id is valid.
func linked(fact Fact, val string) []source.LabelledFact {
	var out []source.LabelledFact
	for _, id := range strings.Split(val, ",") {
		if id = strings.TrimSpace(id); id != "" {
			out = append(out, source.LabelledFact{Name: fact.Name, Label: fact.Label, Value: id, Link: fact.link(id)})
		}
	}
	return out
}

// appendOther adds a fact the type's table does not list: a field of the
// event kept under its own name, or a fact stored under an older name.
func appendOther(out []source.LabelledFact, a source.Alert, name string) []source.LabelledFact {
	val := strings.TrimSpace(a.Facts[name])
	if val == "" || name == "severity" && strings.EqualFold(val, string(a.Severity)) {
		return out
	}
	l, ok := labels[name]
	if !ok {
		l, ok = noteLabels[name]
	}
	if !ok {
		l = label(name)
	}
	return append(out, source.LabelledFact{Name: name, Label: l, Value: val})
}

// headline is what happened, where and to whom.
func headline(a source.Alert, what string) string {
	h := what
	host := a.HostName
	if a.Source == source.DefensX {
		// DefensX's hostname is the site the user asked for, already in what.
		host = ""
	}
	if host != "" {
		h += " on " + host
	}
	switch {
	case a.User != "" && host != "":
		h += " (" + a.User + ")"
	case a.User != "":
		h += " for " + a.User
	}
	return h
}

// describeGeneric describes an alert of a type the vocabulary does not
// know: its title or type, then its facts labelled, the vocabulary's known
// names first in its order.
func describeGeneric(a source.Alert) source.Description {
	what := strings.TrimSpace(a.Facts["title"])
	if what == "" {
		what = words(strings.TrimPrefix(a.Type, "unknown:"))
		if what == "" {
			what = "Alert"
		}
	}
	d := source.Description{Headline: headline(a, what)}
	if title := strings.TrimSpace(a.Facts["title"]); title != "" {
		// The vendor's own title says what happened; add where and to whom
		// when it does not.
		d.Headline = title
		if a.HostName != "" && !strings.Contains(title, a.HostName) {
			d.Headline += " on " + a.HostName
		}
		if a.User != "" && !strings.Contains(d.Headline, a.User) {
			d.Headline += " (" + a.User + ")"
		}
	}
	names := slices.Collect(maps.Keys(a.Facts))
	slices.SortFunc(names, func(x, y string) int {
		rx, okx := rank[x]
		ry, oky := rank[y]
		switch {
		case x == "title":
			return -1
		case y == "title":
			return 1
		case okx && oky:
			return rx - ry
		case okx:
			return -1
		case oky:
			return 1
		}
		return strings.Compare(x, y)
	})
	for _, name := range names {
		if !skipped[name] && name != "title" {
			d.Facts = appendOther(d.Facts, a, name)
		}
	}
	return d
}

// consoleURL links a GravityZone incident in its console when the alert
// carries the console's address and the incident's id, both validated.
func consoleURL(a source.Alert) string {
	if a.Source != source.GravityZone {
		return ""
	}
	id := a.Facts["incident_id"]
	if len(id) != 24 || strings.Trim(strings.ToLower(id), "0123456789abcdef") != "" {
		return ""
	}
	u, err := url.Parse(strings.TrimSpace(a.Facts[FactConsoleAddress]))
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return ""
	}
	return "https://" + u.Host + strings.TrimSuffix(u.Path, "/") + "/#!/incidents/view/" + id
}
