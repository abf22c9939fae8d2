package defensx

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"halobridge/internal/outbound"
)

// Error is an error answer of the Partner API, whose body is
// {"error":{"status":int,"message":string}}.
type Error struct {
	Method string
	Path   string
	Status int
	// Message is DefensX's own text, or the start of a body that was not the usual JSON, on
	// one line, cut to a short reason and the API key redacted (see outbound.Excerpt).
	Message string
	// RetryAfter is what a 429 asked us to wait, when it said.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	call := e.Method + " " + e.Path
	switch {
	case e.Status == http.StatusUnauthorized:
		return fmt.Sprintf("DefensX did not accept the Partner API key (401 on %s)%s: create a new key on the API Keys page of the DefensX portal and save it in halobridge", call, e.said())
	case e.Status == http.StatusForbidden:
		return fmt.Sprintf("DefensX denied %s (403)%s: the Partner API key may not see this customer", call, e.said())
	case e.Status == http.StatusNotFound:
		return fmt.Sprintf("DefensX has no such record: %s (404)%s", call, e.said())
	case e.Status == http.StatusTooManyRequests:
		wait := ""
		if e.RetryAfter > 0 {
			wait = ", retry after " + e.RetryAfter.String()
		}
		return fmt.Sprintf("DefensX rate limit reached on %s (429)%s%s", call, e.said(), wait)
	case e.Status >= 500:
		return fmt.Sprintf("DefensX failed on %s (%d)%s: a problem on DefensX's side, try again later", call, e.Status, e.said())
	default:
		return fmt.Sprintf("DefensX answered %s with %d%s", call, e.Status, e.said())
	}
}

func (e *Error) said() string {
	if e.Message == "" {
		return ""
	}
	return ": " + e.Message
}

func newError(method, path string, resp *http.Response, body []byte, key string) *Error {
	e := &Error{Method: method, Path: path, Status: resp.StatusCode}
	var shape struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &shape) == nil && shape.Error.Message != "" {
		e.Message = outbound.Excerpt(shape.Error.Message, key)
	} else if text := strings.TrimSpace(string(body)); text != "" && !strings.HasPrefix(text, "<") && !strings.HasPrefix(text, "{") {
		e.Message = outbound.Excerpt(text, key)
	}
	if s, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && s > 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	return e
}
