package gravityzone

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

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
	dec := json.NewDecoder(bytes.NewReader(b))
	var out []value
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, value{raw: raw})
	}
}

// eventsIn returns the events one top-level value carries, or why it carries none.
// One pass reads every shape's keys; a storm of pushes pays for one decode of
// the envelope, not one per shape tried.
func eventsIn(v value) ([]json.RawMessage, string) {
	if v.err != nil {
		return nil, "not JSON: " + v.err.Error()
	}
	var top struct {
		Method *string         `json:"method"`
		Params json.RawMessage `json:"params"`
		Event  json.RawMessage `json:"event"`
		Module json.RawMessage `json:"module"`
		CEF    json.RawMessage `json:"cef"`
	}
	if err := json.Unmarshal(v.raw, &top); err != nil || !bytes.HasPrefix(bytes.TrimSpace(v.raw), []byte("{")) {
		return nil, "not a JSON object"
	}
	switch {
	case top.Method != nil:
		var params struct {
			Events []json.RawMessage `json:"events"`
		}
		if len(top.Params) == 0 || json.Unmarshal(top.Params, &params) != nil {
			return nil, "a JSON-RPC call without a params.events array"
		}
		if *top.Method != "addEvents" {
			return nil, fmt.Sprintf("JSON-RPC method %q is not addEvents", *top.Method)
		}
		return params.Events, ""
	case top.Event != nil && top.Module == nil:
		return []json.RawMessage{top.Event}, ""
	case top.Module != nil:
		return []json.RawMessage{v.raw}, ""
	case top.CEF != nil:
		return nil, "the cef service type is not read: set the push service type to jsonRPC"
	}
	return nil, `an object with neither "method", "event" nor "module"`
}

// decodeEvent reads one event object, or says why it is not one.
func decodeEvent(raw json.RawMessage) (event, string) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var e map[string]any
	if err := dec.Decode(&e); err != nil || e == nil {
		return nil, "an event that is not a JSON object"
	}
	return e, ""
}
