package halosim

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// HaloPSA saves a recurring invoice with optimistic concurrency: two requests writing the
// same invoice at once make the second fail with Entity Framework's concurrency error
// (issue 19: "expected to affect 1 row(s)... 0"). The simulator refuses a write to an
// invoice while another write to it is in flight, from the moment the request arrives
// (before any injected latency) until it is answered.

// msgConcurrency is the text HaloPSA answers a concurrent invoice write with.
const msgConcurrency = "The database operation was expected to affect 1 row(s), but actually affected 0 row(s); " +
	"data may have been modified or deleted since entities were loaded."

// invoiceWrites counts the writes in flight per recurring invoice id.
type invoiceWrites struct {
	mu       sync.Mutex
	inFlight map[int]int
}

// claim registers a write to ids; ok is false, and nothing is registered, when one of them
// is already being written. release undoes a successful claim.
func (w *invoiceWrites) claim(ids []int) (release func(), ok bool) {
	if len(ids) == 0 {
		return func() {}, true
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, id := range ids {
		if w.inFlight[id] > 0 {
			return nil, false
		}
	}
	if w.inFlight == nil {
		w.inFlight = map[int]int{}
	}
	for _, id := range ids {
		w.inFlight[id]++
	}
	return func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, id := range ids {
			if w.inFlight[id]--; w.inFlight[id] <= 0 {
				delete(w.inFlight, id)
			}
		}
	}, true
}

// invoicesWritten names the recurring invoices a request writes: the header posted to
// /RecurringInvoice (an update names its id), the ihid of lines added through
// /RecurringInvoice/Lines, and the invoices of the lines changed through updatelines.
func (s *Sim) invoicesWritten(r *http.Request, body []byte) []int {
	if r.Method != http.MethodPost {
		return nil
	}
	path := strings.Trim(strings.ToLower(r.URL.Path), "/")
	var field string
	switch path {
	case "api/recurringinvoice":
		field = "id"
	case "api/recurringinvoice/lines":
		field = "ihid"
	case "api/recurringinvoice/updatelines":
		field = "line"
	default:
		return nil
	}
	var objs []map[string]json.RawMessage
	if json.Unmarshal(body, &objs) != nil {
		return nil
	}
	var ids []int
	for _, raw := range objs {
		o := lowerKeys(raw)
		id := o.id()
		if field == "ihid" {
			id, _ = o.intValue("ihid")
		}
		if field == "line" {
			s.mu.Lock()
			inv, _, ok := s.findLine(id)
			s.mu.Unlock()
			if !ok {
				continue
			}
			id = inv.ID
		}
		if id != 0 && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}
