package gravityzone

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"halobridge/internal/jsonread"
	"halobridge/internal/source"
)

// expectedBody is what a push must look like, for error messages.
const expectedBody = `expected a GravityZone push: a jsonRPC body {"jsonrpc":"2.0","method":"addEvents","params":{"events":[...]}}, ` +
	`splunk lines {"event":{...}}, or qradar lines of bare event objects with a "module"`

// ParsePush reads one request of the Event Push Service, received now, carrying at most
// source.DefaultMaxEvents events. See ParsePushAt.
func ParsePush(header http.Header, body []byte) (source.Inbound, error) {
	return ParsePushAt(header, body, time.Now().UTC(), source.DefaultMaxEvents)
}

// ParsePushAt reads one request of the Event Push Service in any of the jsonRPC, splunk and
// qradar service types, recognised from the body itself (the header is not needed: the
// sender was authenticated before). Every event becomes one alert, received standing in for
// events that carry no readable time. A value of the body that is an object but not an
// event, or a line that is not JSON, is kept as an alert of type "unknown:unrecognised"
// with the reason in its facts, so one bad event never loses the others; a body with no
// event at all is an error.
//
// The body is refused whole, before any event is decoded, when it carries more than
// maxEvents events (a *source.TooManyEventsError) or an event that is not a JSON object
// (a number, a string, an array), and as soon as it is reached when an event holds more
// than maxEventValues values: such a body is no GravityZone push, and keeping each of its
// millions of tiny values would cost gigabytes.
func ParsePushAt(_ http.Header, body []byte, received time.Time, maxEvents int) (source.Inbound, error) {
	values, err := splitValues(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), maxEvents)
	if errors.Is(err, errTooMany) {
		return source.Inbound{}, &source.TooManyEventsError{Max: maxEvents}
	}
	var events []json.RawMessage
	var strays []value
	var firstReason string
	for i, v := range values {
		found, reason, err := eventsIn(v, i, len(values), maxEvents-len(events)-len(strays))
		if errors.Is(err, errTooMany) {
			return source.Inbound{}, &source.TooManyEventsError{Max: maxEvents}
		}
		if err != nil {
			return source.Inbound{}, err
		}
		if reason != "" {
			if firstReason == "" {
				firstReason = reason
			}
			v.reason = reason
			strays = append(strays, v)
			continue
		}
		events = append(events, found...)
	}
	switch {
	case len(values) == 0:
		return source.Inbound{}, errors.New("empty push body: " + expectedBody)
	case len(events) == 0 && len(strays) > 0:
		return source.Inbound{}, fmt.Errorf("%s; this one: %s", expectedBody, firstReason)
	}
	in := source.Inbound{Alerts: make([]source.Alert, 0, len(events)+len(strays))}
	var scratch []byte
	for i, raw := range events {
		e, reason, err := decodeEvent(raw, i)
		if err != nil {
			return source.Inbound{}, err
		}
		if reason != "" {
			in.Alerts = append(in.Alerts, unrecognised(raw, reason, received))
			continue
		}
		in.Alerts = append(in.Alerts, normalise(e, raw, received, &scratch))
	}
	for _, v := range strays {
		in.Alerts = append(in.Alerts, unrecognised(v.json(), v.reason, received))
	}
	return in, nil
}

// value is one top-level JSON value of a body, or a line that is not JSON (raw is then the
// line, and err why).
type value struct {
	raw    json.RawMessage
	err    error
	reason string
}

// json is the value as JSON: a line that is not JSON as a JSON string. It is made only
// for a line that is kept, so a refused body of broken lines costs no copies.
func (v value) json() json.RawMessage {
	if v.err == nil {
		return v.raw
	}
	quoted, _ := json.Marshal(string(v.raw))
	return quoted
}

// errTooMany says that a push carries more events than it may.
var errTooMany = errors.New("too many events")

// splitValues cuts a body into its JSON values: one jsonRPC object, or splunk and qradar
// objects one per line or concatenated. When the body as a whole does not read, it is read
// line by line so that one broken line costs only itself. More than maxEvents values is
// refused as it is counted (errTooMany), before the rest of the body is looked at.
func splitValues(body []byte, maxEvents int) ([]value, error) {
	vals, err := decodeAll(body, nil, maxEvents)
	if err == nil || errors.Is(err, errTooMany) {
		return vals, err
	}
	var out []value
	for rest := body; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if out, err = decodeAll(line, out, maxEvents); err != nil {
			if errors.Is(err, errTooMany) || len(out) >= maxEvents {
				return nil, errTooMany
			}
			out = append(out, value{raw: line, err: err})
		}
	}
	return out, nil
}

// decodeAll appends to out the consecutive JSON values of b, returning those read before
// any error; more than max values in out is errTooMany.
func decodeAll(b []byte, out []value, max int) ([]value, error) {
	for {
		// JSON's whitespace; what is left after it is the next value.
		rest := bytes.TrimLeft(b, " \t\r\n")
		if len(rest) == 0 {
			return out, nil
		}
		if len(out) >= max {
			return out, errTooMany
		}
		end, err := jsonread.Skip(rest, 0)
		if err != nil {
			return out, err
		}
		out = append(out, value{raw: rest[:end:end]})
		b = rest[end:]
	}
}

// envelope holds the members of a top-level value that say which wire format it is. As
// encoding/json would, keys match whatever their case, the last of a repeated key wins,
// and a null is as good as absent for method.
type envelope struct {
	method, params, event, module, cef []byte
}

func readEnvelope(raw []byte) (envelope, error) {
	var top envelope
	err := jsonread.Members(raw, func(key string, v []byte) bool {
		switch {
		case strings.EqualFold(key, "method"):
			top.method = v
		case strings.EqualFold(key, "params"):
			top.params = v
		case strings.EqualFold(key, "event"):
			top.event = v
		case strings.EqualFold(key, "module"):
			top.module = v
		case strings.EqualFold(key, "cef"):
			top.cef = v
		}
		return true
	})
	if string(top.method) == "null" {
		top.method = nil
	}
	return top, err
}

// eventsIn returns the events the value at index i of n top-level values carries, or why
// it carries none; room is how many more events the push may carry. A value that is no
// object, or an event in it that is no object, refuses the whole push: an error.
// One pass reads the envelope's keys; the events themselves are only delimited here, and
// read once each, by decodeEvent.
func eventsIn(v value, i, n, room int) ([]json.RawMessage, string, error) {
	if v.err != nil {
		return nil, "not JSON: " + v.err.Error(), nil
	}
	if v.raw[0] != '{' {
		where := "the body"
		if n > 1 {
			where = fmt.Sprintf("value %d of the body", i+1)
		}
		return nil, "", notAnObject(where, v.raw)
	}
	top, err := readEnvelope(v.raw)
	if err != nil {
		return nil, "not a JSON object", nil
	}
	switch {
	case top.method != nil:
		m, _ := jsonread.Decode(top.method)
		method, isString := m.(string)
		if !isString {
			// encoding/json could not read such an envelope at all.
			return nil, "not a JSON object", nil
		}
		events, ok, err := paramsEvents(top.params, room)
		if err != nil {
			return nil, "", err
		}
		if !ok {
			return nil, "a JSON-RPC call without a params.events array", nil
		}
		if method != "addEvents" {
			return nil, fmt.Sprintf("JSON-RPC method %q is not addEvents", method), nil
		}
		return events, "", nil
	case top.event != nil && top.module == nil:
		if top.event[0] != '{' {
			return nil, "", notAnObject("the splunk event", top.event)
		}
		return []json.RawMessage{top.event}, "", nil
	case top.module != nil:
		return []json.RawMessage{v.raw}, "", nil
	case top.cef != nil:
		return nil, "the cef service type is not read: set the push service type to jsonRPC", nil
	}
	return nil, `an object with neither "method", "event" nor "module"`, nil
}

// notAnObject refuses a push for a value where an event object belongs.
func notAnObject(where string, v []byte) error {
	kind := "an array"
	switch c := v[0]; {
	case c == '"':
		kind = "a string"
	case c == 't' || c == 'f':
		kind = "true or false"
	case c == 'n':
		kind = "null"
	case c == '-' || '0' <= c && c <= '9':
		kind = "a number"
	}
	return fmt.Errorf("%s is %s, not a JSON object: %s; nothing of this push was stored", where, kind, expectedBody)
}

// paramsEvents returns the events of a JSON-RPC call's params: an object whose "events"
// is an array (a null params or events holds none); ok is false for any other shape. An
// event that is not an object, or more than room of them (errTooMany), refuses the push:
// they are counted and looked at as the array is read, before any is kept.
func paramsEvents(params []byte, room int) (events []json.RawMessage, ok bool, err error) {
	if params == nil {
		return nil, false, nil
	}
	if string(params) == "null" {
		return nil, true, nil
	}
	var list []byte
	if jsonread.Members(params, func(key string, v []byte) bool {
		if strings.EqualFold(key, "events") {
			list = v
		}
		return true
	}) != nil {
		return nil, false, nil
	}
	if list == nil || string(list) == "null" {
		return nil, true, nil
	}
	if list[0] != '[' {
		return nil, false, nil
	}
	var refused error
	err = jsonread.Elements(list, func(ev []byte) bool {
		switch {
		case len(events) >= room:
			refused = errTooMany
		case ev[0] != '{':
			refused = notAnObject(fmt.Sprintf("params.events[%d]", len(events)), ev)
		default:
			events = append(events, ev)
			return true
		}
		return false
	})
	if refused != nil {
		return nil, false, refused
	}
	return events, err == nil, nil
}

// maxEventValues bounds the values of one event (every string, number, object, array…):
// GravityZone's hold a few dozen. An event of more refuses its push as soon as the value
// past the bound is reached, so a 10 MiB event of a million tiny fields costs no more than
// its first thousand to refuse.
const maxEventValues = 1000

// decodeEvent reads one event object, or says why it is not one; an event of more than
// maxEventValues values, at index i of the push, refuses the push: an error.
func decodeEvent(raw json.RawMessage, i int) (event, string, error) {
	v, _, err := jsonread.DecodeAtMost(raw, maxEventValues)
	if errors.Is(err, jsonread.ErrTooManyValues) {
		return nil, "", fmt.Errorf("event %d holds more than %d values, far more than any GravityZone event: %s; nothing of this push was stored",
			i, maxEventValues, expectedBody)
	}
	e, ok := v.(map[string]any)
	if err != nil || !ok {
		return nil, "an event that is not a JSON object", nil
	}
	return e, "", nil
}
