package defensx

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/vocab"
)

// Webhook event names DefensX sends to the partner's endpoint.
const (
	EventUserRequestCreate = "UserRequest.Create"
	EventAgentCreate       = "Agent.Create"
	EventAgentUninstall    = "Agent.Uninstall"
	EventAgentReinstall    = "Agent.Reinstall"
	EventAgentDelete       = "Agent.Delete"
)

// WebhookEvents lists every event DefensX can send, for the admin who sets up the endpoint.
func WebhookEvents() []string {
	return []string{EventUserRequestCreate, EventAgentCreate, EventAgentUninstall, EventAgentReinstall, EventAgentDelete}
}

// Alert types this package produces.
const (
	TypeUserRequest = vocab.DefensXUserRequest
	TypeURLBlock    = vocab.DefensXURLBlock
)

// AgentEvent is an Agent.* webhook: a desktop agent was created, uninstalled, reinstalled
// or deleted. It is recorded, not ticketed.
type AgentEvent struct {
	Event        string
	AgentID      string
	DeploymentID string
	CustomerID   string
	Hostname     string
	Platform     string
	Product      string
	Version      string
	Time         time.Time
	// EventID identifies this delivery, like source.Alert.EventID.
	EventID string
	Raw     json.RawMessage
}

// MaxWebhookBytes bounds a webhook body: DefensX sends one event of a few hundred bytes
// per call, so a body this large is no DefensX webhook, and is refused before it is read
// into values.
const MaxWebhookBytes = 256 << 10

type envelope struct {
	Event   string          `json:"event"`
	Time    json.RawMessage `json:"time"`
	Payload json.RawMessage `json:"payload"`
}

// ParseWebhook reads one API callback notification, {event, time (unix seconds), payload}.
//
// UserRequest.Create becomes an alert of type user_request; its fingerprint is
// defensx:<customer>:user_request:<request id>, so one request is one ticket. Agent.* events
// come back as AgentEvents, and as the change each makes to the customer's devices
// (see AgentEvent.EndpointChange) in the Inbound's Endpoints. Any other event is kept as an alert of type unknown:<event>
// with severity info, never dropped; its customer_id may be missing (the alert then has no
// customer and lands on the partner's fallback client), and its fingerprint is the body
// hash, so each one stands on its own. The EventID of everything parsed
// is a hash of the body in canonical form, so a redelivered body is recognised whatever its
// spacing or escaping.
//
// A body over MaxWebhookBytes is refused with a *source.BodyTooLargeError before it is read.
//
// DefensX signs nothing, so header carries nothing to check; the sender is authenticated
// by the secret in the endpoint URL before this is called.
func ParseWebhook(_ http.Header, body []byte) (source.Inbound, []AgentEvent, error) {
	if len(body) > MaxWebhookBytes {
		return source.Inbound{}, nil, &source.BodyTooLargeError{Max: MaxWebhookBytes}
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return source.Inbound{}, nil, fmt.Errorf("DefensX webhook body is not a JSON object: %w", err)
	}
	if strings.TrimSpace(env.Event) == "" {
		return source.Inbound{}, nil, errors.New(`DefensX webhook body has no "event"`)
	}
	canon, raw, err := canonical(body)
	if err != nil {
		return source.Inbound{}, nil, err
	}
	eventID := "defensx:" + hash(canon)
	at, timeErr := unixTime(env.Time)

	switch env.Event {
	case EventUserRequestCreate:
		if timeErr != nil {
			return source.Inbound{}, nil, fmt.Errorf("DefensX %s webhook: %w", env.Event, timeErr)
		}
		a, err := userRequestAlert(env.Payload, at, eventID, raw)
		if err != nil {
			return source.Inbound{}, nil, err
		}
		return source.Inbound{Alerts: []source.Alert{a}}, nil, nil
	case EventAgentCreate, EventAgentUninstall, EventAgentReinstall, EventAgentDelete:
		if timeErr != nil {
			return source.Inbound{}, nil, fmt.Errorf("DefensX %s webhook: %w", env.Event, timeErr)
		}
		ev, err := agentEvent(env.Event, env.Payload, at, eventID, raw)
		if err != nil {
			return source.Inbound{}, nil, err
		}
		var in source.Inbound
		if c, ok := ev.EndpointChange(); ok {
			in.Endpoints = []source.EndpointChange{c}
		}
		return in, []AgentEvent{ev}, nil
	default:
		return source.Inbound{Alerts: []source.Alert{unknownAlert(env.Event, env.Payload, at, eventID, raw)}}, nil, nil
	}
}

// maxOtherFacts bounds the payload members the vocabulary does not name that a user
// request keeps as facts under their own names.
const maxOtherFacts = 32

// userRequestAlert reads a UserRequest.Create payload: its members become facts under the
// vocabulary's names (internal/vocab), any other scalar member under its own name.
func userRequestAlert(payload json.RawMessage, at time.Time, eventID string, raw json.RawMessage) (source.Alert, error) {
	var members map[string]json.RawMessage
	if err := decodePayload(EventUserRequestCreate, payload, &members); err != nil {
		return source.Alert{}, err
	}
	customer := scalar(members["customer_id"])
	if customer == "" {
		return source.Alert{}, fmt.Errorf("DefensX %s webhook has no payload.customer_id, so it cannot be matched to a customer", EventUserRequestCreate)
	}
	facts := map[string]string{}
	vocab.ReadFacts(source.DefensX, TypeUserRequest, func(wire string) string { return scalar(members[wire]) }, facts)
	t, _ := vocab.Lookup(source.DefensX, TypeUserRequest)
	names := make([]string, 0, len(members))
	for k := range members {
		if k != "customer_id" && !t.Wired(k) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		if _, taken := facts[k]; !taken && len(facts) < len(t.Facts)+maxOtherFacts {
			if v := scalar(members[k]); v != "" {
				facts[k] = v
			}
		}
	}
	id := facts["request_id"]
	// Without a request id the body hash is the only stable identity left.
	key := id
	if key == "" {
		key = strings.TrimPrefix(eventID, "defensx:")
	}
	return source.Alert{
		Source:      source.DefensX,
		CustomerID:  customer,
		Type:        TypeUserRequest,
		Severity:    vocab.Severity(source.DefensX, TypeUserRequest, facts, source.SeverityLow),
		HostName:    facts["hostname"],
		User:        facts["user"],
		URL:         facts["url"],
		Facts:       facts,
		OccurredAt:  at,
		Raw:         raw,
		Fingerprint: "defensx:" + customer + ":" + TypeUserRequest + ":" + key,
		EventID:     eventID,
	}, nil
}

type agentPayload struct {
	ID           json.RawMessage `json:"id"`
	DeploymentID json.RawMessage `json:"deployment_id"`
	CustomerID   json.RawMessage `json:"customer_id"`
	Platform     json.RawMessage `json:"platform"`
	Product      json.RawMessage `json:"product"`
	Hostname     json.RawMessage `json:"hostname"`
	Version      json.RawMessage `json:"version"`
}

func agentEvent(event string, payload json.RawMessage, at time.Time, eventID string, raw json.RawMessage) (AgentEvent, error) {
	var p agentPayload
	if err := decodePayload(event, payload, &p); err != nil {
		return AgentEvent{}, err
	}
	ev := AgentEvent{
		Event:        event,
		AgentID:      scalar(p.ID),
		DeploymentID: scalar(p.DeploymentID),
		CustomerID:   scalar(p.CustomerID),
		Hostname:     scalar(p.Hostname),
		Platform:     scalar(p.Platform),
		Product:      scalar(p.Product),
		Version:      scalar(p.Version),
		Time:         at,
		EventID:      eventID,
		Raw:          raw,
	}
	if ev.CustomerID == "" {
		return AgentEvent{}, fmt.Errorf("DefensX %s webhook has no payload.customer_id, so it cannot be matched to a customer", event)
	}
	return ev, nil
}

// EndpointChange is what e changes of the customer's devices, so that they
// read between syncs as the Partner API's agent list would (see
// Connector.Endpoints): Create and Reinstall make the agent's device an
// installed one, Uninstall one that is not (the list keeps an uninstalled
// agent), Delete removes it. Its OS is the platform, as the list gives it,
// or the product when the platform is missing, so that a sync does not
// rewrite it. ok is false for a change that cannot be applied, such as one
// without an agent id: the event is recorded all the same.
func (e AgentEvent) EndpointChange() (c source.EndpointChange, ok bool) {
	c = source.EndpointChange{
		Endpoint: source.Endpoint{ID: e.AgentID, CustomerID: e.CustomerID, Name: e.Hostname,
			OS: firstNonEmpty(e.Platform, e.Product), Managed: e.Event == EventAgentCreate || e.Event == EventAgentReinstall},
		Removed: e.Event == EventAgentDelete,
		At:      e.Time,
	}
	if !c.Clean() {
		return source.EndpointChange{}, false
	}
	return c, true
}

// unknownAlert keeps an event this package does not know, with the payload's scalar
// members as facts so that a person can read what it was.
func unknownAlert(event string, payload json.RawMessage, at time.Time, eventID string, raw json.RawMessage) source.Alert {
	facts := map[string]string{"event": event}
	var members map[string]json.RawMessage
	if json.Unmarshal(payload, &members) == nil {
		for k, v := range members {
			if s := scalar(v); s != "" && k != "event" {
				facts[k] = s
			}
		}
	}
	customer := facts["customer_id"]
	return source.Alert{
		Source:      source.DefensX,
		CustomerID:  customer,
		Type:        "unknown:" + event,
		Severity:    source.SeverityInfo,
		HostName:    facts["hostname"],
		URL:         facts["url"],
		Facts:       facts,
		OccurredAt:  at,
		Raw:         raw,
		Fingerprint: "defensx:" + customer + ":unknown:" + event + ":" + strings.TrimPrefix(eventID, "defensx:"),
		EventID:     eventID,
	}
}

func decodePayload(event string, payload json.RawMessage, into any) error {
	payload = bytes.TrimSpace(payload)
	if len(payload) == 0 || string(payload) == "null" {
		return fmt.Errorf("DefensX %s webhook has no payload", event)
	}
	if err := json.Unmarshal(payload, into); err != nil {
		return fmt.Errorf("DefensX %s webhook payload is not the expected object: %w", event, err)
	}
	return nil
}

// unixTime reads the envelope's time: unix seconds as a number or a numeric string.
func unixTime(raw json.RawMessage) (time.Time, error) {
	s := scalar(raw)
	if s == "" {
		return time.Time{}, errors.New(`body has no "time"`)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) || f > 1e11 {
		return time.Time{}, fmt.Errorf("time %q is not a unix timestamp in seconds", s)
	}
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64((f-sec)*1e9)).UTC(), nil
}

// canonical re-encodes a JSON body with sorted keys and Go's escaping, so that the same
// event hashes the same whatever the sender's spacing or its escaping of "/". It also
// returns the body compacted, as the alert's raw payload.
func canonical(body []byte) (canon []byte, raw json.RawMessage, err error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, nil, fmt.Errorf("DefensX webhook body is not JSON: %w", err)
	}
	canon, err = json.Marshal(v)
	if err != nil {
		return nil, nil, fmt.Errorf("re-encode DefensX webhook body: %w", err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, body); err != nil {
		return nil, nil, fmt.Errorf("DefensX webhook body is not JSON: %w", err)
	}
	return canon, buf.Bytes(), nil
}

func hash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
