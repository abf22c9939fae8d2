package halosim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
)

// query reads Halo's list parameters.
type query struct{ url.Values }

// getCI finds a parameter regardless of case: ASP.NET binds query names case-insensitively.
func (q query) getCI(k string) (string, bool) {
	for name, vs := range q.Values {
		if strings.EqualFold(name, k) && len(vs) > 0 {
			return vs[0], true
		}
	}
	return "", false
}

func (q query) flag(k string, def bool) bool {
	v, ok := q.getCI(k)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(strings.ToLower(v))
	if err != nil {
		return def
	}
	return b
}

func (q query) int(k string) (int, bool) {
	v, ok := q.getCI(k)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil
}

// ints reads a comma-separated list of ids.
func (q query) ints(k string) []int {
	v, _ := q.getCI(k)
	var out []int
	for part := range strings.SplitSeq(v, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(part)); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func (q query) text(k string) string {
	v, _ := q.getCI(k)
	return v
}

// activeFilter reads includeactive/includeinactive (defaults: active only) and activeinactive,
// "two comma separated values, the first sets includeactive and the second includeinactive".
func (q query) activeFilter() (active, inactive bool) {
	active, inactive = q.flag("includeactive", true), q.flag("includeinactive", false)
	if v, ok := q.getCI("activeinactive"); ok {
		a, i, _ := strings.Cut(v, ",")
		if b, err := strconv.ParseBool(strings.TrimSpace(a)); err == nil {
			active = b
		}
		if b, err := strconv.ParseBool(strings.TrimSpace(i)); err == nil {
			inactive = b
		}
	}
	return active, inactive
}

func keepActive(active, inactive, isInactive bool) bool {
	if isInactive {
		return inactive
	}
	return active
}

func filter[T any](rows []T, keep func(T) bool) []T {
	out := rows[:0:0]
	for _, r := range rows {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// Page sizes: Halo's default when paginating without page_size, and its documented cap.
const (
	defaultPageSize = 50
	maxPageSize     = 100
)

// pageCap is the page-size cap of a wrapped list: Tickets always, others with PageCapAll.
func (s *Sim) pageCap(documented bool) int {
	if documented || s.opts.PageCapAll {
		return maxPageSize
	}
	return 0
}

// wrapped answers a paginated list: {record_count, <key>: [...], page_no, page_size}. page_size
// only counts with pageinate=true; the page offset uses the capped size, while the echoed
// page_size is the one asked for, so a client must count the rows it got.
func wrapped[T any](q query, key string, rows []T, capSize int) reply {
	env := envelope{RecordCount: len(rows)}
	if q.flag("idonly", false) && idOnlyLists[key] {
		return idsOnly(env, key, rows)
	}
	if q.flag("pageinate", false) {
		size, ok := q.int("page_size")
		if !ok || size <= 0 {
			size = defaultPageSize
		}
		effective := size
		if capSize > 0 {
			effective = min(size, capSize)
		}
		pageNo, ok := q.int("page_no")
		if !ok || pageNo < 1 {
			pageNo = 1
		}
		start := min((pageNo-1)*effective, len(rows))
		rows = rows[start:min(start+effective, len(rows))]
		env.PageNo, env.PageSize = pageNo, size
	} else {
		rows = counted(q, rows)
	}
	list, err := marshalJSON(nonNil(rows))
	if err != nil {
		return textReply(http.StatusInternalServerError, fmt.Sprintf("halosim: encoding the list: %v", err))
	}
	return env.reply(key, list)
}

// envelope is a wrapped list's frame, written in Halo's key order (record_count first).
type envelope struct {
	RecordCount, PageNo, PageSize int
}

func (e envelope) reply(key string, list []byte) reply {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"record_count":%d,%q:`, e.RecordCount, key)
	b.Write(list)
	if e.PageNo > 0 {
		fmt.Fprintf(&b, `,"page_no":%d,"page_size":%d`, e.PageNo, e.PageSize)
	}
	b.WriteByte('}')
	return reply{status: http.StatusOK, body: b.Bytes(), contentType: "application/json; charset=utf-8"}
}

// bare answers a configuration list, a plain JSON array (count still applies).
func bare[T any](q query, rows []T) reply {
	return jsonReply(http.StatusOK, nonNil(counted(q, rows)))
}

// counted applies count, "when not using pagination, the number of results to return".
func counted[T any](q query, rows []T) []T {
	if n, ok := q.int("count"); ok && n >= 0 && n < len(rows) {
		return rows[:n]
	}
	return rows
}

func nonNil[T any](rows []T) []T {
	if rows == nil {
		return []T{}
	}
	return rows
}

// advancedFilter is one element of advanced_search (filter_type 2 = equals, 4 = contains).
type advancedFilter struct {
	Name  string `json:"filter_name"`
	Type  int    `json:"filter_type"`
	Value any    `json:"filter_value"`
}

// advancedSearch applies advanced_search to rows; a field the record does not have, or an
// unknown filter type, is refused the way Halo refuses it.
func advancedSearch[T any](q query, rows []T) ([]T, reply, bool) {
	raw, ok := q.getCI("advanced_search")
	if !ok || raw == "" {
		return rows, reply{}, true
	}
	var filters []advancedFilter
	if err := json.Unmarshal([]byte(raw), &filters); err != nil {
		return nil, badRequest(msgInvalidAdvancedSearch), false
	}
	fields := map[string]string{} // lower-cased → as spelled
	for name := range jsonFieldNames(reflect.TypeFor[T]()) {
		fields[strings.ToLower(name)] = name
	}
	for i, f := range filters {
		name, ok := fields[strings.ToLower(f.Name)]
		if !ok || (f.Type != 2 && f.Type != 4) {
			return nil, badRequest(msgInvalidAdvancedSearch), false
		}
		filters[i].Name = name
	}
	return filter(rows, func(row T) bool {
		m := asMap(row)
		for _, f := range filters {
			got, want := scalarText(m[f.Name]), scalarText(f.Value)
			if f.Type == 2 && !strings.EqualFold(got, want) || f.Type == 4 && !containsFold(got, want) {
				return false
			}
		}
		return true
	}), reply{}, true
}

// jsonFieldNames lists the JSON names of a record type's fields, as spelled in their tags.
func jsonFieldNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names[name] = true
		}
	}
	return names
}

func asMap(v any) map[string]any {
	raw, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return m
}

func scalarText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}

// idOnlyLists are the lists whose idonly=true returns only the ids of every matching record,
// in one answer: "Not compatible with Pagination" (the OpenAPI document, /Client, /Site,
// /Users, /RecurringInvoice).
var idOnlyLists = map[string]bool{"clients": true, "sites": true, "users": true, "invoices": true, "assets": true}

func idsOnly[T any](env envelope, key string, rows []T) reply {
	full, err := json.Marshal(nonNil(rows))
	var records []map[string]json.RawMessage
	if err == nil {
		err = json.Unmarshal(full, &records)
	}
	if err != nil {
		return textReply(http.StatusInternalServerError, fmt.Sprintf("halosim: encoding the ids: %v", err))
	}
	ids := make([]map[string]json.RawMessage, len(records))
	for i, r := range records {
		ids[i] = map[string]json.RawMessage{"id": r["id"]}
	}
	list, err := marshalJSON(ids)
	if err != nil {
		return textReply(http.StatusInternalServerError, fmt.Sprintf("halosim: encoding the ids: %v", err))
	}
	return env.reply(key, list)
}
