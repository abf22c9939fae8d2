package gravityzone

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"halobridge/internal/jsonread"
	"halobridge/internal/source"
	"halobridge/internal/vocab"
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
// leaves empty and says so in the facts. Every field of the event is kept: the endpoint,
// company and user on the alert itself, the module's fields as facts under the
// vocabulary's names (internal/vocab), and any other field as a fact under its own name.
// scratch is room the event's canonical JSON is written in, reused from one event of a
// push to the next.
func normalise(e event, raw json.RawMessage, received time.Time, scratch *[]byte) source.Alert {
	module := e.text("module")
	spec, known := modules[module]
	t, described := vocab.Lookup(source.GravityZone, module)
	a := source.Alert{
		Source:     source.GravityZone,
		CustomerID: e.text("companyId"),
		Type:       module,
		HostName:   e.hostName(),
		URL:        e.text("url"),
		// Nearly every field becomes a fact: sized for them, the map is not grown
		// and copied on the way.
		Facts: make(map[string]string, len(e)+2),
		Raw:   raw,
		Test:  e.isTest(),
	}
	var used claimed
	for _, name := range []string{"module", "companyId", "_testEvent_", "url"} {
		used.set(name, true)
	}
	for _, name := range []string{"computer_name", "computerName", "host_name"} {
		used.set(name, e.text(name) == a.HostName)
	}
	for _, name := range []string{"computer_ip", "computerIp"} {
		used.set(name, e.text(name) == e.text("computer_ip", "computerIp"))
	}
	if ips := e.hostIPs(); len(ips) > 0 {
		a.HostIP = ips[0]
		if len(ips) > 1 {
			a.Facts["host_ips"] = strings.Join(ips, ", ")
		}
	}
	a.User = readUser(e, a.Facts, &used)
	times := spec.times
	if !known {
		a.Type = unknownType(module)
		times = unknownTimes
	}
	if known && spec.derive != nil {
		spec.derive(e, a.Facts)
		used.set("malware", module == "exchange-malware")
	}
	if described {
		a.Facts["event_name"] = t.Name
		vocab.ReadFacts(source.GravityZone, module, func(wire string) string { return e.text(wire) }, a.Facts)
	}
	keepOthers(e, a.Facts, func(name string) bool { return used.has(name) || described && t.Wired(name) })
	a.Severity = vocab.Severity(source.GravityZone, a.Type, a.Facts, source.SeverityMedium)
	a.OccurredAt = occurredAt(e, times, received, a.Facts)
	happened := a.OccurredAt
	if _, fallback := a.Facts[factFallback]; fallback {
		// The receive time is not the event's: a redelivery must get the same
		// id, which then names the content alone.
		happened = time.Time{}
		a.Timeless = true
	}
	// The decoded map gives the canonical JSON (as canonicalOf would) without
	// reading the event a second time.
	*scratch = jsonread.AppendCanonical((*scratch)[:0], map[string]any(e))
	a.EventID = eventID(happened, *scratch)
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

// readUser reads the end user in any of the shapes the modules use (user{name|userName,
// sid|userSid, id}, username, detection_username, user_sid) and keeps the rest of a user
// object as user_<field> facts.
func readUser(e event, facts map[string]string, used *claimed) string {
	name, sid := e.user()
	for _, field := range []string{"username", "detection_username", "user_sid"} {
		v := e.text(field)
		used.set(field, v == "" || v == name || v == sid)
	}
	if sid != "" {
		facts["user_sid"] = sid
	}
	u, isObject := e["user"].(map[string]any)
	used.set("user", isObject || e["user"] == nil)
	for k, v := range u {
		s := textOf(v)
		switch {
		case s == "" || s == name || s == sid:
		case k == "id":
			facts["user_id"] = s
		default:
			facts["user_"+k] = s
		}
	}
	return name
}

// claimed says which of the fields normalise reads for itself (the
// module, the company, the endpoint, the user…) it has kept elsewhere, so
// that they are not kept again as facts under their own names. It is a
// set of a few fixed names, checked once for every field of every event:
// no map to make for each.
type claimed struct{ fields [len(claimable)]bool }

// claimable are the fields claimed can hold.
var claimable = [...]string{"module", "companyId", "_testEvent_", "url", "computer_name", "computerName", "host_name",
	"computer_ip", "computerIp", "username", "detection_username", "user_sid", "user", "malware"}

// set says whether the field name is kept elsewhere; name must be claimable.
func (c *claimed) set(name string, kept bool) {
	i := slices.Index(claimable[:], name)
	if i < 0 {
		panic("gravityzone: " + name + " is not claimable")
	}
	c.fields[i] = kept
}

// has reports whether the field name is kept elsewhere.
func (c *claimed) has(name string) bool {
	i := slices.Index(claimable[:], name)
	return i >= 0 && c.fields[i]
}

// maxOtherFacts bounds the fields of an event kept as facts under their own names (those
// its module's vocabulary does not name, or every field of an unknown module): the first
// by name; the event keeps them all in its raw payload.
const maxOtherFacts = 64

// factMoreFields says how many fields of an event are not facts.
const factMoreFields = "more_fields"

// keepOthers keeps the fields of e that used does not claim as facts under their own
// names, so that a person can read everything the event said. A name a fact already
// holds is kept as wire_<name>.
func keepOthers(e event, facts map[string]string, used func(name string) bool) {
	names := make([]string, 0, len(e))
	for name := range e {
		if !used(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	kept := 0
	for i, name := range names {
		s := textOf(e[name])
		if s == "" {
			continue
		}
		if kept == maxOtherFacts {
			facts[factMoreFields] = fmt.Sprintf("%d more fields are in the raw payload", len(names)-i)
			return
		}
		if _, taken := facts[name]; taken {
			name = "wire_" + name
		}
		facts[name] = s
		kept++
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
