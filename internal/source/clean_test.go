package source_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
)

func TestAlertClean(t *testing.T) {
	t.Parallel()

	t.Run("LeavesACleanAlertAsItIs", func(t *testing.T) {
		t.Parallel()
		a := source.Alert{CustomerID: "c1", Type: "av", HostName: "PC-01", Facts: map[string]string{"file_path": `C:\eicar.txt`},
			Raw: json.RawMessage(`{"file_path":"C:\\eicar.txt","name":"caf\u00e9 \ud83d\ude00 \u0026"}`), EventID: "e1", Fingerprint: "f"}
		want := a
		want.Facts = map[string]string{"file_path": `C:\eicar.txt`}
		a.Clean()
		if diff := cmp.Diff(want, a); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("ReplacesNULInTextsFactsAndRaw", func(t *testing.T) {
		t.Parallel()
		a := source.Alert{CustomerID: "c\x001", HostName: "PC\x00", Facts: map[string]string{"na\x00me": "v\x00"},
			Raw: json.RawMessage(`{"host":"PC\u0000","path":"C:\\u0000"}`), EventID: "e1", Fingerprint: "f"}
		a.Clean()
		want := source.Alert{CustomerID: "c\uFFFD1", HostName: "PC\uFFFD",
			Facts: map[string]string{"na\uFFFDme": "v\uFFFD", source.FactCleaned: "nul"},
			// The escaped backslash before u0000 in "path" is no NUL: it stays.
			Raw: json.RawMessage(`{"host":"PC\ufffd","path":"C:\\u0000"}`), EventID: "e1", Fingerprint: "f"}
		if diff := cmp.Diff(want, a); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("ReplacesInvalidUTF8ByteByByte", func(t *testing.T) {
		t.Parallel()
		a := source.Alert{User: "ann\xff\xfe", Raw: json.RawMessage("{\"user\":\"ann\xff\xfe\",\"s\":\"\xed\xa0\x80\"}"), EventID: "e1"}
		a.Clean()
		if a.User != "ann\uFFFD\uFFFD" {
			t.Errorf("User = %q", a.User)
		}
		// An encoded surrogate (ED A0 80) is not UTF-8 either: three bytes, three replacements.
		if want := "{\"user\":\"ann\uFFFD\uFFFD\",\"s\":\"\uFFFD\uFFFD\uFFFD\"}"; string(a.Raw) != want {
			t.Errorf("Raw = %q, want %q", a.Raw, want)
		}
		if a.Facts[source.FactCleaned] != "invalid_utf8" {
			t.Errorf("facts %v: want %s = invalid_utf8", a.Facts, source.FactCleaned)
		}
	})

	t.Run("ReplacesLoneSurrogatesButNotPairs", func(t *testing.T) {
		t.Parallel()
		a := source.Alert{Raw: json.RawMessage(`["\ud800","\uDC00x","\ud83d\ude00","\ud83d\u0041","\\ud800"]`), EventID: "e1"}
		a.Clean()
		if want := `["\ufffd","\ufffdx","\ud83d\ude00","\ufffd\u0041","\\ud800"]`; string(a.Raw) != want {
			t.Errorf("Raw = %s, want %s", a.Raw, want)
		}
		if a.Facts[source.FactCleaned] != "lone_surrogate" {
			t.Errorf("facts %v", a.Facts)
		}
	})

	t.Run("ListsEverythingItReplacedInOneFact", func(t *testing.T) {
		t.Parallel()
		a := source.Alert{HostName: "\x00", URL: "\xc3", Raw: json.RawMessage(`"\udfff"`), EventID: strings.Repeat("e", source.MaxKeyBytes+1),
			Facts: map[string]string{"cleaned": "0"}}
		a.Clean()
		if got := a.Facts[source.FactCleaned]; got != "nul, invalid_utf8, lone_surrogate, too_long" {
			t.Errorf("%s = %q", source.FactCleaned, got)
		}
		if a.Facts["cleaned"] != "0" {
			t.Error("a fact of the event named cleaned was touched")
		}
	})

	t.Run("ShortensLongKeysApartOnACharacter", func(t *testing.T) {
		t.Parallel()
		long := strings.Repeat("é", source.MaxIDBytes) // two bytes each
		a := source.Alert{CustomerID: long + "1", Type: long, EventID: "e", Fingerprint: strings.Repeat("f", source.MaxKeyBytes)}
		b := source.Alert{CustomerID: long + "2", Type: long, EventID: "e", Fingerprint: a.Fingerprint}
		a.Clean()
		b.Clean()
		if len(a.CustomerID) > source.MaxIDBytes || !utf8.ValidString(a.CustomerID) || !strings.HasPrefix(a.CustomerID, "éé") {
			t.Errorf("CustomerID %q (%d bytes): want at most %d valid bytes starting as the id did", a.CustomerID, len(a.CustomerID), source.MaxIDBytes)
		}
		if a.CustomerID == b.CustomerID {
			t.Error("two long customer ids that differ at their end were shortened alike")
		}
		if len(a.Fingerprint) != source.MaxKeyBytes || a.Fingerprint != b.Fingerprint {
			t.Errorf("a fingerprint of exactly %d bytes was changed", source.MaxKeyBytes)
		}
	})

	t.Run("ChangesNothingTheSecondTime", func(t *testing.T) {
		t.Parallel()
		a := source.Alert{HostName: "a\x00\xff", Type: strings.Repeat("t", 300), Raw: json.RawMessage("\"\\u0000\xff\\udbff\""), EventID: "e"}
		a.Clean()
		once := a
		once.Facts = map[string]string{source.FactCleaned: a.Facts[source.FactCleaned]}
		a.Clean()
		if diff := cmp.Diff(once, a); diff != "" {
			t.Errorf("(-once +twice):\n%s", diff)
		}
	})
}

func TestResolutionClean(t *testing.T) {
	t.Parallel()
	r := source.Resolution{Reason: "done\x00", CustomerID: "c\xff", EventID: "r1", Raw: json.RawMessage(`{"reason":"done\u0000"}`)}
	r.Clean()
	want := source.Resolution{Reason: "done\uFFFD", CustomerID: "c\uFFFD", EventID: "r1", Raw: json.RawMessage(`{"reason":"done\ufffd"}`)}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
