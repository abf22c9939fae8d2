// Package outbound guards every request halobridge makes to an address a
// person gave it (a HaloPSA instance, a GravityZone access URL, a DefensX
// API root, an authorisation URL HaloPSA named): https only, and never to
// loopback, private, link-local, shared (CGNAT), multicast or unspecified
// addresses, unless the operator opened them. The check is made where the
// connection is dialled, on the address the name resolved to, so a name
// that resolves inward (or changes its answer between a check and the
// request) and every redirect are covered. When such an address did not
// answer, or answered as something else than the service expected there,
// its errors (NoAnswerError, NotServiceError) say so in a person's words.
package outbound

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"
)

// Policy says which user-given addresses halobridge may reach. The zero
// Policy is the default: public https addresses only.
type Policy struct {
	// Allowed are address ranges the operator opened although they are
	// not public (--allow-private-urls).
	Allowed []netip.Prefix
	// HTTP allows plain-http URLs (--allow-http).
	HTTP bool
}

// Loopback is the word --allow-private-urls takes for the loopback ranges.
const Loopback = "loopback"

// ParseAllowed reads --allow-private-urls: a comma-separated list of CIDR
// ranges, single addresses or the word loopback.
func ParseAllowed(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		switch {
		case item == "":
			continue
		case strings.EqualFold(item, Loopback):
			out = append(out, netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"))
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address range (e.g. 10.20.0.0/16), an address nor %q", item, Loopback)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// Local is the policy of the demo and of tests, whose simulators listen on
// this machine over plain http: --allow-private-urls loopback --allow-http.
func Local() Policy {
	loopback, _ := ParseAllowed(Loopback)
	return Policy{Allowed: loopback, HTTP: true}
}

// Open reports whether the policy opens anything beyond the default.
func (p Policy) Open() bool { return p.HTTP || len(p.Allowed) > 0 }

// String says what the policy opens, for start-up lines.
func (p Policy) String() string {
	var parts []string
	for _, a := range p.Allowed {
		parts = append(parts, a.String())
	}
	s := "public https addresses only"
	if len(parts) > 0 {
		s = "public addresses and " + strings.Join(parts, ", ")
	}
	if p.HTTP {
		s += "; plain http allowed"
	}
	return s
}

// Refused is a request the guard stopped before anything was sent.
// Reason is short and names no more than the address refused.
type Refused struct {
	Reason string
}

func (e *Refused) Error() string { return "halobridge will not connect there: " + e.Reason }

// IsRefused reports whether err is (or wraps) the guard's refusal.
func IsRefused(err error) bool {
	var r *Refused
	return errors.As(err, &r)
}

// CheckURL refuses a URL halobridge may not call: not absolute, a scheme
// other than https (or http when allowed), credentials in it, or a literal
// address the policy keeps closed. A name is only resolved when dialled.
func (p Policy) CheckURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return &Refused{Reason: fmt.Sprintf("%q is not an absolute URL", clip(raw))}
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !p.HTTP {
			return &Refused{Reason: fmt.Sprintf("%s uses plain http; use https (the operator can allow http with --allow-http)", u.Host)}
		}
	default:
		return &Refused{Reason: fmt.Sprintf("%q is not an http(s) URL", clip(raw))}
	}
	if u.User != nil {
		return &Refused{Reason: "the URL carries a user name or password; give credentials in their own fields"}
	}
	if a, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil {
		return p.checkAddr(a)
	}
	return nil
}

// CheckResolved is CheckURL, then the check of every address the URL's host
// resolves to now, so that a name pointing inward is refused in clear words
// before anything is sent. Dialling checks again (a name may resolve
// differently then); a name that does not resolve is left to the dial.
func (p Policy) CheckResolved(ctx context.Context, raw string) error {
	if err := p.CheckURL(raw); err != nil {
		return err
	}
	u, _ := url.Parse(strings.TrimSpace(raw))
	host := u.Hostname()
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if kind := p.closedKind(a); kind != "" {
			return &Refused{Reason: fmt.Sprintf("%s resolves to %s, a %s address%s", clip(host), a.Unmap(), kind, openHint)}
		}
	}
	return nil
}

// openHint tells a person who may change a refusal, and how.
const openHint = " (the operator can open it with --allow-private-urls)"

// checkAddr refuses an address the policy keeps closed.
func (p Policy) checkAddr(a netip.Addr) error {
	if kind := p.closedKind(a); kind != "" {
		return &Refused{Reason: fmt.Sprintf("%s is a %s address%s", a.Unmap(), kind, openHint)}
	}
	return nil
}

// closedKind names the kind of address a is when the policy keeps it
// closed, or "" when a may be reached.
func (p Policy) closedKind(a netip.Addr) string {
	a = a.Unmap()
	for _, allowed := range p.Allowed {
		if allowed.Contains(a) {
			return ""
		}
	}
	return rangeKind(a)
}

// closedRanges are the ranges that are not the public internet, by the
// word a person would use for them.
var closedRanges = []struct {
	prefix netip.Prefix
	kind   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (carrier-grade NAT)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("64:ff9b::/96"), "translated (NAT64)"},
	{netip.MustParsePrefix("fc00::/7"), "private"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// rangeKind names the kind of non-public address a is, or "" for public.
func rangeKind(a netip.Addr) string {
	for _, r := range closedRanges {
		if r.prefix.Contains(a) {
			return r.kind
		}
	}
	return ""
}

// control checks, as the connection is made, the address the name
// resolved to.
func (p Policy) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &Refused{Reason: fmt.Sprintf("cannot tell which address %q is", address)}
	}
	return p.checkAddr(ap.Addr())
}

// Dialer dials only addresses the policy allows.
func (p Policy) Dialer() *net.Dialer {
	return &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: p.control}
}

// Transport is an HTTP transport for user-given URLs: every request's URL
// is checked (redirects are requests too) and every connection dialled
// through the guard. It ignores proxy settings: a proxy would dial for it.
func (p Policy) Transport() *http.Transport {
	return &http.Transport{
		DialContext:           p.Dialer().DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   10,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
	}
}

// maxRedirects bounds the redirects one request follows.
const maxRedirects = 5

// Client is an HTTP client for user-given URLs with timeout per request:
// it checks each URL, and each redirect's, before anything is sent.
func (p Policy) Client(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:       timeout,
		Transport:     &checked{policy: p, next: p.Transport()},
		CheckRedirect: p.checkRedirect,
	}
}

// Guard is the client to send requests to user-given URLs with: Client
// when hc is nil, else a copy of hc whose every request and redirect the
// policy checks first. A transport hc brings keeps its own dialling, so
// only tests that need to inject faults give one; production code gives
// none, or a client without a transport, which dials through the guard.
func (p Policy) Guard(hc *http.Client, timeout time.Duration) *http.Client {
	if hc == nil {
		return p.Client(timeout)
	}
	guarded := *hc
	next := hc.Transport
	if next == nil {
		next = p.Transport()
	}
	guarded.Transport = &checked{policy: p, next: next}
	if guarded.CheckRedirect == nil {
		guarded.CheckRedirect = p.checkRedirect
	}
	return &guarded
}

// checkRedirect bounds the redirects of one request and checks each.
func (p Policy) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return &Refused{Reason: fmt.Sprintf("more than %d redirects", maxRedirects)}
	}
	return p.CheckURL(req.URL.String())
}

// Wrap guards an existing transport's requests by URL; the dialling is
// the transport's own, so use it only around Transport's.
func (p Policy) Wrap(next http.RoundTripper) http.RoundTripper {
	return &checked{policy: p, next: next}
}

// checked refuses a request whose URL the policy does not allow.
type checked struct {
	policy Policy
	next   http.RoundTripper
}

func (c *checked) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := c.policy.CheckURL(req.URL.String()); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	resp, err := c.next.RoundTrip(req)
	var refused *Refused
	if errors.As(err, &refused) {
		// The dialler's refusal, without the network error around it: the
		// address it names is all a person needs.
		return nil, refused
	}
	return resp, err
}

// clip keeps what a refusal quotes short.
func clip(s string) string {
	const max = 80
	return cut(s, max)
}

// cut shortens s to at most max bytes, never inside a character.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	end := max
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + "…"
}

// maxExcerpt bounds what an error quotes of a remote answer.
const maxExcerpt = 200

// Excerpt is what an error may quote of an answer from a user-given
// address: its text on one line, without control characters, cut to a
// short reason, with each of secrets (an API key the request carried, say)
// replaced by "[redacted]" in case the answer echoed it. The whole answer
// belongs in a debug log at most.
func Excerpt(text string, secrets ...string) string {
	text = strings.ToValidUTF8(text, "")
	for _, s := range secrets {
		if len(s) >= 4 {
			text = strings.ReplaceAll(text, s, "[redacted]")
		}
	}
	text = strings.Join(strings.FieldsFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
	}), " ")
	return cut(text, maxExcerpt)
}
