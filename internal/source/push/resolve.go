package push

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"halobridge/internal/source"
)

type resolveItem struct {
	ID         string `json:"id"`
	CustomerID string `json:"customer_id"`
	Reason     string `json:"reason"`
	DedupKey   string `json:"dedup_key"`
	ResolvedAt string `json:"resolved_at"`
}

// ParseResolve reads the body of POST /api/push/v1/alerts/{id}/resolve, where id is the
// vendor's alert id from the path: {customer_id, reason?, dedup_key?, resolved_at?}.
//
// The resolution's Fingerprint follows ParseAlerts' rule, so it closes the ticket of the
// alert: an alert sent with a dedup_key is resolved by sending the same dedup_key, which
// closes the ticket shared by every alert with that key. A missing resolved_at leaves
// ResolvedAt zero: the time of receipt is the caller's to fill in. The EventID is
// push:<customer_id>:resolve:<id>, so a re-posted resolution is recognised.
func ParseResolve(id string, body []byte) (source.Resolution, error) {
	if err := checkBody(body); err != nil {
		return source.Resolution{}, err
	}
	var it resolveItem
	if err := decodeStrict(body, "", &it); err != nil {
		return source.Resolution{}, err
	}
	if it.ID != "" {
		return source.Resolution{}, fieldError(CodeUnknownField, "id", "belongs in the path, not the body")
	}
	it.ID = id
	r, err := resolution(it, body, "", "id")
	if err != nil {
		return source.Resolution{}, err
	}
	return r, nil
}

// ParseResolutions reads the body of POST /api/push/v1/alerts/resolve:
// {"resolutions":[{id, customer_id, reason?, dedup_key?, resolved_at?}]}, each item as in
// ParseResolve.
func ParseResolutions(body []byte) ([]source.Resolution, error) {
	out, err := parseResolutions(body)
	return out, asError(err)
}

func parseResolutions(body []byte) ([]source.Resolution, *Error) {
	if err := checkBody(body); err != nil {
		return nil, err
	}
	var top struct {
		Resolutions json.RawMessage `json:"resolutions"`
	}
	if err := decodeStrict(body, "", &top); err != nil {
		return nil, err
	}
	if top.Resolutions == nil {
		return nil, fieldError(CodeRequired, "resolutions", "is required")
	}
	items, err := list(top.Resolutions, "resolutions")
	if err != nil {
		return nil, err
	}
	out := make([]source.Resolution, 0, len(items))
	seen := map[string]int{}
	for i, raw := range items {
		at := fmt.Sprintf("resolutions[%d]", i)
		var it resolveItem
		if err := decodeStrict(raw, at, &it); err != nil {
			return nil, err
		}
		r, err := resolution(it, raw, at, at+".id")
		if err != nil {
			return nil, err
		}
		if j, dup := seen[r.EventID]; dup {
			return nil, fieldError(CodeDuplicate, at+".id", "repeats resolutions[%d].id for the same customer", j)
		}
		seen[r.EventID] = i
		out = append(out, r)
	}
	return out, nil
}

func resolution(it resolveItem, raw []byte, at, idField string) (source.Resolution, *Error) {
	f := func(name string) string { return join(at, name) }
	id, e1 := text(idField, it.ID, 200, true)
	customer, e2 := text(f("customer_id"), it.CustomerID, 200, true)
	reason, e3 := text(f("reason"), it.Reason, 2000, false)
	dedup, e4 := text(f("dedup_key"), it.DedupKey, 200, false)
	resolvedAt, e5 := text(f("resolved_at"), it.ResolvedAt, 64, false)
	if err := firstError(e1, e2, e3, e4, e5); err != nil {
		return source.Resolution{}, err
	}
	var when time.Time
	if resolvedAt != "" {
		t, err := time.Parse(time.RFC3339Nano, resolvedAt)
		if err != nil {
			return source.Resolution{}, fieldError(CodeInvalidValue, f("resolved_at"), "%q is not an RFC 3339 time such as 2026-03-14T09:26:53Z", resolvedAt)
		}
		when = t.UTC()
	}
	fingerprint := "push:" + customer + ":alert:" + id
	if dedup != "" {
		fingerprint = "push:" + customer + ":key:" + dedup
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return source.Resolution{}, fieldError(CodeInvalidJSON, orBody(at), "is not valid JSON")
	}
	return source.Resolution{
		Source:      source.Push,
		CustomerID:  customer,
		Fingerprint: fingerprint,
		Reason:      reason,
		ResolvedAt:  when,
		EventID:     "push:" + customer + ":resolve:" + id,
		Raw:         compact.Bytes(),
	}, nil
}
