package dxsim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// BasePath is where the Partner API lives on the simulator, as on cloud.defensx.com.
const BasePath = "/api/partner/v1"

// DefaultAPIKey is the Partner API key the simulator accepts when Options.APIKey is empty.
const DefaultAPIKey = "dxsim-partner-key-do-not-use-in-production"

// Options configures a simulator. The zero value is a usable, seeded partner.
type Options struct {
	// APIKey is the only bearer key accepted; "" means DefaultAPIKey.
	APIKey string
	// Seed makes the generated data deterministic.
	Seed int64
	// PartnerName names the partner's own customer (/customers/self).
	PartnerName string
	// Customers replaces the generated customers; empty IDs and domains are filled in.
	Customers []Customer
	// NumCustomers is the number of generated customers when Customers is nil: 0 means 8,
	// a negative value none.
	NumCustomers int
	// Subscriptions replaces the generated subscriptions; empty IDs are filled in.
	Subscriptions []Subscription
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// RequestEvery is how often Run sends a user request; 0 means one minute.
	RequestEvery time.Duration
	// HTTPClient sends the webhooks; nil means a client with a 10-second timeout.
	HTTPClient *http.Client
}

// Sim is a simulated DefensX partner account. It is safe for concurrent use.
type Sim struct {
	opts      Options
	partnerID string
	products  []product

	// mu guards everything below; it is never held while a webhook is sent.
	mu            sync.Mutex
	self          *customer
	customers     []*customer
	byID          map[string]*customer
	subs          []Subscription
	logs          map[string][]URLLog
	faults        []*activeFault
	requests      []Request
	webhookURL    string
	webhookHeader http.Header
	webhooks      []Webhook
	nextRequestID int
	runCount      int
}

// Request is one Partner API request the simulator received.
type Request struct {
	Time   time.Time
	Method string
	Path   string // the full URL path, BasePath included
	Query  url.Values
	Status int
}

// New returns a seeded simulator.
func New(opts Options) *Sim {
	if opts.APIKey == "" {
		opts.APIKey = DefaultAPIKey
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NumCustomers == 0 {
		opts.NumCustomers = 8
	}
	if opts.RequestEvery <= 0 {
		opts.RequestEvery = time.Minute
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.PartnerName == "" {
		opts.PartnerName = "Halcyon IT Services"
	}
	s := &Sim{opts: opts, byID: map[string]*customer{}, logs: map[string][]URLLog{}, nextRequestID: 1650}
	seed(s)
	return s
}

func (s *Sim) now() time.Time { return s.opts.Now().UTC() }

// ServeHTTP answers the Partner API under BasePath.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rep := s.serve(r)
	entry := Request{Time: s.now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Status: rep.status}
	s.mu.Lock()
	s.requests = append(s.requests, entry)
	s.mu.Unlock()
	rep.write(w)
}

func (s *Sim) serve(r *http.Request) reply {
	path, under := strings.CutPrefix(r.URL.Path, BasePath)
	if !under {
		return apiError(http.StatusNotFound, "Not Found")
	}
	// DefensX's spec declares no 401, yet a bearer-key API must refuse a wrong key somehow:
	// this answers 401 in DefensX's error body.
	if r.Header.Get("Authorization") != "Bearer "+s.opts.APIKey {
		return apiError(http.StatusUnauthorized, "Unauthorized")
	}
	if f := s.takeFault(path); f != nil {
		rep := apiError(f.Status, f.message())
		if f.RetryAfter > 0 {
			rep.header = http.Header{"Retry-After": {strconv.Itoa(int(f.RetryAfter.Seconds()))}}
		}
		return rep
	}
	h, found := s.route(path)
	if !found {
		return apiError(http.StatusNotFound, "Not Found")
	}
	if r.Method != http.MethodGet {
		return apiError(http.StatusMethodNotAllowed, "Method Not Allowed")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return h(r.URL.Query())
}

type handler func(q url.Values) reply

// route finds the handler of a path below BasePath; every handler runs under s.mu.
func (s *Sim) route(path string) (handler, bool) {
	switch path {
	case "/status":
		return s.status, true
	case "/products":
		return s.productList, true
	case "/customers":
		return s.customerList, true
	case "/customers/self":
		return s.selfCustomer, true
	case "/usage":
		return s.usage, true
	case "/usage/current":
		return s.currentUsage, true
	case "/usage/details":
		return s.usageDetails, true
	}
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(parts) == 4 && parts[0] == "customers" && parts[2] == "logs" && parts[3] == "urls" {
		id := parts[1]
		return func(q url.Values) reply { return s.urlLogs(id, q) }, true
	}
	if len(parts) == 3 && parts[0] == "customers" && parts[1] != "" && parts[2] == "agents" {
		id := parts[1]
		return func(url.Values) reply { return s.agentList(id) }, true
	}
	if len(parts) == 3 && parts[0] == "customers" && parts[1] != "" && parts[2] == "users" {
		id := parts[1]
		return func(q url.Values) reply { return s.userList(id, q) }, true
	}
	return nil, false
}

// Requests returns every request received so far, oldest first.
func (s *Sim) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ResetRequests forgets the request log.
func (s *Sim) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

type reply struct {
	status int
	header http.Header
	body   any
}

func ok(body any) reply { return reply{status: http.StatusOK, body: body} }

// apiError is DefensX's error answer, {"error":{"status":int,"message":string}}.
func apiError(status int, message string) reply {
	type detail struct {
		Status  int    `json:"status"`
		Message string `json:"message"`
	}
	return reply{status: status, body: struct {
		Error detail `json:"error"`
	}{detail{status, message}}}
}

func (r reply) write(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(r.status)
	_ = json.NewEncoder(w).Encode(r.body)
}
