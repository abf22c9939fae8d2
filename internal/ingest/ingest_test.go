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
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"halobridge/internal/secret"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// countingWriter wraps a Store and counts transactions.
type countingWriter struct {
	Writer
	calls atomic.Int64
	fail  func(batches []store.InboundBatch) error
}

func (w *countingWriter) StoreInbound(ctx context.Context, batches []store.InboundBatch) ([]store.InboundResult, error) {
	w.calls.Add(1)
	if w.fail != nil {
		if err := w.fail(batches); err != nil {
			return nil, err
		}
	}
	return w.Writer.StoreInbound(ctx, batches)
}

type testBundle struct {
	store  store.Store
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
	src, err := st.CreateSource(t.Context(), store.Source{PartnerID: p.ID, Kind: store.SourceGravityZone, Name: "GZ", Secret: "Bearer push-secret"})
	if err != nil {
		t.Fatal(err)
	}
	return &testBundle{store: st, src: src, writer: &countingWriter{Writer: st}}
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
func lineParser(_ http.Header, body []byte) (source.Inbound, error) {
	var in source.Inbound
	for _, id := range strings.Fields(string(body)) {
		if id == "malformed" {
			return source.Inbound{}, errors.New("line 1: not an addEvents call")
		}
		in.Alerts = append(in.Alerts, source.Alert{Source: source.GravityZone, Type: "av", CustomerID: "c", EventID: id, Fingerprint: "f", Raw: json.RawMessage(`{}`)})
	}
	return in, nil
}

func TestReceiver(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := startCommitter(t, b.store, 0)
	rc := NewReceiver(b.store, c, map[string]Parse{store.SourceGravityZone: lineParser}, Options{MaxBody: 64})
	mux := http.NewServeMux()
	mux.Handle("POST /ingest/{token}", rc)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	post := func(token, auth, body string) (int, Reply) {
		req, _ := http.NewRequest("POST", srv.URL+"/ingest/"+token, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
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
		body       string
		wantStatus int
		wantStored int
		wantInDB   int
		wantError  string
	}{
		{"StoresAnAuthenticatedBatch", b.src.Token, "Bearer push-secret", "e1 e2", 200, 2, 2, ""},
		{"RecognisesARedelivery", b.src.Token, "Bearer push-secret", "e1 e2 e3", 200, 1, 3, ""},
		{"RejectsAWrongSecret", b.src.Token, "Bearer guess", "e4", 401, 0, 3, "Authorization header"},
		{"RejectsAMissingSecret", b.src.Token, "", "e4", 401, 0, 3, "Authorization header"},
		{"RejectsAnUnknownSource", "no-such-token", "Bearer push-secret", "e4", 404, 0, 3, "no source"},
		{"RejectsAMalformedBody", b.src.Token, "Bearer push-secret", "e4 malformed", 400, 0, 3, "not an addEvents call"},
		{"RejectsAnOversizedBody", b.src.Token, "Bearer push-secret", strings.Repeat("e5 ", 40), 413, 0, 3, "larger than 64 bytes"},
	}
	for _, tc := range cases {
		status, reply := post(tc.token, tc.auth, tc.body)
		if status != tc.wantStatus || reply.Stored != tc.wantStored || !strings.Contains(reply.Error, tc.wantError) {
			t.Errorf("%s: %d %+v; want %d, stored %d, error containing %q", tc.name, status, reply, tc.wantStatus, tc.wantStored, tc.wantError)
		}
		if n, _ := b.store.CountAlerts(context.Background(), b.src.ID); n != tc.wantInDB {
			t.Errorf("%s: database holds %d alerts, want %d", tc.name, n, tc.wantInDB)
		}
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
