package push

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode"

	"halobridge/internal/jsonread"
	"halobridge/internal/source"
)

type alertItem struct {
	ID         string          `json:"id"`
	CustomerID string          `json:"customer_id"`
	Type       string          `json:"type"`
	Severity   string          `json:"severity"`
	Title      string          `json:"title"`
	HostName   string          `json:"host_name"`
	HostIP     string          `json:"host_ip"`
	User       string          `json:"user"`
	URL        string          `json:"url"`
	OccurredAt string          `json:"occurred_at"`
	Facts      json.RawMessage `json:"facts"`
	DedupKey   string          `json:"dedup_key"`
	Test       bool            `json:"test"`
}

// Limits of an alert's facts.
const (
	maxFacts        = 100
	maxFactKeyLen   = 64
	maxFactValueLen = 4000
)

// validType keeps alert types to words that are safe in titles, filters and URLs: a letter
// or digit, then letters, digits and _ . : -.
func validType(t string) bool {
	for i, r := range t {
		alnum := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !alnum && (i == 0 || !strings.ContainsRune("_.:-", r)) {
			return false
		}
	}
	return t != ""
}

// ParseAlerts reads the body of POST /api/push/v1/alerts: one alert object, or
// {"alerts":[...]} with up to MaxItems of them.
//
// Re-posting an alert is safe: its EventID is push:<customer_id>:alert:<id>, from the
// vendor's own id, so the store recognises it. Its Fingerprint, which decides the ticket,
// is push:<customer_id>:key:<dedup_key> when dedup_key is given (alerts sharing it share a
// ticket) and push:<customer_id>:alert:<id> otherwise (one ticket per alert). A title, which
// source.Alert has no field for, is kept as the fact "title", replacing any fact of that
// name.
func ParseAlerts(body []byte) ([]source.Alert, error) {
	out, err := parseAlerts(body)
	return out, asError(err)
}

func parseAlerts(body []byte) ([]source.Alert, *Error) {
	if err := checkBody(body); err != nil {
		return nil, err
	}
	// The body's members are looked at where they lie: a body of millions of them
	// costs nothing to refuse.
	var batch json.RawMessage
	var other string
	if jsonread.Members(body, func(key string, v []byte) bool {
		switch {
		case key == "alerts":
			batch = v
		case other == "":
			other = key
		}
		return true
	}) != nil {
		return nil, &Error{Code: CodeInvalidJSON, Message: `the body must be one alert object or {"alerts":[...]}`}
	}
	if batch == nil {
		a, err := parseAlert(body, "")
		if err != nil {
			return nil, err
		}
		return []source.Alert{a}, nil
	}
	if other != "" {
		return nil, fieldError(CodeUnknownField, other, `is not a field of a batch, which holds only "alerts"`)
	}
	items, err := list(batch, "alerts")
	if err != nil {
		return nil, err
	}
	out := make([]source.Alert, 0, len(items))
	seen := map[string]int{}
	for i, raw := range items {
		at := fmt.Sprintf("alerts[%d]", i)
		a, err := parseAlert(raw, at)
		if err != nil {
			return nil, err
		}
		if j, dup := seen[a.EventID]; dup {
			return nil, fieldError(CodeDuplicate, at+".id", "repeats alerts[%d].id for the same customer", j)
		}
		seen[a.EventID] = i
		out = append(out, a)
	}
	return out, nil
}

func parseAlert(raw json.RawMessage, at string) (source.Alert, *Error) {
	f := func(name string) string { return join(at, name) }
	if err := countFacts(raw, f("facts")); err != nil {
		return source.Alert{}, err
	}
	var it alertItem
	if err := decodeStrict(raw, at, &it); err != nil {
		return source.Alert{}, err
	}
	id, e1 := text(f("id"), it.ID, 200, true)
	customer, e2 := text(f("customer_id"), it.CustomerID, 200, true)
	typ, e3 := text(f("type"), it.Type, 64, true)
	severity, e4 := text(f("severity"), it.Severity, 16, true)
	title, e5 := text(f("title"), it.Title, 250, false)
	host, e6 := text(f("host_name"), it.HostName, 253, false)
	ip, e7 := text(f("host_ip"), it.HostIP, 64, false)
	user, e8 := text(f("user"), it.User, 200, false)
	link, e9 := text(f("url"), it.URL, 2048, false)
	occurred, e10 := text(f("occurred_at"), it.OccurredAt, 64, true)
	dedup, e11 := text(f("dedup_key"), it.DedupKey, 200, false)
	if err := firstError(e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11); err != nil {
		return source.Alert{}, err
	}
	if !validType(typ) {
		return source.Alert{}, fieldError(CodeInvalidValue, f("type"), "%q may hold only letters, digits and _ . : -", typ)
	}
	sev, err := severityOf(f("severity"), severity)
	if err != nil {
		return source.Alert{}, err
	}
	if ip != "" {
		if _, perr := netip.ParseAddr(ip); perr != nil {
			return source.Alert{}, fieldError(CodeInvalidValue, f("host_ip"), "%q is not an IPv4 or IPv6 address", ip)
		}
	}
	if link != "" {
		if _, perr := url.Parse(link); perr != nil {
			return source.Alert{}, fieldError(CodeInvalidValue, f("url"), "is not a URL")
		}
	}
	when, perr := time.Parse(time.RFC3339Nano, occurred)
	if perr != nil {
		return source.Alert{}, fieldError(CodeInvalidValue, f("occurred_at"), "%q is not an RFC 3339 time such as 2026-03-14T09:26:53Z", occurred)
	}
	facts, ferr := factsOf(f("facts"), it.Facts)
	if ferr != nil {
		return source.Alert{}, ferr
	}
	if title != "" {
		if facts == nil {
			facts = map[string]string{}
		}
		facts["title"] = title
	}
	fingerprint := "push:" + customer + ":alert:" + id
	if dedup != "" {
		fingerprint = "push:" + customer + ":key:" + dedup
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return source.Alert{}, fieldError(CodeInvalidJSON, orBody(at), "is not valid JSON")
	}
	return source.Alert{
		Source:      source.Push,
		CustomerID:  customer,
		Type:        typ,
		Severity:    sev,
		HostName:    host,
		HostIP:      ip,
		User:        user,
		URL:         link,
		Facts:       facts,
		OccurredAt:  when.UTC(),
		Raw:         compact.Bytes(),
		Fingerprint: fingerprint,
		EventID:     "push:" + customer + ":alert:" + id,
		Test:        it.Test,
	}, nil
}

func severityOf(field, v string) (source.Severity, *Error) {
	switch s := source.Severity(v); s {
	case source.SeverityInfo, source.SeverityLow, source.SeverityMedium, source.SeverityHigh, source.SeverityCritical:
		return s, nil
	}
	return "", fieldError(CodeInvalidValue, field, "%q is not one of info, low, medium, high, critical", v)
}

// countFacts refuses an alert object with more than maxFacts facts before any of it is
// decoded: the members are counted where they lie, so a million of them costs nothing.
// Like the decoding after it, it takes the last member whose name is "facts" in any case.
func countFacts(alert json.RawMessage, field string) *Error {
	var facts []byte
	if jsonread.Members(alert, func(key string, v []byte) bool {
		if strings.EqualFold(key, "facts") {
			facts = v
		}
		return true
	}) != nil || len(facts) == 0 || facts[0] != '{' {
		return nil // decodeStrict names what is wrong
	}
	n := 0
	jsonread.Members(facts, func(string, []byte) bool { n++; return true })
	if n > maxFacts {
		return fieldError(CodeInvalidValue, field, "has %d entries; at most %d are accepted", n, maxFacts)
	}
	return nil
}

// factsOf reads facts whose values are strings, numbers or booleans (kept as their JSON
// text); a null value is left out. countFacts has counted them.
func factsOf(field string, raw json.RawMessage) (map[string]string, *Error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] != '{' {
		return nil, fieldError(CodeInvalidValue, field, "must be a JSON object")
	}
	var in map[string]json.RawMessage
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fieldError(CodeInvalidValue, field, "must be a JSON object")
	}
	if len(in) == 0 {
		return nil, nil
	}
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]string, len(in))
	for _, k := range keys {
		at := field + "." + k
		if strings.TrimSpace(k) == "" || len(k) > maxFactKeyLen || strings.ContainsFunc(k, unicode.IsControl) {
			return nil, fieldError(CodeInvalidValue, field, "has a name that is empty, longer than %d bytes or holds control characters", maxFactKeyLen)
		}
		raw := bytes.TrimSpace(in[k])
		var v string
		switch {
		case string(raw) == "null":
			continue
		case raw[0] == '"':
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, fieldError(CodeInvalidValue, at, "is not a valid string")
			}
		case raw[0] == '{' || raw[0] == '[':
			return nil, fieldError(CodeInvalidValue, at, "must be a string, number or boolean")
		default:
			v = string(raw)
		}
		if len(v) > maxFactValueLen {
			return nil, fieldError(CodeInvalidValue, at, "is %d bytes long; at most %d are accepted", len(v), maxFactValueLen)
		}
		out[k] = v
	}
	return out, nil
}
