package connect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"halobridge/internal/halo"
	"halobridge/internal/secret"
	"halobridge/internal/store"
)

// What halobridge creates in a partner's HaloPSA on the first sign-in. They
// are found again by these names, so a sign-in interrupted halfway does not
// create them twice.
const (
	IntegrationAgentName   = "halobridge Integration"
	ServiceApplicationName = "halobridge Service"
)

// Setup is what halobridge created in a partner's HaloPSA, as a page shows
// it: secrets masked.
type Setup struct {
	HaloURL         string
	AgentID         int
	AgentName       string
	ApplicationID   string
	ApplicationName string
	// ClientID and ClientSecret are the service application's, masked.
	ClientID     string
	ClientSecret string
	// Connection says how halobridge reaches HaloPSA now.
	Connection string
	// Problem says what stopped the setup and what to do; "" when none.
	Problem string
	// ProvisionedAt is when the setup finished; zero while it has not.
	ProvisionedAt time.Time
}

// Provisioning sets halobridge up in a partner's HaloPSA: its own API-only
// integration agent and the client credentials service application that
// logs in as it, so that background work does not hang on the sign-in of
// the administrator who connected HaloPSA. Sign-in calls SetUp once for
// each administrator's sign-in with HaloPSA (auth.Provisioner).
type Provisioning struct {
	// Halo holds the store, and the settings (outbound guard, HTTP client,
	// retries) with which the service application's credentials are
	// checked.
	Halo *Halo
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (p *Provisioning) now() time.Time {
	if p.Now == nil {
		return time.Now()
	}
	return p.Now()
}

// SetUp runs on every sign-in of an administrator, with admin acting as
// them (me) and signIn their authorization as a connection. It does
// nothing once the partner's HaloPSA is set up, unless HaloPSA refuses the
// stored credentials (the service application deleted, deactivated or
// given a new secret), which an administrator signing in fixes: halobridge
// sets itself up again. It says whether it set up, so that the sign-in
// shows the result.
//
// It first stores signIn so that halobridge can work at once; then finds
// or creates the integration agent (in the administrator's teams) and the
// service application; then checks that the application's credentials
// get a token and switches the partner's connection to them, never to
// credentials that get none (signIn is kept then). A HaloPSA refusal along
// the way does not fail the sign-in: it is recorded as the setup's
// problem, shown on the setup page, and the next administrator sign-in
// carries on from what exists.
func (p *Provisioning) SetUp(ctx context.Context, admin *halo.Client, me halo.Agent, signIn store.HaloConnection) (bool, error) {
	st := p.Halo.Store
	login, err := st.PartnerLogin(ctx, signIn.PartnerID)
	if err != nil {
		return false, fmt.Errorf("set up HaloPSA: %w", err)
	}
	if due, err := p.due(ctx, login); err != nil || !due {
		return false, err
	}
	login.ClientID = signIn.ClientID
	conn, err := st.HaloConnection(ctx, login.PartnerID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, fmt.Errorf("set up HaloPSA: %w", err)
	}
	if conn.GrantType != store.GrantClientCredentials {
		if conn, err = st.SaveHaloConnection(ctx, signIn); err != nil {
			return false, fmt.Errorf("set up HaloPSA: store the sign-in: %w", err)
		}
	}
	login, err = p.createIntegration(ctx, admin, signIn, login, me, conn)
	var lost *lostSecretError
	var noToken *noTokenError
	log := p.Halo.logger()
	switch {
	case errors.As(err, &noToken):
		login.SetupProblem = err.Error()
		log.Warn("HaloPSA setup did not finish", "partner_id", login.PartnerID, "error", err)
		if err := p.keepSignIn(ctx, signIn, noToken.clientID); err != nil {
			return false, err
		}
	case errors.As(err, &lost):
		login.SetupProblem = err.Error()
		log.Warn("HaloPSA setup did not finish", "partner_id", login.PartnerID, "error", err)
	case err != nil:
		login.SetupProblem = err.Error() + ". Log in with HaloPSA again to carry on: halobridge picks up what it already created"
		log.Warn("HaloPSA setup did not finish", "partner_id", login.PartnerID, "error", err)
	default:
		login.SetupProblem, login.ProvisionedAt = "", p.now()
		log.Info("set up HaloPSA", "partner_id", login.PartnerID, "agent_id", login.AgentID, "application_id", login.ApplicationID)
	}
	if _, err := st.SavePartnerLogin(ctx, login); err != nil {
		return false, fmt.Errorf("set up HaloPSA: record what was created: %w", err)
	}
	return true, nil
}

// due says whether the partner's HaloPSA is to be set up: never finished,
// or its credentials event not seen fixed yet.
func (p *Provisioning) due(ctx context.Context, login store.PartnerLogin) (bool, error) {
	if login.ProvisionedAt.IsZero() {
		return true, nil
	}
	for _, state := range []string{store.EventOpen, store.EventAcknowledged} {
		events, err := p.Halo.Store.Events(ctx, login.PartnerID, store.EventQuery{State: state, Kind: EventCredentialsRevoked, Limit: 1})
		if err != nil {
			return false, fmt.Errorf("set up HaloPSA: %w", err)
		}
		if len(events) > 0 {
			return true, nil
		}
	}
	return false, nil
}

// createIntegration finds or creates the agent and the application and
// returns login with what exists.
func (p *Provisioning) createIntegration(ctx context.Context, client *halo.Client, signIn store.HaloConnection, login store.PartnerLogin, me halo.Agent, conn store.HaloConnection) (store.PartnerLogin, error) {
	agent, err := integrationAgent(ctx, client, me)
	if err != nil {
		return login, err
	}
	login.AgentID, login.AgentName = agent.ID, agent.Name

	app, found, err := findServiceApplication(ctx, client)
	if err != nil {
		return login, err
	}
	switch {
	case found && conn.GrantType == store.GrantClientCredentials && conn.ClientID == app.ClientID:
		// An earlier sign-in created it and stored its secret, then stopped.
		login.ApplicationID, login.ApplicationName, login.ServiceClientID = app.ID, app.DisplayName, app.ClientID
		return login, p.checkServiceConnection(ctx, conn, agent)
	case found:
		login.ApplicationID, login.ApplicationName, login.ServiceClientID = app.ID, app.DisplayName, app.ClientID
		return login, &lostSecretError{app: app}
	}
	app, err = createServiceApplication(ctx, client, agent)
	if err != nil {
		return login, err
	}
	login.ApplicationID, login.ApplicationName, login.ServiceClientID = app.ID, app.DisplayName, app.ClientID
	conn = store.HaloConnection{
		PartnerID: login.PartnerID, ResourceURL: signIn.ResourceURL, AuthURL: signIn.AuthURL, Tenant: signIn.Tenant,
		ClientID: app.ClientID, ClientSecret: app.ClientSecret, GrantType: store.GrantClientCredentials,
		Scope: signIn.Scope, AgentID: agent.ID,
	}
	// Checked before it is stored: credentials that get no token must not
	// replace the sign-in, which works.
	checked := p.checkServiceConnection(ctx, conn, agent)
	var noToken *noTokenError
	if errors.As(checked, &noToken) {
		return login, checked
	}
	if _, err := p.Halo.Store.SaveHaloConnection(ctx, conn); err != nil {
		return login, fmt.Errorf("store the credentials of the service application: %w", err)
	}
	return login, checked
}

// noTokenError reports a service application whose Client ID and Secret
// get no access token from HaloPSA: halobridge keeps the sign-in instead.
type noTokenError struct {
	app      string
	clientID string
	check    halo.Check
}

func (e *noTokenError) Error() string {
	return fmt.Sprintf("HaloPSA gives the service application %q (client ID %s) no access token (%s), so halobridge keeps working with your sign-in. "+
		"In HaloPSA, Configuration > Integrations > HaloPSA API > View Applications, delete %q, then log in with HaloPSA again",
		e.app, secret.Mask(e.clientID), e.check.Message, e.app)
}

// keepSignIn puts back the administrator's sign-in as the partner's
// connection when the stored one is the service application that gets no
// token.
func (p *Provisioning) keepSignIn(ctx context.Context, signIn store.HaloConnection, clientID string) error {
	conn, err := p.Halo.Store.HaloConnection(ctx, signIn.PartnerID)
	if err != nil || conn.GrantType != store.GrantClientCredentials || conn.ClientID != clientID {
		return nil
	}
	if _, err := p.Halo.Store.SaveHaloConnection(ctx, signIn); err != nil {
		return fmt.Errorf("set up HaloPSA: keep the sign-in: %w", err)
	}
	return nil
}

// lostSecretError reports a service application that exists in HaloPSA
// while halobridge does not hold its secret, which HaloPSA never shows
// again: only deleting it lets halobridge create one it can use.
type lostSecretError struct {
	app halo.Application
}

func (e *lostSecretError) Error() string {
	return fmt.Sprintf("HaloPSA already has an application named %q (client ID %s) whose secret halobridge does not hold, "+
		"probably from an earlier sign-in that was interrupted; HaloPSA shows a secret only when it creates it. "+
		"In HaloPSA, Configuration > Integrations > HaloPSA API > View Applications, delete %q, then log in with HaloPSA again",
		e.app.DisplayName, secret.Mask(e.app.ClientID), e.app.DisplayName)
}

// integrationAgent finds the API-only agent by name, or creates it in the
// teams of the administrator who signed in, so that it sees what they see.
func integrationAgent(ctx context.Context, client *halo.Client, me halo.Agent) (halo.Agent, error) {
	agents, err := client.Agents(ctx, true, false)
	if err != nil {
		return halo.Agent{}, fmt.Errorf("look for the integration agent %q: %w", IntegrationAgentName, err)
	}
	for _, a := range agents {
		if a.IsAPIAgent && a.Name == IntegrationAgentName {
			return a, nil
		}
	}
	teams := make([]halo.AgentTeam, 0, len(me.Teams))
	for _, t := range me.Teams {
		teams = append(teams, halo.AgentTeam{TeamID: t.TeamID})
	}
	agent, err := client.CreateAgent(ctx, halo.Agent{
		Name: IntegrationAgentName, Firstname: "halobridge", Surname: "Integration",
		IsAPIAgent: true, Team: me.Team, Teams: teams,
	})
	if err != nil {
		return halo.Agent{}, fmt.Errorf("create the integration agent %q: %w", IntegrationAgentName, err)
	}
	return agent, nil
}

// findServiceApplication looks for an active application by name.
func findServiceApplication(ctx context.Context, client *halo.Client) (halo.Application, bool, error) {
	apps, err := client.Applications(ctx)
	if err != nil {
		return halo.Application{}, false, fmt.Errorf("look for the service application %q: %w", ServiceApplicationName, err)
	}
	for _, a := range apps {
		if !a.Inactive && a.DisplayName == ServiceApplicationName {
			return a, true, nil
		}
	}
	return halo.Application{}, false, nil
}

// createServiceApplication creates the application; HaloPSA shows its
// secret in this answer only.
func createServiceApplication(ctx context.Context, client *halo.Client, agent halo.Agent) (halo.Application, error) {
	app, err := client.CreateApplication(ctx, halo.Application{
		DisplayName: ServiceApplicationName, GrantType: string(halo.GrantClientCredentials), LoginAsAgentID: agent.ID,
		// Every area's read and edit (clients, tickets, items, invoices...)
		// plus agents and teams, as HaloPSA's own integrations ask. Not
		// admin: background work never creates agents or applications.
		Scopes: []halo.ApplicationScope{{Name: "all:standard"}, {Name: "all:teams"}},
	})
	if err != nil {
		return halo.Application{}, fmt.Errorf("create the service application %q: %w", ServiceApplicationName, err)
	}
	if app.ClientID == "" || app.ClientSecret == "" {
		return halo.Application{}, fmt.Errorf("HaloPSA created the service application %q but did not return its client ID and secret", ServiceApplicationName)
	}
	return app, nil
}

// checkServiceConnection signs in with conn, as background work will, and
// checks that it acts as the integration agent. Credentials that get no
// token are a *noTokenError.
func (p *Provisioning) checkServiceConnection(ctx context.Context, conn store.HaloConnection, agent halo.Agent) error {
	// A client of its own, not the partner's cached one: a refusal here is
	// the setup's problem, not an integration event.
	client, err := halo.New(p.Halo.config(conn))
	if err != nil {
		return fmt.Errorf("check the service application: %w", err)
	}
	token, me := client.CheckToken(ctx)
	switch {
	case !token.OK:
		return &noTokenError{app: ServiceApplicationName, clientID: conn.ClientID, check: token}
	case me.ID == 0:
		return fmt.Errorf("sign in with the service application %q: %s", ServiceApplicationName, token.Message)
	case me.ID != agent.ID:
		return fmt.Errorf("the service application %q acts as agent %q (id %d), not as %q (id %d); in HaloPSA set it to log in as %q",
			ServiceApplicationName, me.Name, me.ID, agent.Name, agent.ID, agent.Name)
	}
	return nil
}

// Setup returns what halobridge created in the partner's HaloPSA;
// store.ErrNotFound when the partner never logged in with HaloPSA.
func (p *Provisioning) Setup(ctx context.Context, partnerID int64) (Setup, error) {
	login, err := p.Halo.Store.PartnerLogin(ctx, partnerID)
	if err != nil {
		return Setup{}, err
	}
	setup := Setup{
		HaloURL: login.HaloURL, AgentID: login.AgentID, AgentName: login.AgentName,
		ApplicationID: login.ApplicationID, ApplicationName: login.ApplicationName, ClientID: secret.Mask(login.ServiceClientID),
		Problem: login.SetupProblem, ProvisionedAt: login.ProvisionedAt,
		Connection: "not connected",
	}
	conn, err := p.Halo.Store.HaloConnection(ctx, login.PartnerID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return setup, nil
	case err != nil:
		return Setup{}, fmt.Errorf("read the HaloPSA connection of partner %d: %w", login.PartnerID, err)
	case conn.GrantType == store.GrantClientCredentials && conn.ClientID == login.ServiceClientID:
		setup.ClientSecret = secret.Mask(conn.ClientSecret)
		setup.Connection = fmt.Sprintf("client credentials of %q, acting as %q", login.ApplicationName, login.AgentName)
	case conn.GrantType == store.GrantClientCredentials:
		setup.Connection = "client credentials of another application"
	default:
		setup.Connection = fmt.Sprintf("the authorisation of the administrator who signed in (HaloPSA agent %d), until halobridge's own application is ready", conn.AgentID)
	}
	return setup, nil
}
