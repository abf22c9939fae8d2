package source

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// FactCleaned names the fact that says what Clean replaced in an alert, such as
// "nul, invalid_utf8", so that a person reading the alert knows it was not kept byte
// for byte as it arrived. (GravityZone's own "cleaned" fact counts cleaned files.)
const FactCleaned = "text_cleaned"

// What Clean replaces, in the words FactCleaned lists them with.
const (
	// CleanedNUL: a NUL character (U+0000), which PostgreSQL cannot keep in text.
	CleanedNUL = "nul"
	// CleanedInvalidUTF8: bytes that are not UTF-8, which PostgreSQL refuses.
	CleanedInvalidUTF8 = "invalid_utf8"
	// CleanedLoneSurrogate: a \ud800-\udfff escape that is not half of a pair.
	CleanedLoneSurrogate = "lone_surrogate"
	// CleanedTooLong: an id or key longer than MaxKeyBytes or MaxIDBytes.
	CleanedTooLong = "too_long"
)

// Bounds of the texts alerts are found by. PostgreSQL refuses index entries of
// more than about 2.7 kB where SQLite takes any length, so a longer value would
// be kept by one engine and refused by the other; well-formed events stay far
// below them.
const (
	// MaxKeyBytes bounds an alert's EventID and Fingerprint.
	MaxKeyBytes = 1024
	// MaxIDBytes bounds a customer id and an alert type.
	MaxIDBytes = 256
)

// DefaultMaxEvents is the most events one push may carry unless the operator
// sets another bound: GravityZone's batches are far smaller.
const DefaultMaxEvents = 10_000

// replacement stands in for every character Clean replaces, as encoding/json
// decodes invalid UTF-8 and lone surrogates.
const replacement = "\uFFFD"

// cleaned collects what Clean found, as flags.
type cleaned uint8

const (
	foundNUL cleaned = 1 << iota
	foundInvalidUTF8
	foundLoneSurrogate
	foundTooLong
)

func (c cleaned) words() string {
	var out []string
	for _, w := range []struct {
		flag cleaned
		word string
	}{{foundNUL, CleanedNUL}, {foundInvalidUTF8, CleanedInvalidUTF8}, {foundLoneSurrogate, CleanedLoneSurrogate}, {foundTooLong, CleanedTooLong}} {
		if c&w.flag != 0 {
			out = append(out, w.word)
		}
	}
	return strings.Join(out, ", ")
}

// Clean makes a what both database engines keep alike: NUL characters, bytes that are
// not UTF-8 and lone UTF-16 surrogates in any of its texts, its facts (names and values)
// and its raw payload become U+FFFD, and an id or key over its bound becomes a shorter
// one of its own (its start and a hash of the whole). What it replaced is recorded as
// the fact FactCleaned. Clean runs once, where alerts enter the store: what it leaves
// is valid UTF-8 without NUL, so running it again changes nothing.
func (a *Alert) Clean() {
	var found cleaned
	for _, s := range []*string{&a.HostName, &a.HostIP, &a.User, &a.URL} {
		*s = cleanText(*s, &found)
	}
	for _, k := range []struct {
		s   *string
		max int
	}{{&a.CustomerID, MaxIDBytes}, {&a.Type, MaxIDBytes}, {&a.EventID, MaxKeyBytes}, {&a.Fingerprint, MaxKeyBytes}} {
		*k.s = bound(cleanText(*k.s, &found), k.max, &found)
	}
	for name, v := range a.Facts {
		clean, cleanName := cleanText(v, &found), cleanText(name, &found)
		if cleanName != name {
			delete(a.Facts, name)
		}
		if clean != v || cleanName != name {
			a.Facts[cleanName] = clean
		}
	}
	a.Raw = cleanJSON(a.Raw, &found)
	if found == 0 {
		return
	}
	if a.Facts == nil {
		a.Facts = map[string]string{}
	}
	a.Facts[FactCleaned] = found.words()
}

// Clean makes r what both database engines keep alike, as Alert.Clean does; a
// resolution has no facts to say so in.
func (r *Resolution) Clean() {
	var found cleaned
	r.Reason = cleanText(r.Reason, &found)
	r.CustomerID = bound(cleanText(r.CustomerID, &found), MaxIDBytes, &found)
	r.EventID = bound(cleanText(r.EventID, &found), MaxKeyBytes, &found)
	r.Fingerprint = bound(cleanText(r.Fingerprint, &found), MaxKeyBytes, &found)
	r.Raw = cleanJSON(r.Raw, &found)
}

// cleanText replaces NUL and each byte that is not UTF-8 in s.
func cleanText(s string, found *cleaned) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0:
			*found |= foundNUL
			b.WriteString(replacement)
		case r == utf8.RuneError && size == 1:
			*found |= foundInvalidUTF8
			b.WriteString(replacement)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// bound shortens s when it is longer than max bytes: its start, cut on a character,
// then "~" and 32 hex digits of its hash, so that two long values stay apart.
func bound(s string, max int, found *cleaned) string {
	if len(s) <= max {
		return s
	}
	*found |= foundTooLong
	sum := sha256.Sum256([]byte(s))
	tail := "~" + hex.EncodeToString(sum[:16])
	keep := max - len(tail)
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	return s[:keep] + tail
}

// cleanJSON replaces, in the text of a JSON payload, the escapes \u0000 and lone
// surrogates by \ufffd, and NUL and bytes that are not UTF-8 by U+FFFD. It returns raw
// itself when there is nothing to replace, which is nearly always.
func cleanJSON(raw []byte, found *cleaned) []byte {
	// Valid UTF-8 without NUL, as payloads nearly always are, can only need
	// its escapes changed: the loop then jumps from backslash to backslash.
	valid := !slices.Contains(raw, 0) && utf8.Valid(raw)
	if valid && !slices.Contains(raw, '\\') {
		return raw
	}
	var out []byte
	last := 0
	replace := func(from, to int, with string, what cleaned) {
		if out == nil {
			out = make([]byte, 0, len(raw)+16)
		}
		out = append(append(out, raw[last:from]...), with...)
		last = to
		*found |= what
	}
	for i := 0; i < len(raw); {
		if valid {
			next := bytes.IndexByte(raw[i:], '\\')
			if next < 0 {
				break
			}
			i += next
		}
		c := raw[i]
		switch {
		case c == '\\':
			n := escapeAt(raw, i)
			switch n.kind {
			case escapeNUL:
				replace(i, i+n.size, `\ufffd`, foundNUL)
			case escapeLone:
				replace(i, i+n.size, `\ufffd`, foundLoneSurrogate)
			}
			i += n.size
		case c == 0:
			replace(i, i+1, replacement, foundNUL)
			i++
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				replace(i, i+1, replacement, foundInvalidUTF8)
			}
			i += size
		}
	}
	if out == nil {
		return raw
	}
	return append(out, raw[last:]...)
}

type escapeKind uint8

const (
	escapeOther escapeKind = iota
	escapeNUL
	escapeLone
)

type escape struct {
	kind escapeKind
	size int
}

// escapeAt reads the escape starting at raw[i] == '\\'. A surrogate pair is read as
// one escape, so that its second half is not taken for a lone one.
func escapeAt(raw []byte, i int) escape {
	r, ok := hex4At(raw, i)
	if !ok {
		return escape{size: min(2, len(raw)-i)}
	}
	switch {
	case r == 0:
		return escape{kind: escapeNUL, size: 6}
	case !utf16.IsSurrogate(r):
		return escape{size: 6}
	case r < 0xdc00:
		if low, ok := hex4At(raw, i+6); ok && low >= 0xdc00 && low <= 0xdfff {
			return escape{size: 12}
		}
	}
	return escape{kind: escapeLone, size: 6}
}

// hex4At reads the escape \uXXXX at raw[i:], if there is one.
func hex4At(raw []byte, i int) (rune, bool) {
	if i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
		return 0, false
	}
	var r [2]byte
	if _, err := hex.Decode(r[:], raw[i+2:i+6]); err != nil {
		return 0, false
	}
	return rune(r[0])<<8 | rune(r[1]), true
}
