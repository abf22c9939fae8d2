package gravityzone

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone/gzsim"
)

// BenchmarkParsePush reads a jsonRPC push of 100 events of every module,
// as the simulator makes them and as 'halobridge bench ingest' posts them.
func BenchmarkParsePush(b *testing.B) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	sim := gzsim.New(gzsim.Options{Seed: 42, Now: func() time.Time { return now }})
	companies := sim.Companies()[1:]
	modules := gzsim.Modules()
	var body bytes.Buffer
	body.WriteString(`{"jsonrpc":"2.0","method":"addEvents","params":{"events":[`)
	const events = 100
	for i := range events {
		ev, err := sim.NewEvent(modules[i%len(modules)], companies[i%len(companies)].ID)
		if err != nil {
			b.Fatal(err)
		}
		raw, err := json.Marshal(ev)
		if err != nil {
			b.Fatal(err)
		}
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(raw)
		now = now.Add(time.Millisecond)
	}
	body.WriteString(`]},"id":1}`)
	b.SetBytes(int64(body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		in, err := ParsePushAt(nil, body.Bytes(), now, source.DefaultMaxEvents)
		if err != nil || len(in.Alerts) != events {
			b.Fatalf("%d alerts, %v", len(in.Alerts), err)
		}
	}
}
