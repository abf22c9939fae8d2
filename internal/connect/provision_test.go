package connect_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/outbound"
	"halobridge/internal/store"
	"halobridge/internal/store/storetest"
)

// Agents of halosim's seed: 2 is the administrator, in teams 1 to 4.
const simAdmin = 2

// provisionBundle is a partner created by a first sign-in with a
// simulated HaloPSA, set up by connect.Provisioning as sign-in calls it.
type provisionBundle struct {
	st        *store.Store
	sim       *halosim.Sim
	url       string
	partnerID int64
	halo      *connect.Halo
	prov      *connect.Provisioning
	// transport carries the administrator's requests; nil means the default.
	transport http.RoundTripper
}

func newProvisionBundle(t *testing.T, st *store.Store) *provisionBundle {
	t.Helper()
	b := &provisionBundle{st: st, sim: halosim.New(halosim.Options{Clients: -1})}
	srv := httptest.NewServer(b.sim)
	t.Cleanup(srv.Close)
	b.url = srv.URL
	b.halo = &connect.Halo{Store: st, Outbound: outbound.Local(), RetryBackoff: time.Millisecond}
	b.prov = &connect.Provisioning{Halo: b.halo, Now: func() time.Time { return time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC) }}
	// As sign-in creates it: named after the HaloPSA, with the login
	// application's client ID.
	_, login, err := st.CreatePartnerWithLogin(t.Context(), store.Partner{Name: "Northpoint IT"},
		store.PartnerLogin{HaloURL: b.url, ClientID: halosim.DefaultPublicClientID})
	if err != nil {
		t.Fatal(err)
	}
	b.partnerID = login.PartnerID
	return b
}

// signedInTokens holds the refresh token of a sign-in, as sign-in does
// until the connection is stored.
type signedInTokens struct {
	mu    sync.Mutex
	token string
}

func (s *signedInTokens) RotateRefreshToken(_ context.Context, fn func(string) (string, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next, err := fn(s.token)
	if err == nil {
		s.token = next
	}
	return err
}

// signIn is what sign-in hands to provisioning when agentID logs in with
// HaloPSA: a client acting as them, who they are, and their authorization
// as a connection.
func (b *provisionBundle) signIn(t *testing.T, agentID int) (*halo.Client, halo.Agent, store.HaloConnection) {
	t.Helper()
	cfg := halo.Config{Outbound: outbound.Local(), ResourceURL: b.url + "/api", AuthURL: b.url + "/auth", ClientID: halosim.DefaultPublicClientID,
		Scope: "all", RetryBackoff: time.Millisecond}
	if b.transport != nil {
		cfg.HTTPClient = &http.Client{Transport: b.transport}
	}
	tokens := &signedInTokens{token: approvedSignIn(t, b.sim, cfg, agentID)}
	cfg.GrantType, cfg.Tokens = halo.GrantAuthorizationCode, tokens
	admin, err := halo.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	me, err := admin.Me(t.Context())
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	tokens.mu.Lock()
	defer tokens.mu.Unlock()
	return admin, me, store.HaloConnection{PartnerID: b.partnerID, ResourceURL: cfg.ResourceURL, AuthURL: cfg.AuthURL,
		ClientID: cfg.ClientID, GrantType: store.GrantAuthorizationCode, Scope: "all", RefreshToken: tokens.token, AgentID: me.ID}
}

// setUp signs the administrator in and hands the sign-in to provisioning.
func (b *provisionBundle) setUp(t *testing.T) bool {
	t.Helper()
	admin, me, signIn := b.signIn(t, simAdmin)
	ran, err := b.prov.SetUp(t.Context(), admin, me, signIn)
	if err != nil {
		t.Fatalf("SetUp: %v", err)
	}
	return ran
}

// created returns what halobridge created in the simulator, by name.
func (b *provisionBundle) created() ([]halosim.Agent, []halosim.Application) {
	var agents []halosim.Agent
	for _, a := range b.sim.Agents() {
		if a.Name == connect.IntegrationAgentName {
			agents = append(agents, a)
		}
	}
	var apps []halosim.Application
	for _, a := range b.sim.Applications() {
		if a.Name == connect.ServiceApplicationName && !a.Inactive {
			apps = append(apps, a)
		}
	}
	return agents, apps
}

func (b *provisionBundle) login(t *testing.T) store.PartnerLogin {
	t.Helper()
	l, err := b.st.PartnerLogin(t.Context(), b.partnerID)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func (b *provisionBundle) connection(t *testing.T) store.HaloConnection {
	t.Helper()
	conn, err := b.st.HaloConnection(t.Context(), b.partnerID)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

func (b *provisionBundle) setup(t *testing.T) connect.Setup {
	t.Helper()
	s, err := b.prov.Setup(t.Context(), b.partnerID)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	return s
}

func TestProvisioning(t *testing.T) {
	t.Parallel()
	eachEngine(t, testProvisioning)
}

func testProvisioning(t *testing.T, eng storetest.Engine) {
	t.Run("CreatesTheAgentAndTheServiceApplicationOnTheFirstSignIn", func(t *testing.T) {
		t.Parallel()
		b := newProvisionBundle(t, eng.Open(t))
		if !b.setUp(t) {
			t.Fatal("the first sign-in set nothing up")
		}
		agents, apps := b.created()
		if len(agents) != 1 || len(apps) != 1 {
			t.Fatalf("HaloPSA holds %d integration agents and %d service applications, want one of each", len(agents), len(apps))
		}
		agent, app := agents[0], apps[0]
		var teams []int
		for _, m := range agent.Teams {
			teams = append(teams, m.TeamID)
		}
		if !agent.IsAPIAgent || !slices.Equal(teams, []int{1, 2, 3, 4}) {
			t.Errorf("integration agent: API-only %v, teams %v; want API-only in the administrator's teams 1-4", agent.IsAPIAgent, teams)
		}
		if app.AgentID != agent.ID || app.AuthorizationCode || app.Secret == "" || !slices.Equal(app.Scopes, []string{"all:standard", "all:teams"}) {
			t.Errorf("service application = %+v; want client credentials logging in as agent %d with all:standard and all:teams", app, agent.ID)
		}

		setup := b.setup(t)
		shown := strings.Join([]string{setup.AgentName, setup.ApplicationName, setup.ClientID, setup.ClientSecret, setup.Connection}, "\n")
		for _, want := range []string{connect.IntegrationAgentName, connect.ServiceApplicationName, "••••" + app.ClientID[len(app.ClientID)-4:], "••••" + app.Secret[len(app.Secret)-4:]} {
			if !strings.Contains(shown, want) {
				t.Errorf("the setup does not show %q: %+v", want, setup)
			}
		}
		if strings.Contains(shown, app.Secret) || strings.Contains(shown, app.ClientID) {
			t.Errorf("the setup shows the client ID or secret in full: %+v", setup)
		}

		login := b.login(t)
		if login.ProvisionedAt.IsZero() || login.AgentID != agent.ID || login.ApplicationID != app.ID || login.ServiceClientID != app.ClientID || login.SetupProblem != "" ||
			login.ClientID != halosim.DefaultPublicClientID {
			t.Errorf("recorded setup = %+v", login)
		}
		conn := b.connection(t)
		want := store.HaloConnection{PartnerID: b.partnerID, ResourceURL: b.url + "/api", AuthURL: b.url + "/auth",
			ClientID: app.ClientID, ClientSecret: app.Secret, GrantType: store.GrantClientCredentials, Scope: "all", AgentID: agent.ID,
			CreatedAt: conn.CreatedAt, UpdatedAt: conn.UpdatedAt}
		if diff := cmp.Diff(want, conn); diff != "" {
			t.Errorf("stored connection (-want +got):\n%s", diff)
		}
		client, err := halo.New(halo.Config{ResourceURL: conn.ResourceURL, AuthURL: conn.AuthURL, ClientID: conn.ClientID,
			ClientSecret: conn.ClientSecret, GrantType: halo.GrantType(conn.GrantType), Scope: conn.Scope, Outbound: outbound.Local()})
		if err != nil {
			t.Fatal(err)
		}
		if who, err := client.Me(t.Context()); err != nil || who.ID != agent.ID {
			t.Errorf("the stored connection acts as %+v, %v; want agent %d", who, err, agent.ID)
		}
		if _, err := client.Teams(t.Context()); err != nil {
			t.Errorf("the stored connection cannot read teams: %v", err)
		}
	})

	t.Run("CreatesNothingOnTheSecondSignIn", func(t *testing.T) {
		t.Parallel()
		b := newProvisionBundle(t, eng.Open(t))
		b.setUp(t)
		before := b.connection(t)
		if b.setUp(t) {
			t.Error("the second sign-in set up again")
		}
		if agents, apps := b.created(); len(agents) != 1 || len(apps) != 1 {
			t.Errorf("after two sign-ins HaloPSA holds %d integration agents and %d service applications, want one of each", len(agents), len(apps))
		}
		if diff := cmp.Diff(before, b.connection(t)); diff != "" {
			t.Errorf("the second sign-in changed the connection (-before +after):\n%s", diff)
		}
	})

	t.Run("FinishesAnInterruptedSetupWithoutCreatingTheAgentTwice", func(t *testing.T) {
		t.Parallel()
		b := newProvisionBundle(t, eng.Open(t))
		b.sim.InjectFault(halosim.Fault{Method: http.MethodPost, PathPrefix: "/api/Application", Status: http.StatusServiceUnavailable, Times: 1})
		if !b.setUp(t) {
			t.Fatal("the interrupted sign-in says it set nothing up")
		}
		if problem := b.setup(t).Problem; !strings.Contains(problem, "503") || !strings.Contains(problem, "Log in with HaloPSA again") {
			t.Errorf("the setup's problem %q does not say what went wrong and what to do", problem)
		}
		interrupted := b.login(t)
		conn := b.connection(t)
		if !interrupted.ProvisionedAt.IsZero() || conn.GrantType != store.GrantAuthorizationCode || conn.RefreshToken == "" {
			t.Errorf("after the interruption: setup %+v, connection grant %q; want unfinished, working as the administrator", interrupted, conn.GrantType)
		}

		b.setUp(t)
		agents, apps := b.created()
		if len(agents) != 1 || len(apps) != 1 || apps[0].AgentID != agents[0].ID {
			t.Fatalf("after the retry HaloPSA holds %d integration agents and %d service applications, want one each, linked", len(agents), len(apps))
		}
		if done := b.login(t); done.ProvisionedAt.IsZero() || done.AgentID != interrupted.AgentID {
			t.Errorf("after the retry: %+v; want finished with the agent of the first attempt (%d)", done, interrupted.AgentID)
		}
	})

	t.Run("AsksToDeleteAServiceApplicationWhoseSecretWasLost", func(t *testing.T) {
		t.Parallel()
		b := newProvisionBundle(t, eng.Open(t))
		b.sim.InjectFault(halosim.Fault{Method: http.MethodPost, PathPrefix: "/api/Application", Status: http.StatusBadGateway, AfterApply: true, Times: 1})
		b.setUp(t)
		if !b.setUp(t) {
			t.Fatal("the sign-in after the lost answer says it set nothing up")
		}
		if problem := b.setup(t).Problem; !strings.Contains(problem, "delete") || !strings.Contains(problem, connect.ServiceApplicationName) {
			t.Errorf("the setup's problem %q does not ask to delete the application", problem)
		}
		_, apps := b.created()
		if len(apps) != 1 {
			t.Fatalf("%d service applications, want the one whose answer was lost", len(apps))
		}

		b.sim.RevokeApplication(apps[0].ClientID)
		b.setUp(t)
		_, apps = b.created()
		login := b.login(t)
		if len(apps) != 1 || login.ProvisionedAt.IsZero() || login.ServiceClientID != apps[0].ClientID {
			t.Errorf("after deleting it and signing in again: %d active applications, setup %+v", len(apps), login)
		}
	})

	t.Run("KeepsTheSignInWhenTheNewServiceApplicationGetsNoToken", func(t *testing.T) {
		t.Parallel()
		b := newProvisionBundle(t, eng.Open(t))
		// HaloPSA's authorisation server fails from the moment the service
		// application is created: every try of its first token gets 503.
		b.transport = afterCreate{sim: b.sim, fault: halosim.Fault{
			Method: http.MethodPost, PathPrefix: "/auth/token", Status: http.StatusServiceUnavailable, Body: `{"error":"temporarily_unavailable"}`}}
		b.setUp(t)
		conn := b.connection(t)
		if conn.GrantType != store.GrantAuthorizationCode || conn.RefreshToken == "" || conn.ClientID != halosim.DefaultPublicClientID {
			t.Errorf("stored connection: grant %q, client %q; want the administrator's sign-in, not the application without a token", conn.GrantType, conn.ClientID)
		}
		login := b.login(t)
		if !login.ProvisionedAt.IsZero() || !strings.Contains(login.SetupProblem, "no access token") || !strings.Contains(login.SetupProblem, "delete") {
			t.Errorf("recorded setup %+v; want unfinished, saying the application got no token and to delete it", login)
		}
		for _, want := range []string{"no access token", "temporarily_unavailable"} {
			if problem := b.setup(t).Problem; !strings.Contains(problem, want) {
				t.Errorf("the setup's problem %q does not say %q", problem, want)
			}
		}

		b.sim.ClearFaults()
		_, apps := b.created()
		b.sim.RevokeApplication(apps[0].ClientID)
		b.transport = nil
		b.setUp(t)
		if conn := b.connection(t); conn.GrantType != store.GrantClientCredentials {
			t.Errorf("after deleting it and signing in again: grant %q; want the new service application's", conn.GrantType)
		}
	})

	t.Run("PutsTheSignInBackWhenTheStoredServiceApplicationGetsNoToken", func(t *testing.T) {
		t.Parallel()
		b := newProvisionBundle(t, eng.Open(t))
		b.setUp(t)
		login := b.login(t)
		// The setup stopped before it was recorded as done, and meanwhile
		// someone gave the service application a new secret in HaloPSA.
		login.ProvisionedAt = time.Time{}
		if _, err := b.st.SavePartnerLogin(t.Context(), login); err != nil {
			t.Fatal(err)
		}
		_, apps := b.created()
		app := apps[0]
		app.Secret = "a-new-secret-halobridge-never-saw"
		b.sim.AddApplication(app)

		b.setUp(t)
		if conn := b.connection(t); conn.GrantType != store.GrantAuthorizationCode || conn.RefreshToken == "" {
			t.Errorf("stored connection: grant %q; want the administrator's sign-in back", conn.GrantType)
		}
		if problem := b.login(t).SetupProblem; !strings.Contains(problem, "invalid_client") || !strings.Contains(problem, "delete") {
			t.Errorf("setup problem %q; want HaloPSA's invalid_client and to delete the application", problem)
		}
	})

	t.Run("SetsUpAgainWhenHaloPSARefusesTheServiceApplication", func(t *testing.T) {
		t.Parallel()
		b := newProvisionBundle(t, eng.Open(t))
		b.setUp(t)
		_, apps := b.created()
		// Someone deactivates the service application in HaloPSA; the next
		// background call meets it.
		b.sim.RevokeApplication(apps[0].ClientID)
		call := func() error {
			hc, err := b.halo.Client(t.Context(), b.partnerID)
			if err != nil {
				t.Fatal(err)
			}
			_, err = hc.Me(t.Context())
			return err
		}
		if err := call(); !halo.IsRevoked(err) {
			t.Fatalf("call with the deactivated application: %v, want invalid_client", err)
		}

		if !b.setUp(t) {
			t.Fatal("the sign-in after the revocation set nothing up")
		}
		_, apps = b.created()
		conn := b.connection(t)
		if len(apps) != 1 || conn.ClientID != apps[0].ClientID || conn.GrantType != store.GrantClientCredentials {
			t.Fatalf("after signing in again: %d active service applications, connection %q; want a new one, stored", len(apps), conn.ClientID)
		}
		if err := call(); err != nil {
			t.Errorf("call with the new application: %v", err)
		}
		open, err := b.st.Events(t.Context(), b.partnerID, store.EventQuery{State: store.EventOpen})
		if err != nil || len(open) != 0 {
			t.Errorf("open events once the new application works: %+v, %v", open, err)
		}
	})

	t.Run("HasNoSetupForAPartnerThatNeverSignedInWithHaloPSA", func(t *testing.T) {
		t.Parallel()
		st := eng.Open(t)
		p, err := st.CreatePartner(t.Context(), store.Partner{Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		prov := &connect.Provisioning{Halo: &connect.Halo{Store: st}}
		if _, err := prov.Setup(t.Context(), p.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Setup of a password partner: %v, want store.ErrNotFound", err)
		}
	})
}

// afterCreate injects fault into the simulated HaloPSA as soon as it has
// answered the creation of an API application, as a HaloPSA failing at
// that moment would.
type afterCreate struct {
	sim   *halosim.Sim
	fault halosim.Fault
}

func (a afterCreate) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && r.Method == http.MethodPost && strings.EqualFold(r.URL.Path, "/api/Application") {
		a.sim.InjectFault(a.fault)
	}
	return resp, err
}
