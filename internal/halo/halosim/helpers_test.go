package halosim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for token, code and rate-limit expiry.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type testBundle struct {
	sim   *Sim
	srv   *httptest.Server
	clock *fakeClock
}

// setup starts a simulator behind a real HTTP server. Unless opts say otherwise it has a
// fake clock, 12 clients and seed 7.
func setup(t *testing.T, opts Options) *testBundle {
	t.Helper()
	clock := &fakeClock{t: time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.Clients == 0 {
		opts.Clients = 12
	}
	if opts.Seed == 0 {
		opts.Seed = 7
	}
	sim := New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &testBundle{sim: sim, srv: srv, clock: clock}
}

// response is what a test request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) text() string { return string(r.body) }

// decode unmarshals the body into T, failing the test on malformed JSON.
func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decoding %q: %v", r.body, err)
	}
	return v
}

// send makes a request; body is sent as-is when it is a string, else JSON-encoded.
func (b *testBundle) send(t *testing.T, method, path, token string, body any) response {
	t.Helper()
	var rd io.Reader
	contentType := ""
	switch v := body.(type) {
	case nil:
	case string:
		rd, contentType = strings.NewReader(v), "application/json"
	default:
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		rd, contentType = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequest(method, b.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return b.roundTrip(t, req)
}

func (b *testBundle) roundTrip(t *testing.T, req *http.Request) response {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

// postForm posts form-encoded data, as token requests are sent.
func (b *testBundle) postForm(t *testing.T, path string, form url.Values) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.roundTrip(t, req)
}

// token gets an access token for the default client-credentials application.
func (b *testBundle) token(t *testing.T, scope string) string {
	t.Helper()
	return b.tokenFor(t, DefaultClientID, DefaultClientSecret, scope)
}

func (b *testBundle) tokenFor(t *testing.T, clientID, secret, scope string) string {
	t.Helper()
	resp := b.postForm(t, "/auth/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}, "scope": {scope},
	})
	if resp.status != http.StatusOK {
		t.Fatalf("token: status %d: %s", resp.status, resp.body)
	}
	return decode[tokenResponse](t, resp).AccessToken
}

// wantStatus fails the test when a response has another status.
func wantStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.status, status, r.body)
	}
}

// wantHaloError checks a {ClassName, Message} error answer exactly.
// A 400 carries HaloPSA's serialized exception, a 403 plain text and a 404 nothing (see
// reply.go); message is the exception's or the text's.
func wantHaloError(t *testing.T, r response, status int, message string) {
	t.Helper()
	wantStatus(t, r, status)
	want := `{"ClassName":"System.Exception","Message":"` + message + `"}`
	switch status {
	case http.StatusForbidden:
		want = message
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("Content-Type = %q, want plain text", ct)
		}
	case http.StatusNotFound:
		want = ""
	}
	if r.text() != want {
		t.Fatalf("body = %s, want %s", r.body, want)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func urlEscape(s string) string { return url.QueryEscape(s) }

func stringsReader(s string) io.Reader { return strings.NewReader(s) }
