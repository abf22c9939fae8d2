package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// shell is a Server with one route of each kind the other areas mount:
// a page with a form, a JSON route, and the push receiver.
func shell(t *testing.T, deps Deps) *Server {
	t.Helper()
	deps.Store = pinger{}
	deps.Gatherer = prometheus.NewRegistry()
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	echoForm := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "email=%s client=%s", r.PostFormValue("email"), ClientAddr(r))
	})
	deps.Routes = append(deps.Routes, Route{Pattern: "POST /login", Handler: echoForm}, Route{Pattern: "POST /api/v1/things", Handler: echoForm})
	deps.Ingest = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		fmt.Fprintf(w, "read %d bytes", len(b))
	})
	return New(deps)
}

var requestIDPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

func TestEveryAnswerCarriesItsRequestIDAndSafeHeaders(t *testing.T) {
	t.Parallel()
	s := shell(t, Deps{})
	seen := map[string]bool{}
	for _, req := range []*http.Request{
		httptest.NewRequest("GET", "/healthz", nil),
		httptest.NewRequest("GET", "/no/such/page", nil),
		httptest.NewRequest("POST", "/login", strings.NewReader("email=a%40b.example")),
	} {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		h := rec.Result().Header
		id := h.Get(RequestIDHeader)
		if !requestIDPattern.MatchString(id) || seen[id] {
			t.Errorf("%s %s: X-Request-Id %q, want 16 hex digits of its own", req.Method, req.URL.Path, id)
		}
		seen[id] = true
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" ||
			!strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s %s: headers %v, want nosniff, same-origin referrers and no framing", req.Method, req.URL.Path, h)
		}
	}
}

func TestProblemsOfOurOwnCarryTheRequestID(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	var answer Problem
	var quote string
	s := shell(t, Deps{Logger: logger, Routes: []Route{{Pattern: "GET /api/v1/broken", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		quote = Fault(logger, r, "could not list things", errors.New("disk on fire"), "partner_id", 7)
		answer = Problem{Code: "internal", Message: "halobridge could not do this just now. " + quote}.ForStatus(r, http.StatusInternalServerError)
		w.WriteHeader(http.StatusInternalServerError)
	})}}})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/broken", nil))
	id := rec.Header().Get(RequestIDHeader)
	if answer.RequestID != id || !strings.Contains(answer.Message, "request id "+id) {
		t.Errorf("problem %+v, want request id %s in its field and its message", answer, id)
	}
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("log %q: %v", logs.String(), err)
	}
	if line["msg"] != "could not list things" || line["request_id"] != id || line["error"] != "disk on fire" || line["path"] != "/api/v1/broken" || line["partner_id"] != 7.0 {
		t.Errorf("log line %v, want what failed, the error, the path and request id %s", line, id)
	}
	if p := (Problem{Code: "invalid_input"}).ForStatus(httptest.NewRequest("GET", "/", nil), http.StatusBadRequest); p.RequestID != "" {
		t.Errorf("a 400 carries request id %q; only our own faults do", p.RequestID)
	}
}

func TestForms(t *testing.T) {
	// Not parallel: it points TMPDIR at a directory that does not exist, so
	// that a form spooled to a temporary file fails with another error than
	// 413 (a spooled file is removed again when parsing fails, so looking
	// for it afterwards would prove nothing).
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "absent"))
	srv := httptest.NewServer(shell(t, Deps{}))
	t.Cleanup(srv.Close)

	// post sends a request on a connection of its own and reads the answer
	// while the body is still being written: a server that refuses a body
	// answers before reading it all, and then closes the connection.
	post := func(t *testing.T, path, contentType string, body io.Reader, size int64) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), "POST", srv.URL+path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = size
		req.Header.Set("Content-Type", contentType)
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		go req.Write(conn)
		resp, err := http.ReadResponse(bufio.NewReader(conn), req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// hugeMultipart streams a 40 MiB multipart form with a file part, as
	// the reviewer sent to /login, without a Content-Length.
	hugeMultipart := func() (io.Reader, string) {
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			mw.WriteField("email", "ops@acme.example")
			f, _ := mw.CreateFormFile("password", "big.bin")
			chunk := bytes.Repeat([]byte("x"), 1<<20)
			for range 40 {
				if _, err := f.Write(chunk); err != nil {
					pw.CloseWithError(err)
					return
				}
			}
			pw.CloseWithError(mw.Close())
		}()
		return pr, mw.FormDataContentType()
	}

	t.Run("RefusesA40MiBMultipartSignInFormWithoutSpoolingIt", func(t *testing.T) {
		body, contentType := hugeMultipart()
		status, answer := post(t, "/login", contentType, body, -1)
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(answer, "larger than the 1048576 bytes") {
			t.Errorf("status %d %q, want 413 naming the bound, and nothing spooled", status, answer)
		}
	})

	t.Run("RefusesAFormWhoseLengthIsTooLargeBeforeReadingIt", func(t *testing.T) {
		req := httptest.NewRequest("POST", "/api/v1/things", unread{t})
		req.ContentLength = 40 << 20
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		srv.Config.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), `"code":"too_large"`) {
			t.Errorf("status %d %q, want 413 as JSON under /api/", rec.Code, rec.Body.String())
		}
	})

	t.Run("RefusesAnURLEncodedFormTooLargeToParse", func(t *testing.T) {
		body := "email=" + strings.Repeat("a", MaxFormBody)
		status, _ := post(t, "/login", "application/x-www-form-urlencoded", strings.NewReader(body), -1)
		if status != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", status)
		}
	})

	t.Run("NamesAFormItCannotRead", func(t *testing.T) {
		status, answer := post(t, "/login", "multipart/form-data; boundary=zz", strings.NewReader("--zz\r\nnot a part"), -1)
		if status != http.StatusBadRequest || !strings.Contains(answer, "The form could not be read") {
			t.Errorf("status %d %q, want 400 saying the form could not be read", status, answer)
		}
	})

	t.Run("HandsABoundedFormToTheRoute", func(t *testing.T) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("email", "ops@acme.example")
		mw.Close()
		for _, c := range []struct {
			contentType string
			body        string
		}{{"application/x-www-form-urlencoded", "email=ops%40acme.example"}, {mw.FormDataContentType(), buf.String()}} {
			status, answer := post(t, "/login", c.contentType, strings.NewReader(c.body), -1)
			if status != http.StatusOK || !strings.HasPrefix(answer, "email=ops@acme.example") {
				t.Errorf("%s: status %d %q, want the route to read the email", c.contentType, status, answer)
			}
		}
	})

	t.Run("LeavesWhatIsPushedToTheReceiverAlone", func(t *testing.T) {
		status, answer := post(t, "/ingest/token", "application/x-www-form-urlencoded", strings.NewReader(`{"events":[]}`), -1)
		if status != http.StatusOK || answer != "read 13 bytes" {
			t.Errorf("status %d %q, want the receiver to read the body itself", status, answer)
		}
	})

	t.Run("BoundsEveryBody", func(t *testing.T) {
		status, _ := post(t, "/ingest/token", "application/json", io.LimitReader(zeros{}, MaxBody+1), -1)
		if status != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413 past %d bytes", status, MaxBody)
		}
	})
}

// unread is a body that must not be read.
type unread struct{ t *testing.T }

func (u unread) Read([]byte) (int, error) {
	u.t.Error("the body was read")
	return 0, io.EOF
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestServeCutsOffABodyThatNeverCompletes(t *testing.T) {
	t.Parallel()
	readErr := make(chan error, 1)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		readErr <- err
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ln, handler, Limits{Read: 50 * time.Millisecond, Shutdown: time.Second}, slog.New(slog.DiscardHandler))
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The headers promise 100 bytes; ten come, and then nothing.
	fmt.Fprintf(conn, "POST /ingest/x HTTP/1.1\r\nHost: halobridge\r\nContent-Length: 100\r\n\r\n0123456789")

	err = <-readErr
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("the handler read %v, want a timeout", err)
	}
	// The server then closes the connection: reading it ends.
	_, err = io.Copy(io.Discard, bufio.NewReader(conn))
	if err != nil {
		t.Errorf("reading the connection after the cut: %v, want it closed", err)
	}
}

func TestServeClosesAConnectionLeftIdle(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }),
			Limits{Idle: 50 * time.Millisecond, Shutdown: time.Second}, slog.New(slog.DiscardHandler))
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: halobridge\r\n\r\n")
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Close {
		t.Fatal("the server closed the connection after the answer; want it kept alive until idle")
	}
	// Nothing more is asked: the server ends the kept-alive connection.
	if n, err := io.Copy(io.Discard, r); err != nil || n != 0 {
		t.Errorf("after the answer: %d bytes, %v; want the connection closed", n, err)
	}
}

func TestLimitsDefaults(t *testing.T) {
	t.Parallel()
	got := Limits{Shutdown: 20 * time.Second}.orDefaults()
	want := Limits{ReadHeader: 10 * time.Second, Read: 30 * time.Second, Write: 10 * time.Minute, Idle: 2 * time.Minute, Shutdown: 20 * time.Second}
	if got != want {
		t.Errorf("defaults %+v, want %+v", got, want)
	}
	if got := (Limits{Read: time.Second}).orDefaults().Read; got != time.Second {
		t.Errorf("a Read limit given is %s, want it kept", got)
	}
}

func TestLocalPath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, want string
	}{
		{"/", "/"},
		{"/mapping", "/mapping"},
		{"/mapping?source=2&search=acme%20ltd", "/mapping?source=2&search=acme%20ltd"},
		{"/sync/runs/7?then=%2Fbilling", "/sync/runs/7?then=%2Fbilling"},
		{"", ""},
		{"mapping", ""},
		{"//evil", ""},
		{"//evil.example/x", ""},
		{`/\evil`, ""},
		{`/\/evil.example`, ""},
		{"https://evil", ""},
		{"https://evil.example/", ""},
		{"javascript:alert(1)", ""},
		// The reviewer's %2F%09%2Fevil.example, as the form decodes it:
		// browsers drop the tab and go to //evil.example.
		{"/\t/evil.example", ""},
		{"/\n/evil.example", ""},
		{"/\r\nSet-Cookie: a=b", ""},
		// The same, still percent-encoded in the value.
		{"/%0d%0aSet-Cookie", ""},
		{"/%09/evil.example", ""},
		{"/%5Cevil.example", ""},
		// http.Redirect would clean this into /\evil.
		{`/a/../\evil`, ""},
		{"/\x7f/evil", ""},
		{"/\u0085/evil", ""},
		{"/%zz", ""},
	}
	for _, c := range cases {
		if got := LocalPath(c.in); got != c.want {
			t.Errorf("LocalPath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestClientAddr(t *testing.T) {
	t.Parallel()
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32")}
	cases := []struct {
		name      string
		trusted   []netip.Prefix
		remote    string
		forwarded []string
		want      string
	}{
		{"IsThePeerWhenNoProxyIsTrusted", nil, "198.51.100.4:5555", []string{"203.0.113.9"}, "198.51.100.4"},
		{"IgnoresTheHeaderFromAnUntrustedPeer", proxies, "198.51.100.4:5555", []string{"203.0.113.9"}, "198.51.100.4"},
		{"IsWhomTheTrustedProxySawConnect", proxies, "10.1.1.1:5555", []string{"203.0.113.9"}, "203.0.113.9"},
		{"SkipsEveryTrustedHopFromTheRight", proxies, "10.1.1.1:5555", []string{"203.0.113.9, 192.0.2.7", "10.2.2.2"}, "203.0.113.9"},
		{"IgnoresWhatTheClientWroteLeftOfIt", proxies, "10.1.1.1:5555", []string{"1.1.1.1, 203.0.113.9"}, "203.0.113.9"},
		{"StopsAtAHopThatIsNoAddress", proxies, "10.1.1.1:5555", []string{"203.0.113.9, junk, 10.2.2.2"}, "10.2.2.2"},
		{"IsTheProxyWhenItForwardsNothing", proxies, "10.1.1.1:5555", nil, "10.1.1.1"},
		{"ReadsIPv6", proxies, "[2001:db8::1]:5555", nil, "2001:db8::1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.remote
			for _, v := range c.forwarded {
				r.Header.Add("X-Forwarded-For", v)
			}
			var got string
			New(Deps{Store: pinger{}, Gatherer: prometheus.NewRegistry(), Logger: slog.New(slog.DiscardHandler), TrustedProxies: c.trusted,
				Routes: []Route{{Pattern: "GET /{$}", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = ClientAddr(r) })}},
			}).ServeHTTP(httptest.NewRecorder(), r)
			if got != c.want {
				t.Errorf("ClientAddr = %q, want %q", got, c.want)
			}
		})
	}
}
