package jsonread

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

type num = json.Number

type obj = map[string]any

type arr = []any

// decodeCases are inputs with the value Decode must give, written by hand. want is
// ignored when bad is set: the input must be rejected.
var decodeCases = []struct {
	in   string
	want any
	bad  bool
}{
	// Top-level scalars and whitespace.
	{in: `true`, want: true},
	{in: `false`, want: false},
	{in: `null`, want: nil},
	{in: `"x"`, want: "x"},
	{in: `0`, want: num("0")},
	{in: " \t\r\n 1 \n\t\r ", want: num("1")},
	{in: ``, bad: true},
	{in: ` `, bad: true},
	{in: "\f1", bad: true},           // form feed is not JSON whitespace
	{in: "\u00a01", bad: true},       // nor is a no-break space
	{in: "\xef\xbb\xbf1", bad: true}, // a byte order mark is not accepted
	{in: "\xef\xbb\xbf{}", bad: true},
	{in: `1 2`, bad: true}, // two values
	{in: `{}x`, bad: true},
	{in: `[]]`, bad: true},
	{in: `{"a":1}}`, bad: true},
	{in: `"a""b"`, bad: true},
	{in: "1\x00", bad: true}, // a NUL after the value
	{in: `truex`, bad: true},
	{in: `tru`, bad: true},
	{in: `True`, bad: true},
	{in: `nul`, bad: true},
	{in: `nulL`, bad: true},
	{in: `fals`, bad: true},
	{in: `undefined`, bad: true},
	{in: `'a'`, bad: true},
	{in: `/* */ 1`, bad: true},
	{in: "\"\xff\"", want: "\ufffd"}, // see the UTF-8 cases below
	{in: `"\u0000"`, want: "\x00"},
	{in: `"a\"b\\c\/d"`, want: `a"b\c/d`},
	{in: `"\b\f\n\r\t"`, want: "\b\f\n\r\t"},

	// Numbers, exactly as RFC 8259 writes them, kept as their text.
	{in: `-0`, want: num("-0")},
	{in: `-0.0`, want: num("-0.0")},
	{in: `123`, want: num("123")},
	{in: `-123.456e-7`, want: num("-123.456e-7")},
	{in: `1e5`, want: num("1e5")},
	{in: `1E+5`, want: num("1E+5")},
	{in: `1e-05`, want: num("1e-05")},
	{in: `0.5`, want: num("0.5")},
	{in: `100000000000000000000000000000001`, want: num("100000000000000000000000000000001")},
	{in: `1e99999`, want: num("1e99999")}, // not representable, but valid
	{in: `01`, bad: true},
	{in: `-01`, bad: true},
	{in: `00`, bad: true},
	{in: `+1`, bad: true},
	{in: `.5`, bad: true},
	{in: `1.`, bad: true},
	{in: `1.e5`, bad: true},
	{in: `1e`, bad: true},
	{in: `1e+`, bad: true},
	{in: `1e+-1`, bad: true},
	{in: `-`, bad: true},
	{in: `--1`, bad: true},
	{in: `- 1`, bad: true},
	{in: `0x1`, bad: true},
	{in: `1_000`, bad: true},
	{in: `NaN`, bad: true},
	{in: `Infinity`, bad: true},
	{in: `-Infinity`, bad: true},
	{in: `[01]`, bad: true},
	{in: `[1.]`, bad: true},
	{in: `{"a":-}`, bad: true},

	// Objects and arrays.
	{in: `{}`, want: obj{}},
	{in: `[]`, want: arr{}},
	{in: ` { } `, want: obj{}},
	{in: `[ ]`, want: arr{}},
	{in: `{"a":1,"a":2}`, want: obj{"a": num("2")}}, // the last duplicate wins
	{in: `{"a":{"x":1},"a":[true]}`, want: obj{"a": arr{true}}},
	{in: `{"a\u0062":1,"ab":2}`, want: obj{"ab": num("2")}}, // duplicates once decoded
	{in: ` {"a" : 1 , "b":[ ] ,"c" :{ }} `, want: obj{"a": num("1"), "b": arr{}, "c": obj{}}},
	{in: `[1,"a",null,true,false,[],{}]`, want: arr{num("1"), "a", nil, true, false, arr{}, obj{}}},
	{in: `{"user":{"name":"bob","sid":"S-1"},"ids":[1,2]}`, want: obj{
		"user": obj{"name": "bob", "sid": "S-1"},
		"ids":  arr{num("1"), num("2")},
	}},
	{in: `{"":""}`, want: obj{"": ""}},
	{in: `{`, bad: true},
	{in: `[`, bad: true},
	{in: `{"a"`, bad: true},
	{in: `{"a":`, bad: true},
	{in: `{"a":1`, bad: true},
	{in: `{"a":1,`, bad: true},
	{in: `[1`, bad: true},
	{in: `[1,`, bad: true},
	{in: `{,}`, bad: true},
	{in: `{"a":1,}`, bad: true},
	{in: `[1,]`, bad: true},
	{in: `[,1]`, bad: true},
	{in: `[1 2]`, bad: true},
	{in: `{"a" 1}`, bad: true},
	{in: `{"a"}`, bad: true},
	{in: `{1:2}`, bad: true},
	{in: `{a:1}`, bad: true},
	{in: `{'a':1}`, bad: true},
	{in: `{"a":1;"b":2}`, bad: true},
	{in: `{"a":1 "b":2}`, bad: true},
	{in: `{"a"::1}`, bad: true},
	{in: `[}`, bad: true},
	{in: `{]`, bad: true},
	{in: `}`, bad: true},
	{in: `]`, bad: true},

	// String escapes.
	{in: `"\u00e9\u00E9"`, want: "éé"},
	{in: `"\u20AC"`, want: "€"},
	{in: `"\ud83d\ude00"`, want: "😀"}, // a surrogate pair
	{in: `"\uD83D\uDE00"`, want: "😀"},
	{in: `"\ud83d"`, want: "\ufffd"}, // a lone high surrogate
	{in: `"\ude00"`, want: "\ufffd"}, // a lone low surrogate
	{in: `"\ud83dx"`, want: "\ufffdx"},
	{in: `"\ud83d\u0041"`, want: "\ufffdA"}, // the next escape is read on its own
	{in: `"\ud83d\ud83d\ude00"`, want: "\ufffd😀"},
	{in: `"\ude00\ud83d"`, want: "\ufffd\ufffd"}, // a pair in the wrong order
	{in: `"\ud83d\n"`, want: "\ufffd\n"},
	{in: `"\ud83d\\ude00"`, want: "\ufffd\\ude00"},
	{in: `"\ufffd"`, want: "\ufffd"},
	{in: `"\x41"`, bad: true},
	{in: `"\'"`, bad: true},
	{in: `"\a"`, bad: true},
	{in: `"\U0041"`, bad: true},
	{in: `"\u12"`, bad: true},
	{in: `"\u12G4"`, bad: true},
	{in: `"\u"`, bad: true},
	{in: `"\`, bad: true},
	{in: `"\"`, bad: true},
	{in: `"abc`, bad: true},
	{in: `"`, bad: true},

	// Control characters must be escaped; DEL need not be.
	{in: "\"a\x01b\"", bad: true},
	{in: "\"\x1f\"", bad: true},
	{in: "\"\t\"", bad: true},
	{in: "\"\n\"", bad: true},
	{in: "\"\x00\"", bad: true},
	{in: "\"\x7f\"", want: "\x7f"},
	{in: "\"\\u001f\"", want: "\x1f"},

	// Invalid UTF-8: each byte utf8.DecodeRune rejects becomes one U+FFFD.
	{in: "\"a\xffb\"", want: "a\ufffdb"},
	{in: "\"\xe2\x82\"", want: "\ufffd\ufffd"},           // a truncated sequence
	{in: "\"\xe2\x82\xac\"", want: "€"},                  // the complete one
	{in: "\"\xc0\xaf\"", want: "\ufffd\ufffd"},           // an overlong encoding
	{in: "\"\xed\xa0\x80\"", want: "\ufffd\ufffd\ufffd"}, // an encoded surrogate
	{in: "\"\xf4\x90\x80\x80\"", want: "\ufffd\ufffd\ufffd\ufffd"},
	{in: "\"\x80\\n\"", want: "\ufffd\n"},
	{in: "{\"k\xff\":\"v\xfe\"}", want: obj{"k\ufffd": "v\ufffd"}},
	{in: "\"\xef\xbf\xbd\"", want: "\ufffd"}, // U+FFFD itself is kept
	{in: "\"\u2028\u2029\"", want: "\u2028\u2029"},
	{in: "\"\xff", bad: true},
	{in: "\xff", bad: true},
}

func TestDecode(t *testing.T) {
	for _, tc := range decodeCases {
		got, err := Decode([]byte(tc.in))
		if tc.bad {
			if err == nil {
				t.Errorf("Decode(%q) = %#v, want an error", tc.in, got)
			}
		} else if err != nil {
			t.Errorf("Decode(%q): %v", tc.in, err)
		} else if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Decode(%q) = %#v, want %#v", tc.in, got, tc.want)
		}

		// The expectations above are by hand; check that encoding/json agrees with them,
		// so that a mistake in the table cannot hide a difference.
		std, stdErr := stdDecode([]byte(tc.in))
		if (stdErr != nil) != tc.bad || (!tc.bad && !reflect.DeepEqual(std, tc.want)) {
			t.Errorf("encoding/json disagrees with the table on %q: %#v, %v", tc.in, std, stdErr)
		}
		if v := wholeValue([]byte(tc.in)); v == tc.bad {
			t.Errorf("wholeValue(%q) = %v", tc.in, v)
		}
	}
}

func TestDecodeEmptyIsNotNil(t *testing.T) {
	v, _ := Decode([]byte(`{"o":{},"a":[]}`))
	m := v.(map[string]any)
	if m["o"].(map[string]any) == nil || m["a"].([]any) == nil {
		t.Fatalf("empty object or array decoded as nil: %#v", m)
	}
}

func TestDecodeCopiesInput(t *testing.T) {
	b := []byte(`{"k":"value","n":12}`)
	v, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 'x'
	}
	want := obj{"k": "value", "n": num("12")}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("result changed with its input: %#v", v)
	}
}

func TestDecodeAtMost(t *testing.T) {
	doc := []byte(`{"a":[1,"x",{"b":null}],"c":true}`) // the object, a, 1, "x", {…}, null, true: 7
	for _, tc := range []struct {
		max, read int
		refused   bool
	}{{7, 7, false}, {100, 7, false}, {6, 6, true}, {0, 0, true}} {
		v, read, err := DecodeAtMost(doc, tc.max)
		if refused := errors.Is(err, ErrTooManyValues); refused != tc.refused || read != tc.read || (v == nil) != tc.refused {
			t.Errorf("DecodeAtMost(%d) = %v, %d, %v; want %d values read, refused %v", tc.max, v, read, err, tc.read, tc.refused)
		}
	}
	if _, _, err := DecodeAtMost(append([]byte("["), append(bytes.Repeat([]byte("1,"), 1_000_000), '1', ']')...), 10); !errors.Is(err, ErrTooManyValues) {
		t.Errorf("a million values under a bound of 10: %v", err)
	}
}

// TestDecodeAfterError checks that a failed Decode leaves nothing behind in the reused
// decoder for the next one.
func TestDecodeAfterError(t *testing.T) {
	for range 3 {
		if _, err := Decode([]byte(`{"a":[1,{"b":"\u12"}]}`)); err == nil {
			t.Fatal("no error")
		}
		v, err := Decode([]byte(`{"c":[2],"d":{}}`))
		if err != nil {
			t.Fatal(err)
		}
		if want := (obj{"c": arr{num("2")}, "d": obj{}}); !reflect.DeepEqual(v, want) {
			t.Fatalf("got %#v, want %#v", v, want)
		}
	}
}

// TestStringBytes puts every byte value at every position of strings of up to 18 bytes,
// among fillers of every kind, to check the loops that read strings eight bytes at a time
// against encoding/json: decoding the string as JSON, and writing it.
func TestStringBytes(t *testing.T) {
	for _, fill := range []byte{'a', 0x7f, 0xa0, 0xff} {
		for n := 1; n <= 18; n++ {
			for pos := range n {
				for c := range 256 {
					s := bytes.Repeat([]byte{fill}, n)
					s[pos] = byte(c)
					b := append(append([]byte{'"'}, s...), '"')
					want, wantErr := stdDecode(b)
					got, err := Decode(b)
					if (err == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) {
						t.Fatalf("Decode(%q) = %q, %v; encoding/json gives %q, %v", b, got, err, want, wantErr)
					}
					if got, want := AppendCanonical(nil, string(s)), marshal(t, string(s)); !bytes.Equal(got, want) {
						t.Fatalf("AppendCanonical(%q) = %s, want %s", s, got, want)
					}
					// A quote inside ends the string early: Skip then stops there.
					end, err := Skip(b, 0)
					if (err == nil && end == len(b)) != (wantErr == nil) {
						t.Fatalf("Skip(%q) = %d, %v; encoding/json: %v", b, end, err, wantErr)
					}
				}
			}
		}
	}
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// nested returns n arrays or objects inside one another around a 1.
func nested(n int, object bool) string {
	if object {
		return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n)
	}
	return strings.Repeat("[", n) + "1" + strings.Repeat("]", n)
}

func TestDepth(t *testing.T) {
	for _, object := range []bool{false, true} {
		for _, tc := range []struct {
			n  int
			ok bool
		}{{1, true}, {9999, true}, {10000, true}, {10001, false}, {100000, false}} {
			b := []byte(nested(tc.n, object))
			if _, err := Decode(b); (err == nil) != tc.ok {
				t.Errorf("Decode of depth %d (object %v): %v", tc.n, object, err)
			}
			if wholeValue(b) != tc.ok {
				t.Errorf("wholeValue of depth %d (object %v) = %v", tc.n, object, !tc.ok)
			}
			if json.Valid(b) != tc.ok {
				t.Errorf("json.Valid disagrees at depth %d", tc.n)
			}
			if _, err := Skip(b, 0); (err == nil) != tc.ok {
				t.Errorf("Skip of depth %d (object %v): %v", tc.n, object, err)
			}
			var err error
			if object {
				err = Members(b, func(string, []byte) bool { return true })
			} else {
				err = Elements(b, func([]byte) bool { return true })
			}
			if (err == nil) != tc.ok {
				t.Errorf("Members/Elements of depth %d (object %v): %v", tc.n, object, err)
			}
		}
	}
	// Arrays and objects count alike.
	mixed := strings.Repeat(`[{"a":`, 5000) + "1" + strings.Repeat("}]", 5000)
	if _, err := Decode([]byte(mixed)); err != nil {
		t.Errorf("Decode of depth 10000 (mixed): %v", err)
	}
	if _, err := Decode([]byte("[" + mixed + "]")); err == nil {
		t.Error("Decode of depth 10001 (mixed): no error")
	}
}

func TestSkip(t *testing.T) {
	for _, tc := range []struct {
		in    string
		start int
		end   int // -1 for an error
	}{
		{`1`, 0, 1},
		{`  {"a":[1,2]} , 3`, 0, 13},
		{`  {"a":[1,2]} , 3`, 15, 17},
		{`[1,2][3]`, 0, 5},
		{`[1,2][3]`, 5, 8},
		{`"a\"b"x`, 0, 6},
		{`123abc`, 0, 3}, // Skip does not look past the value
		{`truex`, 0, 4},
		{`-`, 0, -1},
		{`   `, 0, -1},
		{``, 0, -1},
		{`1`, 1, -1},
		{`1`, 2, -1},
		{`1`, -1, -1},
		{`[1,]`, 0, -1},
		{"\"\x01\"", 0, -1},
		{"\"\xff\"", 0, 3}, // invalid UTF-8 is valid JSON
	} {
		end, err := Skip([]byte(tc.in), tc.start)
		if tc.end < 0 {
			if err == nil {
				t.Errorf("Skip(%q, %d) = %d, want an error", tc.in, tc.start, end)
			}
			continue
		}
		if err != nil || end != tc.end {
			t.Errorf("Skip(%q, %d) = %d, %v; want %d", tc.in, tc.start, end, err, tc.end)
		}
	}
}

func TestErrorOffsets(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{`[1,x]`, "invalid character 'x' looking for beginning of value at offset 3"},
		{`{"a":1,}`, "invalid character '}' looking for beginning of object key string at offset 7"},
		{`{"a" 1}`, "invalid character '1' after object key at offset 5"},
		{`[1 2]`, "invalid character '2' after array element at offset 3"},
		{`{"a":1 2}`, "invalid character '2' after object key:value pair at offset 7"},
		{`[1,2`, "unexpected end of JSON input at offset 4"},
		{`01`, "invalid character '1' after top-level value at offset 1"},
		{`1.x`, "invalid character 'x' after decimal point in numeric literal at offset 2"},
		{`1e`, "unexpected end of JSON input at offset 2"},
		{`-a`, "invalid character 'a' in numeric literal at offset 1"},
		{"\"ab\x01\"", "invalid character 0x01 in string literal at offset 3"},
		{`"\q"`, "invalid character 'q' in string escape code at offset 2"},
		{`"\u12x4"`, "invalid character 'x' in \\u hexadecimal character escape at offset 5"},
		{`nulx`, "invalid character 'x' in literal null (expecting 'l') at offset 3"},
		{"\xef\xbb\xbf1", "invalid character 0xef looking for beginning of value at offset 0"},
		{`[[1]]]`, "invalid character ']' after top-level value at offset 5"},
	} {
		_, err := Decode([]byte(tc.in))
		if err == nil || err.Error() != tc.want {
			t.Errorf("Decode(%q) error = %v\nwant %s", tc.in, err, tc.want)
		}
	}
	if _, err := Decode([]byte(nested(10001, false))); err == nil || err.Error() != "exceeded max depth at offset 10000" {
		t.Errorf("Decode of depth 10001: %v", err)
	}
}

type kv struct {
	key, value string
}

// members collects what Members passes to fn.
func members(b []byte) ([]kv, error) {
	var got []kv
	err := Members(b, func(key string, value []byte) bool {
		got = append(got, kv{key, string(value)})
		return true
	})
	return got, err
}

func TestMembers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []kv
		bad  bool
	}{
		{in: `{}`},
		{in: " \n{ } \t"},
		{in: `{"a":1}`, want: []kv{{"a", "1"}}},
		{
			in:   ` { "b" : [1, 2] , "a\n":{"x": "y"}, "b":"z\"" , "c":null} `,
			want: []kv{{"b", "[1, 2]"}, {"a\n", `{"x": "y"}`}, {"b", `"z\""`}, {"c", "null"}},
		},
		{in: "{\"\\ud83d\xff\":-0.5e3}", want: []kv{{"\ufffd\ufffd", "-0.5e3"}}},
		{in: `[]`, bad: true},
		{in: `null`, bad: true},
		{in: `"{}"`, bad: true},
		{in: ``, bad: true},
		{in: `{} {}`, bad: true},
		{in: `{}x`, bad: true},
		{in: `{"a":1,}`, bad: true},
		{in: `{"a":01}`, bad: true},
		{in: `{"a":1 "b":2}`, bad: true},
		{in: `{"a":1`, bad: true},
		{in: `{"a\u":1}`, bad: true},
		{in: `{"a":[}`, bad: true},
	} {
		got, err := members([]byte(tc.in))
		if tc.bad {
			if err == nil {
				t.Errorf("Members(%q): no error", tc.in)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Members(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestMembersNoCopy(t *testing.T) {
	b := []byte(`{"a":"xyz","b":[1]}`)
	err := Members(b, func(key string, value []byte) bool {
		i := bytes.Index(b, value)
		if &value[0] != &b[i] {
			t.Errorf("value of %q is a copy", key)
		}
		if cap(value) != len(value) {
			t.Errorf("value of %q may be appended to in place: cap %d", key, cap(value))
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMembersStop(t *testing.T) {
	// Members stops when fn returns false, without reading on: the malformed rest is
	// not reported.
	var keys []string
	err := Members([]byte(`{"a":1,"b":2,"c":3,x`), func(key string, _ []byte) bool {
		keys = append(keys, key)
		return key != "b"
	})
	if err != nil || !reflect.DeepEqual(keys, []string{"a", "b"}) {
		t.Fatalf("keys %q, error %v", keys, err)
	}
}

// elements collects what Elements passes to fn.
func elements(b []byte) ([]string, error) {
	var got []string
	err := Elements(b, func(value []byte) bool {
		got = append(got, string(value))
		return true
	})
	return got, err
}

func TestElements(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		bad  bool
	}{
		{in: `[]`},
		{in: " [\n] "},
		{in: `[1]`, want: []string{"1"}},
		{in: ` [ 1 , "a" ,{"b": [ ]}, [2,3],null ] `, want: []string{"1", `"a"`, `{"b": [ ]}`, "[2,3]", "null"}},
		{in: `{}`, bad: true},
		{in: `null`, bad: true},
		{in: `[] []`, bad: true},
		{in: `[1,]`, bad: true},
		{in: `[,]`, bad: true},
		{in: `[1 2]`, bad: true},
		{in: `[1`, bad: true},
		{in: `[01]`, bad: true},
		{in: "[\"\x00\"]", bad: true},
	} {
		got, err := elements([]byte(tc.in))
		if tc.bad {
			if err == nil {
				t.Errorf("Elements(%q): no error", tc.in)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Elements(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestElementsStop(t *testing.T) {
	n := 0
	err := Elements([]byte(`[1,2,3,4,oops`), func([]byte) bool {
		n++
		return n < 2
	})
	if err != nil || n != 2 {
		t.Fatalf("%d calls, error %v", n, err)
	}
}

func TestAppendCanonical(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{nil, `null`},
		{true, `true`},
		{false, `false`},
		{"", `""`},
		{num("-1.5e+3"), `-1.5e+3`},
		{num(""), `0`}, // as json.Marshal writes the zero json.Number
		{obj{}, `{}`},
		{arr{}, `[]`},
		{obj(nil), `null`},
		{arr(nil), `null`},
		{map[string]string(nil), `null`},
		{[]string(nil), `null`},
		{map[string]string{"b": "2", "a": "1"}, `{"a":"1","b":"2"}`},
		{[]string{"x", "<y>"}, `["x","\u003cy\u003e"]`},
		{obj{"b": num("1"), "a": arr{true, nil, "s"}, "B": obj{"z": obj{}, "": false}},
			`{"B":{"":false,"z":{}},"a":[true,null,"s"],"b":1}`},
		// Keys sort by bytes, so "Z" < "a" < "é" and "a" < "a\x00".
		{obj{"é": 1, "a\x00": 2, "a": 3, "Z": 4}, `{"Z":4,"a":3,"a\u0000":2,"é":1}`},
		// Escaping, as json.Marshal does it.
		{"a\"b\\c/d", `"a\"b\\c/d"`},
		{"<a href='x'>&amp;</a>", `"\u003ca href='x'\u003e\u0026amp;\u003c/a\u003e"`},
		{"\b\f\n\r\t", `"\b\f\n\r\t"`},
		{"\x00\x01\x1f\x7f", `"\u0000\u0001\u001f` + "\x7f" + `"`},
		{"\u2028\u2029\u202a", `"\u2028\u2029` + "\u202a" + `"`},
		{"é€😀\ufffd", `"é€😀` + "\ufffd" + `"`},
		{"a\xffb", `"a\ufffdb"`},
		{"\xe2\x82", `"\ufffd\ufffd"`},
		{"\xed\xa0\x80", `"\ufffd\ufffd\ufffd"`},
		{obj{"k\xff<": "v"}, `{"k\ufffd\u003c":"v"}`},
		// Other types go through json.Marshal.
		{3, `3`},
		{[]int{1, 2}, `[1,2]`},
		{obj{"n": 1.5, "t": map[string]int{"b": 1, "a": 2}}, `{"n":1.5,"t":{"a":2,"b":1}}`},
	} {
		got := AppendCanonical(nil, tc.in)
		if string(got) != tc.want {
			t.Errorf("AppendCanonical(%#v) = %s, want %s", tc.in, got, tc.want)
		}
		std, err := json.Marshal(tc.in)
		if err != nil || string(std) != tc.want {
			t.Errorf("json.Marshal disagrees with the table on %#v: %s, %v", tc.in, std, err)
		}
	}
}

func TestAppendCanonicalAppends(t *testing.T) {
	dst := []byte("prefix:")
	got := AppendCanonical(dst, obj{"a": "b"})
	if string(got) != `prefix:{"a":"b"}` {
		t.Fatalf("got %s", got)
	}
}

func TestAppendCanonicalPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a value json.Marshal rejects")
		}
	}()
	AppendCanonical(nil, obj{"c": make(chan int)})
}

// TestSamples checks every GravityZone sample, whole and event by event, against
// encoding/json.
func TestSamples(t *testing.T) {
	for _, s := range samples(t) {
		t.Run(s.name, func(t *testing.T) {
			checkDecode(t, s.data)
			checkCanonical(t, s.data)
			checkMembersElements(t, s.data)
		})
	}
}
