package outbound

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseAllowed(t *testing.T) {
	t.Parallel()
	got, err := ParseAllowed(" loopback, 10.20.0.0/16 ,192.168.1.7,fd00::/8, ")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"127.0.0.0/8", "::1/128", "10.20.0.0/16", "192.168.1.7/32", "fd00::/8"}
	if len(got) != len(want) {
		t.Fatalf("ParseAllowed = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("range %d = %s, want %s", i, got[i], want[i])
		}
	}
	for _, bad := range []string{"localhost", "10.0.0.0/33", "every"} {
		if _, err := ParseAllowed(bad); err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("ParseAllowed(%q) = %v, want an error naming what it takes", bad, err)
		}
	}
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	open := Policy{HTTP: true, Allowed: []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16")}}
	tests := []struct {
		url    string
		policy Policy
		reason string // "" when allowed
	}{
		{"https://acme.halopsa.com/api", Policy{}, ""},
		{"https://203.0.113.9/api", Policy{}, ""},
		{"http://acme.halopsa.com", Policy{}, "plain http"},
		{"HTTP://acme.halopsa.com", Policy{}, "plain http"},
		{"http://acme.halopsa.com", open, ""},
		{"ftp://acme.halopsa.com", open, "not an http(s) URL"},
		{"file:///etc/passwd", open, "not an absolute URL"},
		{"javascript:alert(1)", open, "not an absolute URL"},
		{"acme.halopsa.com", Policy{}, "not an absolute URL"},
		{"https://admin:secret@acme.halopsa.com", Policy{}, "user name or password"},
		{"https://127.0.0.1:8443", Policy{}, "127.0.0.1 is a loopback address"},
		{"https://[::1]/api", Policy{}, "::1 is a loopback address"},
		{"https://[::ffff:127.0.0.1]/api", Policy{}, "127.0.0.1 is a loopback address"},
		{"https://10.20.3.4/api", Policy{}, "private address"},
		{"https://10.20.3.4/api", open, ""},
		{"https://10.21.3.4/api", open, "private address"},
		{"https://172.16.0.1", Policy{}, "private address"},
		{"https://192.168.1.1", Policy{}, "private address"},
		{"https://169.254.169.254/latest/meta-data", Policy{}, "link-local address"},
		{"https://100.64.0.1", Policy{}, "carrier-grade NAT"},
		{"https://224.0.0.1", Policy{}, "multicast address"},
		{"https://0.0.0.0", Policy{}, "unspecified address"},
		{"https://[fe80::1]", Policy{}, "link-local address"},
		{"https://[fd12::1]", Policy{}, "private address"},
		{"https://[64:ff9b::a9fe:a9fe]", Policy{}, "NAT64"},
	}
	for _, tc := range tests {
		err := tc.policy.CheckURL(tc.url)
		switch {
		case tc.reason == "" && err != nil:
			t.Errorf("CheckURL(%q) = %v, want it allowed", tc.url, err)
		case tc.reason != "" && (err == nil || !strings.Contains(err.Error(), tc.reason) || !IsRefused(err)):
			t.Errorf("CheckURL(%q) = %v, want a refusal saying %q", tc.url, err, tc.reason)
		}
	}
}

// listener counts the connections a loopback server receives.
type listener struct {
	url   string
	conns atomic.Int64
}

func newListener(t *testing.T) *listener {
	t.Helper()
	l := &listener{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("secret internal answer"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			l.conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	l.url = srv.URL
	return l
}

func TestClient(t *testing.T) {
	t.Parallel()

	t.Run("NeverConnectsToLoopbackUnlessTheOperatorOpenedIt", func(t *testing.T) {
		t.Parallel()
		l := newListener(t)
		// A name that resolves to loopback is caught where it is dialled.
		named := strings.Replace(l.url, "127.0.0.1", "localhost", 1)
		for _, target := range []string{l.url, named} {
			_, err := Policy{HTTP: true}.Client(5 * time.Second).Get(target)
			if !IsRefused(err) || strings.Contains(err.Error(), "secret internal answer") {
				t.Errorf("GET %s: %v, want a refusal that echoes nothing", target, err)
			}
		}
		if n := l.conns.Load(); n != 0 {
			t.Fatalf("the loopback listener received %d connections while closed", n)
		}
		opened := Policy{HTTP: true, Allowed: mustAllowed(t, "loopback")}
		resp, err := opened.Client(5 * time.Second).Get(l.url)
		if err != nil {
			t.Fatalf("GET with loopback opened: %v", err)
		}
		resp.Body.Close()
		if l.conns.Load() == 0 {
			t.Error("no connection reached the listener although loopback was opened")
		}
	})

	t.Run("ChecksEveryRedirect", func(t *testing.T) {
		t.Parallel()
		inner := newListener(t)
		// The first hop is allowed (its range opened), the redirect it
		// answers points at a range that is not.
		first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, strings.Replace(inner.url, "127.0.0.1", "[::ffff:127.0.0.2]", 1), http.StatusFound)
		}))
		t.Cleanup(first.Close)
		p := Policy{HTTP: true, Allowed: mustAllowed(t, "127.0.0.1")}
		_, err := p.Client(5 * time.Second).Get(first.URL)
		if !IsRefused(err) {
			t.Fatalf("GET through a redirect inward: %v, want a refusal", err)
		}
		if n := inner.conns.Load(); n != 0 {
			t.Errorf("the redirect's target received %d connections", n)
		}
		toHTTP := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://example.invalid/", http.StatusFound)
		}))
		t.Cleanup(toHTTP.Close)
		c := Policy{Allowed: mustAllowed(t, "loopback")}.Client(5 * time.Second)
		c.Transport.(*checked).next.(*http.Transport).TLSClientConfig = toHTTP.Client().Transport.(*http.Transport).TLSClientConfig
		if _, err := c.Get(toHTTP.URL); !IsRefused(err) || !strings.Contains(err.Error(), "plain http") {
			t.Errorf("GET through a redirect to plain http: %v, want a refusal", err)
		}
	})

	t.Run("StopsEndlessRedirects", func(t *testing.T) {
		t.Parallel()
		var hops atomic.Int64
		var loop *httptest.Server
		loop = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hops.Add(1)
			http.Redirect(w, r, loop.URL+"/again", http.StatusFound)
		}))
		t.Cleanup(loop.Close)
		_, err := Policy{HTTP: true, Allowed: mustAllowed(t, "loopback")}.Client(5 * time.Second).Get(loop.URL)
		if !IsRefused(err) || hops.Load() != maxRedirects {
			t.Errorf("GET of a redirect loop: %v after %d hops, want a refusal after %d", err, hops.Load(), maxRedirects)
		}
	})

	t.Run("DialerRefusesAResolvedAddressItKeepsClosed", func(t *testing.T) {
		t.Parallel()
		l := newListener(t)
		addr := strings.TrimPrefix(l.url, "http://")
		_, err := Policy{}.Dialer().DialContext(context.Background(), "tcp", addr)
		if !IsRefused(err) {
			t.Errorf("dial %s: %v, want a refusal", addr, err)
		}
		if n := l.conns.Load(); n != 0 {
			t.Errorf("%d connections reached the listener", n)
		}
	})
}

func mustAllowed(t *testing.T, list string) []netip.Prefix {
	t.Helper()
	p, err := ParseAllowed(list)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckResolved(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	// localhost resolves to loopback on every machine halobridge runs on.
	err := Policy{HTTP: true}.CheckResolved(ctx, "http://localhost:8080/api")
	if !IsRefused(err) || !strings.Contains(err.Error(), "localhost resolves to") || !strings.Contains(err.Error(), "loopback address") {
		t.Errorf("CheckResolved(localhost) = %v, want a refusal naming the name and what it resolves to", err)
	}
	if err := Local().CheckResolved(ctx, "http://localhost:8080/api"); err != nil {
		t.Errorf("CheckResolved(localhost) with loopback opened = %v, want it allowed", err)
	}
	if err := (Policy{}).CheckResolved(ctx, "http://localhost:8080/api"); !IsRefused(err) || !strings.Contains(err.Error(), "plain http") {
		t.Errorf("CheckResolved(http://localhost) = %v, want the scheme refused first", err)
	}
	// A name that does not resolve is the dial's to report.
	if err := (Policy{}).CheckResolved(ctx, "https://halobridge-test.invalid/api"); err != nil {
		t.Errorf("CheckResolved(.invalid) = %v, want it left to the dial", err)
	}
}

func TestGuard(t *testing.T) {
	t.Parallel()

	t.Run("DialsThroughTheGuardWhenTheClientBringsNoTransport", func(t *testing.T) {
		t.Parallel()
		l := newListener(t)
		c := Policy{HTTP: true}.Guard(&http.Client{Timeout: 5 * time.Second}, time.Minute)
		named := strings.Replace(l.url, "127.0.0.1", "localhost", 1)
		if _, err := c.Get(named); !IsRefused(err) {
			t.Errorf("GET %s: %v, want a refusal", named, err)
		}
		if c.Timeout != 5*time.Second {
			t.Errorf("timeout %s, want the client's own", c.Timeout)
		}
		if n := l.conns.Load(); n != 0 {
			t.Errorf("%d connections reached the listener", n)
		}
	})

	t.Run("ChecksTheURLsOfAClientsOwnTransport", func(t *testing.T) {
		t.Parallel()
		l := newListener(t)
		var sent atomic.Int64
		own := roundTripper(func(r *http.Request) (*http.Response, error) {
			sent.Add(1)
			return http.DefaultTransport.RoundTrip(r)
		})
		c := Policy{HTTP: true}.Guard(&http.Client{Transport: own}, time.Minute)
		if _, err := c.Get(l.url); !IsRefused(err) || sent.Load() != 0 || l.conns.Load() != 0 {
			t.Errorf("GET %s: %v after %d requests reached the transport, want a refusal before it", l.url, err, sent.Load())
		}
		if _, err := Local().Guard(&http.Client{Transport: own}, time.Minute).Get(l.url); err != nil || sent.Load() != 1 {
			t.Errorf("GET %s with loopback opened: %v, %d requests through the client's transport", l.url, err, sent.Load())
		}
	})

	t.Run("RefusalLeavesTheNetworkErrorOut", func(t *testing.T) {
		t.Parallel()
		l := newListener(t)
		_, err := Policy{HTTP: true}.Client(5 * time.Second).Get(strings.Replace(l.url, "127.0.0.1", "localhost", 1))
		if !IsRefused(err) || strings.Contains(err.Error(), "dial tcp") {
			t.Errorf("GET of a name resolving to loopback: %v, want only the refusal's words", err)
		}
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestExcerpt(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 150) // 300 bytes, two bytes each
	tests := []struct {
		name, in string
		secrets  []string
		want     string
	}{
		{"KeepsAShortReasonAsItIs", "Please select a valid Client/Site/User", nil, "Please select a valid Client/Site/User"},
		{"PutsItOnOneLine", "  line one\r\n\tline two  ", nil, "line one line two"},
		{"DropsControlAndFormatCharacters", "evil\x1b[31m red\u202e txt\x00", nil, "evil [31m red txt"},
		{"DropsInvalidUTF8", "bad \xff\xfe byte", nil, "bad byte"},
		{"CutsAtACharacterBoundary", long, nil, strings.Repeat("é", 100) + "…"},
		{"RedactsTheKeyAnAnswerEchoed", "unknown key gz-sim-key-123 for this instance", []string{"gz-sim-key-123"}, "unknown key [redacted] for this instance"},
		{"IgnoresEmptySecrets", "nothing to hide", []string{""}, "nothing to hide"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Excerpt(tc.in, tc.secrets...); got != tc.want {
				t.Errorf("Excerpt(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestLocal(t *testing.T) {
	t.Parallel()
	p := Local()
	for _, u := range []string{"http://127.0.0.1:8081/api", "http://[::1]:8081/api"} {
		if err := p.CheckURL(u); err != nil {
			t.Errorf("Local().CheckURL(%q) = %v, want it allowed", u, err)
		}
	}
	if err := p.CheckURL("http://10.0.0.1/api"); !IsRefused(err) {
		t.Errorf("Local().CheckURL(10.0.0.1) = %v, want private addresses still closed", err)
	}
}
