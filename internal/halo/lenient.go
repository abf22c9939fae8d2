package halo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// HaloPSA sends the same field as 3, 3.0 or "3" depending on the endpoint and the version:
// its document declares some ids as doubles (Site.client_id, Users.site_id), /Priority and
// older instances send ids as text. Every answer halobridge reads goes through
// decodeLenient, so every id field accepts all three forms, and a text field accepts a
// number.

// decodeLenient unmarshals body into out. A number field takes a number, a whole number
// written as a double, or either as text; a text field takes a number; an empty text where
// a number belongs counts as absent. Answers in the expected forms take the plain path.
func decodeLenient(body []byte, out any) error {
	err := json.Unmarshal(body, out)
	var te *json.UnmarshalTypeError
	if err == nil || !errors.As(err, &te) {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var tree any
	if dec.Decode(&tree) != nil {
		return err
	}
	fixed, merr := json.Marshal(coerce(tree, reflect.TypeOf(out)))
	if merr != nil {
		return err
	}
	return json.Unmarshal(fixed, out)
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// coerce rewrites v, decoded with UseNumber, into the forms the Go type t reads.
func coerce(v any, t reflect.Type) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		// The type reads its own forms (and decodes leniently inside, see TicketType).
		return v
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		fields := jsonFields(t)
		for k, val := range m {
			if ft, ok := fields[strings.ToLower(k)]; ok {
				if c := coerce(val, ft); c == nil && val != nil {
					delete(m, k)
				} else {
					m[k] = c
				}
			}
		}
		return m
	case reflect.Slice, reflect.Array:
		list, ok := v.([]any)
		if !ok {
			return v
		}
		for i := range list {
			list[i] = coerce(list[i], t.Elem())
		}
		return list
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		for k, val := range m {
			m[k] = coerce(val, t.Elem())
		}
		return m
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return wholeNumber(v)
	case reflect.Float32, reflect.Float64:
		if s, ok := v.(string); ok {
			if s = strings.TrimSpace(s); s == "" {
				return nil
			}
			if _, err := strconv.ParseFloat(s, 64); err == nil {
				return json.Number(s)
			}
		}
		return v
	case reflect.String:
		if n, ok := v.(json.Number); ok {
			return n.String()
		}
		return v
	}
	return v
}

// wholeNumber turns 3.0 and "3" into 3, and "" into nil (absent); anything else is left
// for json.Unmarshal to refuse.
func wholeNumber(v any) any {
	var text string
	switch x := v.(type) {
	case json.Number:
		text = x.String()
	case string:
		text = strings.TrimSpace(x)
		if text == "" {
			return nil
		}
	default:
		return v
	}
	if _, err := strconv.ParseInt(text, 10, 64); err == nil {
		return json.Number(text)
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return v
	}
	return json.Number(strconv.FormatInt(int64(f), 10))
}

// jsonFields maps the lower-cased JSON names of t's fields (embedded ones included) to
// their types, as encoding/json matches keys without regard to case.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous && f.Tag.Get("json") == "" {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[strings.ToLower(name)] = f.Type
	}
	return out
}

// flexInt decodes an id Halo may send as 95, 95.0 or "95", for code that reads one field
// alone (see positiveInt).
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	text := string(bytes.Trim(bytes.TrimSpace(b), `"`))
	if text == "" || text == "null" {
		return nil
	}
	n, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return fmt.Errorf("%s is not a number", b)
	}
	*f = flexInt(math.Round(n))
	return nil
}

// positiveInt reads raw as a number and returns it when it is above zero; anything else
// (absent, -1 for "none", a name instead of an id) gives 0.
func positiveInt(raw json.RawMessage) int {
	var f flexInt
	if f.UnmarshalJSON(raw) != nil || f <= 0 {
		return 0
	}
	return int(f)
}
