package halosim

import (
	"bufio"
	"crypto/rand"
	"errors"
	"html/template"
	"io"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"halobridge/internal/window"
)

// Options configures a simulator. The zero value is a usable hosted-looking instance.
type Options struct {
	// Tenant, when set, makes /auth/token and /auth/authorize require ?tenant=<Tenant>;
	// "" accepts any tenant or none.
	Tenant string
	// WrongTenant500 answers a token request for another tenant with HTTP 500 and a plain
	// text body, as hosted HaloPSA has been seen doing, instead of a tidy OAuth error.
	WrongTenant500 bool
	// RateLimit is the number of requests per RateWindow the instance accepts on /api and
	// /auth/token: 0 means 300 (hosted Halo's observed budget), a negative value means unlimited.
	RateLimit int
	// RateWindow is the rolling window of RateLimit; 0 means 5 minutes.
	RateWindow time.Duration
	// NoRetryAfter stops 429 answers from carrying a Retry-After header: whether hosted Halo
	// sends one is unverified, so clients must cope with both.
	NoRetryAfter bool
	// PageCapAll caps page_size at 100 on every wrapped list; by default only Tickets (the
	// documented case) is capped.
	PageCapAll bool
	// Clients is the number of seeded clients: 0 means 60, a negative value none.
	Clients int
	// Seed makes the seeded data deterministic.
	Seed int64
	// Now is the clock; nil means time.Now. Tests pass a fake clock.
	Now func() time.Time
	// TokenTTL is the access-token lifetime; 0 means one hour.
	TokenTTL time.Duration
	// Trouble is the random misbehaviour to start with (none by default);
	// SetTrouble changes it while the simulator runs.
	Trouble Trouble
	// WebhookClient sends the webhooks HaloPSA posts (nil: a client of its own);
	// WebhookAttempts is how many tries one delivery gets (0 means 3), WebhookBackoff the
	// pause before the first retry, doubled before each next (0 means 2 s), and
	// WebhookTimeout bounds one try (0 means 30 s).
	WebhookClient   *http.Client
	WebhookAttempts int
	WebhookBackoff  time.Duration
	WebhookTimeout  time.Duration
}

func (o Options) withDefaults() Options {
	if o.RateLimit == 0 {
		o.RateLimit = 300
	}
	if o.RateWindow <= 0 {
		o.RateWindow = 5 * time.Minute
	}
	if o.Clients == 0 {
		o.Clients = 60
	}
	if o.Clients < 0 {
		o.Clients = 0
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = time.Hour
	}
	if o.WebhookClient == nil {
		o.WebhookClient = &http.Client{}
	}
	if o.WebhookAttempts <= 0 {
		o.WebhookAttempts = 3
	}
	if o.WebhookBackoff <= 0 {
		o.WebhookBackoff = 2 * time.Second
	}
	if o.WebhookTimeout <= 0 {
		o.WebhookTimeout = 30 * time.Second
	}
	return o
}

// Sim is an in-memory HaloPSA instance serving the authorisation server under /auth and the
// resource server under /api. It is safe for concurrent use.
type Sim struct {
	opts         Options
	resources    map[string]resource
	signKey      []byte
	approvalTmpl *template.Template
	viewTmpl     *template.Template

	// mu guards everything below; it is never held while a request sleeps or hangs.
	mu      sync.Mutex
	db      *store
	auth    *authState
	limiter rateLimit
	faults  []*activeFault
	trouble Trouble
	// writes guards recurring invoices against concurrent writes; it has its own lock.
	writes invoiceWrites
	dice   *mathrand.Rand
	log    []Request

	webhooks   map[string]*webhookState // by lower-case GUID
	webhookLog []WebhookEvent
}

// Request is one request the simulator received on /api or /auth, as tests read it back.
type Request struct {
	Time     time.Time
	Method   string
	Path     string
	Query    string
	Status   int // 0 when the connection was dropped or the request hung until cancelled
	Body     []byte
	ClientID string // the calling application, from the bearer token or the token request
}

// maxBody bounds what one request may send; Halo payloads are far smaller.
const maxBody = 8 << 20

// maxLogEntries bounds the request log of a long-running simulator; past it the older half
// is forgotten.
const maxLogEntries = 100_000

// New returns a seeded simulator ready to serve.
func New(opts Options) *Sim {
	s := &Sim{opts: opts.withDefaults(), signKey: []byte(rand.Text()), approvalTmpl: parseApprovalTemplate(), viewTmpl: parseViewTemplates()}
	s.trouble, s.dice = opts.Trouble, newDice(opts.Seed)
	s.db = newStore()
	s.webhooks = map[string]*webhookState{}
	s.auth = newAuthState()
	s.limiter = rateLimit{limit: s.opts.RateLimit, accepted: window.Rolling{Period: s.opts.RateWindow}}
	s.resources = s.routes()
	seed(s)
	s.registerDefaultApplications()
	return s
}

func (s *Sim) now() time.Time { return s.opts.Now() }

// ServeHTTP answers /auth and /api requests, the read-only web view at / and
// the simulator's own /_sim/trouble; every other path is 404.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.ToLower(r.URL.Path)
	if path == troublePath {
		s.serveTrouble(w, r)
		return
	}
	if isViewPath(path) {
		s.serveView(w, r, path)
		return
	}
	isAuth := strings.HasPrefix(path, "/auth/")
	isAPI := path == "/api" || strings.HasPrefix(path, "/api/")
	if !isAuth && !isAPI {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, "could not read the request body", http.StatusBadRequest)
		return
	}
	entry := Request{Time: s.now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: body}
	entry.ClientID = s.callerClientID(r, body)
	lw := &loggingWriter{ResponseWriter: w, sim: s, entry: entry}
	release, ok := s.writes.claim(s.invoicesWritten(r, body))
	if !ok {
		haloException(http.StatusBadRequest, "Microsoft.EntityFrameworkCore.DbUpdateConcurrencyException", msgConcurrency).write(lw)
		return
	}
	defer release()
	status := s.serve(lw, r, body)
	if !lw.logged {
		// No answer went out (a dropped or hung request): log what was decided.
		lw.entry.Status = status
		lw.record()
	}
}

// loggingWriter logs the request as its answer starts, so a test that reads
// Requests() as soon as its client has the answer finds it there.
type loggingWriter struct {
	http.ResponseWriter
	sim    *Sim
	entry  Request
	logged bool
}

func (w *loggingWriter) WriteHeader(status int) {
	if !w.logged {
		w.entry.Status = status
		w.record()
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *loggingWriter) Write(b []byte) (int, error) {
	if !w.logged {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Hijack hands the connection to a Drop fault, which closes it unanswered.
func (w *loggingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("the connection cannot be taken over")
	}
	return hj.Hijack()
}

// Flush passes streaming through to the connection.
func (w *loggingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *loggingWriter) record() {
	w.logged = true
	s := w.sim
	s.mu.Lock()
	if len(s.log) >= maxLogEntries {
		s.log = append(s.log[:0], s.log[len(s.log)-maxLogEntries/2:]...)
	}
	s.log = append(s.log, w.entry)
	s.mu.Unlock()
}

// serve applies any injected fault around the real answer and returns the status sent (0 if none).
func (s *Sim) serve(w http.ResponseWriter, r *http.Request, body []byte) int {
	f := s.takeFault(r)
	if f == nil {
		f = s.rollTrouble(r)
	}
	if f != nil && f.Latency > 0 {
		select {
		case <-time.After(f.Latency):
		case <-r.Context().Done():
			return 0
		}
	}
	afterWrite := f != nil && f.AfterApply && r.Method == http.MethodPost
	if f != nil && f.fails() && !afterWrite {
		return f.answer(w, r)
	}
	rep := s.dispatch(r, body)
	if afterWrite && f.fails() {
		return f.answer(w, r)
	}
	rep.write(w)
	return rep.status
}

// dispatch routes a request to the authorisation or resource server under the rate limit.
func (s *Sim) dispatch(r *http.Request, body []byte) reply {
	path := strings.ToLower(strings.TrimSuffix(r.URL.Path, "/"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if path != "/auth/authorize" && path != oidcDiscoveryPath {
		if wait, ok := s.limiter.allow(s.now()); !ok {
			return s.rateLimited(wait)
		}
	}
	switch path {
	case "/auth/token":
		return s.token(r, body)
	case "/auth/authorize":
		return s.authorize(r, body)
	case oidcDiscoveryPath:
		return s.openIDConfiguration(r)
	}
	if strings.HasPrefix(path, "/auth/") {
		return jsonReply(http.StatusNotFound, oauthErrorBody{Error: "not_found", Description: "unknown authorisation endpoint"})
	}
	return s.serveAPI(r, body)
}

// Requests returns the requests received so far, oldest first (the latest 50,000 at least
// once more than 100,000 have arrived).
func (s *Sim) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.log))
	copy(out, s.log)
	return out
}

// ResetRequests forgets the request log.
func (s *Sim) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}
