package portal_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"halobridge/internal/api"
	"halobridge/internal/auth"
	"halobridge/internal/billing"
	"halobridge/internal/billing/run"
	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/ingest"
	"halobridge/internal/jobs"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/outbound"
	"halobridge/internal/portal"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
	"halobridge/internal/store/storetest"
	"halobridge/internal/syncrun"
	"halobridge/internal/ticketing"
	"halobridge/internal/ticketing/deliver"
	"halobridge/internal/twoway"
	"halobridge/internal/web"
)

// testBundle is halobridge as the server wires it, on a real SQLite file
// and real HTTP, next to a simulated HaloPSA and GravityZone: sign-in,
// the portal, the JSON API, the ingest endpoint and the job queue with
// every worker.
type testBundle struct {
	store    *store.Store
	halo     *halosim.Sim
	haloURL  string
	gz       *gzsim.Sim
	gzURL    string
	auth     *auth.Service
	syncer   *syncrun.Syncer
	mappings *mapper.Service
	events   *events.Service
	tickets  *deliver.Service
	billing  *run.Service
	sources  *connect.Sources
	queue    *jobs.Queue
	budget   *connect.SharedBudget
	srv      *httptest.Server
	started  bool
	deliverJ *deliver.Jobs
}

const testPassword = "correct horse battery staple"

func setup(t *testing.T) *testBundle {
	t.Helper()
	ctx := t.Context()
	st, err := store.Open(ctx, store.Config{DatabaseURL: "sqlite://" + filepath.Join(t.TempDir(), "halobridge.db"), Keys: storetest.NewKeyring(t)})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	b := &testBundle{store: st, halo: halosim.New(halosim.Options{Seed: 1, RateLimit: -1, Clients: 12})}
	haloSrv := httptest.NewServer(b.halo)
	t.Cleanup(haloSrv.Close)
	b.haloURL = haloSrv.URL
	// A small tree: the GravityZone connector paces its requests at ten a
	// second, one per company and month for usage.
	b.gz = gzsim.New(gzsim.Options{Seed: 1, RateLimit: -1, Companies: []gzsim.Company{
		{ID: "gz-root", Name: "Northgate IT Services", Partner: true},
		{ID: "gz-bright", Name: "Brightwater Dental", ParentID: "gz-root"},
		{ID: "gz-kanga", Name: "Kangaroo Point Accounting", ParentID: "gz-root"},
	}})
	gzSrv := httptest.NewServer(b.gz)
	t.Cleanup(gzSrv.Close)
	b.gzURL = gzSrv.URL + "/api"

	b.srv = httptest.NewUnstartedServer(nil)
	baseURL := "http://" + b.srv.Listener.Addr().String()
	b.auth = &auth.Service{Store: st, HaloDefaults: halo.Config{Outbound: outbound.Local(), RetryBackoff: time.Millisecond}, BaseURL: baseURL,
		Pages: portal.SignInPages(nil)}
	// One budget for the whole portal, as a server shares one: generous,
	// since the simulator has no rate limit.
	b.budget = connect.NewSharedBudget(st, 100_000, 5*time.Minute)
	haloClients := &connect.Halo{Outbound: outbound.Local(), Store: st, Budget: b.budget}
	provisioning := &connect.Provisioning{Halo: haloClients}
	b.auth.Provisioner = provisioning
	b.sources = &connect.Sources{Outbound: outbound.Local(), Store: st, PublicURL: baseURL}
	b.syncer = &syncrun.Syncer{Store: st, Halo: haloClients, Sources: b.sources}
	b.mappings = &mapper.Service{Store: st, Halo: haloClients, Sources: b.sources}
	// A failed ticket waits an hour for its retry here: what delivers it
	// sooner is a person's fix, never the clock.
	b.tickets = deliver.New(st, haloClients, deliver.Options{Gather: 10 * time.Millisecond, MaxGather: 100 * time.Millisecond, FlushWindow: time.Second,
		RetryBackoff: time.Hour})
	b.billing = &run.Service{Store: st, Halo: haloClients, Sources: b.sources}
	b.events = &events.Service{Store: st, Halo: haloClients, Mappings: b.mappings, Checks: b.syncer, Billing: b.billing, Assets: b.syncer.Assets()}
	loop := &twoway.Service{Store: st, Halo: haloClients, Sources: b.sources, BaseURL: baseURL}
	b.events.Webhooks, b.events.Incidents = loop, loop

	workers := river.NewWorkers()
	syncrun.Register(workers, b.syncer)
	due := run.Register(workers, b.billing)
	b.deliverJ = &deliver.Jobs{Service: b.tickets}
	b.deliverJ.Register(workers)
	// As the server does: a person's fix wakes delivery.
	b.events.Fixed = func(ctx context.Context, partnerID int64) { b.deliverJ.OnStored(ctx, []int64{partnerID}) }
	b.mappings.Fixed = b.events.Fixed
	b.queue, err = jobs.Open(ctx, st, jobs.Options{Workers: workers, FetchPollInterval: 50 * time.Millisecond, JobTimeout: time.Minute, RescueStuckJobsAfter: time.Hour})
	if err != nil {
		t.Fatalf("open job queue: %v", err)
	}
	due.Queue = b.queue
	b.deliverJ.Use(b.queue)

	committer := ingest.NewCommitter(st, 0, nil)
	committer.OnStored(b.deliverJ.OnStored)
	cctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { committer.Run(cctx); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	receiver := ingest.NewReceiver(st, committer, ingest.Parsers(), ingest.Options{})

	handler := portal.New(portal.Deps{
		Store: st, Auth: b.auth, Mappings: b.mappings, Assets: b.syncer.Assets(), Events: b.events, Tickets: b.tickets, Billing: b.billing,
		Sources: b.sources, Halo: haloClients, Provisioning: provisioning, Queue: b.queue, Budget: b.budget,
	})
	var routes []web.Route
	for _, p := range auth.Patterns() {
		routes = append(routes, web.Route{Pattern: p, Handler: b.auth.Handler()})
	}
	for _, p := range portal.Patterns() {
		routes = append(routes, web.Route{Pattern: p, Handler: handler})
	}
	// The JSON API, as the server mounts it beside the pages.
	jsonAPI := api.New(api.Deps{Store: st, Auth: b.auth, Mappings: b.mappings, Assets: b.syncer.Assets(), Events: b.events, Queue: b.queue, Tickets: b.tickets, Billing: b.billing,
		Sources: b.sources, Halo: haloClients})
	for _, p := range api.Patterns() {
		routes = append(routes, web.Route{Pattern: p, Handler: jsonAPI})
	}
	b.srv.Config.Handler = web.New(web.Deps{Store: st, Gatherer: prometheus.NewRegistry(), Logger: slog.New(slog.DiscardHandler),
		Ingest: receiver, Routes: routes})
	b.srv.Start()
	t.Cleanup(b.srv.Close)
	return b
}

// work starts the job queue's workers, once; tests that do not need jobs
// run leave it insert-only.
func (b *testBundle) work(t *testing.T) {
	t.Helper()
	if b.started {
		return
	}
	b.started = true
	if err := b.queue.Start(context.Background()); err != nil {
		t.Fatalf("start job queue: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = b.queue.StopAndCancel(ctx)
	})
}

// partner is a partner with a signed-in person.
type partner struct {
	store.Partner
	session *http.Cookie
	csrf    string
	email   string
}

// newPartner creates a partner with an admin account and signs it in.
func (b *testBundle) newPartner(t *testing.T, name string) *partner {
	t.Helper()
	ctx := t.Context()
	p, err := b.store.CreatePartner(ctx, store.Partner{Name: name})
	if err != nil {
		t.Fatalf("CreatePartner: %v", err)
	}
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com"
	if _, err := b.auth.AddAccount(ctx, auth.NewAccount{PartnerID: p.ID, Email: email, Name: name + " Admin", Password: testPassword, Role: store.RoleAdmin}); err != nil {
		t.Fatalf("AddAccount: %v", err)
	}
	login, err := b.auth.PasswordLogin(ctx, email, testPassword, "127.0.0.1")
	if err != nil {
		t.Fatalf("PasswordLogin: %v", err)
	}
	pa := &partner{Partner: p, session: login.Cookie, email: email}
	pa.csrf = csrfOf(t, b.get(t, pa, "/setup").body)
	return pa
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", page)
	}
	return m[1]
}

// connectHalo gives the partner a client credentials connection to the
// simulated HaloPSA, acting as its API agent.
func (b *testBundle) connectHalo(t *testing.T, p *partner) {
	t.Helper()
	_, err := b.store.SaveHaloConnection(t.Context(), store.HaloConnection{
		PartnerID: p.ID, ResourceURL: b.haloURL + "/api", AuthURL: b.haloURL + "/auth",
		ClientID: halosim.DefaultClientID, ClientSecret: halosim.DefaultClientSecret,
		GrantType: store.GrantClientCredentials, Scope: "all", AgentID: 7,
	})
	if err != nil {
		t.Fatalf("SaveHaloConnection: %v", err)
	}
}

// connectGravityZone connects the simulated GravityZone as the partner's
// source, registering halobridge with its Event Push Service.
func (b *testBundle) connectGravityZone(t *testing.T, p *partner) store.Source {
	t.Helper()
	c, err := b.sources.AddSource(t.Context(), connect.NewSource{PartnerID: p.ID, Kind: source.GravityZone, Name: "GravityZone EU",
		APIURL: b.gzURL, APIKey: gzsim.DefaultAPIKey})
	if err != nil {
		t.Fatalf("AddSource: %v", err)
	}
	return c.Source
}

// syncNow runs a recorded catalog sync at once, as the job would.
func (b *testBundle) syncNow(t *testing.T, p *partner) store.SyncRun {
	t.Helper()
	run, err := b.store.StartSyncRun(t.Context(), store.SyncRun{PartnerID: p.ID, Kind: store.SyncCatalog})
	if err != nil {
		t.Fatal(err)
	}
	progress := jobs.NewProgress(b.store, run)
	_, syncErr := b.syncer.Sync(t.Context(), p.ID, progress)
	if err := progress.Finish(syncErr); err != nil {
		t.Fatal(err)
	}
	if syncErr != nil {
		t.Fatalf("catalog sync: %v", syncErr)
	}
	return progress.Run()
}

// connectPush connects a push API source whose vendor has already sent
// its companies and their usage of this month and the last. Push sources
// keep fixtures fast: the GravityZone connector paces its requests as
// GravityZone asks, ten a second.
func (b *testBundle) connectPush(t *testing.T, p *partner) store.Source {
	t.Helper()
	ctx := t.Context()
	c, err := b.sources.AddSource(ctx, connect.NewSource{PartnerID: p.ID, Kind: source.Push, Name: "Sentry EDR"})
	if err != nil {
		t.Fatalf("AddSource: %v", err)
	}
	customers := []source.Customer{
		{ID: "c-1", Name: "Brightwater Dental"}, {ID: "c-2", Name: "Kangaroo Point Accounting"}, {ID: "c-3", Name: "Zebra Crossing Bakery"},
	}
	if err := b.store.SaveSourceCustomers(ctx, c.Source.ID, customers, true); err != nil {
		t.Fatal(err)
	}
	this := source.MonthOf(time.Now().UTC())
	for _, m := range []source.Month{this.Prev(), this} {
		usage := []source.Usage{{CustomerID: "c-1", Month: m, Product: "endpoint-protection", Quantity: 12}, {CustomerID: "c-2", Month: m, Product: "endpoint-protection", Quantity: 5}}
		if err := b.store.SaveUsage(ctx, c.Source.ID, usage, &m); err != nil {
			t.Fatal(err)
		}
	}
	return c.Source
}

// pushType is the alert type the push source's vendor sends.
const pushType = "malware"

// activePartner is a partner through the whole setup: HaloPSA and a push
// source connected, synced, policies saved, integration active.
func (b *testBundle) activePartner(t *testing.T, name string) (*partner, store.Source) {
	t.Helper()
	ctx := t.Context()
	p := b.newPartner(t, name)
	b.connectHalo(t, p)
	src := b.connectPush(t, p)
	b.syncNow(t, p)
	_, err := b.tickets.SavePolicy(ctx, p.ID, deliver.SavedPolicy{Policy: ticketing.Policy{
		TicketTypeID: 21, ShowUpdatesToUser: new(false), AgentID: ticketing.UnassignedAgentID, Team: "Security Operations",
		InitialStatusID: 1, ClosingStatusID: 9, NoteOutcomeID: 55,
		Types: map[string]ticketing.TypePolicy{pushType: {Enabled: true, SLAID: 3, PriorityID: 2, Category: "Security", Urgency: 2}},
	}})
	if err != nil {
		t.Fatalf("save the ticket policy: %v", err)
	}
	if _, err := b.billing.CreateItems(ctx, p.ID, nil); err != nil {
		t.Fatalf("create the billing items: %v", err)
	}
	policy, err := b.billing.Policy(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	policy.Mode = billing.ModeCreate
	if _, err := b.billing.SavePolicy(ctx, p.ID, policy); err != nil {
		t.Fatalf("save the billing policy: %v", err)
	}
	// The catalog learns the new item's name.
	b.syncNow(t, p)
	for _, step := range store.SetupSteps() {
		if _, err := b.store.CompleteSetupStep(ctx, p.ID, step); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.store.RecordConsent(ctx, p.ID, 0, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.ActivateSetup(ctx, p.ID, "test"); err != nil {
		t.Fatal(err)
	}
	return p, src
}

// mapForTickets maps the push source's company c-1 to HaloPSA client 109
// (Brightwater Dental LLC) with ticketing on and billing off.
func (b *testBundle) mapForTickets(t *testing.T, p *partner, src store.Source) {
	t.Helper()
	if _, err := b.store.SaveMapping(t.Context(), store.Mapping{PartnerID: p.ID, SourceID: src.ID, CustomerID: "c-1", ClientID: 109, Ticketing: true, Confirmed: true}); err != nil {
		t.Fatal(err)
	}
}

// revokeBeforeDelivery revokes the partner's HaloPSA application, stores
// an alert of company c-1, and runs ticket delivery, the first to call
// HaloPSA since, until it has met the revocation. It returns the open
// credentials events.
func (b *testBundle) revokeBeforeDelivery(t *testing.T, p *partner, src store.Source) []store.Event {
	t.Helper()
	ctx := t.Context()
	b.halo.RevokeApplication(halosim.DefaultClientID)
	now := time.Now().UTC()
	_, err := b.store.StoreInbound(ctx, []store.InboundBatch{{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: now, Alerts: []source.Alert{{
		Source: source.Push, CustomerID: "c-1", Type: pushType, Severity: source.SeverityHigh, HostName: "WS-1", OccurredAt: now, Fingerprint: "fp-1", EventID: "e-1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	var events []store.Event
	// Delivery waits for the alert's grouping window before it calls HaloPSA.
	eventually(t, 10*time.Second, "ticket delivery to meet the revoked application", func() bool {
		res, derr := b.tickets.Deliver(ctx, p.ID)
		if derr == nil && res.Created > 0 {
			t.Fatalf("delivery created a ticket with a revoked application: %+v", res)
		}
		events, err = b.store.Events(ctx, p.ID, store.EventQuery{State: store.EventOpen, Kind: connect.EventCredentialsRevoked})
		if err != nil {
			t.Fatal(err)
		}
		return len(events) > 0
	})
	return events
}

// response is what a request got back.
type response struct {
	status   int
	header   http.Header
	body     string
	location string
}

func (b *testBundle) do(t *testing.T, p *partner, req *http.Request) response {
	t.Helper()
	if p != nil {
		req.AddCookie(p.session)
	}
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(body), location: resp.Header.Get("Location")}
}

func (b *testBundle) get(t *testing.T, p *partner, path string) response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.srv.URL+path, nil)
	return b.do(t, p, req)
}

// post sends a form as a page of the portal does; htmx requests say so.
func (b *testBundle) post(t *testing.T, p *partner, path string, form url.Values, htmx bool) response {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if p != nil {
		form.Set("csrf_token", p.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, b.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.srv.URL)
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return b.do(t, p, req)
}

// sendJSON sends a JSON body (none when empty) as the portal's scripts do
// for the signed-in p: with its session and CSRF token.
func (b *testBundle) sendJSON(t *testing.T, p *partner, method, path, body string) response {
	t.Helper()
	req, _ := http.NewRequest(method, b.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", p.csrf)
	req.Header.Set("Origin", b.srv.URL)
	return b.do(t, p, req)
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %s", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var (
	selectTag  = regexp.MustCompile(`(?s)<select name="([^"]+)"[^>]*>(.*?)</select>`)
	selected   = regexp.MustCompile(`<option value="([^"]*)"[^>]* selected>`)
	checkedBox = regexp.MustCompile(`<input type="(?:checkbox|radio)" name="([^"]+)" value="([^"]*)"[^>]*\schecked>|<input type="checkbox" name="([^"]+)"[^>]*\schecked>`)
	textInput  = regexp.MustCompile(`<input type="(?:text|hidden|number|url)" name="([^"]+)" value="([^"]*)"`)
	htmlEntity = strings.NewReplacer("&amp;", "&", "&#39;", "'", "&quot;", `"`, "&lt;", "<", "&gt;", ">", "&#43;", "+")
)

// formValues reads the values a browser would send for the form fields of
// a page the portal rendered: selected options, ticked boxes and radios,
// text inputs.
func formValues(page string) url.Values {
	out := url.Values{}
	for _, m := range selectTag.FindAllStringSubmatch(page, -1) {
		if s := selected.FindStringSubmatch(m[2]); s != nil {
			out.Set(m[1], htmlEntity.Replace(s[1]))
		}
	}
	for _, m := range checkedBox.FindAllStringSubmatch(page, -1) {
		if m[1] != "" {
			out.Set(m[1], htmlEntity.Replace(m[2]))
		} else {
			out.Set(m[3], "on")
		}
	}
	for _, m := range textInput.FindAllStringSubmatch(page, -1) {
		out.Set(m[1], htmlEntity.Replace(m[2]))
	}
	return out
}

// apiCall sends a JSON request with an API token, as a program would.
func (b *testBundle) apiCall(t *testing.T, token, method, path, body string) response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, b.srv.URL+path, r)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	return b.do(t, nil, req)
}

func (b *testBundle) token(t *testing.T, p *partner) string {
	t.Helper()
	plain, _, err := b.auth.CreateToken(t.Context(), p.ID, "test")
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	return plain
}

// between is the part of page from the first start to the first end after
// it, both included; the test fails when either is missing.
func between(t *testing.T, page, start, end string) string {
	t.Helper()
	_, rest, ok := strings.Cut(page, start)
	if !ok {
		t.Fatalf("the page lacks %q:\n%s", start, page)
	}
	part, _, ok := strings.Cut(rest, end)
	if !ok {
		t.Fatalf("the page lacks %q after %q", end, start)
	}
	return start + part + end
}

// failingWebhook records the partner's webhook as HaloPSA's log showed it failing, with a
// long address and a long error in HaloPSA's words, as the Sync page shows it at its widest.
func (b *testBundle) failingWebhook(t *testing.T, p *partner) {
	t.Helper()
	rec, err := b.store.EnsureHaloWebhook(t.Context(), p.ID, strings.Repeat("t", 43), "secret")
	if err != nil {
		t.Fatal(err)
	}
	rec.WebhookID, rec.State = "5f0c9a1e-0d5b-4b8e-9a43-2f1c3c0c9e11", store.WebhookFailing
	rec.URL = "https://halobridge.northpoint-it-services.example.com/halo/webhook/" + rec.Token
	rec.Problem = "HaloPSA's latest delivery to " + rec.URL + " failed (no answer: Post \"" + rec.URL + "\": dial tcp 203.0.113.7:443: i/o timeout)"
	rec.LogEntries, rec.LogFailures, rec.LastErrorAt = 20, 20, time.Now().Add(-3*time.Minute)
	rec.LastError = "no answer: Post \"" + rec.URL + "\": dial tcp 203.0.113.7:443: i/o timeout"
	if err := b.store.SaveHaloWebhookState(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
}
