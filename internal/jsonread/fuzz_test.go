package jsonread

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// The fuzz tests compare this package with encoding/json on whatever the fuzzer makes of
// the seeds: the samples, the table inputs, and the tricky inputs below.

var trickySeeds = []string{
	`{"jsonrpc":"2.0","method":"addEvents","params":{"events":[{"a":1},{"b":[true,null]}]},"id":1}`,
	`{"user":{"name":"DOMAIN\\bob","sid":"S-1-5-21"},"ports":[80,443],"ok":true,"x":null}`,
	`{"a":1,"a":{"a":[1,{"a":2}]}}`,
	`"\ud83d\ude00\ud83d\ude\u0041\udc00\ud800"`,
	"\"\xe2\x82\xac\xe2\x82 \xff\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\"",
	`"<>&\u2028\u2029\u0000\u001f\u007f"`,
	"\"\u2028\u2029<>&\x7f\"",
	`[-0,-0.0,1e5,1E+5,1e-5,0.5,123456789012345678901234567890]`,
	`[01,+1,.5,1.,-,1e]`,
	"\xef\xbb\xbf{}",
	` [ 1 , { "a" : "b" } ] `,
	`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	`{"":"","\"":"\\","\/":"\b\f\n\r\t"}`,
	`{"a":}`,
	`[1,]`,
	`truefalse`,
	"\t\n\r 0 \t\n\r",
}

// seed adds the samples (whole files and each event), the table inputs and the tricky
// inputs to f's corpus.
func seed(f *testing.F) {
	for _, s := range loadSamples(f) {
		f.Add(s.data)
	}
	for _, tc := range decodeCases {
		f.Add([]byte(tc.in))
	}
	for _, s := range trickySeeds {
		f.Add([]byte(s))
	}
}

func FuzzDecode(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, b)
	})
}

func FuzzCanonical(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		checkCanonical(t, b)
	})
}

func FuzzMembersElements(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		checkMembersElements(t, b)
	})
}

// checkDecode compares Decode, wholeValue and Skip on b with encoding/json.
func checkDecode(t *testing.T, b []byte) {
	t.Helper()
	want, wantErr := stdDecode(b)
	valid := json.Valid(b)
	if (wantErr == nil) != valid {
		// Not this package's business, but the tests rely on the two agreeing.
		t.Fatalf("encoding/json: Decoder says %v but Valid says %v for %q", wantErr, valid, b)
	}
	got, err := Decode(b)
	if (err == nil) != valid {
		t.Fatalf("Decode(%q) error = %v, but json.Valid = %v", b, err, valid)
	}
	if valid && !reflect.DeepEqual(got, want) {
		t.Fatalf("Decode(%q)\n got %#v\nwant %#v", b, got, want)
	}
	if wholeValue(b) != valid {
		t.Fatalf("wholeValue(%q) = %v, json.Valid = %v", b, !valid, valid)
	}
	end, err := Skip(b, 0)
	if valid && (err != nil || len(bytes.TrimLeft(b[end:], " \t\r\n")) != 0) {
		t.Fatalf("Skip(%q) = %d, %v for a valid document", b, end, err)
	}
	if err == nil && !json.Valid(b[:end]) {
		t.Fatalf("Skip(%q) accepted %q, which json.Valid rejects", b, b[:end])
	}
}

// checkCanonical compares AppendCanonical with json.Marshal on b decoded, and on b taken
// as a string (which, unlike decoded strings, may hold invalid UTF-8).
func checkCanonical(t *testing.T, b []byte) {
	t.Helper()
	var values []any
	if v, err := Decode(b); err == nil {
		values = append(values, v)
	}
	s := string(b)
	values = append(values, s, []string{s, s}, map[string]string{s: s, "k": s}, map[string]any{s: []any{s}})
	for _, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%#v): %v", v, err)
		}
		if got := AppendCanonical(nil, v); !bytes.Equal(got, want) {
			t.Fatalf("AppendCanonical(%#v)\n got %s\nwant %s", v, got, want)
		}
		if got := AppendCanonical([]byte("x"), v); !bytes.Equal(got[1:], want) || got[0] != 'x' {
			t.Fatalf("AppendCanonical after a prefix: %s", got)
		}
	}
}

// checkMembersElements compares Members and Elements with encoding/json decoding b into
// a map or slice of json.RawMessage, and for objects with the keys and values that
// json.Decoder.Token reads, in order.
func checkMembersElements(t *testing.T, b []byte) {
	t.Helper()
	first := bytes.TrimLeft(b, " \t\r\n")
	isObject := json.Valid(b) && first[0] == '{'
	isArray := json.Valid(b) && first[0] == '['

	got, err := members(b)
	if (err == nil) != isObject {
		t.Fatalf("Members(%q) error = %v, want an error: %v", b, err, !isObject)
	}
	if isObject {
		want := orderedMembers(t, b)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Members(%q)\n got %q\nwant %q", b, got, want)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		last := make(map[string]json.RawMessage)
		for _, kv := range got {
			last[kv.key] = json.RawMessage(kv.value)
		}
		if !reflect.DeepEqual(last, m) {
			t.Fatalf("Members(%q), the last of each key\n got %q\nwant %q", b, last, m)
		}
	}

	elems, err := elements(b)
	if (err == nil) != isArray {
		t.Fatalf("Elements(%q) error = %v, want an error: %v", b, err, !isArray)
	}
	if isArray {
		var want []json.RawMessage
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		if len(elems) != len(want) {
			t.Fatalf("Elements(%q) = %q, want %q", b, elems, want)
		}
		for i := range want {
			if elems[i] != string(want[i]) {
				t.Fatalf("Elements(%q) = %q, want %q", b, elems, want)
			}
		}
	}

	// Stopping after the first call gives the first member or element.
	calls := 0
	Members(b, func(string, []byte) bool { calls++; return false })
	Elements(b, func([]byte) bool { calls++; return false })
	if wantCalls := min(len(got), 1) + min(len(elems), 1); calls != wantCalls {
		t.Fatalf("%d calls after stopping, want %d", calls, wantCalls)
	}
}

// orderedMembers reads the valid object b with json.Decoder.Token, which gives the keys in
// document order, duplicates included.
func orderedMembers(t *testing.T, b []byte) []kv {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("Token: %v, %v", tok, err)
	}
	var out []kv
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatal(err)
		}
		out = append(out, kv{tok.(string), string(raw)})
	}
	return out
}

// wholeValue reports whether b holds exactly one JSON value, with optional whitespace around
// it, by the scanner Skip and Members use.
func wholeValue(b []byte) bool {
	end, err := skipValue(b, 0, 0)
	return err == nil && onlySpaceFrom(b, end) == nil
}
