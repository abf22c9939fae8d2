package gravityzone

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
)

// sampleEvent is the first event of a reference sample, decoded so a test can change it.
func sampleEvent(t *testing.T, file string) map[string]any {
	t.Helper()
	var envelope struct {
		Params struct {
			Events []map[string]any `json:"events"`
		} `json:"params"`
	}
	dec := json.NewDecoder(bytes.NewReader(readSample(t, file)))
	dec.UseNumber()
	if err := dec.Decode(&envelope); err != nil {
		t.Fatalf("decode %s: %v", file, err)
	}
	return envelope.Params.Events[0]
}

// addEvents wraps events in a jsonRPC body.
func addEvents(t *testing.T, events ...any) []byte {
	t.Helper()
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "addEvents", "params": map[string]any{"events": events}, "id": 1})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func parse(t *testing.T, body []byte) []source.Alert {
	t.Helper()
	in, err := ParsePushAt(nil, body, received, source.DefaultMaxEvents)
	if err != nil {
		t.Fatalf("ParsePushAt: %v", err)
	}
	return in.Alerts
}

func types(alerts []source.Alert) []string {
	out := make([]string, len(alerts))
	for i, a := range alerts {
		out[i] = a.Type
	}
	return out
}

func TestParsePushFormats(t *testing.T) {
	t.Parallel()

	t.Run("ReadsBatchMixingModules", func(t *testing.T) {
		t.Parallel()
		alerts := parse(t, addEvents(t, sampleEvent(t, "addEvents.av.json"), sampleEvent(t, "addEvents.uc.json"),
			sampleEvent(t, "addEvents.new-incident.2024.json"), sampleEvent(t, "addEvents.sva.json")))
		if diff := cmp.Diff([]string{"av", "uc", "new-incident", "sva"}, types(alerts)); diff != "" {
			t.Errorf("types (-want +got):\n%s", diff)
		}
		if alerts[2].HostName != "computer-name1" || alerts[1].URL != "http://192.168.0.1:2869/upnphost/udhisapi.dll" {
			t.Errorf("each event keeps its own fields: got host %q, url %q", alerts[2].HostName, alerts[1].URL)
		}
	})

	t.Run("ReadsSplunkLinesBuiltFromSamples", func(t *testing.T) {
		t.Parallel()
		av, fw := sampleEvent(t, "addEvents.av.json"), sampleEvent(t, "addEvents.fw.json")
		body := mustJSON(t, map[string]any{"event": av}) + "\n" + mustJSON(t, map[string]any{"event": fw}) + "\n"
		alerts := parse(t, []byte(body))
		if diff := cmp.Diff([]string{"av", "fw"}, types(alerts)); diff != "" {
			t.Fatalf("types (-want +got):\n%s", diff)
		}
		if string(alerts[0].Raw) != mustJSON(t, av) {
			t.Errorf("Raw = %s, want the event inside the wrapper", alerts[0].Raw)
		}
		viaJSONRPC := parse(t, addEvents(t, av))[0]
		if alerts[0].EventID != viaJSONRPC.EventID || alerts[0].Fingerprint != viaJSONRPC.Fingerprint {
			t.Error("the same event read from splunk and jsonRPC must get the same EventID and fingerprint")
		}
	})

	t.Run("ReadsConcatenatedSplunkEvents", func(t *testing.T) {
		t.Parallel()
		body := mustJSON(t, map[string]any{"event": sampleEvent(t, "addEvents.aph.json")}) +
			mustJSON(t, map[string]any{"event": sampleEvent(t, "addEvents.dp.json")})
		if diff := cmp.Diff([]string{"aph", "dp"}, types(parse(t, []byte(body)))); diff != "" {
			t.Errorf("types (-want +got):\n%s", diff)
		}
	})

	t.Run("ReadsQRadarLines", func(t *testing.T) {
		t.Parallel()
		body := mustJSON(t, sampleEvent(t, "addEvents.hd.json")) + "\r\n" +
			mustJSON(t, sampleEvent(t, "addEvents.network-sandboxing.json")) + "\n\n" +
			mustJSON(t, sampleEvent(t, "addEvents.partner-changed.json"))
		alerts := parse(t, []byte(body))
		if diff := cmp.Diff([]string{"hd", "network-sandboxing", "partner-changed"}, types(alerts)); diff != "" {
			t.Fatalf("types (-want +got):\n%s", diff)
		}
		if alerts[1].HostName != "FC-WIN7-X64-01" || alerts[1].CustomerID != "59a14b271da197c6108b4567" {
			t.Errorf("network-sandboxing: host %q, customer %q", alerts[1].HostName, alerts[1].CustomerID)
		}
	})

	t.Run("ReadsAnEmptyBatch", func(t *testing.T) {
		t.Parallel()
		if alerts := parse(t, addEvents(t)); len(alerts) != 0 {
			t.Errorf("got %d alerts from an empty events list", len(alerts))
		}
	})
}

func TestParsePushKeepsWhatItCannotRead(t *testing.T) {
	t.Parallel()

	t.Run("KeepsUnknownModule", func(t *testing.T) {
		t.Parallel()
		alerts := parse(t, addEvents(t, map[string]any{"module": "quantum-shield", "companyId": "abc", "computer_name": "PC1",
			"computer_ip": "10.0.0.9", "shield_level": 7, "timestamp": "2025-01-02T03:04:05.000Z"}))
		a := alerts[0]
		got := []string{a.Type, a.CustomerID, a.HostName, a.HostIP, string(a.Severity), a.Fingerprint, a.Facts["shield_level"]}
		want := []string{"unknown:quantum-shield", "abc", "PC1", "10.0.0.9", "medium", "gravityzone|abc|unknown:quantum-shield|pc1", "7"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("type, customer, host, ip, severity, fingerprint, fact (-want +got):\n%s", diff)
		}
		if !a.OccurredAt.Equal(utc("2025-01-02T03:04:05Z")) {
			t.Errorf("OccurredAt = %s, want the event's timestamp", a.OccurredAt)
		}
	})

	t.Run("KeepsEventWithoutModule", func(t *testing.T) {
		t.Parallel()
		a := parse(t, addEvents(t, map[string]any{"companyId": "abc", "note": "hello"}))[0]
		if a.Type != "unknown:no-module" || a.CustomerID != "abc" || a.Facts["note"] != "hello" {
			t.Errorf("got type %q, customer %q, facts %v", a.Type, a.CustomerID, a.Facts)
		}
		if !strings.HasPrefix(a.Fingerprint, "gravityzone|abc|unknown:no-module|event|") {
			t.Errorf("Fingerprint = %q, want the EventID to stand in when there is no host", a.Fingerprint)
		}
	})

	t.Run("KeepsAnObjectOfNoFormatBesideGoodOnes", func(t *testing.T) {
		t.Parallel()
		body := mustJSON(t, sampleEvent(t, "addEvents.av.json")) + "\n" + `{"note":"hello"}` + "\n"
		alerts := parse(t, []byte(body))
		if diff := cmp.Diff([]string{"av", "unknown:unrecognised"}, types(alerts)); diff != "" {
			t.Fatalf("types (-want +got):\n%s", diff)
		}
		if string(alerts[1].Raw) != `{"note":"hello"}` || alerts[1].Facts["parse_error"] == "" {
			t.Errorf("the stray keeps its payload and why: raw %s, facts %v", alerts[1].Raw, alerts[1].Facts)
		}
	})

	t.Run("KeepsBrokenLineBesideGoodOnes", func(t *testing.T) {
		t.Parallel()
		body := mustJSON(t, sampleEvent(t, "addEvents.av.json")) + "\n{\"module\": \"fw\", broken\n" +
			mustJSON(t, sampleEvent(t, "addEvents.fw.json")) + "\n"
		alerts := parse(t, []byte(body))
		if diff := cmp.Diff([]string{"av", "fw", "unknown:unrecognised"}, types(alerts)); diff != "" {
			t.Fatalf("types (-want +got):\n%s", diff)
		}
		var line string
		if err := json.Unmarshal(alerts[2].Raw, &line); err != nil || line != `{"module": "fw", broken` {
			t.Errorf("Raw = %s, want the broken line as a JSON string", alerts[2].Raw)
		}
		if !alerts[2].OccurredAt.Equal(received) {
			t.Errorf("OccurredAt = %s, want the receive time", alerts[2].OccurredAt)
		}
	})
}

func TestParsePushRejects(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		name, body, says string
	}{
		{"EmptyBody", "", "empty push body"},
		{"Whitespace", " \n\t", "empty push body"},
		{"PlainText", "hello", "not JSON"},
		{"ObjectOfNoFormat", `{"foo":1}`, `neither "method", "event" nor "module"`},
		{"Array", `[{"module":"av"}]`, "not a JSON object"},
		{"BrokenLinesOnly", "{broken\n{\"module\": 1", "not JSON"},
		{"CEFFormat", `{"cef":"0","events":["CEF:0|Bitdefender|GravityZone|6.36.0-1|50|Firewall|9|BitdefenderGZModule=fw"]}`, "set the push service type to jsonRPC"},
		{"OtherMethod", `{"jsonrpc":"2.0","method":"getEvents","params":{},"id":1}`, `method "getEvents" is not addEvents`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParsePushAt(nil, []byte(tc.body), received, source.DefaultMaxEvents)
			if err == nil {
				t.Fatal("want an error")
			}
			if !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), "expected a GravityZone push") {
				t.Errorf("error %q should say %q and what was expected", err, tc.says)
			}
		})
	}
}

func TestParsePushEvents(t *testing.T) {
	t.Parallel()

	t.Run("MarksTestEvents", func(t *testing.T) {
		t.Parallel()
		ev := sampleEvent(t, "addEvents.av.json")
		ev["_testEvent_"] = true
		if a := parse(t, addEvents(t, ev))[0]; !a.Test || a.Type != "av" {
			t.Errorf("got Test %v, type %q: a test event is still its module's alert", a.Test, a.Type)
		}
	})

	t.Run("GivesRedeliveredEventTheSameEventID", func(t *testing.T) {
		t.Parallel()
		first := parse(t, readSample(t, "addEvents.fw.json"))[0]
		reordered := []byte(`{"id":99,"jsonrpc":"2.0","method":"addEvents","params":{"events":[{"module":"fw","count":1,` +
			`"last_blocked":"2017-09-08T12:52:03.000Z","source_ip":"192.168.0.2","protocol_id":"6","status":"portscan_blocked",` +
			`"product_installed":"BEST","computer_id":"59a1604e60369e06733f8abb","computer_ip":"192.168.0.1",` +
			`"computer_fqdn":"fc-win7-x64-01","computer_name":"FC-WIN7-X64-01","companyId":"59a14b271da197c6108b4567"}]}}`)
		again := parse(t, reordered)[0]
		if again.EventID != first.EventID {
			t.Errorf("EventID %s != %s for the same event with its keys in another order", again.EventID, first.EventID)
		}
		months, err := ParsePushAt(nil, reordered, received.AddDate(0, 3, 0), source.DefaultMaxEvents)
		if err != nil {
			t.Fatal(err)
		}
		if months.Alerts[0].EventID != first.EventID {
			t.Errorf("EventID %s != %s for the same event received months later: an event's own time names it", months.Alerts[0].EventID, first.EventID)
		}
		ev := sampleEvent(t, "addEvents.fw.json")
		ev["count"] = 2
		if other := parse(t, addEvents(t, ev))[0]; other.EventID == first.EventID {
			t.Error("a different event must get a different EventID")
		}
	})

	t.Run("StartsEventIDsWithWhenTheEventHappened", func(t *testing.T) {
		t.Parallel()
		// fw's last_blocked in the sample is 2017-09-08T12:52:03.000Z = 1504875123000 ms = 0x15e618c1138.
		fw := parse(t, readSample(t, "addEvents.fw.json"))[0]
		if !strings.HasPrefix(fw.EventID, "015e618c1138") {
			t.Errorf("EventID %s does not start with the event's time 015e618c1138", fw.EventID)
		}
		later := sampleEvent(t, "addEvents.fw.json")
		later["last_blocked"] = "2017-09-08T12:52:04.000Z"
		if next := parse(t, addEvents(t, later))[0]; next.EventID <= fw.EventID {
			t.Errorf("EventID %s of a later event sorts before %s", next.EventID, fw.EventID)
		}
		if fw.Timeless {
			t.Error("an event with a time of its own is marked Timeless: its EventID alone must recognise it")
		}
		// Without a time of its own the receive time stands in for OccurredAt, but not in
		// the id: a redelivery, received later, must get the same one.
		timeless := sampleEvent(t, "addEvents.fw.json")
		delete(timeless, "last_blocked")
		first := parse(t, addEvents(t, timeless))[0]
		again, err := ParsePushAt(nil, addEvents(t, timeless), received.Add(time.Hour), source.DefaultMaxEvents)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(first.EventID, "000000000000") || again.Alerts[0].EventID != first.EventID {
			t.Errorf("EventIDs %s and %s of a timeless event: want the same, starting with 12 zeros", first.EventID, again.Alerts[0].EventID)
		}
		if !first.Timeless || !again.Alerts[0].Timeless {
			t.Error("an event without a time of its own is not marked Timeless: a genuine repeat would be taken for a redelivery forever")
		}
	})

	t.Run("MarksModulesWithoutATimeAndValuesThatAreNoEventsTimeless", func(t *testing.T) {
		t.Parallel()
		for _, file := range []string{"addEvents.uninstall.json", "addEvents.install.json", "addEvents.sva-load.json", "addEvents.supa-update-status.json",
			"addEvents.exchange-user-credentials.json"} {
			if a := parse(t, readSample(t, file))[0]; !a.Timeless {
				t.Errorf("%s: %s alert not Timeless", file, a.Type)
			}
		}
		if a := parse(t, readSample(t, "addEvents.av.json"))[0]; a.Timeless {
			t.Error("av, which has a timestamp, is marked Timeless")
		}
		if stray := parse(t, []byte(mustJSON(t, sampleEvent(t, "addEvents.av.json"))+"\n{\"note\":1}"))[1]; !stray.Timeless {
			t.Errorf("a value that is not an event (%s) has no time of its own either: want it Timeless", stray.Type)
		}
	})

	t.Run("FallsBackToReceiveTimeOnUnreadableTime", func(t *testing.T) {
		t.Parallel()
		ev := sampleEvent(t, "addEvents.av.json")
		ev["timestamp"] = "soon"
		a := parse(t, addEvents(t, ev))[0]
		if !a.OccurredAt.Equal(received) || !strings.Contains(a.Facts["occurred_at_fallback"], `unreadable timestamp "soon"`) {
			t.Errorf("OccurredAt %s, fallback fact %q", a.OccurredAt, a.Facts["occurred_at_fallback"])
		}
	})

	t.Run("ReadsIncidentSeverityFromScoreWhenWordIsMissing", func(t *testing.T) {
		t.Parallel()
		for score, want := range map[string]source.Severity{"75": source.SeverityHigh, "45": source.SeverityMedium, "10": source.SeverityLow, "": source.SeverityMedium} {
			ev := sampleEvent(t, "addEvents.new-incident.2024.json")
			ev["detection_name"] = "ATC.Malicious" // the sample's EICAR test file is rated low whatever its score
			delete(ev, "severity")
			delete(ev, "severity_score")
			if score != "" {
				ev["severityScore"] = json.Number(score)
			}
			if got := parse(t, addEvents(t, ev))[0].Severity; got != want {
				t.Errorf("score %q: severity %s, want %s", score, got, want)
			}
		}
	})

	t.Run("TakesIncidentSeverityWord", func(t *testing.T) {
		t.Parallel()
		ev := sampleEvent(t, "addEvents.new-incident.2024.json")
		ev["detection_name"] = "ATC.Malicious"
		ev["severity"] = "Critical"
		if got := parse(t, addEvents(t, ev))[0].Severity; got != source.SeverityCritical {
			t.Errorf("severity %s, want critical", got)
		}
	})
}

func TestParseTimeValue(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		name string
		in   any
		want time.Time
	}{
		{"ISOWithMillis", "2017-09-08T12:01:36.000Z", utc("2017-09-08T12:01:36Z")},
		{"ISOWithOffset", "2024-07-12T10:00:58+02:00", utc("2024-07-12T08:00:58Z")},
		{"NaiveIsUTC", "2022-12-30T23:59:00", utc("2022-12-30T23:59:00Z")},
		{"NaiveWithSpace", "2023-01-13 16:26:34", utc("2023-01-13T16:26:34Z")},
		{"UnixSecondsNumber", json.Number("1505386969"), utc("2017-09-14T11:02:49Z")},
		{"UnixSecondsText", "1591007594", utc("2020-06-01T10:33:14Z")},
		{"UnixMilliseconds", json.Number("1505386969500"), utc("2017-09-14T11:02:49.5Z")},
		{"DocumentationSampleWithSpaces", "2017- 09 - 13T14: 20:37.000Z", utc("2017-09-13T14:20:37Z")},
		{"ZeroPlaceholder", "0", time.Time{}},
		{"Words", "yesterday", time.Time{}},
		{"NotText", true, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := parseTimeValue(tc.in)
			if ok != !tc.want.IsZero() || !got.Equal(tc.want) {
				t.Errorf("parseTimeValue(%v) = %s, %v; want %s", tc.in, got, ok, tc.want)
			}
		})
	}
}

// TestParsePushBounds refuses, whole and before decoding any event, pushes that no
// GravityZone sends: events that are not objects, and more events than the bound.
func TestParsePushBounds(t *testing.T) {
	t.Parallel()
	av := mustJSON(t, sampleEvent(t, "addEvents.av.json"))

	for _, tc := range []struct {
		name, body, says string
	}{
		{"ANumberAmongTheEvents", `{"jsonrpc":"2.0","method":"addEvents","params":{"events":[` + av + `,42]}}`, "params.events[1] is a number, not a JSON object"},
		{"MillionsOfBareOnes", `{"jsonrpc":"2.0","method":"addEvents","params":{"events":[` + strings.Repeat("1,", 1_000_000) + `1]}}`, "params.events[0] is a number"},
		{"NullAmongTheEvents", `{"jsonrpc":"2.0","method":"addEvents","params":{"events":[null]}}`, "params.events[0] is null"},
		{"AStringAsASplunkEvent", av + "\n" + `{"event":"x"}`, "the splunk event is a string"},
		{"ANumberLine", av + "\n7\n", "value 2 of the body is a number"},
		{"AnArrayLine", av + "\n[1]\n", "value 2 of the body is an array"},
		{"TrueAsTheWholeBody", `true`, "the body is true or false"},
	} {
		t.Run("Refuses"+tc.name, func(t *testing.T) {
			t.Parallel()
			in, err := ParsePushAt(nil, []byte(tc.body), received, source.DefaultMaxEvents)
			if err == nil || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), "nothing of this push was stored") {
				t.Fatalf("err = %v; want it to say %q and that nothing was stored", err, tc.says)
			}
			if len(in.Alerts) != 0 {
				t.Errorf("%d alerts beside the error", len(in.Alerts))
			}
		})
	}

	tooMany := func(t *testing.T, body string, max int) {
		t.Helper()
		_, err := ParsePushAt(nil, []byte(body), received, max)
		var refused *source.TooManyEventsError
		if !errors.As(err, &refused) || refused.Max != max || !strings.Contains(err.Error(), fmt.Sprintf("more than %d events", max)) {
			t.Fatalf("err = %v; want a TooManyEventsError naming %d", err, max)
		}
	}
	t.Run("RefusesMoreEventsThanTheBoundInOneCall", func(t *testing.T) {
		t.Parallel()
		tooMany(t, string(addEvents(t, sampleEvent(t, "addEvents.av.json"), sampleEvent(t, "addEvents.fw.json"), sampleEvent(t, "addEvents.aph.json"))), 2)
	})
	t.Run("RefusesMoreEventsThanTheBoundOverCalls", func(t *testing.T) {
		t.Parallel()
		call := string(addEvents(t, sampleEvent(t, "addEvents.av.json"), sampleEvent(t, "addEvents.fw.json")))
		tooMany(t, call+call, 3)
	})
	t.Run("RefusesMoreLinesThanTheBoundCountingBrokenOnes", func(t *testing.T) {
		t.Parallel()
		tooMany(t, av+"\n{broken\n"+av+"\n", 2)
		tooMany(t, strings.Repeat("{}\n", 5), 4)
	})
	t.Run("TakesExactlyTheBound", func(t *testing.T) {
		t.Parallel()
		in, err := ParsePushAt(nil, []byte(av+"\n{broken\n"+av+"\n"), received, 3)
		if err != nil || len(in.Alerts) != 3 {
			t.Fatalf("%d alerts, %v; want 3 at a bound of 3", len(in.Alerts), err)
		}
	})
	t.Run("RefusesAnEventOfMoreValuesThanAnyGravityZoneSends", func(t *testing.T) {
		t.Parallel()
		fields := make([]string, 1000)
		for i := range fields {
			fields[i] = fmt.Sprintf(`"f%d":%d`, i, i)
		}
		body := av + "\n" + `{"module":"av",` + strings.Join(fields, ",") + "}"
		_, err := ParsePushAt(nil, []byte(body), received, source.DefaultMaxEvents)
		if err == nil || !strings.Contains(err.Error(), "event 1 holds more than 1000 values") || !strings.Contains(err.Error(), "nothing of this push was stored") {
			t.Fatalf("err = %v", err)
		}
		// 999 fields and the module: 1000 values with the object itself.
		if _, err := ParsePushAt(nil, []byte(`{"module":"av",`+strings.Join(fields[:998], ",")+"}"), received, source.DefaultMaxEvents); err != nil {
			t.Errorf("an event of exactly 1000 values: %v", err)
		}
	})
	t.Run("KeepsTheFirst64FieldsOfAnUnknownModuleAsFacts", func(t *testing.T) {
		t.Parallel()
		ev := map[string]any{"module": "brand-new", "companyId": "c1"}
		for i := range 70 {
			ev[fmt.Sprintf("f%02d", i)] = i
		}
		a := parse(t, addEvents(t, ev))[0]
		// companyId is the alert's customer; f00…f63 are facts, f64…f69 are left to the raw
		// payload. With more_fields and the fallback time: 66 facts.
		if len(a.Facts) != 66 || a.CustomerID != "c1" || a.Facts["f63"] != "63" || a.Facts["f64"] != "" ||
			a.Facts["more_fields"] != "6 more fields are in the raw payload" {
			t.Errorf("%d facts: %v", len(a.Facts), a.Facts)
		}
	})
	t.Run("ReadsAPushOfBlankLinesAsEmpty", func(t *testing.T) {
		t.Parallel()
		_, err := ParsePushAt(nil, bytes.Repeat([]byte("\n \r\n"), 1_000_000), received, 10)
		if err == nil || !strings.Contains(err.Error(), "empty push body") {
			t.Fatalf("err = %v; want an empty body", err)
		}
	})
}
