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

// ParsePush reads one request of the Event Push Service, received now. See ParsePushAt.
func ParsePush(header http.Header, body []byte) (source.Inbound, error) {
	return ParsePushAt(header, body, time.Now().UTC())
}

// ParsePushAt reads one request of the Event Push Service in any of the jsonRPC, splunk and
// qradar service types, recognised from the body itself (the header is not needed: the
// sender was authenticated before). Every event becomes one alert, received standing in for
// events that carry no readable time. A value of the body that is not an event is kept as an
// alert of type "unknown:unrecognised" with the reason in its facts, so one bad event never
// loses the others; only a body with no event at all is an error.
func ParsePushAt(_ http.Header, body []byte, received time.Time) (source.Inbound, error) {
	values := splitValues(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	var events []json.RawMessage
	var strays []source.Alert
	var firstReason string
	for _, v := range values {
		found, reason := eventsIn(v)
		if reason != "" {
			if firstReason == "" {
				firstReason = reason
			}
			strays = append(strays, unrecognised(v.raw, reason, received))
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
	for _, raw := range events {
		e, reason := decodeEvent(raw)
		if reason != "" {
			in.Alerts = append(in.Alerts, unrecognised(raw, reason, received))
			continue
		}
		in.Alerts = append(in.Alerts, normalise(e, raw, received))
	}
	in.Alerts = append(in.Alerts, strays...)
	return in, nil
}

// value is one top-level JSON value of a body, or a line that is not JSON (raw is then the
// line as a JSON string, and err why).
type value struct {
	raw json.RawMessage
	err error
}

// splitValues cuts a body into its JSON values: one jsonRPC object, or splunk and qradar
// objects one per line or concatenated. When the body as a whole does not read, it is read
// line by line so that one broken line costs only itself.
func splitValues(body []byte) []value {
	if vals, err := decodeAll(body); err == nil {
		return vals
	}
	var out []value
	for _, line := range bytes.Split(body, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		vals, err := decodeAll(line)
		out = append(out, vals...)
		if err != nil {
			quoted, _ := json.Marshal(string(line))
			out = append(out, value{raw: quoted, err: err})
		}
	}
	return out
}

// decodeAll reads consecutive JSON values, returning those read before any error.
func decodeAll(b []byte) ([]value, error) {
	var out []value
	for {
		// JSON's whitespace; what is left after it is the next value.
		rest := bytes.TrimLeft(b, " \t\r\n")
		if len(rest) == 0 {
			return out, nil
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

// eventsIn returns the events one top-level value carries, or why it carries none.
// One pass reads the envelope's keys; the events themselves are only delimited here, and
// read once each, by decodeEvent.
func eventsIn(v value) ([]json.RawMessage, string) {
	if v.err != nil {
		return nil, "not JSON: " + v.err.Error()
	}
	top, err := readEnvelope(v.raw)
	if err != nil {
		return nil, "not a JSON object"
	}
	switch {
	case top.method != nil:
		m, _ := jsonread.Decode(top.method)
		method, isString := m.(string)
		if !isString {
			// encoding/json could not read such an envelope at all.
			return nil, "not a JSON object"
		}
		events, ok := paramsEvents(top.params)
		if !ok {
			return nil, "a JSON-RPC call without a params.events array"
		}
		if method != "addEvents" {
			return nil, fmt.Sprintf("JSON-RPC method %q is not addEvents", method)
		}
		return events, ""
	case top.event != nil && top.module == nil:
		return []json.RawMessage{top.event}, ""
	case top.module != nil:
		return []json.RawMessage{v.raw}, ""
	case top.cef != nil:
		return nil, "the cef service type is not read: set the push service type to jsonRPC"
	}
	return nil, `an object with neither "method", "event" nor "module"`
}

// paramsEvents returns the events of a JSON-RPC call's params: an object whose "events"
// is an array (a null params or events holds none); ok is false for any other shape.
func paramsEvents(params []byte) (events []json.RawMessage, ok bool) {
	if params == nil {
		return nil, false
	}
	if string(params) == "null" {
		return nil, true
	}
	var list []byte
	err := jsonread.Members(params, func(key string, v []byte) bool {
		if strings.EqualFold(key, "events") {
			list = v
		}
		return true
	})
	if err != nil {
		return nil, false
	}
	if list == nil || string(list) == "null" {
		return nil, true
	}
	err = jsonread.Elements(list, func(ev []byte) bool {
		events = append(events, ev)
		return true
	})
	return events, err == nil
}

// decodeEvent reads one event object, or says why it is not one.
func decodeEvent(raw json.RawMessage) (event, string) {
	v, err := jsonread.Decode(raw)
	e, ok := v.(map[string]any)
	if err != nil || !ok {
		return nil, "an event that is not a JSON object"
	}
	return e, ""
}
