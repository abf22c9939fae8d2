package defensx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// URLLog is one row of a customer's URL log: a page visit seen by the browser extension,
// the mobile browser or an RBI session.
type URLLog struct {
	CreatedAt time.Time `json:"created_at"`
	UserID    string    `json:"user_id,omitempty"`
	AgentID   string    `json:"agent_id,omitempty"`
	Action    string    `json:"action"`
	URL       string    `json:"url"`
	Source    string    `json:"source,omitempty"`
	// SubType is url, url_block_consented (the user clicked through a block) or readonly_consented.
	SubType     string `json:"sub_type,omitempty"`
	RiskScore   string `json:"risk_score,omitempty"`
	CategoryKey string `json:"category_key,omitempty"`
	// Raw is the row as DefensX sent it.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON reads a row leniently: the spec types risk_score as a string and
// created_at as a date-time, but a number in either must not lose the whole page.
func (l *URLLog) UnmarshalJSON(b []byte) error {
	var w struct {
		CreatedAt   json.RawMessage `json:"created_at"`
		UserID      json.RawMessage `json:"user_id"`
		AgentID     json.RawMessage `json:"agent_id"`
		Action      json.RawMessage `json:"action"`
		URL         json.RawMessage `json:"url"`
		Source      json.RawMessage `json:"source"`
		SubType     json.RawMessage `json:"sub_type"`
		RiskScore   json.RawMessage `json:"risk_score"`
		CategoryKey json.RawMessage `json:"category_key"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	at, err := parseLogTime(scalar(w.CreatedAt))
	if err != nil {
		return err
	}
	*l = URLLog{
		CreatedAt:   at,
		UserID:      scalar(w.UserID),
		AgentID:     scalar(w.AgentID),
		Action:      scalar(w.Action),
		URL:         scalar(w.URL),
		Source:      scalar(w.Source),
		SubType:     scalar(w.SubType),
		RiskScore:   scalar(w.RiskScore),
		CategoryKey: scalar(w.CategoryKey),
		Raw:         append(json.RawMessage(nil), bytes.TrimSpace(b)...),
	}
	return nil
}

// parseLogTime reads a log time as a JSON date-time, a "YYYY-MM-DD hh:mm:ss" UTC time, or
// unix seconds. A row without one gets the zero time, which every poll cursor is past, so
// one odd row cannot stall polling; a time in an unknown format fails loudly instead.
func parseLogTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateTime, s); err == nil {
		return t, nil
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		sec := int64(n)
		return time.Unix(sec, int64((n-float64(sec))*1e9)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("URL log created_at %q is not a date-time", s)
}

// scalar renders a JSON string, number or boolean as text; null and absent give "".
func scalar(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return ""
	}
	if raw[0] == '{' || raw[0] == '[' {
		return ""
	}
	return string(raw)
}

// URLLogQuery selects a window of a customer's URL log and one page of it.
type URLLogQuery struct {
	Start, End time.Time // zero: DefensX's default, the current month
	Page       int       // 1-based; 0 means 1
	Limit      int       // rows per page; 0 means DefensX's default of 5000
}

// URLLogPage is one page of a URL log.
type URLLogPage struct {
	Items []URLLog
	Pagination
}

// logPageLimit is the log endpoints' default (and our) page size.
const logPageLimit = 5000

// URLLogs reads one page of a customer's URL log (GET /customers/{id}/logs/urls).
func (c *Client) URLLogs(ctx context.Context, customerID string, q URLLogQuery) (URLLogPage, error) {
	if strings.TrimSpace(customerID) == "" {
		return URLLogPage{}, errors.New("DefensX URL logs need a customer ID")
	}
	v := url.Values{}
	if !q.Start.IsZero() {
		v.Set("start_date", jsDate(q.Start))
	}
	if !q.End.IsZero() {
		v.Set("end_date", jsDate(q.End))
	}
	if q.Page > 0 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var out struct {
		Items []URLLog `json:"items"`
		Pagination
	}
	path := "/customers/" + url.PathEscape(customerID) + "/logs/urls"
	if err := c.get(ctx, path, v, &out); err != nil {
		return URLLogPage{}, err
	}
	return URLLogPage{Items: out.Items, Pagination: out.Pagination}, nil
}

// jsDate writes t the way JavaScript's toISOString does, the "json datetime" DefensX reads.
func jsDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
