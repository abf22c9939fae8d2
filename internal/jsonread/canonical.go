package jsonread

import (
	"encoding/json"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"
)

// AppendCanonical appends v (built of the generic values Decode returns; also accept
// map[string]string and []string) as compact JSON with object keys sorted: byte for byte what
// json.Marshal(v) produces, including its escaping (HTML-safe \u003c \u003e \u0026, \u2028 \u2029,
// invalid UTF-8 as \ufffd). json.Number is written as its text.
//
// As in json.Marshal, nil maps and slices are written as null and an empty json.Number as
// 0; unlike json.Marshal, a json.Number is not checked to be a valid number. Values of any
// other type are handed to json.Marshal, and AppendCanonical panics if it fails (a NaN, a
// channel, ...), since Decode never returns such values. v must not contain cycles.
func AppendCanonical(dst []byte, v any) []byte {
	if cap(dst) == 0 {
		switch v.(type) {
		case map[string]any, []any:
			// Callers often pass nil; starting with room for a typical event saves the
			// half dozen reallocations of growing from nothing.
			dst = make([]byte, 0, 1024)
		}
	}
	return appendValue(dst, v)
}

// appendValue is AppendCanonical without the first allocation.
func appendValue(dst []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...)
	case string:
		return appendString(dst, v)
	case json.Number:
		if v == "" {
			return append(dst, '0')
		}
		return append(dst, v...)
	case bool:
		if v {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case map[string]any:
		if v == nil {
			return append(dst, "null"...)
		}
		return appendObject(dst, v, appendValue)
	case []any:
		if v == nil {
			return append(dst, "null"...)
		}
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendValue(dst, e)
		}
		return append(dst, ']')
	case map[string]string:
		if v == nil {
			return append(dst, "null"...)
		}
		return appendObject(dst, v, appendString)
	case []string:
		if v == nil {
			return append(dst, "null"...)
		}
		dst = append(dst, '[')
		for i, s := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, s)
		}
		return append(dst, ']')
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic("jsonread: AppendCanonical: " + err.Error())
	}
	return append(dst, b...)
}

// appendObject writes m with its keys in sorted order, as json.Marshal does, and each
// value with appendValue.
func appendObject[V any](dst []byte, m map[string]V, appendValue func([]byte, V) []byte) []byte {
	// The members are sorted in an array on the stack, which most objects fit, to save
	// an allocation per object. Sorting them with their values saves looking each value
	// up in the map again.
	var arr [32]entry[V]
	members := arr[:0]
	for k, v := range m {
		members = append(members, entry[V]{k, v})
	}
	slices.SortFunc(members, func(a, b entry[V]) int {
		return strings.Compare(a.key, b.key) // as json.Marshal sorts
	})
	dst = append(dst, '{')
	for i, e := range members {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, e.key)
		dst = append(dst, ':')
		dst = appendValue(dst, e.value)
	}
	return append(dst, '}')
}

type entry[V any] struct {
	key   string
	value V
}

// htmlSafe[c] is true for the ASCII bytes json.Marshal writes as they are in a string:
// all but the control characters, the quote, the backslash, and <, > and & (which it
// escapes so that JSON can be embedded in HTML).
var htmlSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// htmlUnsafeBytes flags the bytes of the little-endian word x that are not htmlSafe, with
// the bit tricks explained at skipStringBytes (the lowest flag is exact; as in
// skipPlainASCII, x itself flags the bytes of 0x80 and above). Strings are most of what
// AppendCanonical writes, and checking them a word at a time made it about 10% faster.
func htmlUnsafeBytes(x uint64) uint64 {
	return (x | (x - 0x20*lo) | (x ^ '"'*lo - lo) | (x ^ '\\'*lo - lo) |
		(x ^ '<'*lo - lo) | (x ^ '>'*lo - lo) | (x ^ '&'*lo - lo)) & hi
}

// load64 returns the first eight bytes of s as a little-endian word, in one load.
func load64(s string) uint64 {
	_ = s[7] // one bounds check instead of eight
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// appendString writes s as a JSON string exactly as json.Marshal does (see appendString
// in its encode.go).
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0 // s[start:i] is yet to be written and needs no escaping
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			// Pass eight bytes that need no escaping, or up to the first that may.
			m := htmlUnsafeBytes(load64(s[i:]))
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) / 8
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if htmlSafe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				// Other control characters, and <, > and &.
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			// Valid in JSON but not in JavaScript source, so json.Marshal escapes them.
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
