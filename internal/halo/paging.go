package halo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const (
	// pageSizeUncapped is asked of lists Halo does not cap, so that most catalogs cost one
	// request; pageSizeTickets is the documented maximum of /Tickets.
	pageSizeUncapped = 1000
	pageSizeTickets  = 100
	// maxPages stops a server that keeps answering full pages from looping us forever.
	maxPages = 10000
)

// CappedPageSize is the fewest records one request of a list reads: a
// HaloPSA that caps every list's pages caps them there, as it caps
// /Tickets. A caller weighing the cost of a list read counts its pages by it.
const CappedPageSize = pageSizeTickets

// list describes a list read. Paginated lists answer {record_count, <key>: [...]};
// configuration lists answer a bare array. Both shapes are accepted everywhere, because
// which one an endpoint uses is known from client code, not from Halo's document.
type list struct {
	template string // e.g. "/Client"
	key      string // e.g. "clients"
	query    url.Values
	// pageSize is the page size to ask for; 0 for endpoints without paging.
	pageSize int
}

// readAll returns every record of l, asking for as few pages as Halo allows: when a page
// comes back shorter than asked while record_count says more exist, Halo capped the page
// size, and the next pages are asked with the size it actually returned.
func readAll[T any](ctx context.Context, c *Client, l list) ([]T, error) {
	if l.pageSize == 0 {
		pg, err := getPage[T](ctx, c, l, l.query)
		return pg.rows, err
	}
	size := l.pageSize
	var all []T
	for pageNo := 1; pageNo <= maxPages; pageNo++ {
		pg, err := getPage[T](ctx, c, l, l.pageQuery(pageNo, size))
		if err != nil {
			return nil, err
		}
		all = append(all, pg.rows...)
		switch {
		case !pg.wrapped, len(pg.rows) == 0:
			// A bare array ignores paging: it is the whole list.
			return all, nil
		case pg.total < 0:
			if len(pg.rows) < size {
				return all, nil
			}
		case len(all) >= pg.total:
			return all, nil
		case len(pg.rows) < size && pageNo == 1:
			size = len(pg.rows)
		}
	}
	return nil, fmt.Errorf("GET %s: still more records after %d pages", l.template, maxPages)
}

// ErrNoRecordCount says that HaloPSA's answer to a count did not say how many records the
// list has.
var ErrNoRecordCount = errors.New("the answer gives no record_count to count the records by")

// count returns record_count, the number of records of l, asking for a page of one.
func count(ctx context.Context, c *Client, l list) (int, error) {
	pg, err := getPage[json.RawMessage](ctx, c, l, l.pageQuery(1, 1))
	if err != nil {
		return 0, err
	}
	if !pg.wrapped || pg.total < 0 {
		return 0, fmt.Errorf("GET %s: %w", l.template, ErrNoRecordCount)
	}
	return pg.total, nil
}

// ids returns the ids of every record of l in one request, with HaloPSA's idonly=true
// ("Not compatible with Pagination"): a record's id costs a few bytes where the record costs
// hundreds, and a list of thousands one request instead of one per page. A HaloPSA that
// ignores idonly answers whole records, whose ids are read all the same; one that pages
// them anyway is caught by record_count.
func ids(ctx context.Context, c *Client, l list) ([]int, error) {
	q := maps.Clone(l.query)
	if q == nil {
		q = url.Values{}
	}
	q.Set("idonly", "true")
	pg, err := getPage[struct {
		ID int `json:"id"`
	}](ctx, c, l, q)
	if err != nil {
		return nil, err
	}
	if pg.wrapped && pg.total >= 0 && pg.total != len(pg.rows) {
		return nil, fmt.Errorf("GET %s with idonly: %d ids of %d records", l.template, len(pg.rows), pg.total)
	}
	out := make([]int, len(pg.rows))
	for i, r := range pg.rows {
		out[i] = r.ID
	}
	return out, nil
}

// pageQuery asks for one page of l.
func (l list) pageQuery(pageNo, size int) url.Values {
	q := maps.Clone(l.query)
	if q == nil {
		q = url.Values{}
	}
	q.Set("pageinate", "true")
	q.Set("page_size", strconv.Itoa(size))
	q.Set("page_no", strconv.Itoa(pageNo))
	return q
}

type page[T any] struct {
	rows    []T
	wrapped bool
	total   int // -1 when the answer has no record_count
}

func getPage[T any](ctx context.Context, c *Client, l list, q url.Values) (page[T], error) {
	body, err := c.do(ctx, request{method: http.MethodGet, template: l.template, path: l.template, query: q})
	if err != nil {
		return page[T]{}, err
	}
	pg, err := decodePage[T](body, l.key)
	if err != nil {
		return page[T]{}, fmt.Errorf("decode GET %s: %w", l.template, err)
	}
	return pg, nil
}

func decodePage[T any](body []byte, key string) (page[T], error) {
	pg := page[T]{total: -1}
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		err := decodeLenient(body, &pg.rows)
		return pg, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return pg, err
	}
	pg.wrapped = true
	if raw, ok := fields["record_count"]; ok {
		var n float64
		if err := json.Unmarshal(raw, &n); err != nil {
			return pg, fmt.Errorf("record_count: %w", err)
		}
		pg.total = int(n)
	}
	raw, ok := listField(fields, key)
	if !ok {
		if pg.total > 0 {
			return pg, fmt.Errorf("answer has record_count %d but no %q list", pg.total, key)
		}
		return pg, nil
	}
	if err := decodeLenient(raw, &pg.rows); err != nil {
		return pg, fmt.Errorf("%s: %w", key, err)
	}
	return pg, nil
}

// listField finds the list in a wrapped answer: under key in any case or, for an endpoint
// expected to answer a bare array (no key), the wrapper's only array.
func listField(fields map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	var arrays []json.RawMessage
	for k, v := range fields {
		if key != "" && strings.EqualFold(k, key) {
			return v, true
		}
		if t := bytes.TrimSpace(v); len(t) > 0 && t[0] == '[' {
			arrays = append(arrays, v)
		}
	}
	if key == "" && len(arrays) == 1 {
		return arrays[0], true
	}
	return nil, false
}
