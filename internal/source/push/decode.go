package push

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode"

	"halobridge/internal/jsonread"
)

// checkBody refuses a body over MaxBodyBytes or without any JSON in it.
func checkBody(body []byte) *Error {
	if len(body) > MaxBodyBytes {
		return &Error{Code: CodeTooLarge, Message: fmt.Sprintf("the body is %d bytes; at most %d are accepted", len(body), MaxBodyBytes)}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return &Error{Code: CodeInvalidJSON, Message: "the body is empty; send JSON"}
	}
	if !json.Valid(body) {
		return &Error{Code: CodeInvalidJSON, Message: "the body is not valid JSON"}
	}
	return nil
}

// list reads a JSON array of items named name, each kept raw for its own strict decoding:
// at least one, at most MaxItems.
func list(raw json.RawMessage, name string) ([]json.RawMessage, *Error) {
	items, err := listUpTo(raw, name, MaxItems, "per call")
	if err == nil && len(items) == 0 {
		return nil, fieldError(CodeRequired, name, "is empty; send at least one item")
	}
	return items, err
}

// listUpTo reads a JSON array of at most max items named name, which may be
// empty; per says what max is per ("per call"). The items are counted as
// the array is read and only the first max kept, so that an array of
// millions of tiny values costs no more than its body to refuse.
func listUpTo(raw json.RawMessage, name string, max int, per string) ([]json.RawMessage, *Error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return nil, fieldError(CodeInvalidJSON, name, "must be a JSON array")
	}
	var items []json.RawMessage
	n := 0
	err := jsonread.Elements(raw, func(item []byte) bool {
		if n++; n <= max {
			items = append(items, item)
		}
		return true
	})
	if err != nil {
		return nil, fieldError(CodeInvalidJSON, name, "must be a JSON array")
	}
	if n > max {
		return nil, fieldError(CodeTooMany, name, "has %d items; at most %d are accepted %s", n, max, per)
	}
	return items, nil
}

// decodeStrict decodes one object into into, refusing fields it does not define, and says
// which field was wrong, prefixed by where the object sits (e.g. "alerts[3]").
func decodeStrict(raw json.RawMessage, where string, into any) *Error {
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return fieldError(CodeInvalidJSON, orBody(where), "must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(into)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := join(where, typeErr.Field)
		return fieldError(CodeInvalidValue, orBody(field), "must be %s", kindOf(typeErr.Type))
	}
	if name, found := strings.CutPrefix(err.Error(), "json: unknown field "); found {
		field := join(where, strings.Trim(name, `"`))
		return fieldError(CodeUnknownField, field, "is not a field of this API")
	}
	return fieldError(CodeInvalidJSON, orBody(where), "is not valid JSON: %v", err)
}

func kindOf(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Float64:
		return "a number"
	case reflect.Map, reflect.Struct:
		return "a JSON object"
	case reflect.Slice:
		return "a JSON array"
	}
	return "of type " + t.String()
}

func join(where, field string) string {
	switch {
	case where == "":
		return field
	case field == "":
		return where
	}
	return where + "." + field
}

func orBody(field string) string {
	if field == "" {
		return "the body"
	}
	return field
}

// text trims v and checks it against the field's rules.
func text(field, v string, maxLen int, required bool) (string, *Error) {
	v = strings.TrimSpace(v)
	if v == "" {
		if required {
			return "", fieldError(CodeRequired, field, "is required")
		}
		return "", nil
	}
	if len(v) > maxLen {
		return "", fieldError(CodeInvalidValue, field, "is %d bytes long; at most %d are accepted", len(v), maxLen)
	}
	if strings.ContainsFunc(v, unicode.IsControl) {
		return "", fieldError(CodeInvalidValue, field, "contains control characters")
	}
	return v, nil
}

// firstError returns the first non-nil error.
func firstError(errs ...*Error) *Error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// asError turns a nil *Error into a nil error, so callers never see a typed nil.
func asError(e *Error) error {
	if e == nil {
		return nil
	}
	return e
}

// ID reads an alert or customer id given outside a body (a path or a query), bounded as
// in a body: required, at most 200 bytes, no control characters.
func ID(field, v string) (string, *Error) { return text(field, v, 200, true) }
