package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"

	"halobridge/internal/source"
	"halobridge/internal/source/defensx"
	"halobridge/internal/store"
)

// boundsBundle is a receiver and the push API on one SQLite store, with a
// GravityZone, a DefensX and a push source.
type boundsBundle struct {
	*testBundle
	handler           http.Handler
	defensX, pushSrc  store.Source
	gzAuth, pushToken string
}

func setupBounds(t *testing.T, opts Options) *boundsBundle {
	t.Helper()
	b := &boundsBundle{testBundle: setup(t)}
	var err error
	if b.defensX, err = b.store.CreateSource(t.Context(), store.Source{PartnerID: b.src.PartnerID, Kind: source.DefensX, Name: "DX", Secret: "dx-secret"}); err != nil {
		t.Fatal(err)
	}
	if b.pushSrc, err = b.store.CreateSource(t.Context(), store.Source{PartnerID: b.src.PartnerID, Kind: source.Push, Name: "Vendor", Secret: "vendor-secret"}); err != nil {
		t.Fatal(err)
	}
	b.gzAuth, b.pushToken = "Bearer push-secret", PushToken(b.pushSrc)
	rc := NewReceiver(b.store, startCommitter(t, b.store, 0), Parsers(), opts)
	mux := http.NewServeMux()
	mux.Handle("POST /ingest/{token}", rc)
	mux.Handle("/api/push/v1/", NewPushAPI(rc, b.store))
	b.handler = mux
	return b
}

// serve sends one request straight to the handler, without a network in
// between, and returns the status and the body of the answer.
func (b *boundsBundle) serve(method, path, auth string, body []byte) (int, string) {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header = gzSigned(auth, gzAPIKey, body)
	rec := httptest.NewRecorder()
	b.handler.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// stored counts what the bundle's sources hold: alerts, resolutions, customers, usage.
func (b *boundsBundle) stored(t *testing.T) int {
	t.Helper()
	var n int
	for _, table := range []string{"alerts", "resolutions", "source_customers", "source_usage"} {
		var c int
		if err := b.store.DB().QueryRowContext(t.Context(), "SELECT count(*) FROM "+table).Scan(&c); err != nil {
			t.Fatal(err)
		}
		n += c
	}
	return n
}

func TestReceiverBounds(t *testing.T) {
	t.Parallel()
	b := setupBounds(t, Options{MaxEvents: 2})
	gz := func(events ...string) []byte {
		return []byte(`{"jsonrpc":"2.0","method":"addEvents","params":{"events":[` + strings.Join(events, ",") + `]},"id":1}`)
	}
	av := func(host string) string {
		return `{"module":"av","companyId":"c1","computer_name":"` + host + `","malware_name":"EICAR","timestamp":"2026-03-14T09:00:00Z"}`
	}
	cases := []struct {
		name, path, auth string
		body             []byte
		status           int
		says             string
		stored           int
	}{
		{"RefusesMoreEventsThanTheBoundWith413", "/ingest/" + b.src.Token, b.gzAuth, gz(av("a"), av("b"), av("c")), 413, "more than 2 events", 0},
		{"RefusesANumberAmongTheEventsWith400", "/ingest/" + b.src.Token, b.gzAuth, gz(av("a"), "1"), 400, "params.events[1] is a number, not a JSON object", 0},
		{"RefusesADefensXBodyOverItsBoundWith413", "/ingest/" + b.defensX.Token + "?secret=dx-secret", "", []byte(`{"event":"X","time":1,"payload":"` + strings.Repeat("a", defensx.MaxWebhookBytes) + `"}`), 413, "larger than 262144 bytes", 0},
		// Two alerts, and their company c1, seen in a push.
		{"StoresAnEventWithNULBesideAGoodOne", "/ingest/" + b.src.Token, b.gzAuth, gz(av(`PC\u0000`), av("PC-2")), 200, `"stored":2`, 3},
		{"RefusesAPushQuantityBillingCannotUse", "/api/push/v1/usage", "Bearer " + b.pushToken,
			[]byte(`[{"customer_id":"c1","month":"2026-03","product":"edr","quantity":1e308}]`), 400, "usage[0].quantity is 1e+308; at most 1000000000 is accepted", 3},
	}
	for _, tc := range cases {
		status, body := b.serve(http.MethodPost, tc.path, tc.auth, tc.body)
		if tc.path == "/api/push/v1/usage" {
			status, body = b.serve(http.MethodPut, tc.path, tc.auth, tc.body)
		}
		if status != tc.status || !strings.Contains(body, tc.says) {
			t.Errorf("%s: %d %.300s; want %d saying %q", tc.name, status, body, tc.status, tc.says)
		}
		if n := b.stored(t); n != tc.stored {
			t.Errorf("%s: %d rows stored, want %d", tc.name, n, tc.stored)
		}
	}
	alerts, err := b.store.Alerts(t.Context(), store.AlertQuery{SourceID: b.src.ID})
	if err != nil || len(alerts) != 2 || alerts[0].HostName != "PC\uFFFD" || alerts[0].Facts[source.FactCleaned] != "nul" {
		t.Fatalf("alerts %+v, %v; want the first with its NUL replaced and %s = nul", alerts, err, source.FactCleaned)
	}
}

// heapAllocs is how many bytes the process has allocated on the heap so far.
func heapAllocs() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestRejectedWorstCaseBodiesStayWithinMemory sends the largest bodies the
// receiver and the push API take, made of what costs most once decoded
// (millions of tiny values, deep nesting, millions of lines), and requires
// each to be refused having allocated less than 64 MiB: the heap cannot grow
// by more than a request allocates. The bound holds because the body is read
// once into a buffer of its announced size, and its values are counted as
// they are delimited, without being decoded or kept: the push is refused at
// its first value that is not an event object or at the first event past the
// bound, before anything is materialised, and an event is decoded only up to
// its thousandth value.
//
// It is not parallel, so that the allocations it reads are its requests':
// the package's parallel tests wait until it is done.
func TestRejectedWorstCaseBodiesStayWithinMemory(t *testing.T) {
	b := setupBounds(t, Options{})
	const limit = 64 << 20
	tenMiB := 10<<20 - 200
	repeat := func(prefix, item, suffix string, size int) []byte {
		n := (size - len(prefix) - len(suffix)) / len(item)
		return []byte(prefix + strings.Repeat(item, n) + suffix)
	}
	gzPath, pushPath := "/ingest/"+b.src.Token, "/api/push/v1/"
	cases := []struct {
		name, method, path, auth string
		body                     []byte
		status                   int
		says                     string
	}{
		// The finding: 7.6 MiB of four million bare 1s, which took 4.5 GiB.
		{"FourMillionBareOnes", "POST", gzPath, b.gzAuth, repeat(`{"jsonrpc":"2.0","method":"addEvents","params":{"events":[`, "1,", "1]}}", 4_000_000*2), 400, "params.events[0] is a number"},
		{"TenMiBOfEmptyEvents", "POST", gzPath, b.gzAuth, repeat(`{"jsonrpc":"2.0","method":"addEvents","params":{"events":[`, "{},", "{}]}}", tenMiB), 413, "more than 10000 events"},
		{"TenMiBOfQRadarLines", "POST", gzPath, b.gzAuth, repeat("", "{}\n", "", tenMiB), 413, "more than 10000 events"},
		{"TenMiBOfBrokenLines", "POST", gzPath, b.gzAuth, repeat("", "x\n", "", tenMiB), 413, "more than 10000 events"},
		{"TenMiBOfOneEventOfAMillionFields", "POST", gzPath, b.gzAuth, manyMembers(`{"jsonrpc":"2.0","method":"addEvents","params":{"events":[{"module":"x",`, "}]}}", tenMiB), 400, "event 0 holds more than 1000 values"},
		{"TenMiBOfNesting", "POST", gzPath, b.gzAuth, repeat("", "[", "", tenMiB), 400, "not JSON"},
		{"TenMiBOfBlankLines", "POST", gzPath, b.gzAuth, repeat("", "\n", "", tenMiB), 400, "empty push body"},
		{"TenMiBForDefensX", "POST", "/ingest/" + b.defensX.Token + "?secret=dx-secret", "", repeat(`{"event":"X","time":1,"payload":[`, "1,", "1]}", tenMiB), 413, "larger than 262144 bytes"},
		{"EightMiBOfBareOnesAsCustomers", "PUT", pushPath + "customers", "Bearer " + b.pushToken, repeat("[", "1,", "1]", 8<<20-100), 400, "at most 1000 are accepted"},
		{"EightMiBOfMembersInOneAlert", "POST", pushPath + "alerts", "Bearer " + b.pushToken, manyMembers(`{"id":"a","customer_id":"c","type":"t","severity":"low","occurred_at":"2026-03-14T09:00:00Z","facts":{`, "}}", 8<<20-100), 400, "at most 100 are accepted"},
		{"EightMiBOfMembersInABatch", "POST", pushPath + "alerts", "Bearer " + b.pushToken, manyMembers(`{"alerts":[],`, "}", 8<<20-100), 400, "is not a field of a batch"},
	}
	for _, tc := range cases {
		runtime.GC()
		before := heapAllocs()
		status, body := b.serve(tc.method, tc.path, tc.auth, tc.body)
		allocated := heapAllocs() - before
		if status != tc.status || !strings.Contains(body, tc.says) {
			t.Errorf("%s: %d %.300s; want %d saying %q", tc.name, status, body, tc.status, tc.says)
		}
		if allocated >= limit {
			t.Errorf("%s: a %d-byte body allocated %d MiB; want less than %d MiB", tc.name, len(tc.body), allocated>>20, limit>>20)
		}
		t.Logf("%s: %d bytes refused with %d after allocating %.1f MiB", tc.name, len(tc.body), status, float64(allocated)/(1<<20))
	}
	if n := b.stored(t); n != 0 {
		t.Errorf("%d rows stored from refused bodies", n)
	}
}

// manyMembers is prefix, then distinct members "m0":0,… up to about size
// bytes, then suffix.
func manyMembers(prefix, suffix string, size int) []byte {
	var buf bytes.Buffer
	buf.WriteString(prefix)
	for i := 0; buf.Len() < size-len(suffix)-20; i++ {
		if i > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `"m%d":0`, i)
	}
	buf.WriteString(suffix)
	if !json.Valid(buf.Bytes()) {
		panic("manyMembers made invalid JSON")
	}
	return buf.Bytes()
}
