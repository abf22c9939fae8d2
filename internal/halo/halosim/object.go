package halosim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// object is one element of a POSTed array, keys lower-cased (Halo matches field names without
// regard to case). Keeping the raw values lets handlers see what was sent, not just its Go value.
type object map[string]json.RawMessage

// decodeObjects reads a write body, which Halo requires to be a JSON array of objects.
func decodeObjects(body []byte, entity string) ([]object, reply, bool) {
	var elems []json.RawMessage
	if trimmed := bytes.TrimSpace(body); entity == "Tickets" && len(trimmed) > 0 && trimmed[0] == '{' {
		// Tickets also take a single record: integrations send both forms.
		elems = []json.RawMessage{trimmed}
	} else if err := json.Unmarshal(body, &elems); err != nil {
		return nil, badRequest("The request body must be a JSON array of %s records", entity), false
	}
	out := make([]object, 0, len(elems))
	for i, e := range elems {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(e, &m); err != nil || m == nil {
			return nil, badRequest("Element %d of the request body is not a %s record", i, entity), false
		}
		out = append(out, lowerKeys(m))
	}
	return out, reply{}, true
}

func lowerKeys(m map[string]json.RawMessage) object {
	o := make(object, len(m))
	for k, v := range m {
		o[strings.ToLower(k)] = v
	}
	return o
}

// has reports whether k was sent with a non-null value.
func (o object) has(k string) bool {
	v, ok := o[k]
	return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

// isString reports whether k was sent as a JSON string.
func (o object) isString(k string) bool {
	v := bytes.TrimSpace(o[k])
	return len(v) > 0 && v[0] == '"'
}

// intValue returns k when it was sent as a whole JSON number.
func (o object) intValue(k string) (int, bool) {
	if !o.has(k) || o.isString(k) {
		return 0, false
	}
	n, err := strconv.Atoi(string(bytes.TrimSpace(o[k])))
	return n, err == nil
}

// text returns k when it was sent as a JSON string.
func (o object) text(k string) (string, bool) {
	var v string
	if !o.isString(k) || json.Unmarshal(o[k], &v) != nil {
		return "", false
	}
	return v, true
}

// boolValue returns k when it was sent as a JSON boolean.
func (o object) boolValue(k string) (bool, bool) {
	switch string(bytes.TrimSpace(o[k])) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// id is the record id a write names; 0 (or none) asks for a create.
func (o object) id() int {
	n, _ := o.intValue("id")
	return n
}

// patch applies the fields sent in o over base, leaving every other field as it was: a create
// patches a zero or default record, an update the stored one. Unknown fields are ignored.
func patch[T any](base T, o object) (T, reply, bool) {
	raw, err := json.Marshal(base)
	if err != nil {
		return base, badRequest("The record could not be read: %v", err), false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return base, badRequest("The record could not be read: %v", err), false
	}
	merged := lowerKeys(m)
	for k, v := range o {
		merged[k] = v
	}
	raw, err = json.Marshal(merged)
	if err != nil {
		return base, badRequest("The record could not be read: %v", err), false
	}
	var out T
	if err := json.Unmarshal(raw, &out); err != nil {
		return base, badRequest("%s", fieldError(err)), false
	}
	return out, reply{}, true
}

// fieldError words a JSON type mismatch the way a person can act on.
func fieldError(err error) string {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return fmt.Sprintf("The request body is not valid: %v", err)
	}
	want := "a value of another type"
	switch te.Type.Kind() {
	case reflect.Int, reflect.Int32, reflect.Int64:
		want = "a whole number"
	case reflect.Float64:
		want = "a number"
	case reflect.String:
		want = "text"
	case reflect.Bool:
		want = "true or false"
	case reflect.Slice:
		want = "a list"
	case reflect.Struct, reflect.Map:
		want = "an object"
	}
	return fmt.Sprintf("Invalid value for '%s': expected %s, got %s", te.Field, want, te.Value)
}
