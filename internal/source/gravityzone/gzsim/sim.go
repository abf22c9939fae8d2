package gzsim

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultAPIKey is the key the simulator accepts unless Options.APIKey says otherwise.
const DefaultAPIKey = "gz-sim-key"

// allServices are the API categories the simulator serves, by their URL service name.
var allServices = []string{"companies", "general", "incidents", "licensing", "network", "push"}

// Options configures a simulator. The zero value is a seeded partner tree behind
// DefaultAPIKey with every service enabled and GravityZone's rate limit.
type Options struct {
	// APIKey is the one key accepted (Basic user, empty password); "" means DefaultAPIKey.
	APIKey string
	// Services are the API categories enabled on the key ("companies", "general",
	// "incidents", "licensing", "network", "push"); nil means all. A call to another
	// service answers 403.
	Services []string
	// RateLimit is the number of requests per second the key may make: 0 means 10 (the
	// documented limit), a negative value means unlimited.
	RateLimit int
	// Seed makes companies, endpoints, usage and events deterministic.
	Seed int64
	// Companies replaces the seeded tree. The first is the API key's own company; a
	// company without ParentID (or naming an unknown one) hangs below it; a company with
	// children must be a partner. Empty IDs are generated.
	Companies []Company
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// PushEvery is the pause between two batches of Run; 0 means 5 s.
	PushEvery time.Duration
	// EventsPerBatch is the number of events of one batch of Run; 0 means 3.
	EventsPerBatch int
	// HTTPClient sends the pushes; nil means a client with a 10 s timeout.
	HTTPClient *http.Client
}

func (o Options) withDefaults() Options {
	if o.APIKey == "" {
		o.APIKey = DefaultAPIKey
	}
	if o.Services == nil {
		o.Services = allServices
	}
	if o.RateLimit == 0 {
		o.RateLimit = 10
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PushEvery <= 0 {
		o.PushEvery = 5 * time.Second
	}
	if o.EventsPerBatch <= 0 {
		o.EventsPerBatch = 3
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return o
}

// Sim is an in-memory GravityZone cloud instance: the Public API under
// /api/{version}/jsonrpc/{service} and the Event Push Service. It is safe for concurrent
// use; it never holds its lock while it pushes.
type Sim struct {
	opts    Options
	methods map[string]map[string]methodSpec

	mu        sync.Mutex
	rng       *rand.Rand
	companies []*company
	byID      map[string]*company
	incidents []*Incident
	notes     map[string]IncidentNote // by incident id
	push      pushState
	limiter   *rate.Limiter
	log       []Request
	outages   []*activeOutage
}

// Request is one request the simulator answered, as tests read it back. Params are kept as
// sent, secrets included: the log lives in memory only.
type Request struct {
	Time       time.Time
	Path       string
	Version    string
	Service    string
	Method     string // the JSON-RPC method, "" when the body could not be read
	Params     json.RawMessage
	HTTPStatus int
	ErrorCode  int // the JSON-RPC error code answered, 0 on success
}

// maxBody bounds one request; JSON-RPC calls are small.
const maxBody = 1 << 20

// New returns a seeded simulator ready to serve.
func New(opts Options) *Sim {
	opts = opts.withDefaults()
	s := &Sim{
		opts: opts,
		rng:  rand.New(rand.NewPCG(uint64(opts.Seed), uint64(opts.Seed)^0x5eed)),
		byID: map[string]*company{}, notes: map[string]IncidentNote{},
	}
	if opts.RateLimit > 0 {
		s.limiter = rate.NewLimiter(rate.Limit(opts.RateLimit), opts.RateLimit)
	}
	s.methods = s.routes()
	s.seedCompanies()
	s.seedIncidents()
	return s
}

func (s *Sim) now() time.Time { return s.opts.Now().UTC() }

// ServeHTTP answers POST /api/{version}/jsonrpc/{service}.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	version, service, ok := splitPath(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, "could not read the request body", http.StatusBadRequest)
		return
	}
	entry := Request{Time: s.now(), Path: r.URL.Path, Version: version, Service: service}
	rep := s.answer(r, version, service, body, &entry)
	entry.HTTPStatus = rep.status
	if rep.err != nil {
		entry.ErrorCode = rep.err.Code
	}
	s.mu.Lock()
	s.log = append(s.log, entry)
	s.mu.Unlock()
	rep.write(w)
}

// splitPath reads /api/{version}/jsonrpc/{service}.
func splitPath(path string) (version, service string, ok bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) != 4 || parts[0] != "api" || parts[2] != "jsonrpc" {
		return "", "", false
	}
	if !slices.Contains([]string{"v1.0", "v1.1", "v1.2"}, parts[1]) {
		return "", "", false
	}
	return parts[1], parts[3], true
}

// Requests returns every request answered so far, oldest first.
func (s *Sim) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// ResetRequests forgets the request log.
func (s *Sim) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// APIKey is the key the simulator accepts.
func (s *Sim) APIKey() string { return s.opts.APIKey }
