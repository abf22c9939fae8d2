package jsonread

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// samplesDir holds GravityZone's Event Push samples, kept with the gravityzone
// package's test data (see its testdata/README.md).
const samplesDir = "../source/gravityzone/testdata/events"

// sample is one JSON document from samplesDir: a whole file or one of its events.
type sample struct {
	name  string
	data  []byte
	event bool // one event of a file's params.events
}

// loadSamples reads every file of samplesDir, and each event of its params.events
// separately. A missing sample directory fails the test.
func loadSamples(tb testing.TB) []sample {
	tb.Helper()
	entries, err := os.ReadDir(samplesDir)
	if err != nil {
		tb.Fatalf("the GravityZone push samples are missing: %v", err)
	}
	var out []sample
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(samplesDir, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, sample{name: e.Name(), data: data})
		var body struct {
			Params struct {
				Events []json.RawMessage `json:"events"`
			} `json:"params"`
		}
		if json.Unmarshal(data, &body) != nil {
			continue
		}
		for i, ev := range body.Params.Events {
			out = append(out, sample{name: e.Name() + "#" + strconv.Itoa(i), data: ev, event: true})
		}
	}
	return out
}

// samples is loadSamples for tests that need at least one sample.
func samples(tb testing.TB) []sample {
	tb.Helper()
	s := loadSamples(tb)
	if len(s) == 0 {
		tb.Fatalf("no samples in %s", samplesDir)
	}
	return s
}

// largestEvent returns the largest single event of the samples.
func largestEvent(tb testing.TB) []byte {
	tb.Helper()
	var best []byte
	for _, s := range samples(tb) {
		if s.event && len(s.data) > len(best) {
			best = s.data
		}
	}
	if best == nil {
		tb.Fatal("no events among the samples")
	}
	return best
}

// envelope builds an addEvents body of n events taken in turn from the samples, like
// the ones GravityZone pushes.
func envelope(tb testing.TB, n int) []byte {
	tb.Helper()
	var events [][]byte
	for _, s := range samples(tb) {
		if s.event {
			events = append(events, s.data)
		}
	}
	if len(events) == 0 {
		tb.Fatal("no events among the samples")
	}
	b := []byte(`{"jsonrpc":"2.0","method":"addEvents","params":{"events":[`)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, events[i%len(events)]...)
	}
	return append(b, `]},"id":1}`...)
}

// stdDecode decodes b the way halobridge has done it with encoding/json: a Decoder with
// UseNumber, then a check that only whitespace follows the value.
func stdDecode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if rest := bytes.TrimLeft(b[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, &json.SyntaxError{Offset: dec.InputOffset()}
	}
	return v, nil
}
