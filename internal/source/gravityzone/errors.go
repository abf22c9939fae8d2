package gravityzone

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"halobridge/internal/outbound"
)

// JSON-RPC error codes GravityZone answers with (API.md §1.5).
const (
	CodeParseError      = -32700
	CodeInvalidRequest  = -32600
	CodeMethodNotFound  = -32601
	CodeInvalidParams   = -32602
	CodeServerError     = -32000
	CodeAuthorization   = -32001
	CodeNotFound        = -32002
	CodeTooManyRequests = -32003
)

// Error is a failure GravityZone reported: an HTTP status other than 200 (401 bad key, 403
// API category not enabled on the key, 405, 429) or a JSON-RPC error answered with HTTP 200.
// Message and Details are GravityZone's own words (error.message, error.data.details), each
// cut to a short reason on one line, the API key redacted (see outbound.Excerpt): the access
// URL was typed by a person, and the answer is shown to one.
type Error struct {
	Service    string
	Method     string
	HTTPStatus int
	Code       int
	Message    string
	Details    string
	// RetryAfter is the wait a 429 asked for.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	call := e.Service + "." + e.Method
	switch e.HTTPStatus {
	case http.StatusUnauthorized:
		return fmt.Sprintf("GravityZone did not accept the API key on %s (401%s): check the key, and that the access URL is the GravityZone instance that issued it",
			call, e.said())
	case http.StatusForbidden:
		api := categoryOf(e.Service)
		return fmt.Sprintf("this API key may not use the %s API (403 on %s%s): enable the %s API on this API key in GravityZone > My Account > API keys",
			api, call, e.said(), api)
	case http.StatusMethodNotAllowed:
		return fmt.Sprintf("GravityZone refused the HTTP method on %s (405%s)", call, e.said())
	case http.StatusTooManyRequests:
		return fmt.Sprintf("GravityZone rate limit reached on %s (429%s): retry after %s",
			call, e.said(), e.RetryAfter.Round(time.Second))
	}
	if e.Code == 0 && e.HTTPStatus >= 500 {
		return fmt.Sprintf("GravityZone failed on %s (HTTP %d%s): a problem on GravityZone's side, try again later", call, e.HTTPStatus, e.said())
	}
	if e.Code != 0 {
		return fmt.Sprintf("GravityZone %s failed: %s (%d)", call, e.words(), e.Code)
	}
	return fmt.Sprintf("GravityZone answered %s with HTTP %d%s", call, e.HTTPStatus, e.said())
}

// words joins GravityZone's message and its details, the part that says what was wrong.
func (e *Error) words() string {
	switch {
	case e.Message != "" && e.Details != "":
		return e.Message + ": " + e.Details
	case e.Details != "":
		return e.Details
	case e.Message != "":
		return e.Message
	}
	return "no reason given"
}

func (e *Error) said() string {
	if e.Message == "" && e.Details == "" {
		return ""
	}
	return ": " + e.words()
}

// categoryOf names the API category of a service as Control Center lists it on the key.
func categoryOf(service string) string {
	switch service {
	case "push":
		return "Event Push Service"
	case "":
		return "required"
	}
	return strings.ToUpper(service[:1]) + service[1:]
}

// newHTTPError maps a non-200 answer; GravityZone often puts a JSON-RPC error in it too.
func newHTTPError(service, method string, resp *http.Response, rpcErr *rpcError, raw []byte, key string) *Error {
	e := &Error{Service: service, Method: method, HTTPStatus: resp.StatusCode}
	if rpcErr != nil {
		e = rpcFailure(service, method, resp.StatusCode, rpcErr, key)
	} else if text := strings.TrimSpace(string(raw)); text != "" && !strings.HasPrefix(text, "<") {
		e.Message = outbound.Excerpt(text, secretForms(key)...)
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return e
}

// rpcFailure is a JSON-RPC error GravityZone answered, in its words made short.
func rpcFailure(service, method string, status int, rpcErr *rpcError, key string) *Error {
	secrets := secretForms(key)
	return &Error{Service: service, Method: method, HTTPStatus: status, Code: rpcErr.Code,
		Message: outbound.Excerpt(rpcErr.Message, secrets...), Details: outbound.Excerpt(rpcErr.Data.Details, secrets...)}
}

// secretForms are the ways an answer could echo the API key: as it is, or
// as the Basic credentials it was sent in.
func secretForms(key string) []string {
	return []string{key, base64.StdEncoding.EncodeToString([]byte(key + ":"))}
}

// retryAfter reads Retry-After as seconds or as an HTTP date; without one GravityZone's
// one-second budget window is the sensible pause.
func retryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if secs, err := strconv.Atoi(value); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if at, err := http.ParseTime(value); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return time.Second
}

// IsInvalidParams reports whether GravityZone rejected the parameters (-32602).
func IsInvalidParams(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == CodeInvalidParams
}

// IsUnauthorized reports whether GravityZone refused the API key (401).
func IsUnauthorized(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.HTTPStatus == http.StatusUnauthorized
}

// IsForbidden reports whether the key lacks the API category of the call (403).
func IsForbidden(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.HTTPStatus == http.StatusForbidden
}
