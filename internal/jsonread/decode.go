package jsonread

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"math/bits"
	"slices"
	"unicode/utf16"
	"unicode/utf8"
)

// Decode reads b, which must hold exactly one JSON value with optional whitespace around it,
// into the generic values encoding/json gives with Decoder.UseNumber: map[string]any, []any,
// string, json.Number, bool and nil.
//
// The result is the one encoding/json gives, down to the details: the last of duplicate
// keys wins, empty objects and arrays are empty (not nil) maps and slices, invalid UTF-8
// and lone UTF-16 surrogates in strings become U+FFFD, and b is rejected exactly when
// json.Valid(b) is false.
//
// Decode copies b into one string and returns substrings of it for keys, strings and
// numbers that need no unescaping. That makes them free to create, but a string kept from
// the result keeps the whole copy of b in memory; clone it (strings.Clone) if that matters.
func Decode(b []byte) (any, error) {
	v, _, err := DecodeAtMost(b, math.MaxInt)
	return v, err
}

// ErrTooManyValues refuses, in DecodeAtMost, a document of more values than it may hold.
var ErrTooManyValues = errors.New("too many values")

// DecodeAtMost is Decode for a document of at most max values, and says how many it read.
// Every string, number, literal, array and object is a value; the keys of members are not.
// A document of more is refused with ErrTooManyValues when the value past max is reached,
// so that what a refused document costs is bounded by max, not by its size.
func DecodeAtMost(b []byte, max int) (v any, values int, err error) {
	d := decoder{b: b, doc: string(b), left: max}
	v, end, err := d.value(0, 0)
	if err != nil {
		return nil, max - d.left, err
	}
	if err := onlySpaceFrom(b, end); err != nil {
		return nil, max - d.left, err
	}
	return v, max - d.left, nil
}

// decoder reads strings and values out of one document.
type decoder struct {
	b []byte

	// doc is b as a string, or empty if strings are to be copied out of b one by one.
	// Slicing keys and values out of one copy of b made Decode about 15% faster on
	// the sample events than copying each out on its own (40 allocations instead of 89).
	doc string

	// left is how many more values may be read.
	left int
}

type member struct {
	key   string
	value any
}

// value reads the value that starts at b[i:] (after whitespace) and returns it with the
// index just after it. depth is the number of arrays and objects that enclose the value.
func (d *decoder) value(i, depth int) (any, int, error) {
	b := d.b
	i = skipSpace(b, i)
	if i >= len(b) {
		return nil, i, errorAt(b, i, "")
	}
	if d.left == 0 {
		return nil, i, ErrTooManyValues
	}
	d.left--
	switch c := b[i]; {
	case c == '"':
		s, end, err := d.string(i)
		if err != nil {
			return nil, end, err
		}
		return s, end, nil
	case c == '{':
		return d.object(i, depth)
	case c == '[':
		return d.array(i, depth)
	case c == 't':
		end, err := literal(b, i, "true")
		return true, end, err
	case c == 'f':
		end, err := literal(b, i, "false")
		return false, end, err
	case c == 'n':
		end, err := literal(b, i, "null")
		return nil, end, err
	case c == '-' || isDigit(c):
		end, err := skipNumber(b, i)
		if err != nil {
			return nil, end, err
		}
		return json.Number(d.text(i, end)), end, nil
	}
	return nil, i, errorAt(b, i, "looking for beginning of value")
}

// text returns b[i:j] as a string.
func (d *decoder) text(i, j int) string {
	if d.doc != "" {
		return d.doc[i:j]
	}
	return string(d.b[i:j])
}

// object reads the object that starts at b[i] == '{' into a map[string]any.
func (d *decoder) object(i, depth int) (any, int, error) {
	b := d.b
	if depth >= maxDepth {
		return nil, i, &syntaxError{msg: "exceeded max depth", offset: i}
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return map[string]any{}, i + 1, nil
	}
	// The members are collected before the map is made, so that it can be made at its
	// final size instead of growing (and copying itself) several times. They are
	// collected in an array on the goroutine stack, which a typical event fits: that
	// needs no allocation, nor a pool to save one.
	var local [32]member
	members := local[:0]
	for {
		if i >= len(b) || b[i] != '"' {
			return nil, i, errorAt(b, i, "looking for beginning of object key string")
		}
		key, end, err := d.string(i)
		if err != nil {
			return nil, end, err
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return nil, i, errorAt(b, i, "after object key")
		}
		var v any
		if v, i, err = d.value(i+1, depth+1); err != nil {
			return nil, i, err
		}
		members = append(members, member{key, v})
		i = skipSpace(b, i)
		if i >= len(b) {
			return nil, i, errorAt(b, i, "")
		}
		if b[i] == '}' {
			break
		}
		if b[i] != ',' {
			return nil, i, errorAt(b, i, "after object key:value pair")
		}
		i = skipSpace(b, i+1)
	}
	m := make(map[string]any, len(members))
	for _, kv := range members {
		m[kv.key] = kv.value // a later duplicate key overwrites, as in encoding/json
	}
	return m, i + 1, nil
}

// array reads the array that starts at b[i] == '[' into a []any.
func (d *decoder) array(i, depth int) (any, int, error) {
	b := d.b
	if depth >= maxDepth {
		return nil, i, &syntaxError{msg: "exceeded max depth", offset: i}
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return []any{}, i + 1, nil
	}
	var local [16]any // as in object
	elems := local[:0]
	for {
		v, end, err := d.value(i, depth+1)
		if err != nil {
			return nil, end, err
		}
		elems = append(elems, v)
		i = skipSpace(b, end)
		if i >= len(b) {
			return nil, i, errorAt(b, i, "")
		}
		if b[i] == ']' {
			break
		}
		if b[i] != ',' {
			return nil, i, errorAt(b, i, "after array element")
		}
		i++
	}
	return slices.Clone(elems), i + 1, nil
}

// plainByte[c] is true for the ASCII bytes that stand for themselves in a JSON string and
// in its decoded text: everything from 0x20 to 0x7f but the quote and the backslash.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// skipPlainASCII returns the index of the first byte at or after b[i] that is not
// plainByte. It goes eight bytes at a time as skipStringBytes does; as no plain byte has
// its top bit set, x itself flags the bytes of 0x80 and above, and the &^x terms of the
// other tests, there to ignore such bytes, are not needed.
func skipPlainASCII(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if m := (x | (x - 0x20*lo) | (x ^ '"'*lo - lo) | (x ^ '\\'*lo - lo)) & hi; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(b) && plainByte[b[i]] {
		i++
	}
	return i
}

// string reads the string that starts at b[i] == '"' and returns its decoded text with the
// index just after the closing quote.
func (d *decoder) string(i int) (string, int, error) {
	b := d.b
	start := i + 1
	i = start
	// Fast path: most strings are plain ASCII or valid UTF-8 without escapes, and their
	// text is their bytes.
	for i < len(b) {
		i = skipPlainASCII(b, i)
		if i >= len(b) {
			break
		}
		c := b[i]
		if c == '"' {
			return d.text(start, i), i + 1, nil
		}
		if c < utf8.RuneSelf {
			break // a backslash or a control character
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			break // invalid UTF-8, to be replaced
		}
		i += size
	}
	return d.slowString(start, i)
}

// slowString finishes reading a string whose text starts at b[start] and which, from
// b[i] on, may hold escapes, invalid UTF-8 or forbidden control characters. It decodes it
// as encoding/json does (see unquoteBytes in its decode.go).
func (d *decoder) slowString(start, i int) (string, int, error) {
	b := d.b
	var local [256]byte // enough for most strings, and only string(buf) goes to the heap
	buf := append(local[:0], b[start:i]...)
	for {
		if i >= len(b) {
			return "", i, errorAt(b, i, "")
		}
		c := b[i]
		switch {
		case plainByte[c]:
			buf = append(buf, c)
			i++
		case c == '"':
			return string(buf), i + 1, nil
		case c == '\\':
			n, err := escapeLen(b, i)
			if err != nil {
				return "", i, err
			}
			if n == 2 {
				buf = append(buf, unescape(b[i+1]))
			} else {
				var r rune
				r, n = decodeEscapedRune(b, i)
				buf = utf8.AppendRune(buf, r)
			}
			i += n
		case c < 0x20:
			return "", i, errorAt(b, i, "in string literal")
		default:
			// Bytes of 0x80 and above. Invalid UTF-8 comes out as U+FFFD for each
			// byte utf8.DecodeRune rejects, as encoding/json does it.
			r, size := utf8.DecodeRune(b[i:])
			buf = utf8.AppendRune(buf, r)
			i += size
		}
	}
}

// unescape returns the byte a two-byte escape \c stands for.
func unescape(c byte) byte {
	switch c {
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return c // '"', '\\' and '/' stand for themselves
}

// decodeEscapedRune decodes the checked escape \uXXXX at b[i:] and returns the rune and
// the number of bytes used. A UTF-16 surrogate pair written as two escapes makes one rune
// (12 bytes used); a surrogate that is not part of a pair becomes U+FFFD, and whatever
// follows it is read on its own, as encoding/json does.
func decodeEscapedRune(b []byte, i int) (rune, int) {
	r := hex4(b[i+2 : i+6])
	if !utf16.IsSurrogate(r) {
		return r, 6
	}
	if i+12 <= len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
		if r2, ok := tryHex4(b[i+8 : i+12]); ok {
			if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
				return pair, 12
			}
		}
	}
	return utf8.RuneError, 6
}

// hex4 decodes four checked hexadecimal digits.
func hex4(h []byte) rune {
	r, _ := tryHex4(h)
	return r
}

// tryHex4 decodes four hexadecimal digits, reporting false if one is not.
func tryHex4(h []byte) (rune, bool) {
	var r rune
	for _, c := range h[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
