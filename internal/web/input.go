package web

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxNumber is the largest number a JSON API request may give: every id
// HaloPSA and halobridge hand out fits in 31 bits, and so does every count.
const MaxNumber = math.MaxInt32

// MaxDuration bounds a duration a JSON API request gives (in nanoseconds,
// as time.Duration is written in JSON): ten years.
const MaxDuration = 10 * 365 * 24 * time.Hour

var durationType = reflect.TypeFor[time.Duration]()

// ParseID reads an id given in a path or query: a whole number from 1 to
// MaxNumber.
func ParseID(text string) (int64, bool) {
	id, err := strconv.ParseInt(text, 10, 64)
	return id, err == nil && id >= 1 && id <= MaxNumber
}

// CheckInput looks at every number and text of v, a request body decoded
// from JSON, and names the first that halobridge does not take: a number
// below zero or above MaxNumber, a duration below zero or above
// MaxDuration, a text (or a name in a map) holding a NUL character or bytes
// that are not UTF-8 (see Unreadable). field is the value's place in JSON
// names ("policy.types.av.sla_id", "ids[2]"), message a sentence saying
// what is allowed; both are empty when every value is. The JSON API
// answers 400 with them.
func CheckInput(v any) (field, message string) {
	return checkInput(reflect.ValueOf(v), "")
}

// Unreadable says whether s holds what halobridge never keeps in a text
// it was sent: a NUL character, which PostgreSQL refuses while SQLite keeps
// it, or bytes that are not UTF-8. No form, query or API request of a
// person's needs either.
func Unreadable(s string) bool {
	return strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s)
}

// unreadableText is the message of a text Unreadable refuses, at field.
func unreadableText(field string) string {
	return fmt.Sprintf("%s holds a NUL character or bytes that are not UTF-8, which halobridge does not take.", field)
}

func checkInput(v reflect.Value, at string) (string, string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", ""
		}
		return checkInput(v.Elem(), at)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, skip := jsonName(f)
			if skip {
				continue
			}
			where := at
			if !f.Anonymous || f.Tag.Get("json") != "" {
				where = join(at, name)
			}
			if field, msg := checkInput(v.Field(i), where); field != "" {
				return field, msg
			}
		}
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		for _, k := range keys {
			if k.Kind() == reflect.String && Unreadable(k.String()) {
				// The name itself is not repeated: it is what cannot be read.
				return at, unreadableText("a name in " + cmp.Or(at, "the body"))
			}
			where := join(at, fmt.Sprint(k))
			if field, msg := checkInput(v.MapIndex(k), where); field != "" {
				return field, msg
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "", "" // raw JSON or bytes: not numbers of the request
		}
		for i := range v.Len() {
			if field, msg := checkInput(v.Index(i), at+"["+strconv.Itoa(i)+"]"); field != "" {
				return field, msg
			}
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := v.Int()
		if v.Type() == durationType {
			if n < 0 || n > int64(MaxDuration) {
				return at, fmt.Sprintf("%s must be a duration from 0 to %s (%d nanoseconds), not %d.", at, MaxDuration, int64(MaxDuration), n)
			}
			return "", ""
		}
		if n < 0 || n > MaxNumber {
			return at, fmt.Sprintf("%s must be a whole number from 0 to %d, not %d.", at, MaxNumber, n)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n := v.Uint(); n > MaxNumber {
			return at, fmt.Sprintf("%s must be a whole number from 0 to %d, not %d.", at, MaxNumber, n)
		}
	case reflect.String:
		if Unreadable(v.String()) {
			return at, unreadableText(at)
		}
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || f < 0 || f > MaxNumber {
			return at, fmt.Sprintf("%s must be a number from 0 to %d, not %v.", at, MaxNumber, f)
		}
	}
	return "", ""
}

// jsonName is the name encoding/json gives a struct field, and whether it
// skips the field.
func jsonName(f reflect.StructField) (string, bool) {
	if !f.IsExported() && !f.Anonymous {
		return "", true
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return "", true
	}
	if name == "" {
		name = f.Name
	}
	return name, false
}

func join(at, name string) string {
	if at == "" {
		return name
	}
	return at + "." + name
}

// unreadableAddress names the part of r's address Unreadable refuses: its
// path or a query parameter; "" when there is none.
func unreadableAddress(r *http.Request) string {
	if Unreadable(r.URL.Path) {
		return "The path of the address"
	}
	// A query that does not parse is left to its handler, as ever; what
	// does parse is looked at.
	query, _ := url.ParseQuery(r.URL.RawQuery)
	return unreadableValues(query, "query parameter")
}

// unreadableValues names the first parameter of values, a query or a form,
// whose name or a value Unreadable refuses; "" when there is none.
func unreadableValues(values url.Values, what string) string {
	names := slices.Sorted(maps.Keys(values))
	for _, name := range names {
		if Unreadable(name) {
			return "A " + what + " name"
		}
		if slices.ContainsFunc(values[name], Unreadable) {
			return fmt.Sprintf("The %s %q", what, name)
		}
	}
	return ""
}
