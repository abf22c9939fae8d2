package halo

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync/atomic"
	"time"
)

// link is what every request to one tenant passes through: the instrumented HTTP client, the
// tenant's limiter and the retry policy. Client and AuthCodeFlow share its shape.
type link struct {
	cfg  Config
	http *http.Client
}

func newLink(cfg Config) *link {
	hc := *cfg.HTTPClient
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	key := cfg.limiterKey()
	hc.Transport = &meteredTransport{
		base:    base,
		metrics: cfg.Metrics,
		logger:  cfg.Logger,
		pause: func(ctx context.Context, d time.Duration) {
			cfg.Budget.Pause(ctx, key, time.Now().Add(d))
		},
	}
	return &link{cfg: cfg, http: &hc}
}

// wait spends one request of the tenant's budget, at the priority and
// from the reservation ctx carries.
func (l *link) wait(ctx context.Context) error {
	return spend(ctx, l.cfg.Budget, l.cfg.limiterKey(), l.cfg.MaxRateWait)
}

type templateKey struct{}

// withTemplate labels the requests made with ctx by their path template, e.g.
// "/api/Tickets/{id}", for metrics and logs; requests made inside golang.org/x/oauth2 get
// their label this way too.
func withTemplate(ctx context.Context, template string) context.Context {
	return context.WithValue(ctx, templateKey{}, template)
}

// traceSent reports, after a failed request, whether the request was written completely:
// a request Halo never received entirely cannot have been acted on.
func traceSent(ctx context.Context) (context.Context, func() bool) {
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				wrote.Store(true)
			}
		},
	}
	return httptrace.WithClientTrace(ctx, trace), wrote.Load
}

// meteredTransport counts and logs every request, and turns a 429 into a pause of the whole
// tenant, whichever code path (API or token endpoint) met it.
type meteredTransport struct {
	base    http.RoundTripper
	metrics *Metrics
	logger  *slog.Logger
	pause   func(context.Context, time.Duration)
}

func (t *meteredTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	took := time.Since(start)
	template, _ := req.Context().Value(templateKey{}).(string)
	status := statusError
	if err == nil {
		status = strconv.Itoa(resp.StatusCode)
	}
	t.metrics.observe(req.Method, template, status, took)
	t.logger.LogAttrs(req.Context(), slog.LevelDebug, "halo request",
		slog.String("method", req.Method), slog.String("path", template),
		slog.String("status", status), slog.Duration("took", took))
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		t.pause(req.Context(), retryAfter(resp.Header))
	}
	return resp, err
}

// retryAfter reads Retry-After (seconds or an HTTP date); Halo is not known to send it, hence
// the default.
func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		if d := time.Until(at); d > 0 {
			return d
		}
		return 0
	}
	return defaultPause
}
