package storetest

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

// testCleaning holds both engines to one result for texts PostgreSQL cannot
// keep as they are (NUL, bytes that are not UTF-8, lone surrogates, keys
// longer than its index entries) and SQLite would: the same rows, written by
// hand below, on each.
func testCleaning(t *testing.T, setup func(t *testing.T) *testBundle) {
	t.Run("KeepsTheSameRowOfAnAlertWithNULInvalidUTF8AndLoneSurrogates", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		received := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
		in := source.Alert{
			Source: source.GravityZone, CustomerID: "59a1\x00", Type: "av", Severity: source.SeverityHigh,
			HostName: "PC-\x0001", HostIP: "10.0.0.1", User: "ann\xff", URL: "https://x.example/\xc3",
			Facts:       map[string]string{"malware_name": "EICAR\x00", "file\x00path": "C:\\a\xfe"},
			OccurredAt:  time.Date(2017, 9, 8, 12, 1, 36, 0, time.UTC),
			Raw:         json.RawMessage("{\"computer_name\":\"PC-\\u000001\",\"user\":\"ann\xff\",\"note\":\"\\ud800 \\ud83d\\ude00\"}"),
			Fingerprint: "gravityzone|59a1\x00|av|pc-\x0001", EventID: "e1",
		}
		res, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: received, Alerts: []source.Alert{in}}})
		if err != nil {
			t.Fatalf("StoreInbound: %v", err)
		}
		got, err := b.store.Alert(b.ctx, res[0].AlertIDs[0])
		if err != nil {
			t.Fatal(err)
		}
		want := store.StoredAlert{ID: res[0].AlertIDs[0], PartnerID: p.ID, SourceID: src.ID, ReceivedAt: received, Alert: source.Alert{
			Source: source.GravityZone, CustomerID: "59a1\uFFFD", Type: "av", Severity: source.SeverityHigh,
			HostName: "PC-\uFFFD01", HostIP: "10.0.0.1", User: "ann\uFFFD", URL: "https://x.example/\uFFFD",
			Facts: map[string]string{"malware_name": "EICAR\uFFFD", "file\uFFFDpath": "C:\\a\uFFFD",
				source.FactCleaned: "nul, invalid_utf8, lone_surrogate"},
			OccurredAt:  time.Date(2017, 9, 8, 12, 1, 36, 0, time.UTC),
			Raw:         json.RawMessage("{\"computer_name\":\"PC-\\ufffd01\",\"user\":\"ann\uFFFD\",\"note\":\"\\ufffd \\ud83d\\ude00\"}"),
			Fingerprint: "gravityzone|59a1\uFFFD|av|pc-\uFFFD01", EventID: "e1",
		}}
		if diff := cmp.Diff(want, got, sameBytes); diff != "" {
			t.Errorf("read back (-want +got):\n%s", diff)
		}
	})

	t.Run("StoresABatchWhoseOneEventWasUnstorableWithItsNeighbours", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		bad := sampleAlert("e2", "f")
		bad.HostName, bad.Raw = "PC\x00", json.RawMessage(`{"computer_name":"PC\u0000"}`)
		batch := store.InboundBatch{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: time.Now(),
			Alerts: []source.Alert{sampleAlert("e1", "f"), bad, sampleAlert("e3", "f")}}
		res, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{batch})
		if err != nil {
			t.Fatalf("StoreInbound: %v", err)
		}
		if len(res[0].AlertIDs) != 3 {
			t.Fatalf("stored %d alerts of 3", len(res[0].AlertIDs))
		}
		got, err := b.store.Alert(b.ctx, res[0].AlertIDs[1])
		if err != nil || got.HostName != "PC\uFFFD" || got.Facts[source.FactCleaned] != "nul" {
			t.Errorf("the cleaned alert: host %q, facts %v, %v", got.HostName, got.Facts, err)
		}
	})

	t.Run("KeepsKeysLongerThanAnIndexEntryApart", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.DefensX)
		long := strings.Repeat("k", 4000)
		var alerts []source.Alert
		for _, end := range []string{"1", "2"} {
			a := sampleAlert(long+end, long+end)
			a.CustomerID, a.Type = long+end, "unknown:"+long+end
			alerts = append(alerts, a)
		}
		res, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: time.Now(), Alerts: alerts}})
		if err != nil {
			t.Fatalf("StoreInbound: %v", err)
		}
		if len(res[0].AlertIDs) != 2 || res[0].Duplicates != 0 {
			t.Fatalf("result %+v: want two alerts stored", res[0])
		}
		first, _ := b.store.Alert(b.ctx, res[0].AlertIDs[0])
		second, _ := b.store.Alert(b.ctx, res[0].AlertIDs[1])
		if len(first.EventID) > source.MaxKeyBytes || len(first.CustomerID) > source.MaxIDBytes || len(first.Type) > source.MaxIDBytes ||
			first.EventID == second.EventID || first.CustomerID == second.CustomerID || first.Fingerprint == second.Fingerprint {
			t.Errorf("event ids %d and %d bytes, customer %d bytes, type %d bytes; want bounded and still apart",
				len(first.EventID), len(second.EventID), len(first.CustomerID), len(first.Type))
		}
		if first.Facts[source.FactCleaned] != "too_long" {
			t.Errorf("facts %v: want %s too_long", first.Facts, source.FactCleaned)
		}
		again, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: time.Now(), Alerts: []source.Alert{sampleAlert(long+"1", "f")}}})
		if err != nil || again[0].Duplicates != 1 {
			t.Errorf("the long event id again: %+v, %v; want a redelivery", again, err)
		}
	})

	t.Run("CleansAResolution", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.Push)
		r := source.Resolution{Source: source.Push, CustomerID: "c\x00", Fingerprint: "push:c\x00:alert:1", Reason: "fixed\xff",
			ResolvedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), EventID: "push:c\x00:resolve:1", Raw: json.RawMessage(`{"reason":"fixed\u0000"}`)}
		if _, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: p.ID, SourceID: src.ID, Resolutions: []source.Resolution{r}}}); err != nil {
			t.Fatalf("StoreInbound: %v", err)
		}
		got, err := b.store.Resolutions(b.ctx, src.ID)
		if err != nil || len(got) != 1 {
			t.Fatalf("Resolutions = %+v, %v", got, err)
		}
		want := source.Resolution{CustomerID: "c\uFFFD", Fingerprint: "push:c\uFFFD:alert:1", Reason: "fixed\uFFFD",
			ResolvedAt: r.ResolvedAt, EventID: "push:c\uFFFD:resolve:1", Raw: json.RawMessage(`{"reason":"fixed\ufffd"}`)}
		if diff := cmp.Diff(want, got[0], sameBytes); diff != "" {
			t.Errorf("read back (-want +got):\n%s", diff)
		}
	})

	t.Run("RefusesAQuantityBillingCannotUseAndKeepsNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.Push)
		month := source.Month{Year: 2026, Month: time.October}
		for _, q := range []float64{math.Inf(1), math.NaN(), -1, source.MaxQuantity * 2, 1e308} {
			usage := []source.Usage{{CustomerID: "c1", Month: month, Product: "edr", Quantity: 3}, {CustomerID: "c2", Month: month, Product: "edr", Quantity: q}}
			err := b.store.SaveUsage(b.ctx, src.ID, usage, nil)
			if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "c2") {
				t.Errorf("quantity %v: err = %v; want ErrInvalid naming customer c2", q, err)
			}
		}
		if got, err := b.store.Usage(b.ctx, src.ID, month); err != nil || len(got) != 0 {
			t.Errorf("Usage = %+v, %v; want nothing kept from refused calls", got, err)
		}
		if err := b.store.SaveUsage(b.ctx, src.ID, []source.Usage{{CustomerID: "c1", Month: month, Product: "edr", Quantity: source.MaxQuantity}}, nil); err != nil {
			t.Errorf("the largest quantity allowed: %v", err)
		}
	})
}

// sameBytes compares raw payloads byte for byte: both engines keep text as
// they are given it, so the cleaned payload must come back exactly.
var sameBytes = cmp.Comparer(func(a, b json.RawMessage) bool { return string(a) == string(b) })
