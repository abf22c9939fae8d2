package auth_test

import (
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"halobridge/internal/api"
	"halobridge/internal/auth"
	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/outbound"
	"halobridge/internal/portal"
	"halobridge/internal/store"
	"halobridge/internal/store/storetest"
	"halobridge/internal/web"
)

// fakeClock is the service's settable clock, for session expiry and the
// sign-in limits.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type testBundle struct {
	store *store.Store
	sim   *halosim.Sim
	halo  *httptest.Server
	svc   *auth.Service
	srv   *httptest.Server
	clock *fakeClock
}

// whoami is what the test's protected routes answer: who the middleware
// says is calling.
type whoami struct {
	PartnerID int64  `json:"partner_id"`
	Email     string `json:"email"`
	TokenID   int64  `json:"token_id"`
	CSRFToken string `json:"csrf_token"`
}

// setup starts halobridge's sign-in routes on a real HTTP server with a
// SQLite store, next to a HaloPSA simulator, with the portal's sign-in
// pages and connect's provisioning as the server has them. Besides the
// auth routes the server has protected pages (/ and /setup/created, where
// sign-ins end) and an API route (/api/v1/whoami), as the portal does, and
// package api's routes, whose tokens and accounts the tests call.
func setup(t *testing.T) *testBundle {
	t.Helper()
	st, err := store.Open(t.Context(), store.Config{
		DatabaseURL: "sqlite://" + filepath.Join(t.TempDir(), "halobridge.db"), Keys: storetest.NewKeyring(t),
	})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	b := &testBundle{store: st, sim: halosim.New(halosim.Options{Clients: -1}),
		clock: &fakeClock{t: time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)}}
	b.halo = httptest.NewServer(b.sim)
	t.Cleanup(b.halo.Close)

	b.srv = httptest.NewUnstartedServer(nil)
	b.svc = &auth.Service{
		Store:        st,
		HaloDefaults: halo.Config{RetryBackoff: time.Millisecond, Outbound: outbound.Local()},
		BaseURL:      "http://" + b.srv.Listener.Addr().String(),
		Now:          b.clock.Now,
		Pages:        portal.SignInPages(nil),
		Provisioner:  &connect.Provisioning{Halo: &connect.Halo{Store: st, Outbound: outbound.Local(), RetryBackoff: time.Millisecond}},
	}
	var routes []web.Route
	for _, p := range auth.Patterns() {
		routes = append(routes, web.Route{Pattern: p, Handler: b.svc.Handler()})
	}
	who := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		partnerID, _ := auth.PartnerID(r.Context())
		caller, _ := auth.CallerFrom(r.Context())
		out := whoami{PartnerID: partnerID, CSRFToken: caller.CSRFToken}
		if caller.Account != nil {
			out.Email = caller.Account.Email
		}
		if caller.Token != nil {
			out.TokenID = caller.Token.ID
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	})
	routes = append(routes, web.Route{Pattern: "GET /{$}", Handler: b.svc.Middleware(who)},
		web.Route{Pattern: "GET /setup/created", Handler: b.svc.Middleware(who)},
		web.Route{Pattern: "GET /api/v1/whoami", Handler: b.svc.Middleware(who)})
	// The JSON API of API tokens and accounts is package api's.
	jsonAPI := api.New(api.Deps{Store: st, Auth: b.svc})
	for _, p := range api.Patterns() {
		routes = append(routes, web.Route{Pattern: p, Handler: jsonAPI})
	}
	// The routes are served as halobridge serves them, through the server
	// shell; it takes the test for a reverse proxy, so that a request can
	// come from any address by naming it in X-Forwarded-For.
	b.srv.Config.Handler = web.New(web.Deps{Store: st, Gatherer: prometheus.NewRegistry(), Logger: slog.New(slog.DiscardHandler),
		Routes: routes, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	b.srv.Start()
	t.Cleanup(b.srv.Close)
	return b
}

// closedStore is a migrated SQLite store that has been closed: every
// call fails, as when the database goes away.
func closedStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), store.Config{
		DatabaseURL: "sqlite://" + filepath.Join(t.TempDir(), "halobridge.db"), Keys: storetest.NewKeyring(t),
	})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	st.Close()
	return st
}

func (b *testBundle) createPartner(t *testing.T, slug string) store.Partner {
	t.Helper()
	p, err := b.store.CreatePartner(t.Context(), store.Partner{Name: slug, Slug: slug})
	if err != nil {
		t.Fatalf("CreatePartner(%q): %v", slug, err)
	}
	return p
}

const testPassword = "correct horse battery staple"

func (b *testBundle) addAccount(t *testing.T, partnerID int64, email, role string) store.Account {
	t.Helper()
	a, err := b.svc.AddAccount(t.Context(), auth.NewAccount{PartnerID: partnerID, Email: email, Name: "Test", Password: testPassword, Role: role})
	if err != nil {
		t.Fatalf("AddAccount(%q): %v", email, err)
	}
	return a
}

// browser is a cookie-keeping HTTP client, like a person's browser.
type browser struct {
	b        *testBundle
	jar      *cookiejar.Jar
	follow   *http.Client
	noFollow *http.Client
}

func (b *testBundle) browser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	// A transport of its own: closing a test server closes the idle
	// connections of the default transport, which other tests running in
	// parallel may be about to reuse for a POST that is then not retried.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(transport.CloseIdleConnections)
	return &browser{
		b:      b,
		jar:    jar,
		follow: &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: transport},
		noFollow: &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: transport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
}

// response is what a request got back, after any redirects followed.
type response struct {
	status int
	header http.Header
	body   string
	url    *url.URL
}

func do(t *testing.T, client *http.Client, req *http.Request) response {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(body), url: resp.Request.URL}
}

// target resolves a path on halobridge; absolute URLs stay as they are.
func (br *browser) target(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return br.b.srv.URL + path
}

func (br *browser) get(t *testing.T, path string) response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, br.target(path), nil)
	return do(t, br.follow, req)
}

// getNoFollow answers the first response, redirect or not.
func (br *browser) getNoFollow(t *testing.T, path string) response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, br.target(path), nil)
	return do(t, br.noFollow, req)
}

func (br *browser) postForm(t *testing.T, path string, form url.Values, header ...string) response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, br.target(path), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return do(t, br.follow, req)
}

// formToken reads the CSRF token of the sign-in page's forms.
func (br *browser) formToken(t *testing.T) string {
	t.Helper()
	page := br.get(t, "/login")
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page.body)
	if page.status != http.StatusOK || m == nil {
		t.Fatalf("GET /login: %d without a CSRF token:\n%s", page.status, page.body)
	}
	return html.UnescapeString(m[1])
}

func (br *browser) passwordLogin(t *testing.T, email, password string) response {
	t.Helper()
	return br.postForm(t, "/login", url.Values{"email": {email}, "password": {password}, "csrf_token": {br.formToken(t)}})
}

// signedInAdmin is a browser signed in as the admin ops@acme.example of a
// new partner, with what whoami says of it.
func (b *testBundle) signedInAdmin(t *testing.T) (*browser, whoami) {
	t.Helper()
	p := b.createPartner(t, "acme")
	b.addAccount(t, p.ID, "ops@acme.example", store.RoleAdmin)
	br := b.browser(t)
	wantStatus(t, "sign-in", br.passwordLogin(t, "ops@acme.example", testPassword), http.StatusOK)
	me, _ := br.whoami(t)
	return br, me
}

// startedCallback starts "Log in with HaloPSA" in br, approves it as the
// simulated HaloPSA's administrator, and returns the callback address
// HaloPSA sends the browser back to, unvisited.
func (br *browser) startedCallback(t *testing.T) string {
	t.Helper()
	start, err := br.noFollow.PostForm(br.b.srv.URL+"/login/halo", url.Values{"halo_url": {br.b.halo.URL},
		"client_id": {halosim.DefaultPublicClientID}, "csrf_token": {br.formToken(t)}})
	if err != nil {
		t.Fatal(err)
	}
	start.Body.Close()
	callback, err := br.b.sim.ApproveURL(start.Header.Get("Location"), simAdmin)
	if err != nil {
		t.Fatalf("approve %s: %v", start.Header.Get("Location"), err)
	}
	return callback
}

// passwordLoginFrom signs in from the client address addr.
func (br *browser) passwordLoginFrom(t *testing.T, addr, email, password string) response {
	t.Helper()
	return br.postForm(t, "/login", url.Values{"email": {email}, "password": {password}, "csrf_token": {br.formToken(t)}},
		"X-Forwarded-For", addr)
}

// haloLogin logs in with HaloPSA the way a person does: the sign-in form,
// then HaloPSA's approval page, approved as agentID, then back.
func (br *browser) haloLogin(t *testing.T, agentID int) response {
	t.Helper()
	return br.answerApproval(t, br.startHaloLogin(t, br.b.halo.URL), "approve", agentID)
}

// startHaloLogin sends the "Log in with HaloPSA" form and returns the page
// it leads to: HaloPSA's approval page.
func (br *browser) startHaloLogin(t *testing.T, haloURL string) response {
	t.Helper()
	page := br.postForm(t, "/login/halo", url.Values{"halo_url": {haloURL}, "client_id": {halosim.DefaultPublicClientID},
		"csrf_token": {br.formToken(t)}})
	if page.status != http.StatusOK || !strings.HasPrefix(page.url.String(), br.b.halo.URL+"/auth/authorize") {
		t.Fatalf("after POST /login/halo: %d at %s, want HaloPSA's approval page:\n%s", page.status, page.url, page.body)
	}
	return page
}

// answerApproval submits HaloPSA's approval page with decision, as agentID.
func (br *browser) answerApproval(t *testing.T, page response, decision string, agentID int) response {
	t.Helper()
	m := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no form on HaloPSA's approval page:\n%s", page.body)
	}
	return br.postForm(t, br.b.halo.URL+html.UnescapeString(m[1]), url.Values{"decision": {decision}, "agent_id": {strconv.Itoa(agentID)}})
}

// whoami asks the protected API route who the browser is.
func (br *browser) whoami(t *testing.T) (whoami, int) {
	t.Helper()
	resp := br.get(t, "/api/v1/whoami")
	var w whoami
	if resp.status == http.StatusOK {
		if err := json.Unmarshal([]byte(resp.body), &w); err != nil {
			t.Fatalf("whoami: %v: %s", err, resp.body)
		}
	}
	return w, resp.status
}

func (br *browser) cookie(name string) string {
	u, _ := url.Parse(br.b.srv.URL)
	for _, c := range br.jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// apiCall sends a JSON API request with the given headers (alternating
// name, value), without cookies unless a browser sends it.
func (b *testBundle) apiCall(t *testing.T, client *http.Client, method, path, body string, header ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, b.srv.URL+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if client == nil {
		client = b.browser(t).follow
	}
	return do(t, client, req)
}

func wantStatus(t *testing.T, what string, got response, want int) {
	t.Helper()
	if got.status != want {
		t.Fatalf("%s: status %d, want %d; body:\n%s", what, got.status, want, got.body)
	}
}
