package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// RequestIDHeader carries the id the server gives every request, on every
// answer: a person quotes it, and the log lines of the request's failure
// carry it.
const RequestIDHeader = "X-Request-Id"

type requestKey struct{}

// request is what the server learns of a request before routing it.
type request struct {
	id     string
	client string
}

// newRequestID is 16 hex digits: short enough to read out, random enough
// not to repeat in a log's lifetime.
func newRequestID() string {
	b := make([]byte, 8)
	// crypto/rand.Read never fails on the platforms Go supports.
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// RequestID is the id the server gave r (also in its X-Request-Id answer
// header); "" for a request that did not come through Server.
func RequestID(r *http.Request) string {
	if info, ok := r.Context().Value(requestKey{}).(*request); ok {
		return info.id
	}
	return ""
}

// ClientAddr is the address r came from: the connection's peer, or, when
// that peer is a trusted reverse proxy, the nearest address in
// X-Forwarded-For that is not one (see Deps.TrustedProxies).
func ClientAddr(r *http.Request) string {
	if info, ok := r.Context().Value(requestKey{}).(*request); ok {
		return info.client
	}
	return peerAddr(r)
}

func withRequest(r *http.Request, info *request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), requestKey{}, info))
}

// peerAddr is the host part of the connection's remote address.
func peerAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// clientAddr walks X-Forwarded-For from the right, past the trusted
// proxies, to the first address a proxy of ours saw connect. Addresses
// further left were written by the client itself and prove nothing, so
// someone who forges the header gains nothing but an address of their own
// choosing in front of their real one.
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	peer := peerAddr(r)
	if !isTrusted(peer, trusted) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		addr, err := netip.ParseAddr(hop)
		if err != nil {
			// A hop a proxy of ours wrote is always an address: the rest
			// of the header is the client's word.
			return client
		}
		client = addr.Unmap().String()
		if !isTrusted(client, trusted) {
			return client
		}
	}
	return client
}

func isTrusted(addr string, trusted []netip.Prefix) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Logger returns l whose records, when logged with the context of a request
// that came through Server, carry its request id: what the parts below the
// web layer log of a request (a failing Test Connection check, a source
// that could not be connected) is then found by the id its answer showed.
func Logger(l *slog.Logger) *slog.Logger {
	return slog.New(requestIDHandler{l.Handler()})
}

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, rec slog.Record) error {
	if info, ok := ctx.Value(requestKey{}).(*request); ok {
		rec.AddAttrs(slog.String("request_id", info.id))
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
