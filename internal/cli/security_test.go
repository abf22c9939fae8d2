package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"halobridge/internal/auth"
	"halobridge/internal/config"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/ingest"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
	"halobridge/internal/store/storetest"
)

// TestSecuritySuite sends halobridge, served as serve serves it, hostile
// input on every way in: the three ingest sources, the push API, the JSON
// API, portal forms, password sign-in and HaloPSA sign-in, on SQLite and
// (with TEST_DATABASE_URL) PostgreSQL. Each row states the status and a
// fragment of the answer written by hand from the requirement, and what
// may be stored: nothing, unless the row says which rows appear (an event
// whose text was cleaned is stored, as it must be). The rows named after a
// finding of issue 12 reproduce it:
//
//	1 SSRF via the sign-in start, the HaloPSA URL, the GravityZone URL, the DefensX root
//	2 an authenticated GravityZone push of millions of bare numbers
//	3 NUL in an event, which PostgreSQL refused forever
//	4 an open redirect after sign-in
//	5 a push API quantity of 1e308
//	6 the owner locked out by someone else's failed sign-ins
//	7 billing items naming a product without a proposal, answered 500
//	8 trickled bodies and a 40 MiB multipart sign-in form
//	9 the SQLite database (and key file) readable by others
//
// The rows of one engine run in order on one server; the engines run side
// by side.
func TestSecuritySuite(t *testing.T) {
	t.Parallel()
	engines := []struct {
		name        string
		databaseURL func(t *testing.T) string
	}{{"SQLite", func(*testing.T) string { return "" }}}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		engines = append(engines, struct {
			name        string
			databaseURL func(t *testing.T) string
		}{"PostgreSQL", func(t *testing.T) string { return storetest.PostgresURL(t, "security", 8) }})
	}
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			t.Parallel()
			w := newSecurityWorld(t, engine.databaseURL(t))
			rows := securityRows()
			if len(rows) < 60 {
				t.Fatalf("%d rows; the suite holds at least 60", len(rows))
			}
			for _, row := range rows {
				t.Run(row.name, func(t *testing.T) { w.run(t, row) })
			}
		})
	}
}

// hostile is one row of the suite.
type hostile struct {
	name string
	// send makes the request(s) and returns the answer to judge.
	send func(t *testing.T, w *securityWorld) answer
	// status and says are what the answer must be: its status, and a
	// fragment of its body or of where it redirects ("Location: /").
	status int
	says   string
	// stored is how many rows may appear in each table the suite watches;
	// nil is nothing at all.
	stored map[string]int
	// then checks what else the row must leave true.
	then func(t *testing.T, w *securityWorld)
}

// answer is a status and the text to look for the fragment in.
type answer struct {
	status int
	text   string
}

// watched are the tables a hostile request must not add to: alerts,
// usage, customers, accounts, sessions, connections and the like. Tables
// that background jobs write (mappings, events, sync runs) are not watched.
var watched = []string{"partners", "halo_connections", "sources", "alerts", "resolutions", "source_customers", "source_usage",
	"accounts", "sessions", "api_tokens", "partner_logins", "halo_login_states", "ticket_policies", "billing_policies"}

// securityWorld is halobridge served as serve serves it, with the server's
// read limit shortened so that a trickled body is cut off quickly; beside
// it a simulated HaloPSA on an address that stands for a public one (the
// only one the outbound guard opens), partner acme with an admin (signed
// in, with an API token), a HaloPSA connection, and a GravityZone, a
// DefensX and a push source.
type securityWorld struct {
	base, dataDir string
	store         *store.Store
	db            *sql.DB
	partnerID     int64
	token         string
	browser       *http.Client
	csrf          string
	gravityZone   store.Source
	defensX       store.Source
	push          store.Source
	haloURL       string
	// inward is an internal service on loopback no request may reach.
	inward *inward
	// clients counts the addresses handed out to sign-in rows.
	clients int
}

const (
	securityEmail    = "owner@acme.example"
	securityPassword = "correct horse battery staple"
	gzSecret         = "Bearer gz-push-secret"
	sourceAPIKey     = "stored-key"
	dxSecret         = "dx-webhook-secret"
)

func newSecurityWorld(t *testing.T, databaseURL string) *securityWorld {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &securityWorld{dataDir: filepath.Join(t.TempDir(), "data"), inward: newInward(t)}
	w.wideDataFiles(t, databaseURL == "")

	// HaloPSA, simulated, on the stand-in for a public address.
	haloLn, err := net.Listen("tcp", publicStandIn+":0")
	if err != nil {
		t.Fatal(err)
	}
	haloSrv := &http.Server{Handler: halosim.New(halosim.Options{Clients: 3, RateLimit: -1})}
	go haloSrv.Serve(haloLn)
	t.Cleanup(func() { haloSrv.Close() })
	w.haloURL = "http://" + haloLn.Addr().String()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.base = "http://" + ln.Addr().String()
	cfg := config.Default()
	cfg.DataDir, cfg.DatabaseURL, cfg.BaseURL, cfg.LogLevel = w.dataDir, databaseURL, w.base, "error"
	// Sign-in rows come from addresses of their own, as behind a proxy.
	cfg.TrustedProxies = "loopback"
	cfg.AllowPrivateURLs, cfg.AllowHTTP = publicStandIn, true
	rt, err := openRuntime(ctx, cfg, Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	rt.limits.Read = 2 * time.Second
	served := make(chan struct{})
	go func() { rt.serve(ctx, ln); close(served) }()
	t.Cleanup(func() { cancel(); <-served; rt.Close() })
	w.store = rt.store
	w.db = rt.store.DB()

	p, err := w.store.CreatePartner(ctx, store.Partner{Name: "Acme IT", Slug: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	w.partnerID = p.ID
	signIn := &auth.Service{Store: w.store}
	if _, err := signIn.AddAccount(ctx, auth.NewAccount{PartnerID: p.ID, Email: securityEmail, Password: securityPassword, Role: store.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	login, err := signIn.PasswordLogin(ctx, securityEmail, securityPassword, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if w.token, _, err = signIn.CreateToken(ctx, p.ID, "security suite"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.SaveHaloConnection(ctx, store.HaloConnection{PartnerID: p.ID, ResourceURL: w.haloURL + "/api", AuthURL: w.haloURL + "/auth",
		ClientID: halosim.DefaultClientID, ClientSecret: halosim.DefaultClientSecret, GrantType: store.GrantClientCredentials, Scope: "all"}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		into   *store.Source
		kind   source.Kind
		secret string
	}{{&w.gravityZone, source.GravityZone, gzSecret}, {&w.defensX, source.DefensX, dxSecret}, {&w.push, source.Push, "push-secret"}} {
		if *s.into, err = w.store.CreateSource(ctx, store.Source{PartnerID: p.ID, Kind: s.kind, Name: string(s.kind), APIURL: "https://api.example.com/" + string(s.kind),
			APIKey: sourceAPIKey, Secret: s.secret}); err != nil {
			t.Fatal(err)
		}
	}
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(w.base)
	jar.SetCookies(u, []*http.Cookie{login.Cookie})
	w.browser = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	w.csrf = csrfIn(t, w.do(t, w.browser, http.MethodGet, "/setup", "", nil, nil).text)
	return w
}

// wideDataFiles leaves in the data directory what an older halobridge or
// a hand-made directory may have: everything readable to everyone, the
// key file (and the SQLite database) included.
func (w *securityWorld) wideDataFiles(t *testing.T, sqlite bool) {
	t.Helper()
	if err := os.Mkdir(w.dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	files := map[string][]byte{"secret.key": []byte(base64.StdEncoding.EncodeToString(key) + "\n")}
	if sqlite {
		files["halobridge.db"] = nil
	}
	for name, content := range files {
		path := filepath.Join(w.dataDir, name)
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(w.dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
}

// run sends one row and holds its answer and the database to it.
func (w *securityWorld) run(t *testing.T, row hostile) {
	before := w.counts(t)
	got := row.send(t, w)
	// A sentence may start with what is in the middle of another.
	if got.status != row.status || !strings.Contains(strings.ToLower(got.text), strings.ToLower(row.says)) {
		t.Errorf("answered %d %s\nwant %d with %q", got.status, gist(got.text), row.status, row.says)
	}
	if row.then != nil {
		row.then(t, w)
	}
	after := w.counts(t)
	for _, table := range watched {
		if n := after[table] - before[table]; n != row.stored[table] {
			t.Errorf("%s: %d rows appeared, want %d", table, n, row.stored[table])
		}
	}
}

// counts is how many rows each watched table holds.
func (w *securityWorld) counts(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range watched {
		var n int
		if err := w.db.QueryRowContext(t.Context(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// do sends one request with client and returns its status and body, and
// where it redirects as "Location: <where>" after the body.
func (w *securityWorld) do(t *testing.T, client *http.Client, method, path, contentType string, body io.Reader, header http.Header) answer {
	t.Helper()
	req, err := http.NewRequest(method, w.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	text := string(out)
	if loc := resp.Header.Get("Location"); loc != "" {
		text += "\nLocation: " + loc + "\n"
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		text += "\nRetry-After: " + ra + "\n"
	}
	return answer{resp.StatusCode, text}
}

// gist is what a failure shows of an answer: the error paragraph of a page,
// or the start of anything else.
func gist(text string) string {
	if i := strings.Index(text, `role="alert">`); i >= 0 {
		text = text[i:]
	}
	if len(text) > 700 {
		text = text[:700] + "…"
	}
	return text
}

// raw sends a request over a connection of its own, for a body over a
// bound (the server answers before the body is sent, and closes the
// connection, which a client writing the body takes for a failure) or one
// that never ends (a Content-Length in header longer than body). The body
// is written beside the reading of the answer.
func (w *securityWorld) raw(t *testing.T, method, path string, header http.Header, body []byte) answer {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(w.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if header.Get("Content-Length") == "" {
		header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	var head strings.Builder
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: halobridge\r\n", method, path)
	for k, v := range header {
		fmt.Fprintf(&head, "%s: %s\r\n", k, v[0])
	}
	head.WriteString("\r\n")
	go func() {
		if _, err := io.WriteString(conn, head.String()); err == nil {
			conn.Write(body)
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return answer{0, "no answer: " + err.Error()}
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, string(out)}
}

// anonymous is a browser that has not signed in; a new one per row.
func anonymous() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// gz pushes body as GravityZone does: with the Authorization the push was
// registered with, signed with the source's API key.
func gz(body []byte) func(t *testing.T, w *securityWorld) answer {
	return gzSignedWith(sourceAPIKey, body)
}

func gzSignedWith(apiKey string, body []byte) func(t *testing.T, w *securityWorld) answer {
	return func(t *testing.T, w *securityWorld) answer {
		return w.do(t, http.DefaultClient, http.MethodPost, "/ingest/"+w.gravityZone.Token, "application/json", bytes.NewReader(body),
			http.Header{"Authorization": {gzSecret}, "Event-Push-Service-Md5": {gzsim.Signature(apiKey, body)}})
	}
}

func dx(body []byte) func(t *testing.T, w *securityWorld) answer {
	return func(t *testing.T, w *securityWorld) answer {
		return w.do(t, http.DefaultClient, http.MethodPost, "/ingest/"+w.defensX.Token+"?secret="+dxSecret, "application/json", bytes.NewReader(body), nil)
	}
}

func pushAPI(method, path string, body []byte) func(t *testing.T, w *securityWorld) answer {
	return func(t *testing.T, w *securityWorld) answer {
		return w.do(t, http.DefaultClient, method, path, "application/json", bytes.NewReader(body),
			http.Header{"Authorization": {"Bearer " + ingest.PushToken(w.push)}})
	}
}

// api calls the JSON API with the partner's token; body may name the
// world's sources as {push} and the internal service as {inward}.
func apiCall(method, path, body string) func(t *testing.T, w *securityWorld) answer {
	return func(t *testing.T, w *securityWorld) answer {
		r := strings.NewReplacer("{push}", strconv.FormatInt(w.push.ID, 10), "{inward}", w.inward.url)
		return w.do(t, http.DefaultClient, method, r.Replace(path), "application/json", strings.NewReader(r.Replace(body)),
			http.Header{"Authorization": {"Bearer " + w.token}})
	}
}

// form posts a portal form as the signed-in admin, with the page's CSRF
// token unless the form carries its own csrf_token ("" leaves it out).
func form(path string, fields url.Values) func(t *testing.T, w *securityWorld) answer {
	return func(t *testing.T, w *securityWorld) answer {
		f := url.Values{}
		for k, v := range fields {
			f[k] = strings.Split(strings.ReplaceAll(strings.Join(v, "\n"), "{inward}", w.inward.url), "\n")
		}
		if _, own := f["csrf_token"]; !own {
			f.Set("csrf_token", w.csrf)
		} else if f.Get("csrf_token") == "" {
			f.Del("csrf_token")
		}
		return w.do(t, w.browser, http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(f.Encode()), nil)
	}
}

// signInAs posts the sign-in form at path (/login or /login/halo) from a
// new browser and a new client address, after loading the sign-in page
// (with next, if any) for its CSRF token; fields name the internal service
// as {inward} or {inward-named}, and a csrf_token of "none" leaves the
// token out.
func signInAs(path, next string, fields url.Values) func(t *testing.T, w *securityWorld) answer {
	return func(t *testing.T, w *securityWorld) answer {
		return w.signIn(t, anonymous(), w.newClient(), path, next, fields)
	}
}

// newClient is an address no row has signed in from yet.
func (w *securityWorld) newClient() string {
	w.clients++
	return fmt.Sprintf("198.18.%d.%d", w.clients/250, w.clients%250+1)
}

// signIn is signInAs with a browser and a client address of the caller's.
func (w *securityWorld) signIn(t *testing.T, browser *http.Client, client, path, next string, fields url.Values) answer {
	t.Helper()
	header := http.Header{"X-Forwarded-For": {client}}
	page := "/login"
	if next != "" {
		page += "?next=" + next
	}
	csrf := csrfIn(t, w.do(t, browser, http.MethodGet, page, "", nil, header).text)
	f := url.Values{"csrf_token": {csrf}}
	r := strings.NewReplacer("{inward}", w.inward.url, "{inward-named}", w.inward.named)
	for k, v := range fields {
		f[k] = []string{r.Replace(v[0])}
	}
	if f.Get("csrf_token") == "none" {
		f.Del("csrf_token")
	}
	return w.do(t, browser, http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(f.Encode()), header)
}

// cookie is the signed-in admin's session cookie, as a Cookie header.
func (w *securityWorld) cookie(t *testing.T) string {
	t.Helper()
	u, _ := url.Parse(w.base)
	var parts []string
	for _, c := range w.browser.Jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// unreached checks that no request reached the internal service.
func unreached(t *testing.T, w *securityWorld) {
	if n := w.inward.conns.Load(); n != 0 {
		t.Errorf("the internal service received %d connections", n)
	}
}

// haloUnchanged checks that the partner's HaloPSA connection still points
// at its HaloPSA.
func haloUnchanged(t *testing.T, w *securityWorld) {
	unreached(t, w)
	c, err := w.store.HaloConnection(t.Context(), w.partnerID)
	if err != nil || c.ResourceURL != w.haloURL+"/api" {
		t.Errorf("the HaloPSA connection is now %q (%v)", c.ResourceURL, err)
	}
}

// lastAlert checks the newest alert: its fact text_cleaned and, when check
// is given, what check finds wrong with it.
func lastAlert(cleaned string, check func(a store.StoredAlert) string) func(t *testing.T, w *securityWorld) {
	return func(t *testing.T, w *securityWorld) {
		var id int64
		if err := w.db.QueryRowContext(t.Context(), "SELECT max(id) FROM alerts").Scan(&id); err != nil {
			t.Fatal(err)
		}
		a, err := w.store.Alert(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if a.Facts[source.FactCleaned] != cleaned {
			t.Errorf("the alert's %s is %q, want %q (facts %v)", source.FactCleaned, a.Facts[source.FactCleaned], cleaned, a.Facts)
		}
		if check != nil {
			if problem := check(a); problem != "" {
				t.Error(problem)
			}
		}
	}
}

// Bodies the rows send.
func addEvents(events ...string) []byte {
	return []byte(`{"jsonrpc":"2.0","method":"addEvents","params":{"events":[` + strings.Join(events, ",") + `]},"id":1}`)
}

func avEvent(host, malware string) string {
	return `{"module":"av","companyId":"59a14b271da197c6108b4567","computer_name":` + host + `,"computer_id":"59a1604e60369e06733f8abb",` +
		`"malware_name":` + malware + `,"final_status":"deleted","timestamp":"2026-03-14T09:26:53.000Z"}`
}

// rawUserRequest is a DefensX user request whose hostname and customer id
// are given as JSON values, as hostile as a test needs.
func rawUserRequest(hostname, customer string) []byte {
	return []byte(`{"event":"UserRequest.Create","time":1677241081,"payload":{"id":1650,"customer_id":` + customer +
		`,"report_type":"url_block","hostname":` + hostname + `,"url":"https://monster.com/"}}`)
}

func pushAlert(facts string) []byte {
	return []byte(`{"id":"a-1","customer_id":"c-1001","type":"malware","severity":"high","occurred_at":"2026-03-14T09:26:53Z","facts":` + facts + `}`)
}

func repeatJSON(prefix, item, last, suffix string, n int) []byte {
	return []byte(prefix + strings.Repeat(item, n) + last + suffix)
}

func fields(n int) string {
	f := make([]string, n)
	for i := range f {
		f[i] = fmt.Sprintf(`"f%d":%d`, i, i)
	}
	return strings.Join(f, ",")
}

// multipartForm is a multipart sign-in form of size bytes.
func multipartForm(size int) (string, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("email", securityEmail)
	part, _ := mw.CreateFormFile("password", "p.txt")
	part.Write(bytes.Repeat([]byte("a"), size))
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func securityRows() []hostile {
	long := strings.Repeat("x", 4000)
	return []hostile{
		// GravityZone's Event Push Service.
		{name: "Finding2GravityZonePushOfFourMillionBareOnes", status: 400, says: "params.events[0] is a number, not a JSON object",
			send: func(t *testing.T, w *securityWorld) answer {
				return gz(repeatJSON(`{"jsonrpc":"2.0","method":"addEvents","params":{"events":[`, "1,", "1", "]}}", 4_000_000))(t, w)
			}},
		{name: "GravityZonePushOfMoreEventsThanTheBound", status: 413, says: "more than 10000 events",
			send: func(t *testing.T, w *securityWorld) answer {
				return gz(repeatJSON(`{"jsonrpc":"2.0","method":"addEvents","params":{"events":[`, "{},", "{}", "]}}", 10_000))(t, w)
			}},
		{name: "Finding3GravityZoneEventWithNULBesideAGoodOne", status: 200, says: `"stored":2`, stored: map[string]int{"alerts": 2, "source_customers": 1},
			send: func(t *testing.T, w *securityWorld) answer {
				return gz(addEvents(avEvent(`"FC-WIN7-X64-01"`, `"EICAR"`), avEvent(`"PC\u0000-02"`, `"EICAR"`)))(t, w)
			},
			then: lastAlert("nul", func(a store.StoredAlert) string {
				if a.HostName != "PC\uFFFD-02" {
					return fmt.Sprintf("host %q, want PC\uFFFD-02", a.HostName)
				}
				return ""
			})},
		{name: "GravityZoneEventWithBytesThatAreNotUTF8", status: 200, says: `"stored":1`, stored: map[string]int{"alerts": 1},
			send: func(t *testing.T, w *securityWorld) answer {
				return gz(addEvents(avEvent(`"PC-03"`, "\"Troj\xff\xfean\"")))(t, w)
			},
			then: lastAlert("invalid_utf8", nil)},
		{name: "GravityZoneEventWithALoneSurrogate", status: 200, says: `"stored":1`, stored: map[string]int{"alerts": 1},
			send: func(t *testing.T, w *securityWorld) answer {
				return gz(addEvents(avEvent(`"PC-04"`, `"Trojan \ud800"`)))(t, w)
			},
			then: lastAlert("lone_surrogate", nil)},
		{name: "GravityZoneEventWithACompanyIDLongerThanAnIndexEntry", status: 200, says: `"stored":1`, stored: map[string]int{"alerts": 1, "source_customers": 1},
			send: func(t *testing.T, w *securityWorld) answer {
				return gz(addEvents(`{"module":"av","companyId":"`+long+`","computer_name":"PC-05","malware_name":"x","timestamp":"2026-03-14T09:26:53Z"}`))(t, w)
			},
			then: lastAlert("too_long", func(a store.StoredAlert) string {
				if len(a.CustomerID) > source.MaxIDBytes {
					return fmt.Sprintf("customer id of %d bytes", len(a.CustomerID))
				}
				return ""
			})},
		{name: "GravityZonePushWithTheWrongAuthorization", status: 401, says: "the Authorization header does not match",
			send: func(t *testing.T, w *securityWorld) answer {
				return w.do(t, http.DefaultClient, http.MethodPost, "/ingest/"+w.gravityZone.Token, "application/json",
					bytes.NewReader(addEvents(avEvent(`"PC"`, `"x"`))), http.Header{"Authorization": {"Bearer guess"}})
			}},
		{name: "GravityZonePushSignedWithAnotherAPIKey", status: 401, says: "the Event-Push-Service-Md5 header does not match",
			send: gzSignedWith("another-key", addEvents(avEvent(`"PC"`, `"x"`)))},
		{name: "GravityZonePushToAnUnknownAddress", status: 404, says: "no source has this address",
			send: func(t *testing.T, w *securityWorld) answer {
				return w.do(t, http.DefaultClient, http.MethodPost, "/ingest/no-such-token", "application/json",
					bytes.NewReader(addEvents(avEvent(`"PC"`, `"x"`))), http.Header{"Authorization": {gzSecret}})
			}},
		{name: "GravityZonePushWithNULInTheAddress", status: 400, says: "The path of the address holds a NUL character",
			send: func(t *testing.T, w *securityWorld) answer {
				return w.do(t, http.DefaultClient, http.MethodPost, "/ingest/%00", "application/json",
					bytes.NewReader(addEvents(avEvent(`"PC"`, `"x"`))), http.Header{"Authorization": {gzSecret}})
			}},
		{name: "GravityZonePushOver10MiB", status: 413, says: "larger than 10485760 bytes",
			send: func(t *testing.T, w *securityWorld) answer {
				return w.raw(t, "POST", "/ingest/"+w.gravityZone.Token, http.Header{"Authorization": {gzSecret}},
					addEvents(`{"module":"av","note":"`+strings.Repeat("a", 10<<20)+`"}`))
			}},
		{name: "GravityZonePushNestedTenThousandDeep", status: 400, says: "exceeded max depth",
			send: func(t *testing.T, w *securityWorld) answer { return gz([]byte(strings.Repeat("[", 100_000)))(t, w) }},
		{name: "GravityZoneEventOfMoreValuesThanAnyGravityZoneSends", status: 400, says: "event 0 holds more than 1000 values",
			send: func(t *testing.T, w *securityWorld) answer {
				return gz(addEvents(`{"module":"av",`+fields(5000)+`}`))(t, w)
			}},
		{name: "GravityZoneSplunkEventThatIsAString", status: 400, says: "the splunk event is a string, not a JSON object",
			send: func(t *testing.T, w *securityWorld) answer { return gz([]byte(`{"event":"rm -rf /"}`))(t, w) }},
		{name: "GravityZoneEmptyPush", status: 400, says: "empty push body",
			send: func(t *testing.T, w *securityWorld) answer { return gz([]byte("\n\n"))(t, w) }},
		{name: "GravityZonePushInTheCEFFormat", status: 400, says: "set the push service type to jsonRPC",
			send: func(t *testing.T, w *securityWorld) answer {
				return gz([]byte(`{"cef":"0","events":["CEF:0|Bitdefender|GravityZone|6.36.0-1|50|Firewall|9|x=1"]}`))(t, w)
			}},
		{name: "GravityZonePushThatIsNotJSON", status: 400, says: "not JSON",
			send: func(t *testing.T, w *securityWorld) answer {
				return gz([]byte("<?xml version=\"1.0\"?><events/>"))(t, w)
			}},

		// DefensX's webhook.
		{name: "DefensXWebhookOverItsBound", status: 413, says: "larger than 262144 bytes",
			send: func(t *testing.T, w *securityWorld) answer {
				return dx(rawUserRequest(`"`+strings.Repeat("a", 300<<10)+`"`, `"c1"`))(t, w)
			}},
		{name: "DefensXWebhookWithTheWrongSecret", status: 401, says: "the secret is missing or wrong",
			send: func(t *testing.T, w *securityWorld) answer {
				return w.do(t, http.DefaultClient, http.MethodPost, "/ingest/"+w.defensX.Token+"?secret=guess", "application/json",
					bytes.NewReader(rawUserRequest(`"a.example"`, `"c1"`)), nil)
			}},
		{name: "Finding3DefensXUserRequestWithNUL", status: 200, says: `"stored":1`, stored: map[string]int{"alerts": 1, "source_customers": 1},
			send: func(t *testing.T, w *securityWorld) answer {
				return dx(rawUserRequest(`"monster\u0000.com"`, `"c1"`))(t, w)
			},
			then: lastAlert("nul", func(a store.StoredAlert) string {
				if a.HostName != "monster\uFFFD.com" || a.Type != "user_request" {
					return fmt.Sprintf("host %q type %q", a.HostName, a.Type)
				}
				return ""
			})},
		{name: "DefensXUnknownEventWithBytesThatAreNotUTF8", status: 200, says: `"stored":1`, stored: map[string]int{"alerts": 1},
			send: func(t *testing.T, w *securityWorld) answer {
				return dx([]byte("{\"event\":\"Partner.Update\xff\",\"time\":1677241081,\"payload\":{\"customer_id\":\"c1\"}}"))(t, w)
			},
			then: lastAlert("invalid_utf8", nil)},
		{name: "DefensXEventNameLongerThanAnIndexEntry", status: 200, says: `"stored":1`, stored: map[string]int{"alerts": 1},
			send: func(t *testing.T, w *securityWorld) answer {
				return dx([]byte(`{"event":"`+long+`","time":1677241081,"payload":{"customer_id":"c1"}}`))(t, w)
			},
			then: lastAlert("too_long", func(a store.StoredAlert) string {
				if len(a.Type) > source.MaxIDBytes || len(a.Fingerprint) > source.MaxKeyBytes {
					return fmt.Sprintf("type of %d bytes, fingerprint of %d", len(a.Type), len(a.Fingerprint))
				}
				return ""
			})},
		{name: "DefensXWebhookThatIsNotJSON", status: 400, says: "not a JSON object",
			send: func(t *testing.T, w *securityWorld) answer { return dx([]byte("event=UserRequest.Create"))(t, w) }},
		{name: "DefensXTimeInMilliseconds", status: 400, says: "not a unix timestamp in seconds",
			send: func(t *testing.T, w *securityWorld) answer {
				return dx([]byte(`{"event":"UserRequest.Create","time":1677241081000,"payload":{"customer_id":"c1"}}`))(t, w)
			}},
		{name: "DefensXUserRequestWithoutACustomer", status: 400, says: "no payload.customer_id",
			send: func(t *testing.T, w *securityWorld) answer { return dx(rawUserRequest(`"a.example"`, `null`))(t, w) }},

		// The push API.
		{name: "Finding5PushUsageQuantityOf1e308", status: 400, says: "usage[0].quantity is 1e+308; at most 1000000000 is accepted",
			send: pushAPI("PUT", "/api/push/v1/usage", []byte(`[{"customer_id":"c-1001","month":"2026-03","product":"edr","quantity":1e308}]`))},
		{name: "PushUsageQuantityBelowZero", status: 400, says: "usage[0].quantity must be zero or more",
			send: pushAPI("PUT", "/api/push/v1/usage", []byte(`[{"customer_id":"c-1001","month":"2026-03","product":"edr","quantity":-1}]`))},
		{name: "PushUsageQuantityNoNumberHolds", status: 400, says: "usage[0].quantity must be a number",
			send: pushAPI("PUT", "/api/push/v1/usage", []byte(`[{"customer_id":"c-1001","month":"2026-03","product":"edr","quantity":1e400}]`))},
		{name: "PushUsageInMonth13", status: 400, says: `usage[0].month \"2026-13\" is not a month as YYYY-MM`,
			send: pushAPI("PUT", "/api/push/v1/usage", []byte(`[{"customer_id":"c-1001","month":"2026-13","product":"edr","quantity":1}]`))},
		{name: "Push1001Customers", status: 400, says: "customers has 1001 items; at most 1000 are accepted per call",
			send: pushAPI("PUT", "/api/push/v1/customers", repeatJSON("[", `{"id":"c","name":"n"},`, `{"id":"c","name":"n"}`, "]", 1000))},
		{name: "PushThreeMillionBareOnesAsCustomers", status: 400, says: "customers has 3000001 items",
			send: pushAPI("PUT", "/api/push/v1/customers", repeatJSON("[", "1,", "1", "]", 3_000_000))},
		{name: "PushCustomerIDWithNUL", status: 400, says: "customers[0].id contains control characters",
			send: pushAPI("PUT", "/api/push/v1/customers", []byte(`[{"id":"c\u0000","name":"Acme"}]`))},
		{name: "PushAlertWith101Facts", status: 400, says: "facts has 101 entries; at most 100 are accepted",
			send: pushAPI("POST", "/api/push/v1/alerts", pushAlert("{"+fields(101)+"}"))},
		{name: "PushAlertOccurredAtNoTime", status: 400, says: "occurred_at",
			send: pushAPI("POST", "/api/push/v1/alerts", []byte(`{"id":"a","customer_id":"c","type":"t","severity":"low","occurred_at":"yesterday"}`))},
		{name: "PushBatchWithAnotherMember", status: 400, says: `is not a field of a batch, which holds only \"alerts\"`,
			send: pushAPI("POST", "/api/push/v1/alerts", []byte(`{"alerts":[],"callback":"http://127.0.0.1/"}`))},
		{name: "Finding3PushAlertWithNULInAFact", status: 200, says: `"accepted":1`, stored: map[string]int{"alerts": 1, "source_customers": 1},
			send: pushAPI("POST", "/api/push/v1/alerts", pushAlert(`{"path":"C:\\a\u0000.exe"}`)),
			then: lastAlert("nul", func(a store.StoredAlert) string {
				if a.Facts["path"] != "C:\\a\uFFFD.exe" {
					return fmt.Sprintf("fact path %q", a.Facts["path"])
				}
				return ""
			})},
		{name: "PushAlertWithBytesThatAreNotUTF8", status: 200, says: `"accepted":1`, stored: map[string]int{"alerts": 1},
			send: func(t *testing.T, w *securityWorld) answer {
				return pushAPI("POST", "/api/push/v1/alerts", []byte("{\"id\":\"a-2\",\"customer_id\":\"c-1001\",\"type\":\"malware\",\"severity\":\"high\","+
					"\"occurred_at\":\"2026-03-14T09:26:53Z\",\"facts\":{\"name\":\"\xc3\"}}"))(t, w)
			},
			then: lastAlert("invalid_utf8", nil)},
		{name: "PushWithAnotherSourcesToken", status: 401, says: "send the push source's token",
			send: func(t *testing.T, w *securityWorld) answer {
				return w.do(t, http.DefaultClient, http.MethodPut, "/api/push/v1/customers", "application/json",
					strings.NewReader(`[{"id":"c","name":"n"}]`), http.Header{"Authorization": {"Bearer " + w.gravityZone.Token + "." + gzSecret}})
			}},
		{name: "PushBodyOver8MiB", status: 413, says: "larger than 8388608 bytes",
			send: func(t *testing.T, w *securityWorld) answer {
				return w.raw(t, "PUT", "/api/push/v1/customers", http.Header{"Authorization": {"Bearer " + ingest.PushToken(w.push)}},
					[]byte(`[{"id":"c","name":"`+strings.Repeat("a", 9<<20)+`"}]`))
			}},
		{name: "PushResolveWithNULInThePath", status: 400, says: "The path of the address holds a NUL character",
			send: pushAPI("POST", "/api/push/v1/alerts/a%00/resolve", []byte(`{"customer_id":"c"}`))},

		// The JSON API.
		{name: "Finding7APIBillingItemsNamingAProductWithoutAProposal", status: 400, says: `No product in use lacks an item under \"nope:x\"`,
			send: apiCall("POST", "/api/v1/billing/items", `{"products":["nope:x"]}`)},
		{name: "APIMappingToANegativeClient", status: 400, says: "client_id must be a whole number from 0 to 2147483647, not -1.",
			send: apiCall("PUT", "/api/v1/mappings/{push}/c-1001", `{"client_id":-1}`)},
		{name: "APIMappingToASiteOver31Bits", status: 400, says: "site_id must be a whole number from 0 to 2147483647, not 2147483648.",
			send: apiCall("PUT", "/api/v1/mappings/{push}/c-1001", `{"client_id":1,"site_id":2147483648}`)},
		{name: "APIRecheckOfEventIDsOver31Bits", status: 400, says: "ids[0] must be a whole number from 0 to 2147483647",
			send: apiCall("POST", "/api/v1/events/recheck", `{"ids":[99999999999]}`)},
		{name: "APISuggestionForANegativeClient", status: 400, says: "suggestions[0].client_id must be a whole number",
			send: apiCall("POST", "/api/v1/suggestions/accept", `{"suggestions":[{"source_id":{push},"customer_id":"c-1001","client_id":-7}]}`)},
		{name: "APITicketPolicyWithANegativeGroupWindow", status: 400, says: "policy.types.av.group_window must be a duration from 0",
			send: apiCall("PUT", "/api/v1/tickets/policy", `{"policy":{"types":{"av":{"enabled":true,"group_window":-1}}}}`)},
		{name: "APIListWithALimitOver31Bits", status: 400, says: `limit must be a whole number from 0 to 2147483647, not \"3000000000\".`,
			send: apiCall("GET", "/api/v1/events?limit=3000000000", "")},
		{name: "APIPathIDThatIsNoNumber", status: 400, says: `id must be a whole number from 1 to 2147483647, not \"1e3\".`,
			send: apiCall("POST", "/api/v1/events/1e3/recheck", "")},
		{name: "APITextWithNUL", status: 400, says: "customer_id holds a NUL character",
			send: apiCall("POST", "/api/v1/tickets/test", `{"source_id":{push},"customer_id":"c\u0000"}`)},
		{name: "APIQueryWithNUL", status: 400, says: `The query parameter \"kind\" holds a NUL character`,
			send: apiCall("GET", "/api/v1/events?kind=%00", "")},
		{name: "APIBodyOver1MiB", status: 413, says: "larger than the 1048576 bytes",
			send: func(t *testing.T, w *securityWorld) answer {
				return w.raw(t, "POST", "/api/v1/billing/items", http.Header{"Authorization": {"Bearer " + w.token}, "Content-Type": {"application/json"}},
					[]byte(`{"products":["`+strings.Repeat("a", 2<<20)+`"]}`))
			}},
		{name: "APIBodyNestedTenThousandDeep", status: 400, says: "exceeded max depth",
			send: apiCall("POST", "/api/v1/billing/items", `{"products":`+strings.Repeat("[", 10_001)+`}`)},
		{name: "APIBodyWithAMisspeltField", status: 400, says: `unknown field \"product\"`,
			send: apiCall("POST", "/api/v1/billing/items", `{"product":["x"]}`)},
		{name: "APIWithoutAToken", status: 401, says: "Sign in first",
			send: func(t *testing.T, w *securityWorld) answer {
				return w.do(t, http.DefaultClient, http.MethodGet, "/api/v1/events", "", nil, nil)
			}},
		{name: "APIWithAMadeUpToken", status: 401, says: "The API token is not valid",
			send: func(t *testing.T, w *securityWorld) answer {
				return w.do(t, http.DefaultClient, http.MethodGet, "/api/v1/events", "", nil, http.Header{"Authorization": {"Bearer hb_" + strings.Repeat("0", 40)}})
			}},
		{name: "Finding1APIHaloPSAConnectionToAnInternalAddress", status: 400, says: "halobridge will not connect there", then: haloUnchanged,
			send: apiCall("PUT", "/api/v1/halo/connection", `{"url":"{inward}","client_id":"id","client_secret":"secret"}`)},
		{name: "Finding1APIGravityZoneSourceAtAnInternalAddress", status: 400, says: "halobridge will not connect there", then: unreached,
			send: apiCall("POST", "/api/v1/sources", `{"kind":"gravityzone","api_url":"{inward}/api","api_key":"k"}`)},
		{name: "Finding1APIDefensXRootAtAnInternalAddress", status: 400, says: "halobridge will not connect there", then: unreached,
			send: apiCall("POST", "/api/v1/sources", `{"kind":"defensx","api_url":"{inward}","api_key":"k"}`)},

		// Portal forms.
		{name: "Finding1PortalHaloPSAConnectionToAnInternalAddress", status: 422, says: "halobridge will not connect there", then: haloUnchanged,
			send: form("/setup/halo", url.Values{"halo_url": {"{inward}"}, "client_id": {"id"}, "client_secret": {"secret"}})},
		{name: "Finding1PortalGravityZoneSourceAtAnInternalAddress", status: 422, says: "halobridge will not connect there", then: unreached,
			send: form("/setup/sources", url.Values{"kind": {"gravityzone"}, "api_url": {"{inward}/api"}, "api_key": {"k"}})},
		{name: "Finding1PortalDefensXRootAtAnInternalAddress", status: 422, says: "halobridge will not connect there", then: unreached,
			send: form("/setup/sources", url.Values{"kind": {"defensx"}, "api_url": {"{inward}"}, "api_key": {"k"}})},
		{name: "PortalFormWithoutItsCSRFToken", status: 403, says: "did not come from halobridge",
			send: form("/setup/sources", url.Values{"kind": {"push"}, "name": {"Vendor"}, "csrf_token": {""}})},
		{name: "PortalFormWithAnotherCSRFToken", status: 403, says: "did not come from halobridge",
			send: form("/setup/sources", url.Values{"kind": {"push"}, "name": {"Vendor"}, "csrf_token": {strings.Repeat("A", 43)}})},
		{name: "PortalFormFromAnotherSite", status: 403, says: "another web site",
			send: func(t *testing.T, w *securityWorld) answer {
				return w.do(t, w.browser, http.MethodPost, "/setup/sources", "application/x-www-form-urlencoded",
					strings.NewReader(url.Values{"kind": {"push"}, "name": {"Vendor"}, "csrf_token": {w.csrf}}.Encode()),
					http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}})
			}},
		{name: "PortalFormFieldWithNUL", status: 400, says: `The form field "name" holds a NUL character`,
			send: form("/setup/sources", url.Values{"kind": {"push"}, "name": {"Vendor\x00"}})},
		{name: "PortalFormOver1MiB", status: 413, says: "larger than the 1048576 bytes",
			send: func(t *testing.T, w *securityWorld) answer {
				return w.raw(t, "POST", "/setup/sources", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Cookie": {w.cookie(t)}},
					[]byte(url.Values{"kind": {"push"}, "name": {strings.Repeat("a", 2<<20)}, "csrf_token": {w.csrf}}.Encode()))
			}},
		{name: "PortalMultipartFormOf40MiB", status: 413, says: "larger than the 1048576 bytes",
			send: func(t *testing.T, w *securityWorld) answer {
				contentType, body := multipartForm(40 << 20)
				return w.raw(t, "POST", "/setup/sources", http.Header{"Content-Type": {contentType}, "Cookie": {w.cookie(t)}}, body)
			}},
		{name: "PortalSourceOfAnIDOver31Bits", status: 404, says: "There is nothing here",
			send: form("/setup/sources/99999999999", url.Values{"name": {"x"}})},

		// Password sign-in.
		{name: "SignInWithAWrongPassword", status: 401, says: "Wrong email or password.",
			send: signInAs("/login", "", url.Values{"email": {securityEmail}, "password": {"guess"}})},
		{name: "SignInWithNULInTheEmail", status: 400, says: `The form field "email" holds a NUL character`,
			send: signInAs("/login", "", url.Values{"email": {"owner\x00@acme.example"}, "password": {"guess"}})},
		{name: "SignInWithBytesThatAreNotUTF8InThePassword", status: 400, says: `The form field "password" holds`,
			send: signInAs("/login", "", url.Values{"email": {securityEmail}, "password": {"\xff"}})},
		{name: "SignInWithAnEmailOf10KB", status: 401, says: "Wrong email or password.",
			send: signInAs("/login", "", url.Values{"email": {strings.Repeat("a", 10<<10) + "@acme.example"}, "password": {"guess"}})},
		{name: "SignInWithSQLForAnEmail", status: 401, says: "Wrong email or password.",
			send: signInAs("/login", "", url.Values{"email": {"' OR '1'='1' --"}, "password": {"' OR '1'='1' --"}})},
		{name: "SignInWithAPasswordOfTwoMegabytes", status: 413, says: "larger than the 1048576 bytes",
			send: func(t *testing.T, w *securityWorld) answer {
				return w.raw(t, "POST", "/login", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "X-Forwarded-For": {w.newClient()}},
					[]byte(url.Values{"email": {securityEmail}, "password": {strings.Repeat("a", 2<<20)}}.Encode()))
			}},
		{name: "Finding8SignInMultipartFormOf40MiB", status: 413, says: "larger than the 1048576 bytes",
			send: func(t *testing.T, w *securityWorld) answer {
				contentType, body := multipartForm(40 << 20)
				return w.raw(t, "POST", "/login", http.Header{"Content-Type": {contentType}, "X-Forwarded-For": {w.newClient()}}, body)
			}},
		{name: "Finding8SignInFormTrickledAndNeverFinished", status: 400, says: "The form could not be read",
			send: func(t *testing.T, w *securityWorld) answer { return w.trickle(t, "/login") }},
		{name: "SignInWithoutTheCSRFToken", status: 403, says: "This form has expired or did not come from halobridge",
			send: signInAs("/login", "", url.Values{"email": {securityEmail}, "password": {securityPassword}, "csrf_token": {"none"}})},
		{name: "Finding4SignInSendsTheBrowserOnlyWithinHalobridge", status: 303, says: "\nLocation: /\n", stored: map[string]int{"sessions": 1},
			send: signInAs("/login", "%2F%09%2Fevil.example", url.Values{"email": {securityEmail}, "password": {securityPassword}, "next": {"/\t/evil.example"}})},
		{name: "SignInNextToAnotherSite", status: 303, says: "\nLocation: /\n", stored: map[string]int{"sessions": 1},
			send: signInAs("/login", "", url.Values{"email": {securityEmail}, "password": {securityPassword}, "next": {"//evil.example/x"}})},
		{name: "SignInNextAsAURL", status: 303, says: "\nLocation: /\n", stored: map[string]int{"sessions": 1},
			send: signInAs("/login", "", url.Values{"email": {securityEmail}, "password": {securityPassword}, "next": {"https://evil.example/"}})},
		// A guesser's failures refuse the guesser; the owner, from their
		// own address, signs in (the session is theirs).
		{name: "Finding6SignInFailuresOfAnotherLockOutNotTheOwner", status: 429, says: "Retry-After", stored: map[string]int{"sessions": 1},
			send: func(t *testing.T, w *securityWorld) answer {
				guesser, browser := w.newClient(), anonymous()
				var last answer
				for range 6 {
					last = w.signIn(t, browser, guesser, "/login", "", url.Values{"email": {securityEmail}, "password": {"guess"}})
				}
				return last
			},
			then: func(t *testing.T, w *securityWorld) {
				got := w.signIn(t, anonymous(), w.newClient(), "/login", "", url.Values{"email": {securityEmail}, "password": {securityPassword}})
				if got.status != http.StatusSeeOther {
					t.Errorf("the owner, signing in from their own address: %d %.300s; want 303", got.status, got.text)
				}
			}},

		// HaloPSA sign-in.
		{name: "Finding1HaloPSASignInStartedAtAnInternalAddress", status: 400, says: "halobridge will not connect there", then: unreached,
			send: signInAs("/login/halo", "", url.Values{"halo_url": {"{inward}"}, "client_id": {"id"}})},
		{name: "Finding1HaloPSASignInStartedAtANameThatResolvesInward", status: 400, says: "halobridge will not connect there", then: unreached,
			send: signInAs("/login/halo", "", url.Values{"halo_url": {"{inward-named}"}, "client_id": {"id"}})},
		{name: "HaloPSASignInStartedAtAJavaScriptURL", status: 400, says: "is not a HaloPSA address like https://yourcompany.halopsa.com",
			send: signInAs("/login/halo", "", url.Values{"halo_url": {"javascript:alert(1)"}, "client_id": {"id"}})},
		{name: "HaloPSASignInStartedAtAFileURL", status: 400, says: "is not a HaloPSA address like https://yourcompany.halopsa.com",
			send: signInAs("/login/halo", "", url.Values{"halo_url": {"file:///etc/passwd"}, "client_id": {"id"}})},
		{name: "HaloPSASignInWithNULInTheClientID", status: 400, says: `The form field "client_id" holds a NUL character`,
			send: signInAs("/login/halo", "", url.Values{"halo_url": {"https://acme.halopsa.com"}, "client_id": {"id\x00"}})},
		{name: "HaloPSASignInWithoutTheCSRFToken", status: 403, says: "This form has expired or did not come from halobridge",
			send: signInAs("/login/halo", "", url.Values{"halo_url": {"https://acme.halopsa.com"}, "client_id": {"id"}, "csrf_token": {"none"}})},
		{name: "HaloPSASignInStartedTooOftenFromOneAddress", status: 429, says: "too many HaloPSA sign-ins started from your address",
			send: func(t *testing.T, w *securityWorld) answer {
				client := w.newClient()
				var last answer
				for range 11 {
					last = w.signIn(t, anonymous(), client, "/login/halo", "", url.Values{"halo_url": {"{inward}"}, "client_id": {"id"}})
				}
				return last
			},
			then: unreached},
		{name: "HaloPSASignInCallbackWithAForgedState", status: 400, says: "did not start in this browser",
			send: func(t *testing.T, w *securityWorld) answer {
				return w.do(t, anonymous(), http.MethodGet, "/auth/halo/callback?code=stolen&state=forged", "", nil, nil)
			}},
		{name: "HaloPSASignInCallbackWithMarkupInItsError", status: 401, says: "HaloPSA did not sign you in: &lt;script&gt;alert(1)&lt;/script&gt; (server_error)",
			send: func(t *testing.T, w *securityWorld) answer {
				return w.do(t, anonymous(), http.MethodGet, "/auth/halo/callback?error=server_error&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "", nil, nil)
			}},

		// The data directory.
		{name: "Finding9DataFilesOthersCouldReadAreMadePrivate", status: 200, says: `"status":"ready"`,
			send: func(t *testing.T, w *securityWorld) answer {
				return w.do(t, http.DefaultClient, http.MethodGet, "/readyz", "", nil, nil)
			},
			then: func(t *testing.T, w *securityWorld) {
				modes := map[string]os.FileMode{w.dataDir: 0o700, filepath.Join(w.dataDir, "secret.key"): 0o600}
				if db := filepath.Join(w.dataDir, "halobridge.db"); fileExists(db) {
					modes[db], modes[db+"-wal"] = 0o600, 0o600
				}
				for path, want := range modes {
					info, err := os.Stat(path)
					if err != nil || info.Mode().Perm() != want {
						t.Errorf("%s: %v, %v; want mode %04o", filepath.Base(path), info.Mode().Perm(), err, want)
					}
				}
			}},
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// trickle sends a form's headers, announcing 1000 bytes, and ten of them,
// and then nothing: the server must give up on it at its read limit.
func (w *securityWorld) trickle(t *testing.T, path string) answer {
	return w.raw(t, "POST", path, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "X-Forwarded-For": {w.newClient()},
		"Content-Length": {"1000"}}, []byte("email=a%40"))
}
