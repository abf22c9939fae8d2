package twoway_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/jobs"
	"halobridge/internal/outbound"
	"halobridge/internal/secret"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
	"halobridge/internal/syncrun"
	"halobridge/internal/ticketing"
	"halobridge/internal/ticketing/deliver"
	"halobridge/internal/twoway"
)

const testKey = "0123456789abcdef0123456789abcdef"

// scene is a partner whose HaloPSA is a simulator and whose GravityZone is another, both
// behind real HTTP on 127.0.0.1, with halobridge's webhook receiver served too and the
// two-way jobs running on a durable queue.
type scene struct {
	ctx       context.Context
	store     *store.Store
	sim       *halosim.Sim
	haloURL   string
	gz        *gzsim.Sim
	partner   store.Partner
	src       store.Source
	company   gzsim.Company
	client    halosim.Client
	halo      *connect.Halo
	delivery  *deliver.Service
	svc       *twoway.Service
	bridgeURL string
}

type sceneOptions struct {
	// sweep runs the periodic sweep (webhook checks, polling) every interval.
	sweep    bool
	interval time.Duration
	// noWebhooks leaves the connection without admin:webhooks.
	noWebhooks bool
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	keys, err := secret.NewKeyring([]byte(testKey))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), store.Config{DataDir: t.TempDir(), Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}

func setup(t *testing.T, o sceneOptions) *scene {
	t.Helper()
	s := &scene{ctx: t.Context(), store: openStore(t)}
	s.sim = halosim.New(halosim.Options{Clients: 12, Seed: 3, RateLimit: -1, WebhookBackoff: 10 * time.Millisecond})
	haloSrv := httptest.NewServer(s.sim)
	t.Cleanup(haloSrv.Close)
	s.haloURL = haloSrv.URL
	if o.noWebhooks {
		s.sim.SetScopes(halosim.DefaultClientID, "all:standard", "all:teams")
	}
	var err error
	if s.partner, err = s.store.CreatePartner(s.ctx, store.Partner{Name: "Northpoint IT"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.SaveHaloConnection(s.ctx, store.HaloConnection{
		PartnerID: s.partner.ID, ResourceURL: haloSrv.URL + "/api", AuthURL: haloSrv.URL + "/auth", ClientID: halosim.DefaultClientID,
		ClientSecret: halosim.DefaultClientSecret, GrantType: store.GrantClientCredentials, Scope: "all", AgentID: 7,
	}); err != nil {
		t.Fatal(err)
	}
	s.halo = &connect.Halo{Outbound: outbound.Local(), Store: s.store, Budget: halo.NewLimiters(0, 0), Metrics: halo.NewMetrics(nil)}
	if _, err := (&syncrun.Syncer{Store: s.store, Halo: s.halo}).SyncHaloCatalog(s.ctx, s.partner.ID); err != nil {
		t.Fatalf("sync the HaloPSA catalog: %v", err)
	}

	s.gz = gzsim.New(gzsim.Options{Seed: 4, RateLimit: -1})
	gzSrv := httptest.NewServer(s.gz)
	t.Cleanup(gzSrv.Close)
	s.company = s.gz.Companies()[1]
	if s.src, err = s.store.CreateSource(s.ctx, store.Source{PartnerID: s.partner.ID, Kind: source.GravityZone, Name: "GravityZone",
		Secret: "Bearer push", APIURL: gzSrv.URL + "/api", APIKey: gzsim.DefaultAPIKey}); err != nil {
		t.Fatal(err)
	}
	s.client = activeClient(t, s.sim)
	if _, err := s.store.SaveMapping(s.ctx, store.Mapping{PartnerID: s.partner.ID, SourceID: s.src.ID, CustomerID: s.company.ID,
		ClientID: s.client.ID, Ticketing: true, Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	s.delivery = deliver.New(s.store, s.halo, deliver.Options{})
	if _, err := s.delivery.SavePolicy(s.ctx, s.partner.ID, deliver.SavedPolicy{Policy: testPolicy()}); err != nil {
		t.Fatal(err)
	}

	logger := slog.New(slog.DiscardHandler)
	s.svc = &twoway.Service{Store: s.store, Halo: s.halo, Sources: &connect.Sources{Store: s.store, Outbound: outbound.Local()},
		Interval: o.interval, Logger: logger}
	j := &twoway.Jobs{Service: s.svc}
	workers := river.NewWorkers()
	sweep := j.Register(workers)
	var periodic []*river.PeriodicJob
	if o.sweep {
		periodic = append(periodic, sweep)
	}
	q, err := jobs.Open(s.ctx, s.store, jobs.Options{Workers: workers, Periodic: periodic, FetchPollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	j.Use(q)
	mux := http.NewServeMux()
	mux.Handle("POST /halo/webhook/{token}", &twoway.Receiver{Store: s.store, OnStored: j.OnStored, Logger: logger})
	bridge := httptest.NewServer(mux)
	t.Cleanup(bridge.Close)
	s.bridgeURL = bridge.URL
	s.svc.BaseURL = bridge.URL
	ctx, cancel := context.WithCancel(context.Background())
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		stop, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		_ = q.StopAndCancel(stop)
	})
	return s
}

func activeClient(t *testing.T, sim *halosim.Sim) halosim.Client {
	t.Helper()
	hasGU := map[int]bool{}
	for _, u := range sim.Users() {
		if !u.Inactive && strings.EqualFold(u.Name, halo.GeneralUserName) {
			hasGU[int(u.SiteID)] = true
		}
	}
	for _, c := range sim.Clients() {
		if !c.Inactive && hasGU[c.MainSiteID] {
			return c
		}
	}
	t.Fatal("no active client with a General User")
	return halosim.Client{}
}

// testPolicy makes Security Alert tickets (type 21) of incidents, one per incident, and of
// antimalware alerts by host, reopened within a day.
func testPolicy() ticketing.Policy {
	hide := false
	return ticketing.Policy{
		TicketTypeID: 21, ShowUpdatesToUser: &hide, AgentID: ticketing.UnassignedAgentID, Team: "Security Operations",
		InitialStatusID: 1, ClosingStatusID: 9, NoteOutcomeID: 7,
		Types: map[string]ticketing.TypePolicy{
			"new-incident": {Enabled: true, SLAID: 3, PriorityID: 1, Category: "Security", Urgency: 1, Impact: 1, Grouping: ticketing.GroupByAlert},
			"av": {Enabled: true, SLAID: 3, PriorityID: 2, Category: "Security>Malware", Urgency: 2, Impact: 2,
				Grouping: ticketing.GroupByHost, ReopenWindow: 24 * time.Hour},
		},
	}
}

// incidentTicket opens an incident in GravityZone, stores its new-incident alert as ingest
// would, and delivers it: the ticket halobridge created for it.
func (s *scene) incidentTicket(t *testing.T) (gzsim.Incident, store.TicketLink) {
	t.Helper()
	inc, err := s.gz.AddIncident(s.company.ID)
	if err != nil {
		t.Fatal(err)
	}
	alert := source.Alert{
		Source: source.GravityZone, CustomerID: s.company.ID, Type: "new-incident", Severity: source.SeverityHigh,
		HostName: inc.Details.ComputerName, Facts: map[string]string{"incident_id": inc.IncidentID, "detection_name": inc.Details.DetectionName},
		OccurredAt: time.Now().UTC(), Fingerprint: "gravityzone|" + s.company.ID + "|new-incident|" + inc.IncidentID,
		EventID: "ev-" + inc.IncidentID, Raw: json.RawMessage(`{}`),
	}
	if _, err := s.store.StoreInbound(s.ctx, []store.InboundBatch{{PartnerID: s.partner.ID, SourceID: s.src.ID,
		ReceivedAt: time.Now().Add(-time.Minute), Alerts: []source.Alert{alert}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.delivery.Deliver(s.ctx, s.partner.ID); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	link, err := s.store.LinkForFingerprint(s.ctx, s.partner.ID, alert.Fingerprint)
	if err != nil || link.State != store.LinkOpen || link.TicketID == 0 {
		t.Fatalf("the incident's link = %+v, %v; want an open ticket", link, err)
	}
	return inc, link
}

// agent acts in the simulated HaloPSA as Sarah Mitchell (agent 3), through its API.
func (s *scene) agent(t *testing.T) string {
	t.Helper()
	s.sim.AddApplication(halosim.Application{ClientID: "sarah-app", Secret: "s3cret", Scopes: []string{"all"}, AgentID: 3, Name: "Sarah's tools"})
	return s.token(t, "sarah-app", "s3cret")
}

// token gets an access token of an application of the simulated HaloPSA.
func (s *scene) token(t *testing.T, clientID, secret string) string {
	t.Helper()
	resp, err := http.PostForm(s.haloURL+"/auth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID},
		"client_secret": {secret}, "scope": {"all"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token of %s: %v", clientID, err)
	}
	return tok.AccessToken
}

// setStatus posts an action that moves the ticket, with a note, as the token's agent.
func (s *scene) setStatus(t *testing.T, token string, ticketID, status int, note string) {
	t.Helper()
	body, _ := json.Marshal([]map[string]any{{"ticket_id": ticketID, "outcome_id": 7, "note": note, "new_status": status}})
	req, _ := http.NewRequest(http.MethodPost, s.haloURL+"/api/Actions", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/Actions: %d", resp.StatusCode)
	}
}

func (s *scene) link(t *testing.T, key string) store.TicketLink {
	t.Helper()
	l, err := s.store.TicketLink(s.ctx, s.partner.ID, key)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func (s *scene) changes(t *testing.T, ticketID int) []store.TicketChange {
	t.Helper()
	c, err := s.store.TicketChanges(s.ctx, s.partner.ID, ticketID, 100)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// gzWrites counts the incident writes GravityZone received.
func (s *scene) gzWrites() int {
	n := 0
	for _, r := range s.gz.Requests() {
		if r.Method == "changeIncidentStatus" || r.Method == "updateIncidentNote" {
			n++
		}
	}
	return n
}

// tokenOf is an access token of halobridge's own connection (agent 7).
func (s *scene) tokenOf(t *testing.T) string {
	t.Helper()
	return s.token(t, halosim.DefaultClientID, halosim.DefaultClientSecret)
}

// post sends body to a webhook address with Basic credentials and returns the status.
func post(t *testing.T, target, user, pass, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func itoa(n int) string { return strconv.Itoa(n) }

func outboundLocal() outbound.Policy { return outbound.Local() }
