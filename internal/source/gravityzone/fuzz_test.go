package gravityzone

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"halobridge/internal/source"
)

// FuzzParsePush feeds ParsePushAt the reference samples in all three formats and whatever
// the fuzzer makes of them: it must never panic, and what it accepts must be whole alerts.
func FuzzParsePush(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(samplesDir(f), "addEvents.*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no samples to seed from: %v", err)
	}
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
		var envelope struct {
			Params struct {
				Events []json.RawMessage `json:"events"`
			} `json:"params"`
		}
		if err := json.Unmarshal(body, &envelope); err != nil {
			f.Fatal(err)
		}
		for _, ev := range envelope.Params.Events {
			f.Add([]byte(`{"event":` + string(ev) + "}\n"))
			f.Add(append(append([]byte{}, ev...), '\n'))
		}
	}
	f.Add([]byte(`{"jsonrpc":"2.0","method":"addEvents","params":{"events":[42,null,{"module":"x"}]}}`))
	f.Add([]byte("{\"module\":\"av\"}\n{broken\n"))

	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := ParsePushAt(nil, body, received, source.DefaultMaxEvents)
		if err != nil {
			if len(in.Alerts) != 0 {
				t.Fatal("an error must come without alerts")
			}
			return
		}
		for _, a := range in.Alerts {
			if a.Source != "gravityzone" || a.Type == "" || a.Severity == "" || a.OccurredAt.IsZero() {
				t.Fatalf("incomplete alert: %+v", a)
			}
			if _, known := modules[a.Type]; !known && !strings.HasPrefix(a.Type, "unknown:") {
				t.Fatalf("type %q is neither a module nor unknown:", a.Type)
			}
			if len(a.EventID) != 32 || !strings.HasPrefix(a.Fingerprint, "gravityzone|") {
				t.Fatalf("EventID %q, fingerprint %q", a.EventID, a.Fingerprint)
			}
			if !json.Valid(a.Raw) {
				t.Fatalf("Raw is not JSON: %q", a.Raw)
			}
		}
		again, err := ParsePushAt(nil, body, received, source.DefaultMaxEvents)
		if err != nil || len(again.Alerts) != len(in.Alerts) {
			t.Fatalf("a second parse differs: %v", err)
		}
		for i := range in.Alerts {
			if again.Alerts[i].EventID != in.Alerts[i].EventID || again.Alerts[i].Fingerprint != in.Alerts[i].Fingerprint {
				t.Fatal("EventID and fingerprint must be stable")
			}
		}
	})
}
