package gravityzone

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"halobridge/internal/source"
)

const (
	// unknownPrefix marks an event of a module this catalog does not know; it is kept.
	unknownPrefix = "unknown:"
	// typeNoModule is an event object that names no module.
	typeNoModule = unknownPrefix + "no-module"
	// typeUnrecognised is a value of a pushed body that is not an event at all (not JSON,
	// not an object, not one of the wire formats); it is kept so that nothing is lost.
	typeUnrecognised = unknownPrefix + "unrecognised"
	// maxModuleName bounds the module name copied into an unknown type.
	maxModuleName = 64
	// factFallback says that OccurredAt is the receive time, and why.
	factFallback = "occurred_at_fallback"
)

// normalise turns one decoded event into an alert. It never fails: what it cannot read it
// leaves empty and says so in the facts.
func normalise(e event, raw json.RawMessage, received time.Time) source.Alert {
	module := e.text("module")
	spec, known := modules[module]
	a := source.Alert{
		Source:     source.GravityZone,
		CustomerID: e.text("companyId"),
		Type:       module,
		Severity:   spec.severity,
		HostName:   e.hostName(),
		URL:        e.text("url"),
		Facts:      map[string]string{},
		Raw:        raw,
		Test:       e.isTest(),
	}
	if ips := e.hostIPs(); len(ips) > 0 {
		a.HostIP = ips[0]
		if len(ips) > 1 {
			a.Facts["host_ips"] = strings.Join(ips, ", ")
		}
	}
	user, sid := e.user()
	a.User = user
	if sid != "" {
		a.Facts["user_sid"] = sid
	}
	times := spec.times
	if known {
		a.Facts["event_name"] = spec.display
		for _, name := range slices.Concat(commonFacts, spec.facts) {
			if v := e.text(name); v != "" {
				a.Facts[name] = v
			}
		}
		if spec.derive != nil {
			spec.derive(e, a.Facts)
		}
		if spec.rate != nil {
			a.Severity = spec.rate(e)
		}
	} else {
		a.Type = unknownType(module)
		a.Severity = source.SeverityMedium
		times = unknownTimes
		unknownFacts(e, a.Facts)
	}
	a.OccurredAt = occurredAt(e, times, received, a.Facts)
	happened := a.OccurredAt
	if _, fallback := a.Facts[factFallback]; fallback {
		// The receive time is not the event's: a redelivery must get the same
		// id, which then names the content alone.
		happened = time.Time{}
		a.Timeless = true
	}
	a.EventID = eventID(happened, canonicalEvent(e))
	var parts []string
	if known {
		parts = spec.key(e)
	} else {
		parts = []string{e.hostKey()}
	}
	if allEmpty(parts) {
		parts = []string{"event", a.EventID}
	}
	a.Fingerprint = fingerprint(a.CustomerID, a.Type, parts)
	return a
}

// maxUnknownFacts bounds the fields of an event of an unknown module kept as facts: the
// first by name; the event keeps them all in its raw payload.
const maxUnknownFacts = 64

// factMoreFields says how many fields of an unknown module's event are not facts.
const factMoreFields = "more_fields"

// unknownFacts keeps the fields of an event of a module this catalog does not know as
// facts, so that a person can read what it was.
func unknownFacts(e event, facts map[string]string) {
	names := make([]string, 0, len(e))
	for name := range e {
		if name != "module" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	kept := 0
	for _, name := range names {
		if kept == maxUnknownFacts {
			facts[factMoreFields] = fmt.Sprintf("%d more fields are in the raw payload", len(names)-kept)
			return
		}
		if s := textOf(e[name]); s != "" {
			facts[name] = s
			kept++
		}
	}
}

func unknownType(module string) string {
	if module == "" {
		return typeNoModule
	}
	if len(module) > maxModuleName {
		module = module[:maxModuleName]
	}
	return unknownPrefix + module
}

// occurredAt reads the first present time field; without a readable one the receive time
// stands in and a fact says so.
func occurredAt(e event, fields []string, received time.Time, facts map[string]string) time.Time {
	for _, name := range fields {
		v, ok := e[name]
		if !ok || textOf(v) == "" {
			continue
		}
		if t, ok := parseTimeValue(v); ok {
			return t
		}
		facts[factFallback] = fmt.Sprintf("unreadable %s %q: the time it was received is used", name, textOf(v))
		return received
	}
	facts[factFallback] = "no timestamp in the event: the time it was received is used"
	return received
}

// incidentSeverity reads new-incident's own severity; without one, its 0–100 score.
func incidentSeverity(e event) source.Severity {
	switch sev := source.Severity(strings.ToLower(e.text("severity"))); sev {
	case source.SeverityInfo, source.SeverityLow, source.SeverityMedium, source.SeverityHigh, source.SeverityCritical:
		return sev
	}
	score, err := strconv.ParseFloat(e.text("severity_score", "severityScore"), 64)
	switch {
	case err != nil:
		return source.SeverityMedium
	case score >= 70:
		return source.SeverityHigh
	case score >= 40:
		return source.SeverityMedium
	default:
		return source.SeverityLow
	}
}

// unrecognised keeps a pushed value that is not an event, with why, as an alert.
func unrecognised(raw json.RawMessage, reason string, received time.Time) source.Alert {
	id := eventID(time.Time{}, canonicalOf(raw))
	return source.Alert{
		Source:      source.GravityZone,
		Type:        typeUnrecognised,
		Severity:    source.SeverityMedium,
		Facts:       map[string]string{"parse_error": reason, factFallback: "not an event: the time it was received is used"},
		OccurredAt:  received,
		Raw:         raw,
		EventID:     id,
		Timeless:    true,
		Fingerprint: fingerprint("", typeUnrecognised, []string{"event", id}),
	}
}
