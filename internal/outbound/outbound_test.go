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
