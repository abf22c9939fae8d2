package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"halobridge/internal/secret"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
)

// countingWriter wraps a Store and counts transactions.
type countingWriter struct {
	Writer
	calls atomic.Int64
	fail  func(batches []store.InboundBatch) error
}

func (w *countingWriter) CommitInbound(ctx context.Context, batches []store.InboundBatch) ([]store.InboundResult, func() error, error) {
	w.calls.Add(1)
	if w.fail != nil {
		if err := w.fail(batches); err != nil {
			return nil, nil, err
		}
	}
	return w.Writer.CommitInbound(ctx, batches)
}

// parallelWriter takes writers transactions at once, each of which waits
// for release.
type parallelWriter struct {
	writers       int
	release       chan struct{}
	inside, calls atomic.Int64
}

func (w *parallelWriter) Writers() int { return w.writers }

func (w *parallelWriter) CommitInbound(_ context.Context, batches []store.InboundBatch) ([]store.InboundResult, func() error, error) {
	w.calls.Add(1)
	w.inside.Add(1)
	<-w.release
	w.inside.Add(-1)
	return make([]store.InboundResult, len(batches)), func() error { return nil }, nil
}

// slowDiskWriter commits at once, and makes each commit durable only when
// told: syncs[i] is closed, or receives the error, of the i-th commit.
type slowDiskWriter struct {
	mu      sync.Mutex
	commits [][]store.InboundBatch
	syncs   []chan error
}

func (w *slowDiskWriter) CommitInbound(_ context.Context, batches []store.InboundBatch) ([]store.InboundResult, func() error, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	synced := make(chan error, 1)
	w.commits = append(w.commits, batches)
	w.syncs = append(w.syncs, synced)
	results := make([]store.InboundResult, len(batches))
	for i, b := range batches {
		results[i].AlertIDs = make([]int64, len(b.Alerts))
	}
	return results, func() error { return <-synced }, nil
}

func (w *slowDiskWriter) sync(i int, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.syncs[i] <- err
}

func (w *slowDiskWriter) committed() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.commits)
}

type testBundle struct {
	store  *store.Store
	src    store.Source
	writer *countingWriter
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	keys, err := secret.NewKeyring([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), store.Config{DataDir: t.TempDir(), Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	p, err := st.CreatePartner(t.Context(), store.Partner{Name: "Acme IT"})
	if err != nil {
		t.Fatal(err)
	}
	src, err := st.CreateSource(t.Context(), store.Source{PartnerID: p.ID, Kind: source.GravityZone, Name: "GZ", Secret: "Bearer push-secret", APIKey: gzAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	return &testBundle{store: st, src: src, writer: &countingWriter{Writer: st}}
}

// gzAPIKey is the API key of the test's GravityZone source, which signs its pushes.
const gzAPIKey = "gz-api-key"

// gzSigned returns a header carrying auth and body's Event-Push-Service-Md5 as GravityZone
// computes it for the key apiKey.
func gzSigned(auth, apiKey string, body []byte) http.Header {
	h := http.Header{}
	if auth != "" {
		h.Set("Authorization", auth)
	}
	h.Set("Event-Push-Service-Md5", gzsim.Signature(apiKey, body))
	return h
}

func alertBatch(b *testBundle, ids ...string) store.InboundBatch {
	batch := store.InboundBatch{PartnerID: b.src.PartnerID, SourceID: b.src.ID, ReceivedAt: time.Now()}
	for _, id := range ids {
		batch.Alerts = append(batch.Alerts, source.Alert{Source: source.GravityZone, Type: "av", CustomerID: "c", EventID: id, Fingerprint: "f", Raw: json.RawMessage(`{}`)})
	}
	return batch
}

func startCommitter(t *testing.T, w Writer, max int) *Committer {
	t.Helper()
	c := NewCommitter(w, max, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return c
}

// runCommitter runs a committer on w, in the test's synctest bubble; stop
// ends it and waits until it has.
func runCommitter(t *testing.T, w Writer, max int) (c *Committer, ctx context.Context, stop func()) {
	c = NewCommitter(w, max, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() { c.Run(ctx); close(stopped) }()
	return c, ctx, func() { cancel(); <-stopped }
}

func TestCommitter(t *testing.T) {
	t.Parallel()

	t.Run("ConcurrentRequestsShareTransactions", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c := startCommitter(t, b.writer, 5000)
		const senders = 200
		var wg sync.WaitGroup
		var stored atomic.Int64
		for i := range senders {
			wg.Go(func() {
				res, err := c.Store(context.Background(), alertBatch(b, fmt.Sprintf("e%d-a", i), fmt.Sprintf("e%d-b", i)))
				if err != nil {
					t.Error(err)
					return
				}
				stored.Add(int64(len(res.AlertIDs)))
			})
		}
		wg.Wait()
		if stored.Load() != 2*senders {
			t.Fatalf("stored %d alerts, want %d", stored.Load(), 2*senders)
		}
		if n, _ := b.store.CountAlerts(context.Background(), b.src.ID); n != 2*senders {
			t.Fatalf("database holds %d alerts, want %d", n, 2*senders)
		}
		if calls := b.writer.calls.Load(); calls >= senders {
			t.Errorf("%d transactions for %d requests: requests did not share commits", calls, senders)
		}
	})

	t.Run("OneBadBatchDoesNotFailTheOthers", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.writer.fail = func(batches []store.InboundBatch) error {
			for _, batch := range batches {
				for _, a := range batch.Alerts {
					if a.EventID == "poison" {
						return errors.New("poisoned batch")
					}
				}
			}
			return nil
		}
		// Hold the committer busy so the three batches are gathered together.
		c := NewCommitter(b.writer, 5000, slog.New(slog.DiscardHandler))
		results := make(chan error, 3)
		for _, ids := range [][]string{{"ok-1"}, {"poison"}, {"ok-2"}} {
			go func() { _, err := c.Store(context.Background(), alertBatch(b, ids...)); results <- err }()
		}
		for len(c.in) < 3 {
			time.Sleep(time.Millisecond)
		}
		ctx, cancel := context.WithCancel(context.Background())
		go c.Run(ctx)
		defer cancel()
		var failed int
		for range 3 {
			if err := <-results; err != nil {
				failed++
			}
		}
		if failed != 1 {
			t.Fatalf("%d batches failed, want only the poisoned one", failed)
		}
		if n, _ := b.store.CountAlerts(context.Background(), b.src.ID); n != 2 {
			t.Errorf("database holds %d alerts, want the 2 good ones", n)
		}
	})

	t.Run("WritesAsManyGroupsAtOnceAsTheWriterTakes", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			w := &parallelWriter{writers: 3, release: make(chan struct{})}
			c, ctx, stop := runCommitter(t, w, 1)
			var wg sync.WaitGroup
			for i := range 5 {
				wg.Go(func() {
					if _, err := c.Store(ctx, store.InboundBatch{Alerts: []source.Alert{{EventID: fmt.Sprint(i)}}}); err != nil {
						t.Error(err)
					}
				})
			}
			synctest.Wait()
			if got := w.inside.Load(); got != 3 {
				t.Errorf("%d groups being written at once, want the writer's 3", got)
			}
			close(w.release)
			wg.Wait()
			stop()
			if got := w.calls.Load(); got != 5 {
				t.Errorf("%d groups written, want one per batch (5)", got)
			}
		})
	})

	t.Run("AnswersOnlyOnceDurableWhileTheWriterCommitsTheNextGroup", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			w := &slowDiskWriter{}
			c, ctx, stop := runCommitter(t, w, 0)
			type answer struct {
				res store.InboundResult
				err error
			}
			send := func(ids ...string) chan answer {
				got := make(chan answer, 1)
				batch := store.InboundBatch{}
				for _, id := range ids {
					batch.Alerts = append(batch.Alerts, source.Alert{EventID: id})
				}
				go func() {
					res, err := c.Store(ctx, batch)
					got <- answer{res, err}
				}()
				return got
			}
			first := send("a")
			synctest.Wait()
			second := send("b", "c")
			synctest.Wait()
			if n := w.committed(); n != 2 {
				t.Fatalf("%d groups committed while the first waited for the disk, want 2: the writer waited for the disk", n)
			}
			if len(first) != 0 || len(second) != 0 {
				t.Fatal("a request was answered before its commit was durable")
			}
			w.sync(1, nil)
			synctest.Wait()
			if got := <-second; got.err != nil || len(got.res.AlertIDs) != 2 {
				t.Errorf("second request: %+v, want its 2 alerts stored", got)
			}
			if len(first) != 0 {
				t.Fatal("the first request was answered before its own commit was durable")
			}
			w.sync(0, errors.New("sync the write-ahead log: input/output error"))
			if got := <-first; got.err == nil || !strings.Contains(got.err.Error(), "input/output error") {
				t.Errorf("first request: %+v, want the sync's error", got)
			}
			stop()
		})
	})

	t.Run("ACommitWaitsForTheBatchesBeingParsedButNotLong", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			w := &slowDiskWriter{}
			c, ctx, stop := runCommitter(t, w, 0)
			var wg sync.WaitGroup
			store1 := func(st func(context.Context, store.InboundBatch) (store.InboundResult, error), id string) {
				wg.Go(func() {
					if _, err := st(ctx, store.InboundBatch{Alerts: []source.Alert{{EventID: id}}}); err != nil {
						t.Error(err)
					}
				})
			}
			groups := func() []int {
				w.mu.Lock()
				defer w.mu.Unlock()
				var sizes []int
				for _, g := range w.commits {
					sizes = append(sizes, len(g))
				}
				return sizes
			}

			// A batch being parsed when the first arrives joins its commit.
			parsing := c.Expect()
			store1(c.Store, "a")
			synctest.Wait()
			if got := groups(); len(got) != 0 {
				t.Fatalf("groups %v committed while a batch was being parsed, want the commit to wait for it", got)
			}
			store1(parsing.Store, "b")
			synctest.Wait()
			if got := groups(); !slices.Equal(got, []int{2}) {
				t.Fatalf("groups %v, want one of both batches", got)
			}

			// A batch that takes longer is not waited for past maxGatherWait.
			slow := c.Expect()
			store1(c.Store, "c")
			synctest.Wait()
			start := time.Now()
			for len(groups()) < 2 {
				time.Sleep(time.Millisecond)
				synctest.Wait()
			}
			if waited := time.Since(start); waited != maxGatherWait {
				t.Errorf("the commit waited %v for the slow batch, want maxGatherWait (%v)", waited, maxGatherWait)
			}
			slow.Cancel()
			slow.Cancel() // twice is once
			if n := c.expected.Load(); n != 0 {
				t.Fatalf("%d batches still expected after the only one left was cancelled", n)
			}

			// With nothing being parsed, nothing waits.
			start = time.Now()
			store1(c.Store, "d")
			synctest.Wait()
			if got := groups(); !slices.Equal(got, []int{2, 1, 1}) || time.Since(start) != 0 {
				t.Errorf("groups %v after %v, want the last committed at once on its own", got, time.Since(start))
			}
			for i := range 3 {
				w.sync(i, nil)
			}
			wg.Wait()
			stop()
		})
	})

	t.Run("RefusesBatchesAfterStopping", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c := NewCommitter(b.writer, 0, slog.New(slog.DiscardHandler))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		c.Run(ctx)
		if _, err := c.Store(context.Background(), alertBatch(b, "late")); !errors.Is(err, ErrStopped) {
			t.Fatalf("err = %v, want ErrStopped", err)
		}
	})
}

// lineParser reads one event id per line: enough to drive the receiver.
func lineParser(_ http.Header, body []byte, _ time.Time, _ int) (source.Inbound, error) {
	var in source.Inbound
	for _, id := range strings.Fields(string(body)) {
		if id == "malformed" {
			return source.Inbound{}, errors.New("line 1: not an addEvents call")
		}
		if id == "nameless-endpoint" {
			// A change of an endpoint that has no id: nothing can keep it.
			in.Endpoints = append(in.Endpoints, source.EndpointChange{Endpoint: source.Endpoint{CustomerID: "c"}, At: time.Now()})
			continue
		}
		in.Alerts = append(in.Alerts, source.Alert{Source: source.GravityZone, Type: "av", CustomerID: "c", EventID: id, Fingerprint: "f", Raw: json.RawMessage(`{}`)})
	}
	return in, nil
}

func TestReceiver(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := startCommitter(t, b.store, 0)
	rc := NewReceiver(b.store, c, map[source.Kind]Parse{source.GravityZone: lineParser}, Options{MaxBody: 64})
	mux := http.NewServeMux()
	mux.Handle("POST /ingest/{token}", rc)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	post := func(token, auth, signedWith, body string) (int, Reply) {
		req, _ := http.NewRequest("POST", srv.URL+"/ingest/"+token, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		if signedWith != "" {
			req.Header.Set("Event-Push-Service-Md5", gzsim.Signature(signedWith, []byte(body)))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r Reply
		raw, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatalf("reply %q is not JSON: %v", raw, err)
		}
		return resp.StatusCode, r
	}

	// The cases run in order: each states what the database holds after it.
	cases := []struct {
		name       string
		token      string
		auth       string
		signedWith string // the API key that signs the body; "" sends no signature
		body       string
		wantStatus int
		wantStored int
		wantInDB   int
		wantError  string
	}{
		{"StoresAnAuthenticatedBatch", b.src.Token, "Bearer push-secret", gzAPIKey, "e1 e2", 200, 2, 2, ""},
		{"RecognisesARedelivery", b.src.Token, "Bearer push-secret", gzAPIKey, "e1 e2 e3", 200, 1, 3, ""},
		{"RejectsAWrongSecret", b.src.Token, "Bearer guess", gzAPIKey, "e4", 401, 0, 3, "Authorization header"},
		{"RejectsAMissingSecret", b.src.Token, "", gzAPIKey, "e4", 401, 0, 3, "Authorization header"},
		{"RejectsABodySignedWithAnotherAPIKey", b.src.Token, "Bearer push-secret", "another-api-key", "e4", 401, 0, 3, "Event-Push-Service-Md5 header does not match"},
		{"RejectsAnUnsignedBody", b.src.Token, "Bearer push-secret", "", "e4", 401, 0, 3, "Event-Push-Service-Md5 header does not match"},
		{"RejectsAnUnknownSource", "no-such-token", "Bearer push-secret", gzAPIKey, "e4", 404, 0, 3, "no source"},
		{"RejectsAMalformedBody", b.src.Token, "Bearer push-secret", gzAPIKey, "e4 malformed", 400, 0, 3, "not an addEvents call"},
		{"RejectsWhatCannotBeKept", b.src.Token, "Bearer push-secret", gzAPIKey, "e4 nameless-endpoint", 400, 0, 3, "halobridge cannot keep these events"},
		{"RejectsAnOversizedBody", b.src.Token, "Bearer push-secret", gzAPIKey, strings.Repeat("e5 ", 40), 413, 0, 3, "larger than 64 bytes"},
	}
	for _, tc := range cases {
		status, reply := post(tc.token, tc.auth, tc.signedWith, tc.body)
		if status != tc.wantStatus || reply.Stored != tc.wantStored || !strings.Contains(reply.Error, tc.wantError) {
			t.Errorf("%s: %d %+v; want %d, stored %d, error containing %q", tc.name, status, reply, tc.wantStatus, tc.wantStored, tc.wantError)
		}
		if n, _ := b.store.CountAlerts(context.Background(), b.src.ID); n != tc.wantInDB {
			t.Errorf("%s: database holds %d alerts, want %d", tc.name, n, tc.wantInDB)
		}
	}

	// GravityZone signs with a new API key as soon as halobridge registers it, before the
	// receiver's cached source would be read again.
	renewed := b.src
	renewed.APIKey = "renewed-api-key"
	if _, err := b.store.UpdateSource(t.Context(), renewed); err != nil {
		t.Fatal(err)
	}
	if status, reply := post(b.src.Token, "Bearer push-secret", "renewed-api-key", "e6"); status != 200 || reply.Stored != 1 {
		t.Errorf("AcceptsABodySignedWithANewAPIKey: %d %+v; want 200, stored 1", status, reply)
	}
	if status, reply := post(b.src.Token, "Bearer push-secret", gzAPIKey, "e7"); status != 401 {
		t.Errorf("RejectsABodySignedWithTheOldAPIKey: %d %+v; want 401", status, reply)
	}
}

func TestCommitterTellsWhichPartnersGotSomethingNew(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := NewCommitter(b.store, 0, slog.New(slog.DiscardHandler))
	var mu sync.Mutex
	var told [][]int64
	c.OnStored(func(_ context.Context, ids []int64) {
		mu.Lock()
		defer mu.Unlock()
		told = append(told, ids)
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)
	if _, err := c.Store(context.Background(), alertBatch(b, "n1")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Store(context.Background(), alertBatch(b, "n1")); err != nil { // a redelivery: nothing new
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(told) != 1 || len(told[0]) != 1 || told[0][0] != b.src.PartnerID {
		t.Fatalf("told %v; want once, about partner %d", told, b.src.PartnerID)
	}
}

// Pushes of the Event Push Service, from GravityZone's reference samples:
// uninstall carries no time of its own, av its timestamp.
const (
	uninstallPush = `{"jsonrpc":"2.0","method":"addEvents","params":{"events":[{"product_installed":"BEST","companyId":"59a14b271da197c6108b4567",` +
		`"computer_name":"TEST_ENDPOINT","computer_fqdn":"test-endpoint.dsd.ro","computer_ip":"10.10.18.226","computer_id":"59b7d9bfa849af3a1465b7e4",` +
		`"endpointId":"5e2085febf255a545e52276b","reason":1,"module":"uninstall"}]},"id":1505221060168}`
	avPush = `{"jsonrpc":"2.0","method":"addEvents","params":{"events":[{"companyId":"59a14b271da197c6108b4567","computer_name":"FC-WIN7-X64-01",` +
		`"computer_fqdn":"fc-win7-x64-01","computer_ip":"10.17.46.196","computer_id":"59a1604e60369e06733f8abb","product_installed":"BEST",` +
		`"malware_type":"file","malware_name":"EICAR-Test-File (not a virus)","file_path":"C:\\eicar0000001.txt",` +
		`"hash":"8b3f191819931d1f2cef7289239b5f77c00b079847b9c2636e56854d1e5eff71","final_status":"deleted","timestamp":"2017-09-08T12:01:36.000Z",` +
		`"signaturesNumber":"7.95265","scanEngineType":3,"cleaned":0,"blocked":0,"deleted":0,"quarantined":2,"ignored":0,"present":0,"module":"av"}]},"id":1504872097787}`
)

func TestReceiverDedupHorizon(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// Delivery starts when the committer says a partner got something new.
	c := NewCommitter(b.store, 0, slog.New(slog.DiscardHandler))
	var told atomic.Int64
	c.OnStored(func(context.Context, []int64) { told.Add(1) })
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { c.Run(ctx); close(stopped) }()
	t.Cleanup(func() { cancel(); <-stopped })
	t0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	var clock atomic.Int64 // the receiver's time, in Unix nanoseconds
	now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	mux := http.NewServeMux()
	mux.Handle("POST /ingest/{token}", NewReceiver(b.store, c, Parsers(), Options{DedupHorizon: 24 * time.Hour, Now: now}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	post := func(body string) string {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+"/ingest/"+b.src.Token, strings.NewReader(body))
		req.Header = gzSigned("Bearer push-secret", gzAPIKey, []byte(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, raw)
		}
		return strings.TrimSpace(string(raw))
	}

	// The cases run in order, on one clock.
	steps := []struct {
		name string
		at   time.Time
		body string
		want string
	}{
		{"StoresAnUninstall", t0, uninstallPush, `{"stored":1,"duplicates":0,"resolutions":0}`},
		{"TakesItAgainAnHourLaterForARedelivery", t0.Add(time.Hour), uninstallPush, `{"stored":0,"duplicates":1,"resolutions":0}`},
		{"StoresItAgainAfterTheHorizonAsANewAlert", t0.Add(25 * time.Hour), uninstallPush, `{"stored":1,"duplicates":0,"resolutions":0}`},
		{"TakesThatOneForARedeliveryWithinItsOwnHorizon", t0.Add(26 * time.Hour), uninstallPush, `{"stored":0,"duplicates":1,"resolutions":0}`},
		{"StoresAnAVDetection", t0, avPush, `{"stored":1,"duplicates":0,"resolutions":0}`},
		{"RecognisesTheAVDetectionByItsOwnTimeAfterTheHorizon", t0.Add(25 * time.Hour), avPush, `{"stored":0,"duplicates":1,"resolutions":0}`},
	}
	for _, s := range steps {
		clock.Store(s.at.UnixNano())
		if got := post(s.body); got != s.want {
			t.Errorf("%s: answered %s, want %s", s.name, got, s.want)
		}
	}
	alerts, err := b.store.Alerts(t.Context(), store.AlertQuery{SourceID: b.src.ID})
	if err != nil || len(alerts) != 3 {
		t.Fatalf("Alerts = %d, %v; want two uninstalls and one detection", len(alerts), err)
	}
	if a := alerts[1]; a.Type != "uninstall" || !a.ReceivedAt.Equal(t0.Add(25*time.Hour)) || !a.OccurredAt.Equal(t0.Add(25*time.Hour)) {
		t.Errorf("the repeat: type %s, received %s, occurred %s; want an uninstall received and occurring at %s", a.Type, a.ReceivedAt, a.OccurredAt, t0.Add(25*time.Hour))
	}
	if n := told.Load(); n != 3 {
		t.Errorf("delivery was told %d times, want once for each stored alert (3)", n)
	}
	pending, err := b.store.PendingAlerts(t.Context(), b.src.PartnerID, t0, 0)
	if err != nil || len(pending) != 3 || pending[1].ID != alerts[1].ID {
		t.Errorf("PendingAlerts = %d alerts, %v; want all three waiting for delivery, the repeat among them", len(pending), err)
	}
}

// oneSource finds src for any token.
type oneSource struct{ src store.Source }

func (o oneSource) SourceByToken(context.Context, string) (store.Source, error) { return o.src, nil }

// instantWriter commits and syncs at once, storing nothing.
type instantWriter struct{}

func (instantWriter) CommitInbound(_ context.Context, batches []store.InboundBatch) ([]store.InboundResult, func() error, error) {
	results := make([]store.InboundResult, len(batches))
	for i, b := range batches {
		results[i].AlertIDs = make([]int64, len(b.Alerts))
	}
	return results, func() error { return nil }, nil
}

func TestReceiverParsesAtMostParseSlotsBodiesAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _, stop := runCommitter(t, instantWriter{}, 0)
		defer stop()
		var inside, most atomic.Int64
		release := make(chan struct{})
		parse := func(h http.Header, body []byte, at time.Time, max int) (source.Inbound, error) {
			n := inside.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			<-release
			inside.Add(-1)
			return lineParser(h, body, at, max)
		}
		src := store.Source{ID: 1, PartnerID: 1, Kind: source.GravityZone, Token: "tok", Secret: "Bearer push-secret", APIKey: gzAPIKey}
		rc := NewReceiver(oneSource{src}, c, map[source.Kind]Parse{source.GravityZone: parse}, Options{})
		push := func(ctx context.Context, body string) *httptest.ResponseRecorder {
			req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/ingest/tok", strings.NewReader(body))
			req.SetPathValue("token", "tok")
			req.Header = gzSigned("Bearer push-secret", gzAPIKey, []byte(body))
			w := httptest.NewRecorder()
			rc.ServeHTTP(w, req)
			return w
		}

		slots := parseSlots()
		requests := slots + 3
		answers := make(chan int, requests)
		for i := range requests {
			go func() { answers <- push(context.Background(), fmt.Sprintf("e%d", i)).Code }()
		}
		synctest.Wait()
		if got := inside.Load(); got != int64(slots) {
			t.Fatalf("%d bodies are being parsed while %d requests wait, want %d (parseSlots)", got, requests, slots)
		}

		// A request that ends while it waits for a slot is answered, never parsed.
		ctx, cancel := context.WithCancel(context.Background())
		ended := make(chan *httptest.ResponseRecorder, 1)
		go func() { ended <- push(ctx, "late") }()
		synctest.Wait()
		cancel()
		if w := <-ended; w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "retry") {
			t.Errorf("a request ended while waiting: %d %s, want 503 asking for a retry", w.Code, w.Body)
		}

		close(release)
		for range requests {
			if code := <-answers; code != http.StatusOK {
				t.Errorf("a request answered %d, want 200", code)
			}
		}
		if got := most.Load(); got != int64(slots) {
			t.Errorf("at most %d bodies were parsed at once, want %d", got, slots)
		}
	})
}
