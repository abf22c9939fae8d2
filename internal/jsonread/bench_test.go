package jsonread

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The benchmarks read the largest sample event, as halobridge reads each event of a push.

func BenchmarkDecode(b *testing.B) {
	event := largestEvent(b)
	b.Run("jsonread", func(b *testing.B) {
		b.SetBytes(int64(len(event)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode(event); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.SetBytes(int64(len(event)))
		b.ReportAllocs()
		for b.Loop() {
			dec := json.NewDecoder(bytes.NewReader(event))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDecodeAll reads each of the sample events in turn.
func BenchmarkDecodeAll(b *testing.B) {
	var events [][]byte
	size := 0
	for _, s := range samples(b) {
		if s.event {
			events = append(events, s.data)
			size += len(s.data)
		}
	}
	b.Run("jsonread", func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for b.Loop() {
			for _, e := range events {
				if _, err := Decode(e); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for b.Loop() {
			for _, e := range events {
				dec := json.NewDecoder(bytes.NewReader(e))
				dec.UseNumber()
				var v any
				if err := dec.Decode(&v); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

func BenchmarkCanonical(b *testing.B) {
	event := largestEvent(b)
	v, err := Decode(event)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("jsonread", func(b *testing.B) {
		b.SetBytes(int64(len(event)))
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = AppendCanonical(buf[:0], v)
		}
	})
	b.Run("jsonread_new_buffer", func(b *testing.B) {
		b.SetBytes(int64(len(event)))
		b.ReportAllocs()
		for b.Loop() {
			AppendCanonical(nil, v)
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.SetBytes(int64(len(event)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSkip(b *testing.B) {
	for _, bc := range []struct {
		name string
		data []byte
	}{
		{"event", largestEvent(b)},
		{"envelope100", envelope(b, 100)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Skip(bc.data, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/json.Valid", func(b *testing.B) {
			b.SetBytes(int64(len(bc.data)))
			b.ReportAllocs()
			for b.Loop() {
				if !json.Valid(bc.data) {
					b.Fatal("invalid")
				}
			}
		})
	}
}
