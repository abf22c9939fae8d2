// Package vocab is the vocabulary of every alert type halobridge knows: for
// each source and type, the facts it carries (their wire fields, names,
// labels and order), how its severity is read from the event, and how it is
// described to a person. The normalisers store facts under its names, title
// templates offer them as variables, and ticket bodies show them through
// Describe. It is pure: no I/O, no clock.
package vocab

import (
	"strings"

	"halobridge/internal/source"
)

// Type is one alert type of one source.
type Type struct {
	// ID is the alert type as stored ("av", "user_request").
	ID     string
	Source source.Kind
	// Name is the type's display name, as the source's console gives it.
	Name string
	// Title is the default ticket title template.
	Title string
	// Facts are the type's facts in the order a technician reads them.
	Facts []Fact
	// Base is the severity when the event says nothing that rates it.
	Base source.Severity
	// rate reads the severity from the facts; nil keeps Base.
	rate func(f facts, base source.Severity) source.Severity
	// judge says what happened and whether anything is left to do.
	judge func(f facts) verdict
	// what is the headline's first words ("Malware EICAR deleted"); nil uses Name.
	what func(f facts, a source.Alert) string
	// flagsLabel labels the sentence the type's flag facts are gathered into.
	flagsLabel string
	// wired are the wire fields its facts are read from.
	wired map[string]bool
}

// Fact is one fact of a type.
type Fact struct {
	// Name is the fact's name on the alert, snake_case: the title variable.
	Name string
	// Wire are the source's field names it is read from, the first present
	// winning; none means the fact is derived from other facts (or, for a
	// source's nested lists, filled in by its normaliser).
	Wire []string
	// Label is what the fact is called on screen.
	Label string
	// decode turns a code into words; nil shows the value as it is.
	decode func(string) string
	// link is a page about the value, built from a validated value.
	link func(string) string
	// derive computes a fact from the others (Wire is then empty).
	derive func(f facts) string
	// flag marks a 0/1 fact, shown only inside the type's one flag sentence,
	// with this text when it is set.
	flag string
	// count marks a counter among the flags, shown as "2 quarantined".
	count bool
	// hidden facts serve titles and severity but are not listed, because
	// another fact or the headline already says them.
	hidden bool
}

// facts is an alert's facts by name.
type facts map[string]string

// num is the fact as an integer; ok is false when it is not one.
func (f facts) num(name string) (n int, ok bool) {
	s := strings.TrimSpace(f[name])
	if s == "" {
		return 0, false
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for _, r := range s {
		if r < '0' || r > '9' || n > 1e9 {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// verdict is what an event means for the technician.
type verdict struct {
	outcome      string
	actionNeeded bool
	action       string
	next         string
}

// Outcomes, in the words a technician reads.
const (
	outcomePresent  = "Still present: action needed"
	outcomeBlocked  = "Blocked, nothing to do"
	outcomeResolved = "Removed, nothing to do"
	outcomeReported = "Reported only, not blocked: action needed"
	outcomeFailed   = "Failed: action needed"
	outcomeDone     = "Done, nothing to do"
)

var (
	byKey   map[string]*Type // source + "\x00" + id
	byID    map[string]*Type // first type of each id
	ordered []*Type
	// labels are the labels of every fact name in the vocabulary, for
	// alerts whose type it does not know (push API vendors name facts freely).
	labels map[string]string
	// rank orders such facts as the vocabulary orders them.
	rank map[string]int
)

func init() {
	tables := [][]Type{gravityZoneTypes(), defensXTypes()}
	byKey, byID, labels, rank = map[string]*Type{}, map[string]*Type{}, map[string]string{}, map[string]int{}
	for _, table := range tables {
		for i := range table {
			t := &table[i]
			if t.judge == nil {
				t.judge = func(facts) verdict { return verdict{} }
			}
			t.wired = map[string]bool{}
			for _, f := range t.Facts {
				for _, w := range f.Wire {
					t.wired[w] = true
				}
			}
			ordered = append(ordered, t)
			byKey[string(t.Source)+"\x00"+t.ID] = t
			if _, ok := byID[t.ID]; !ok {
				byID[t.ID] = t
			}
			for _, f := range t.Facts {
				if _, ok := labels[f.Name]; !ok {
					labels[f.Name] = f.Label
					rank[f.Name] = len(rank)
				}
			}
		}
	}
}

// Types lists every type the vocabulary knows, GravityZone modules first,
// then DefensX.
func Types() []Type {
	out := make([]Type, len(ordered))
	for i, t := range ordered {
		out[i] = *t
	}
	return out
}

// Lookup finds the type id of source kind; an empty kind finds the first
// type of that id.
func Lookup(kind source.Kind, id string) (Type, bool) {
	t := lookup(kind, id)
	if t == nil {
		return Type{}, false
	}
	return *t, true
}

func lookup(kind source.Kind, id string) *Type {
	if kind == "" {
		return byID[id]
	}
	return byKey[string(kind)+"\x00"+id]
}

// FactNames are the names of t's facts, the variables its titles may use.
func (t Type) FactNames() []string {
	out := make([]string, len(t.Facts))
	for i, f := range t.Facts {
		out[i] = f.Name
	}
	return out
}

// Wired reports whether wire is a field of t's events that a fact is read
// from.
func (t Type) Wired(wire string) bool { return t.wired[wire] }

// ReadFacts stores the facts of an event of type id from source kind into
// into, reading each from the first of its wire fields that field returns
// non-empty, then deriving the facts computed from others. It reports
// whether the vocabulary knows the type; the caller keeps the event's other
// fields under their own names.
func ReadFacts(kind source.Kind, id string, field func(wire string) string, into map[string]string) bool {
	t := lookup(kind, id)
	if t == nil {
		return false
	}
	for _, f := range t.Facts {
		for _, w := range f.Wire {
			if v := field(w); v != "" {
				into[f.Name] = v
				break
			}
		}
	}
	Derive(kind, id, into)
	return true
}

// Derive fills in the facts of type id computed from its other facts,
// for a normaliser that stored those itself.
func Derive(kind source.Kind, id string, into map[string]string) {
	t := lookup(kind, id)
	if t == nil {
		return
	}
	for _, f := range t.Facts {
		if f.derive == nil {
			continue
		}
		if v := f.derive(into); v != "" {
			into[f.Name] = v
		}
	}
}

// Severity rates an event of type id from its facts; base is the severity
// when the vocabulary does not know the type.
func Severity(kind source.Kind, id string, f map[string]string, base source.Severity) source.Severity {
	t := lookup(kind, id)
	if t == nil {
		return base
	}
	if t.rate == nil {
		return t.Base
	}
	return t.rate(f, t.Base)
}
