package push

import (
	"fmt"
	"net/http"
)

// Error codes of the push API's error body.
const (
	CodeInvalidJSON  = "invalid_json"   // the body is not JSON of the expected shape
	CodeRequired     = "required"       // a required field is missing or empty
	CodeInvalidValue = "invalid_value"  // a field has a value it may not have
	CodeUnknownField = "unknown_field"  // a field the API does not define (often a typo)
	CodeDuplicate    = "duplicate"      // two items of one call name the same thing
	CodeTooMany      = "too_many_items" // more than MaxItems items in one call
	CodeTooLarge     = "body_too_large" // a body over MaxBodyBytes
	CodeUnauthorized = "unauthorized"   // no or a wrong bearer token (answered by the web layer)
	CodeNotFound     = "not_found"      // no alert of the source has this id (or it is no longer kept)
)

// MaxItems is the most items one call may carry.
const MaxItems = 1000

// MaxBodyBytes is the largest body a call may send.
const MaxBodyBytes = 8 << 20

// Error is a refused request, as the API answers it: {"error":{"code","message","field"}}.
// Message names the field and its index ("alerts[3].customer_id is required").
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *Error) Error() string { return e.Message }

// HTTPStatus is the status to answer: 401 for a bad token, 413 for a body over
// MaxBodyBytes, 400 for every other refusal.
func (e *Error) HTTPStatus() int {
	switch e.Code {
	case CodeUnauthorized:
		return http.StatusUnauthorized
	case CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodeNotFound:
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

// ErrorBody is the JSON body of an error answer.
type ErrorBody struct {
	Error *Error `json:"error"`
}

func fieldError(code, field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	if field != "" {
		msg = field + " " + msg
	}
	return &Error{Code: code, Field: field, Message: msg}
}
