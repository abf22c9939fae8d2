package ingest

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone"
	"halobridge/internal/store"
)

// Parse turns one authenticated request body, received at received, into
// alerts and resolutions. A body of more than maxEvents events is refused
// with a *source.TooManyEventsError, counted before the events are read.
type Parse func(header http.Header, body []byte, received time.Time, maxEvents int) (source.Inbound, error)

// SourceFinder finds the source a request is addressed to.
type SourceFinder interface {
	SourceByToken(ctx context.Context, token string) (store.Source, error)
}

// DefaultDedupHorizon is the dedup horizon unless one is set.
const DefaultDedupHorizon = 24 * time.Hour

// Options configure a Receiver.
type Options struct {
	// MaxBody is the largest request body accepted, in bytes (default 10 MiB).
	MaxBody int64
	// MaxEvents is the most events one push may carry (default
	// source.DefaultMaxEvents); a push of more is answered 413.
	MaxEvents int
	// SourceTTL is how long a looked-up source is trusted before it is read
	// again (default 30 s), so a storm costs no database reads per request.
	SourceTTL time.Duration
	// DedupHorizon is how long an event without a time of its own is taken
	// for a redelivery when its content arrives again (default
	// DefaultDedupHorizon).
	DedupHorizon time.Duration
	Now          func() time.Time
	Logger       *slog.Logger
	// Registerer receives the ingest metrics; nil registers none.
	Registerer prometheus.Registerer
}

// Receiver is the HTTP endpoint platforms push to: POST /ingest/{token}.
type Receiver struct {
	sources   SourceFinder
	committer *Committer
	parsers   map[source.Kind]Parse
	opts      Options
	cache     sync.Map // token → cachedSource
	// parsing holds a token for each request whose body is being parsed
	// (see parseSlots).
	parsing  chan struct{}
	events   *prometheus.CounterVec
	requests *prometheus.CounterVec
}

type cachedSource struct {
	src     store.Source
	expires time.Time
}

// NewReceiver returns a receiver using parsers by source kind.
func NewReceiver(sources SourceFinder, committer *Committer, parsers map[source.Kind]Parse, opts Options) *Receiver {
	if opts.MaxBody <= 0 {
		opts.MaxBody = 10 << 20
	}
	if opts.MaxEvents <= 0 {
		opts.MaxEvents = source.DefaultMaxEvents
	}
	if opts.SourceTTL <= 0 {
		opts.SourceTTL = 30 * time.Second
	}
	if opts.DedupHorizon <= 0 {
		opts.DedupHorizon = DefaultDedupHorizon
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Receiver{
		sources: sources, committer: committer, parsers: parsers, opts: opts,
		parsing: make(chan struct{}, parseSlots()),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "halobridge_ingest_events_total", Help: "Events received by source kind and outcome (stored, duplicate).",
		}, []string{"kind", "outcome"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "halobridge_ingest_requests_total", Help: "Push requests by source kind and HTTP status.",
		}, []string{"kind", "status"}),
	}
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(r.events, r.requests)
	}
	return r
}

// parseSlots is how many bodies are parsed at once: one core fewer than
// Go runs goroutines on, and at least one. The single writer so keeps a
// core in a storm. Were every request parsing at once, the writer, sent to
// the back of the run queue each time it is preempted, would wait behind
// dozens of parsing goroutines for tens of milliseconds, and every request
// with it.
func parseSlots() int { return max(1, runtime.GOMAXPROCS(0)-1) }

// Reply is the body of every answer.
type Reply struct {
	Stored      int    `json:"stored"`
	Duplicates  int    `json:"duplicates"`
	Resolutions int    `json:"resolutions"`
	Error       string `json:"error,omitempty"`
}

func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	kind := source.Kind("unknown")
	status, reply := rc.receive(r, &kind)
	rc.requests.WithLabelValues(string(kind), fmt.Sprint(status)).Inc()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(reply)
}

func (rc *Receiver) receive(r *http.Request, kind *source.Kind) (int, Reply) {
	src, err := rc.source(r.Context(), r.PathValue("token"))
	if errors.Is(err, store.ErrNotFound) {
		return http.StatusNotFound, Reply{Error: "no source has this address; copy the push URL again from halobridge"}
	}
	if err != nil {
		rc.opts.Logger.Error("look up source", "error", err)
		return http.StatusServiceUnavailable, Reply{Error: "halobridge cannot read its configuration right now; retry later"}
	}
	*kind = src.Kind
	parse, ok := rc.parsers[src.Kind]
	if !ok {
		return http.StatusNotFound, Reply{Error: fmt.Sprintf("%s sources do not push to this address", src.Kind)}
	}
	if !authenticated(src, r) {
		return http.StatusUnauthorized, Reply{Error: unauthenticatedHint(src.Kind)}
	}
	body, err := readBody(r, rc.opts.MaxBody)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return http.StatusRequestEntityTooLarge, Reply{Error: fmt.Sprintf("the body is larger than %d bytes; send fewer events per request", rc.opts.MaxBody)}
	}
	if err != nil {
		return http.StatusBadRequest, Reply{Error: "could not read the body: " + err.Error()}
	}
	if !signed(src, r.Header, body) {
		// A new API key is registered with GravityZone before it is saved, so GravityZone may
		// sign with a key newer than the cached source's.
		src, err = rc.reread(r.Context(), src.Token)
		if errors.Is(err, store.ErrNotFound) {
			return http.StatusNotFound, Reply{Error: "no source has this address; copy the push URL again from halobridge"}
		}
		if err != nil {
			rc.opts.Logger.Error("look up source", "error", err)
			return http.StatusServiceUnavailable, Reply{Error: "halobridge cannot read its configuration right now; retry later"}
		}
	}
	if !signed(src, r.Header, body) {
		return http.StatusUnauthorized, Reply{Error: "the Event-Push-Service-Md5 header does not match this body and the source's API key (GravityZone signs each push with the API key that registered it); if the API key changed, register the push settings again from halobridge"}
	}
	select {
	case rc.parsing <- struct{}{}:
	case <-r.Context().Done():
		return http.StatusServiceUnavailable, Reply{Error: "the request ended before its events were read; retry"}
	}
	// Announced while it is parsed, so that a commit starting meanwhile
	// waits for it rather than leave it to a commit of its own.
	expected := rc.committer.Expect()
	defer expected.Cancel()
	received := rc.opts.Now()
	batch, err := rc.read(parse, r.Header, body, received, src)
	<-rc.parsing
	var tooMany *source.TooManyEventsError
	var tooLarge *source.BodyTooLargeError
	switch {
	case errors.As(err, &tooMany), errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, Reply{Error: err.Error()}
	case errors.Is(err, store.ErrInvalid):
		return http.StatusBadRequest, Reply{Error: "halobridge cannot keep these events: " + err.Error()}
	case err != nil:
		return http.StatusBadRequest, Reply{Error: err.Error()}
	}
	res, err := expected.Store(r.Context(), batch)
	if errors.Is(err, store.ErrInvalid) {
		return http.StatusBadRequest, Reply{Error: "halobridge cannot keep these events: " + err.Error()}
	}
	if err != nil {
		rc.opts.Logger.Error("store pushed events", "source_id", src.ID, "error", err)
		return http.StatusServiceUnavailable, Reply{Error: "halobridge could not store the events; retry later"}
	}
	if res.EndpointsOverLimit > 0 {
		rc.opts.Logger.Warn("endpoints pushed for a customer that has as many as halobridge keeps were left out; the next catalog sync lists the customer's devices again",
			"source_id", src.ID, "left_out", res.EndpointsOverLimit, "max_per_customer", source.MaxEndpointsPerCustomer)
	}
	rc.events.WithLabelValues(string(src.Kind), "stored").Add(float64(len(res.AlertIDs) + res.Resolutions))
	rc.events.WithLabelValues(string(src.Kind), "duplicate").Add(float64(res.Duplicates))
	return http.StatusOK, Reply{Stored: len(res.AlertIDs), Duplicates: res.Duplicates, Resolutions: res.Resolutions}
}

// read parses a body of src, received at received, into the batch it
// stores, encoded (see store.InboundBatch.Encode).
func (rc *Receiver) read(parse Parse, header http.Header, body []byte, received time.Time, src store.Source) (store.InboundBatch, error) {
	in, err := parse(header, body, received, rc.opts.MaxEvents)
	if err != nil {
		return store.InboundBatch{}, err
	}
	batch := store.InboundBatch{
		PartnerID: src.PartnerID, SourceID: src.ID, ReceivedAt: received, DedupHorizon: rc.opts.DedupHorizon,
		Alerts: in.Alerts, Resolutions: in.Resolutions, Endpoints: in.Endpoints,
	}
	// Encoded before it is returned: a return of batch beside the call
	// could copy it before Encode has filled it in.
	if err := batch.Encode(); err != nil {
		return store.InboundBatch{}, err
	}
	return batch, nil
}

// readBody reads r's body, refusing one over max bytes with an
// *http.MaxBytesError. A body whose length is announced is read into a
// buffer of that size at once, rather than one grown and copied as it
// fills.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	body := bytes.NewBuffer(make([]byte, 0, max(r.ContentLength, 0)+bytes.MinRead))
	_, err := body.ReadFrom(http.MaxBytesReader(nil, r.Body, limit))
	return body.Bytes(), err
}

func (rc *Receiver) source(ctx context.Context, token string) (store.Source, error) {
	if token == "" {
		return store.Source{}, store.ErrNotFound
	}
	now := rc.opts.Now()
	if c, ok := rc.cache.Load(token); ok && now.Before(c.(cachedSource).expires) {
		return c.(cachedSource).src, nil
	}
	return rc.reread(ctx, token)
}

// reread reads the source of token from the store and caches it.
func (rc *Receiver) reread(ctx context.Context, token string) (store.Source, error) {
	src, err := rc.sources.SourceByToken(ctx, token)
	if err != nil {
		return store.Source{}, err
	}
	rc.cache.Store(token, cachedSource{src: src, expires: rc.opts.Now().Add(rc.opts.SourceTTL)})
	return src, nil
}

// authenticated checks the secret the platform presents, in constant time.
// GravityZone echoes the configured Authorization header verbatim (and signs
// the body, see signed); DefensX signs nothing, so its secret rides on the
// URL (?secret=) or in a header.
func authenticated(src store.Source, r *http.Request) bool {
	if src.Secret == "" {
		return false
	}
	var presented string
	switch src.Kind {
	case source.GravityZone:
		presented = r.Header.Get("Authorization")
	default:
		presented = r.URL.Query().Get("secret")
		if h := r.Header.Get("X-Halobridge-Secret"); h != "" {
			presented = h
		}
		if h, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			presented = h
		}
	}
	return subtle.ConstantTimeCompare([]byte(presented), []byte(src.Secret)) == 1
}

// signed checks what proves a body beyond the sender's secret: GravityZone
// signs every push with md5(apiKey + md5(body)) in Event-Push-Service-Md5,
// the API key being the one that registered the push, which halobridge
// keeps. Other kinds sign nothing.
func signed(src store.Source, header http.Header, body []byte) bool {
	if src.Kind != source.GravityZone {
		return true
	}
	return src.APIKey != "" && gravityzone.VerifyPushSignature(header, body, src.APIKey)
}

func unauthenticatedHint(kind source.Kind) string {
	switch kind {
	case source.GravityZone:
		return "the Authorization header does not match this source's secret; register the push settings again from halobridge"
	default:
		return "the secret is missing or wrong; send it as ?secret= on the URL or in the X-Halobridge-Secret header"
	}
}
