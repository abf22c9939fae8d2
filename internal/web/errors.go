package web

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Problem is the "error" of every JSON error answer (ErrorBody):
// {"error": {"code", "message", "field", "request_id"}}. A status of 4xx
// says the request is at fault and Field, when set, names the input; 5xx
// is a fault of halobridge's own (or of HaloPSA behind it), and carries
// the request id a person quotes to whoever runs halobridge.
type Problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// RequestID is set on 5xx answers, for a person to quote.
	RequestID string `json:"request_id,omitempty"`
}

// ForStatus fills in RequestID when status is a 5xx: WriteError passes
// every problem through it.
func (p Problem) ForStatus(r *http.Request, status int) Problem {
	if status >= 500 {
		p.RequestID = RequestID(r)
	}
	return p
}

// Fault logs err, a fault of halobridge's own while serving r, with what
// failed and r's request id, and returns the sentence that ends the answer
// so that a person can quote that id.
func Fault(logger *slog.Logger, r *http.Request, what string, err error, attrs ...any) string {
	args := append([]any{"request_id", RequestID(r), "method", r.Method, "path", r.URL.Path, "error", err}, attrs...)
	logger.Error(what, args...)
	return Quote(r)
}

// Quote is the sentence a 5xx answer ends with: the request id to quote.
func Quote(r *http.Request) string {
	id := RequestID(r)
	if id == "" {
		return "If it keeps failing, the server log says why."
	}
	return fmt.Sprintf("If it keeps failing, give whoever runs halobridge the request id %s.", id)
}

// ErrorBody is every JSON error answer. Fields lists every input at fault
// when a request has several (a refused policy, an incomplete form).
type ErrorBody struct {
	Error  Problem   `json:"error"`
	Fields []Problem `json:"fields,omitempty"`
}

// IsAPI says whether r wants JSON answers: the JSON API and the push API.
func IsAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// WriteJSON writes v as a JSON answer that no cache keeps: every JSON
// answer of halobridge's own routes goes through it.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// An error here is the client gone: nothing is left to answer.
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError answers a Problem, with the request id when status is a 5xx.
func WriteError(w http.ResponseWriter, r *http.Request, status int, p Problem) {
	WriteJSON(w, status, ErrorBody{Error: p.ForStatus(r, status)})
}

// refuse answers a request the server turns away before any route sees it:
// JSON under /api/, a line of text elsewhere.
func refuse(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	// The body is not read to its end: the connection must not be kept.
	w.Header().Set("Connection", "close")
	if IsAPI(r) {
		WriteError(w, r, status, Problem{Code: code, Message: message})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = fmt.Fprintln(w, message)
}

// RetryAfter tells the client when to try again (Retry-After, in whole
// seconds rounded up, at least one).
func RetryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(int(math.Ceil(d.Seconds())), 1)))
}
