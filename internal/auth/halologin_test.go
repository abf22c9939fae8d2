package auth_test

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/auth"
	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/outbound"
	"halobridge/internal/store"
)

// Agents of halosim's seed: 2 is the administrator (in teams 1 to 4), 3 a
// service desk analyst who is not.
const (
	simAdmin   = 2
	simAnalyst = 3
)

// created returns what halobridge created in the simulator, by name.
func created(t *testing.T, sim *halosim.Sim) ([]halosim.Agent, []halosim.Application) {
	t.Helper()
	var agents []halosim.Agent
	for _, a := range sim.Agents() {
		if a.Name == auth.IntegrationAgentName {
			agents = append(agents, a)
		}
	}
	var apps []halosim.Application
	for _, a := range sim.Applications() {
		if a.Name == auth.ServiceApplicationName && !a.Inactive {
			apps = append(apps, a)
		}
	}
	return agents, apps
}

func (b *testBundle) partnerLogin(t *testing.T) store.PartnerLogin {
	t.Helper()
	l, err := b.store.PartnerLoginByURL(t.Context(), b.halo.URL)
	if err != nil {
		t.Fatalf("PartnerLoginByURL(%s): %v", b.halo.URL, err)
	}
	return l
}

func TestLogInWithHaloPSA(t *testing.T) {
	t.Parallel()

	t.Run("ProvisionsTheAgentAndTheServiceApplicationOnTheFirstSignIn", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		br := b.browser(t)
		page := br.haloLogin(t, simAdmin)
		wantStatus(t, "the sign-in", page, http.StatusOK)
		if page.url.Path != "/setup/created" {
			t.Fatalf("the sign-in ends at %s, want /setup/created", page.url)
		}

		agents, apps := created(t, b.sim)
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

		for _, want := range []string{auth.IntegrationAgentName, auth.ServiceApplicationName, "••••" + app.ClientID[len(app.ClientID)-4:], "••••" + app.Secret[len(app.Secret)-4:]} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the setup page does not show %q:\n%s", want, page.body)
			}
		}
		if strings.Contains(page.body, app.Secret) || strings.Contains(page.body, app.ClientID) {
			t.Errorf("the setup page shows the client ID or secret in full")
		}

		me, status := br.whoami(t)
		login := b.partnerLogin(t)
		if status != http.StatusOK || me.PartnerID != login.PartnerID || me.Email != "admin@northpoint-it.example" {
			t.Errorf("whoami after the sign-in = %+v (%d), want the admin of partner %d", me, status, login.PartnerID)
		}
		if login.ProvisionedAt.IsZero() || login.AgentID != agent.ID || login.ApplicationID != app.ID || login.ServiceClientID != app.ClientID || login.SetupProblem != "" {
			t.Errorf("recorded setup = %+v", login)
		}
		account, err := b.store.AccountByHaloAgent(t.Context(), login.PartnerID, simAdmin)
		if err != nil || account.Role != store.RoleAdmin || account.PasswordHash != "" {
			t.Errorf("the administrator's account = %+v, %v; want an admin without a password", account, err)
		}

		conn, err := b.store.HaloConnection(t.Context(), login.PartnerID)
		if err != nil {
			t.Fatal(err)
		}
		want := store.HaloConnection{PartnerID: login.PartnerID, ResourceURL: b.halo.URL + "/api", AuthURL: b.halo.URL + "/auth",
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
		b := setup(t)
		b.browser(t).haloLogin(t, simAdmin)
		first := b.partnerLogin(t)
		connBefore, _ := b.store.HaloConnection(t.Context(), first.PartnerID)

		page := b.browser(t).haloLogin(t, simAdmin)
		wantStatus(t, "the second sign-in", page, http.StatusOK)
		if page.url.Path != "/" {
			t.Errorf("the second sign-in ends at %s, want / (nothing new to show)", page.url)
		}
		agents, apps := created(t, b.sim)
		if len(agents) != 1 || len(apps) != 1 {
			t.Errorf("after two sign-ins HaloPSA holds %d integration agents and %d service applications, want one of each", len(agents), len(apps))
		}
		connAfter, _ := b.store.HaloConnection(t.Context(), first.PartnerID)
		if diff := cmp.Diff(connBefore, connAfter); diff != "" {
			t.Errorf("the second sign-in changed the connection (-before +after):\n%s", diff)
		}
		if partners, _ := b.store.Partners(t.Context()); len(partners) != 1 {
			t.Errorf("%d partners after two sign-ins to one HaloPSA, want 1", len(partners))
		}
	})

	t.Run("RefusesAnAgentWhoIsNotAnAdministrator", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		br := b.browser(t)
		page := br.haloLogin(t, simAnalyst)
		wantStatus(t, "the analyst's sign-in", page, http.StatusForbidden)
		for _, want := range []string{"Sarah Mitchell", "administrator", "You do not have permission"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the refusal does not say %q:\n%s", want, page.body)
			}
		}
		if _, status := br.whoami(t); status != http.StatusUnauthorized {
			t.Errorf("whoami after the refusal: %d, want 401", status)
		}
		if _, err := b.store.PartnerLoginByURL(t.Context(), b.halo.URL); err == nil {
			t.Error("a partner was created for the refused sign-in")
		}
		if agents, apps := created(t, b.sim); len(agents)+len(apps) != 0 {
			t.Errorf("the refused sign-in created %d agents and %d applications in HaloPSA", len(agents), len(apps))
		}
	})

	t.Run("LetsAColleagueInAsAMemberOnceTheSetupIsDone", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.browser(t).haloLogin(t, simAdmin)
		br := b.browser(t)
		page := br.haloLogin(t, simAnalyst)
		wantStatus(t, "the analyst's sign-in", page, http.StatusOK)
		login := b.partnerLogin(t)
		account, err := b.store.AccountByHaloAgent(t.Context(), login.PartnerID, simAnalyst)
		if err != nil || account.Role != store.RoleMember {
			t.Errorf("the analyst's account = %+v, %v; want a member", account, err)
		}
		if me, _ := br.whoami(t); me.PartnerID != login.PartnerID {
			t.Errorf("the analyst acts for partner %d, want %d", me.PartnerID, login.PartnerID)
		}
	})

	t.Run("FinishesAnInterruptedSetupWithoutCreatingTheAgentTwice", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.sim.InjectFault(halosim.Fault{Method: http.MethodPost, PathPrefix: "/api/Application", Status: http.StatusServiceUnavailable, Times: 1})
		page := b.browser(t).haloLogin(t, simAdmin)
		wantStatus(t, "the interrupted sign-in", page, http.StatusOK)
		if !strings.Contains(page.body, "not finished") || !strings.Contains(page.body, "503") {
			t.Errorf("the setup page does not say what went wrong:\n%s", page.body)
		}
		interrupted := b.partnerLogin(t)
		conn, _ := b.store.HaloConnection(t.Context(), interrupted.PartnerID)
		if !interrupted.ProvisionedAt.IsZero() || conn.GrantType != store.GrantAuthorizationCode || conn.RefreshToken == "" {
			t.Errorf("after the interruption: setup %+v, connection grant %q; want unfinished, working as the administrator", interrupted, conn.GrantType)
		}

		b.browser(t).haloLogin(t, simAdmin)
		agents, apps := created(t, b.sim)
		if len(agents) != 1 || len(apps) != 1 || apps[0].AgentID != agents[0].ID {
			t.Fatalf("after the retry HaloPSA holds %d integration agents and %d service applications, want one each, linked", len(agents), len(apps))
		}
		if done := b.partnerLogin(t); done.ProvisionedAt.IsZero() || done.AgentID != interrupted.AgentID {
			t.Errorf("after the retry: %+v; want finished with the agent of the first attempt (%d)", done, interrupted.AgentID)
		}
	})

	t.Run("AsksToDeleteAServiceApplicationWhoseSecretWasLost", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.sim.InjectFault(halosim.Fault{Method: http.MethodPost, PathPrefix: "/api/Application", Status: http.StatusBadGateway, AfterApply: true, Times: 1})
		b.browser(t).haloLogin(t, simAdmin)
		page := b.browser(t).haloLogin(t, simAdmin)
		wantStatus(t, "the sign-in after the lost answer", page, http.StatusOK)
		if !strings.Contains(page.body, "delete") || !strings.Contains(page.body, auth.ServiceApplicationName) {
			t.Errorf("the setup page does not ask to delete the application:\n%s", page.body)
		}
		_, apps := created(t, b.sim)
		if len(apps) != 1 {
			t.Fatalf("%d service applications, want the one whose answer was lost", len(apps))
		}

		b.sim.RevokeApplication(apps[0].ClientID)
		b.browser(t).haloLogin(t, simAdmin)
		_, apps = created(t, b.sim)
		login := b.partnerLogin(t)
		if len(apps) != 1 || login.ProvisionedAt.IsZero() || login.ServiceClientID != apps[0].ClientID {
			t.Errorf("after deleting it and signing in again: %d active applications, setup %+v", len(apps), login)
		}
	})

	t.Run("KeepsTheSignInWhenTheNewServiceApplicationGetsNoToken", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		// HaloPSA's authorisation server fails from the moment the service
		// application is created: every try of its first token gets 503.
		b.svc.HaloDefaults.HTTPClient = &http.Client{Transport: afterCreate{sim: b.sim, fault: halosim.Fault{
			Method: http.MethodPost, PathPrefix: "/auth/token", Status: http.StatusServiceUnavailable, Body: `{"error":"temporarily_unavailable"}`}}}
		page := b.browser(t).haloLogin(t, simAdmin)
		wantStatus(t, "the sign-in", page, http.StatusOK)
		login := b.partnerLogin(t)
		conn, err := b.store.HaloConnection(t.Context(), login.PartnerID)
		if err != nil {
			t.Fatal(err)
		}
		if conn.GrantType != store.GrantAuthorizationCode || conn.RefreshToken == "" || conn.ClientID != halosim.DefaultPublicClientID {
			t.Errorf("stored connection: grant %q, client %q; want the administrator's sign-in, not the application without a token", conn.GrantType, conn.ClientID)
		}
		if !login.ProvisionedAt.IsZero() || !strings.Contains(login.SetupProblem, "no access token") || !strings.Contains(login.SetupProblem, "delete") {
			t.Errorf("recorded setup %+v; want unfinished, saying the application got no token and to delete it", login)
		}
		for _, want := range []string{"no access token", "temporarily_unavailable"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the setup page does not say %q:\n%s", want, page.body)
			}
		}

		b.sim.ClearFaults()
		_, apps := created(t, b.sim)
		b.sim.RevokeApplication(apps[0].ClientID)
		b.svc.HaloDefaults.HTTPClient = nil
		b.browser(t).haloLogin(t, simAdmin)
		if conn, err := b.store.HaloConnection(t.Context(), login.PartnerID); err != nil || conn.GrantType != store.GrantClientCredentials {
			t.Errorf("after deleting it and signing in again: grant %q, %v; want the new service application's", conn.GrantType, err)
		}
	})

	t.Run("PutsTheSignInBackWhenTheStoredServiceApplicationGetsNoToken", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.browser(t).haloLogin(t, simAdmin)
		login := b.partnerLogin(t)
		// The setup stopped before it was recorded as done, and meanwhile
		// someone gave the service application a new secret in HaloPSA.
		login.ProvisionedAt = time.Time{}
		if _, err := b.store.SavePartnerLogin(t.Context(), login); err != nil {
			t.Fatal(err)
		}
		_, apps := created(t, b.sim)
		app := apps[0]
		app.Secret = "a-new-secret-halobridge-never-saw"
		b.sim.AddApplication(app)

		b.browser(t).haloLogin(t, simAdmin)
		conn, err := b.store.HaloConnection(t.Context(), login.PartnerID)
		if err != nil || conn.GrantType != store.GrantAuthorizationCode || conn.RefreshToken == "" {
			t.Errorf("stored connection: grant %q, %v; want the administrator's sign-in back", conn.GrantType, err)
		}
		if problem := b.partnerLogin(t).SetupProblem; !strings.Contains(problem, "invalid_client") || !strings.Contains(problem, "delete") {
			t.Errorf("setup problem %q; want HaloPSA's invalid_client and to delete the application", problem)
		}
	})

	t.Run("SetsUpAgainWhenHaloPSARefusesTheServiceApplication", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.browser(t).haloLogin(t, simAdmin)
		login := b.partnerLogin(t)
		_, apps := created(t, b.sim)
		// Someone deactivates the service application in HaloPSA; the next
		// background call meets it.
		b.sim.RevokeApplication(apps[0].ClientID)
		clients := &connect.Halo{Store: b.store, Outbound: outbound.Local()}
		call := func() error {
			hc, err := clients.Client(t.Context(), login.PartnerID)
			if err != nil {
				t.Fatal(err)
			}
			_, err = hc.Me(t.Context())
			return err
		}
		if err := call(); !halo.IsRevoked(err) {
			t.Fatalf("call with the deactivated application: %v, want invalid_client", err)
		}

		page := b.browser(t).haloLogin(t, simAdmin)
		wantStatus(t, "the sign-in after the revocation", page, http.StatusOK)
		_, apps = created(t, b.sim)
		conn, err := b.store.HaloConnection(t.Context(), login.PartnerID)
		if err != nil || len(apps) != 1 || conn.ClientID != apps[0].ClientID || conn.GrantType != store.GrantClientCredentials {
			t.Fatalf("after signing in again: %d active service applications, connection %q (%v); want a new one, stored", len(apps), conn.ClientID, err)
		}
		if err := call(); err != nil {
			t.Errorf("call with the new application: %v", err)
		}
		open, err := b.store.Events(t.Context(), login.PartnerID, store.EventQuery{State: store.EventOpen})
		if err != nil || len(open) != 0 {
			t.Errorf("open events once the new application works: %+v, %v", open, err)
		}
	})

	t.Run("AColleaguesSignInDoesNotSetUpAgain", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.browser(t).haloLogin(t, simAdmin)
		login := b.partnerLogin(t)
		if _, err := b.store.RaiseEvent(t.Context(), connect.CredentialsEvent(login.PartnerID, store.HaloConnection{ClientID: login.ServiceClientID}, errors.New("invalid_client"))); err != nil {
			t.Fatal(err)
		}
		page := b.browser(t).haloLogin(t, simAnalyst)
		wantStatus(t, "the analyst's sign-in", page, http.StatusOK)
		if agents, apps := created(t, b.sim); len(agents) != 1 || len(apps) != 1 {
			t.Errorf("after an analyst's sign-in HaloPSA holds %d integration agents and %d service applications, want the first ones alone", len(agents), len(apps))
		}
	})

	t.Run("RefusesACallbackInAnotherBrowser", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		mine := b.browser(t)
		callback := mine.startedCallback(t)
		theirs := b.browser(t)
		wantStatus(t, "the callback in another browser", theirs.get(t, callback), http.StatusBadRequest)
		if _, status := theirs.whoami(t); status != http.StatusUnauthorized {
			t.Errorf("the other browser is signed in (%d)", status)
		}
		wantStatus(t, "the callback in the browser that started", mine.get(t, callback), http.StatusOK)
		wantStatus(t, "the same callback again", mine.get(t, callback), http.StatusBadRequest)
	})

	t.Run("ShowsHaloPSAsRefusal", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		br := b.browser(t)
		page := br.answerApproval(t, br.startHaloLogin(t, b.halo.URL+"/api/"), "deny", simAdmin)
		wantStatus(t, "the denied sign-in", page, http.StatusUnauthorized)
		if !strings.Contains(page.body, "The agent denied the authorization request") || !strings.Contains(page.body, "access_denied") {
			t.Errorf("the sign-in page does not show HaloPSA's refusal:\n%s", page.body)
		}
	})

	t.Run("NeedsItsOwnPublicAddressForHaloPSAToSendPeopleBack", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		svc := &auth.Service{Store: b.store}
		_, _, err := svc.StartHaloLogin(t.Context(), b.halo.URL, halosim.DefaultPublicClientID)
		if err == nil || !strings.Contains(err.Error(), "--base-url") {
			t.Errorf("StartHaloLogin without a BaseURL: %v, want an error naming --base-url", err)
		}
	})

	t.Run("RefusesAnAddressThatIsNotHaloPSAs", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		br := b.browser(t)
		cases := []struct{ haloURL, clientID, want string }{
			{"", "x", "Enter your HaloPSA address"},
			// The bundle opens loopback and http for its simulator, not more.
			{"https://10.0.0.7", "x", "10.0.0.7 is a private address (the operator can open it with --allow-private-urls)"},
			{"ftp://acme.halopsa.com", "x", "is not a HaloPSA address"},
			{b.halo.URL, " ", "Client ID"},
		}
		for _, c := range cases {
			page := br.postForm(t, "/login/halo", url.Values{"halo_url": {c.haloURL}, "client_id": {c.clientID}, "csrf_token": {br.formToken(t)}})
			if page.status != http.StatusBadRequest || !strings.Contains(page.body, c.want) {
				t.Errorf("halo_url %q client_id %q: %d, want 400 saying %q:\n%s", c.haloURL, c.clientID, page.status, c.want, page.body)
			}
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
