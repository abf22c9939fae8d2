package jsonread

import (
	"encoding/binary"
	"math/bits"
	"strconv"
)

// maxDepth is how deeply arrays and objects may nest. encoding/json rejects documents
// that nest deeper than 10000, and so do we; it also bounds the recursion of this
// package (at worst about 16 MB of goroutine stack, for Decode of 10000 nested objects).
const maxDepth = 10000

// syntaxError says what is wrong with a JSON document and at which byte offset.
type syntaxError struct {
	msg    string
	offset int
}

func (e *syntaxError) Error() string {
	return e.msg + " at offset " + strconv.Itoa(e.offset)
}

// errorAt reports the byte at b[i] as unexpected while the reader was doing what context
// says ("looking for beginning of value", ...), or the end of input if i is past it.
func errorAt(b []byte, i int, context string) error {
	if i >= len(b) {
		return &syntaxError{msg: "unexpected end of JSON input", offset: len(b)}
	}
	return &syntaxError{msg: "invalid character " + quoteByte(b[i]) + " " + context, offset: i}
}

// quoteByte formats c for an error message: 'x' for printable ASCII, 0xNN otherwise.
func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	const hex = "0123456789abcdef"
	return string([]byte{'0', 'x', hex[c>>4], hex[c&0xf]})
}

// isSpace reports whether c is one of the four whitespace bytes JSON allows between
// tokens. Anything else, including a byte order mark or a form feed, is not.
func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t'
}

// skipSpace returns the index of the first non-whitespace byte at or after b[i].
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// onlySpaceFrom reports an error unless b[i:] is whitespace.
func onlySpaceFrom(b []byte, i int) error {
	i = skipSpace(b, i)
	if i < len(b) {
		return errorAt(b, i, "after top-level value")
	}
	return nil
}

// Skip checks the one JSON value that starts at b[i:] (after any whitespace) and returns
// the index just after it. Errors say what was wrong and at which byte offset.
//
// Skip accepts a value exactly when json.Valid would accept it on its own; it does not
// look at what follows the value.
func Skip(b []byte, i int) (end int, err error) {
	if i < 0 || i > len(b) {
		return 0, &syntaxError{msg: "start index out of range", offset: i}
	}
	return skipValue(b, i, 0)
}

// skipValue checks the value that starts at b[i:] (after whitespace) and returns the index
// just after it. depth is the number of arrays and objects that enclose the value.
func skipValue(b []byte, i, depth int) (int, error) {
	i = skipSpace(b, i)
	if i >= len(b) {
		return i, errorAt(b, i, "")
	}
	switch c := b[i]; {
	case c == '"':
		return skipString(b, i)
	case c == '{':
		return skipObject(b, i, depth)
	case c == '[':
		return skipArray(b, i, depth)
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	case c == '-' || isDigit(c):
		return skipNumber(b, i)
	}
	return i, errorAt(b, i, "looking for beginning of value")
}

// skipObject checks the object that starts at b[i] == '{'.
func skipObject(b []byte, i, depth int) (int, error) {
	if depth >= maxDepth {
		return i, &syntaxError{msg: "exceeded max depth", offset: i}
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return i, errorAt(b, i, "looking for beginning of object key string")
		}
		var err error
		if i, err = skipString(b, i); err != nil {
			return i, err
		}
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != ':' {
			return i, errorAt(b, i, "after object key")
		}
		if i, err = skipValue(b, i+1, depth+1); err != nil {
			return i, err
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return i, errorAt(b, i, "")
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return i + 1, nil
		default:
			return i, errorAt(b, i, "after object key:value pair")
		}
	}
}

// skipArray checks the array that starts at b[i] == '['.
func skipArray(b []byte, i, depth int) (int, error) {
	if depth >= maxDepth {
		return i, &syntaxError{msg: "exceeded max depth", offset: i}
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for {
		var err error
		if i, err = skipValue(b, i, depth+1); err != nil {
			return i, err
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return i, errorAt(b, i, "")
		}
		switch b[i] {
		case ',':
			i++
		case ']':
			return i + 1, nil
		default:
			return i, errorAt(b, i, "after array element")
		}
	}
}

// stringByte[c] is true for the bytes that may stand for themselves inside a JSON string:
// everything but the quote, the backslash and the control characters below 0x20. Bytes
// of 0x80 and above are allowed whether or not they form valid UTF-8, as in json.Valid.
var stringByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// Most of a JSON document is the text of its strings, so the loops that look for the end
// of that text take eight bytes at a time (a little-endian word x). They use the
// well-known bit trick for "some byte of x is less than n" (n <= 0x80):
// (x - n*lo) & ^x & hi, where lo has 0x01 in every byte and hi 0x80. A byte equal to c is
// a byte of x^(c*lo) less than 1. A subtraction borrows from the byte above only where
// a byte is less than n, so the lowest byte flagged is exactly the first one sought
// (bytes above it may be flagged falsely), and its index is the number of trailing zero
// bits divided by 8.
const (
	lo = 0x0101010101010101
	hi = 0x8080808080808080
)

// skipStringBytes returns the index of the first byte at or after b[i] that is not
// stringByte.
func skipStringBytes(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q := x ^ '"'*lo
		bs := x ^ '\\'*lo
		// A control character, a quote or a backslash.
		if m := ((x-0x20*lo)&^x | (q-lo)&^q | (bs-lo)&^bs) & hi; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(b) && stringByte[b[i]] {
		i++
	}
	return i
}

// skipString checks the string that starts at b[i] == '"' and returns the index just
// after its closing quote.
func skipString(b []byte, i int) (int, error) {
	i++
	for {
		i = skipStringBytes(b, i)
		if i >= len(b) {
			return i, errorAt(b, i, "")
		}
		switch b[i] {
		case '"':
			return i + 1, nil
		case '\\':
			n, err := escapeLen(b, i)
			if err != nil {
				return i, err
			}
			i += n
		default:
			return i, errorAt(b, i, "in string literal")
		}
	}
}

// escapeLen checks the escape sequence that starts at b[i] == '\\' and returns its length
// in bytes: 2, or 6 for \uXXXX.
func escapeLen(b []byte, i int) (int, error) {
	if i+1 >= len(b) {
		return 0, errorAt(b, i+1, "")
	}
	switch b[i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, nil
	case 'u':
		for k := i + 2; k < i+6; k++ {
			if k >= len(b) || !isHex(b[k]) {
				return 0, errorAt(b, k, "in \\u hexadecimal character escape")
			}
		}
		return 6, nil
	}
	return 0, errorAt(b, i+1, "in string escape code")
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// skipNumber checks the number that starts at b[i] (a '-' or a digit) against the
// grammar of RFC 8259, section 6, and returns the index just after it:
//
//	number = [ "-" ] ( "0" / digit1-9 *digit ) [ "." 1*digit ] [ ( "e" / "E" ) [ "+" / "-" ] 1*digit ]
//
// A byte that cannot continue the number ends it; whoever reads on decides whether that
// byte may follow a value, which is how "01" and "1x" are rejected.
func skipNumber(b []byte, i int) (int, error) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return i, errorAt(b, i, "")
	case b[i] == '0':
		i++
	case isDigit(b[i]):
		i = skipDigits(b, i+1)
	default:
		return i, errorAt(b, i, "in numeric literal")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return i, errorAt(b, i, "after decimal point in numeric literal")
		}
		i = skipDigits(b, i+1)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return i, errorAt(b, i, "in exponent of numeric literal")
		}
		i = skipDigits(b, i+1)
	}
	return i, nil
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	return i
}

// literal checks that b[i:] starts with word (true, false or null) and returns the index
// just after it. As in encoding/json, "truex" is read as true followed by a stray x.
func literal(b []byte, i int, word string) (int, error) {
	for k := 0; k < len(word); k++ {
		if i+k >= len(b) || b[i+k] != word[k] {
			return i + k, errorAt(b, i+k, "in literal "+word+" (expecting "+strconv.QuoteRune(rune(word[k]))+")")
		}
	}
	return i + len(word), nil
}

// Members calls fn for each member of the JSON object b (exactly one object, whitespace
// allowed around it) with its decoded key and the raw bytes of its value (a sub-slice of b,
// no copy), in document order, stopping early when fn returns false. Error if b is not one
// valid object.
//
// Keys are decoded as Decode decodes strings. A key that appears twice is passed to fn
// twice; encoding/json keeps the last. Each value is checked before fn sees it, but the
// object as a whole is checked only as far as it is read: if b turns out to be malformed
// after some members, fn has already seen those members when Members returns the error,
// and when fn returns false, Members returns nil without reading the rest of b.
func Members(b []byte, fn func(key string, value []byte) bool) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errorAt(b, i, "looking for beginning of object")
	}
	// Unlike Decode, copy each key out on its own: copying all of b for a few keys would
	// cost more than it saves.
	d := decoder{b: b}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return onlySpaceFrom(b, i+1)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return errorAt(b, i, "looking for beginning of object key string")
		}
		key, end, err := d.string(i)
		if err != nil {
			return err
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return errorAt(b, i, "after object key")
		}
		start := skipSpace(b, i+1)
		if i, err = skipValue(b, start, 1); err != nil {
			return err
		}
		// The three-index slice keeps fn from appending into the rest of b.
		if !fn(key, b[start:i:i]) {
			return nil
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return errorAt(b, i, "")
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return onlySpaceFrom(b, i+1)
		default:
			return errorAt(b, i, "after object key:value pair")
		}
	}
}

// Elements calls fn for each element of the JSON array b with the element's raw bytes
// (sub-slice of b), in order, stopping early when fn returns false. Error if b is not one
// valid array.
//
// As with Members, each element is checked before fn sees it, the array only as far as it
// is read, and when fn returns false, Elements returns nil without reading the rest of b.
func Elements(b []byte, fn func(value []byte) bool) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return errorAt(b, i, "looking for beginning of array")
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return onlySpaceFrom(b, i+1)
	}
	for {
		start := skipSpace(b, i)
		var err error
		if i, err = skipValue(b, start, 1); err != nil {
			return err
		}
		// The three-index slice keeps fn from appending into the rest of b.
		if !fn(b[start:i:i]) {
			return nil
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return errorAt(b, i, "")
		}
		switch b[i] {
		case ',':
			i++
		case ']':
			return onlySpaceFrom(b, i+1)
		default:
			return errorAt(b, i, "after array element")
		}
	}
}
