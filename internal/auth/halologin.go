package auth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"halobridge/internal/halo"
	"halobridge/internal/store"
)

// loginStateTTL is how long a person may spend on HaloPSA's sign-in page.
const loginStateTTL = 10 * time.Minute

// haloScope is what halobridge asks HaloPSA for; the application's own
// permissions narrow it.
const haloScope = "all"

// ErrLoginExpired refuses a HaloPSA callback whose login is unknown, was
// finished already, or took too long.
var ErrLoginExpired = errors.New("this HaloPSA sign-in has expired or was already used: start again from the sign-in page")

// NotAdministratorError refuses a HaloPSA agent who may not set up
// halobridge: the first sign-in creates an agent and an application in
// HaloPSA, which only an administrator may do.
type NotAdministratorError struct {
	Agent string
	// Halo is HaloPSA's refusal when it was asked to list applications.
	Halo string
}

func (e *NotAdministratorError) Error() string {
	return fmt.Sprintf("HaloPSA agent %q cannot set up halobridge: %s. The first sign-in creates halobridge's integration agent "+
		"and service application in your HaloPSA, which needs a HaloPSA administrator signing in through an application "+
		"with the admin permission. Sign in as an administrator, or give this agent the Administrator role in HaloPSA "+
		"(Configuration > Teams & Agents > Agents) and your login application the admin permission "+
		"(Configuration > Integrations > HaloPSA API > View Applications).", e.Agent, e.Halo)
}

// StartHaloLogin begins "Log in with HaloPSA" for the instance at haloURL
// and the partner's login application clientID. It returns the HaloPSA
// address to send the browser to, and the OAuth state the callback must
// come back with; bind the state to the browser (a cookie) so that nobody
// can finish someone else's sign-in.
func (s *Service) StartHaloLogin(ctx context.Context, haloURL, clientID string) (redirectURL, state string, err error) {
	if u, err := url.Parse(s.BaseURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", "", fmt.Errorf("halobridge does not know its public address (--base-url is %q), so HaloPSA could not send you back: ask whoever runs halobridge to set it", s.BaseURL)
	}
	root, err := haloRoot(haloURL, s.HaloDefaults.Outbound)
	if err != nil {
		return "", "", err
	}
	clientID = strings.TrimSpace(clientID)
	if clientID == "" {
		return "", "", errors.New("enter the Client ID of your halobridge application in HaloPSA (Configuration > Integrations > HaloPSA API > View Applications)")
	}
	inst, err := s.discover(ctx, root)
	if err != nil {
		return "", "", err
	}
	flow, err := halo.NewAuthCodeFlow(s.haloConfig(inst, clientID), s.RedirectURI())
	if err != nil {
		return "", "", fmt.Errorf("start HaloPSA sign-in: %w", err)
	}
	state, verifier := randomToken(32), oauth2.GenerateVerifier()
	target := flow.AuthCodeURL(ctx, state, verifier)
	if err := s.checkClient(ctx, target, clientID); err != nil {
		return "", "", err
	}
	err = s.Store.SaveHaloLoginState(ctx, store.HaloLoginState{
		ID: digest(state), HaloURL: inst.root, ResourceURL: inst.resource, AuthURL: inst.auth, Tenant: inst.tenant,
		ClientID: clientID, Verifier: verifier, ExpiresAt: s.now().Add(loginStateTTL),
	})
	if err != nil {
		return "", "", fmt.Errorf("start HaloPSA sign-in: %w", err)
	}
	return target, state, nil
}

// AttemptError is a HaloPSA sign-in that failed after HaloPSA's page,
// with what the person had typed to start it: the sign-in page shows the
// fields again.
type AttemptError struct {
	HaloURL, ClientID string
	Err               error
}

func (e *AttemptError) Error() string { return e.Err.Error() }

func (e *AttemptError) Unwrap() error { return e.Err }

// AbandonHaloLogin ends the sign-in of state, which HaloPSA sent back
// without a code (the person chose Deny, or HaloPSA refused), and returns
// what was typed to start it; "" when the sign-in is unknown or over.
func (s *Service) AbandonHaloLogin(ctx context.Context, state string) (haloURL, clientID string) {
	st, err := s.Store.TakeHaloLoginState(ctx, digest(state), s.now())
	if err != nil {
		return "", ""
	}
	return st.HaloURL, st.ClientID
}

// FinishHaloLogin completes "Log in with HaloPSA" with the state and code
// HaloPSA sent back: it exchanges the code, learns which agent signed in,
// finds or creates the partner (by its HaloPSA address) and the agent's
// account, and hands an administrator's sign-in to Provisioner, which sets
// halobridge up in HaloPSA when that is due. Once the sign-in is known,
// its errors are *AttemptError.
func (s *Service) FinishHaloLogin(ctx context.Context, state, code string) (Login, error) {
	st, err := s.Store.TakeHaloLoginState(ctx, digest(state), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return Login{}, ErrLoginExpired
	}
	if err != nil {
		return Login{}, fmt.Errorf("finish HaloPSA sign-in: %w", err)
	}
	login, err := s.finishHaloLogin(ctx, st, code)
	if err != nil {
		return Login{}, &AttemptError{HaloURL: st.HaloURL, ClientID: st.ClientID, Err: err}
	}
	return login, nil
}

func (s *Service) finishHaloLogin(ctx context.Context, st store.HaloLoginState, code string) (Login, error) {
	inst := haloInstance{root: st.HaloURL, resource: st.ResourceURL, auth: st.AuthURL, tenant: st.Tenant}
	client, tokens, err := s.exchange(ctx, inst, st, code)
	if err != nil {
		return Login{}, err
	}
	me, err := client.Me(ctx)
	if err != nil {
		return Login{}, fmt.Errorf("ask HaloPSA who signed in: %w", err)
	}
	refusal, err := adminRefusal(ctx, client, me)
	if err != nil {
		return Login{}, err
	}
	login, err := s.Store.PartnerLoginByURL(ctx, inst.root)
	switch {
	case errors.Is(err, store.ErrNotFound) && refusal != nil:
		return Login{}, refusal
	case errors.Is(err, store.ErrNotFound):
		login, err = s.createPartner(ctx, inst.root, st.ClientID, s.instanceName(ctx, client))
		if err != nil {
			return Login{}, err
		}
	case err != nil:
		return Login{}, fmt.Errorf("find the partner of %s: %w", inst.root, err)
	}
	if login.ProvisionedAt.IsZero() && refusal != nil {
		return Login{}, refusal
	}
	account, err := s.haloAccount(ctx, login.PartnerID, inst.root, me, refusal == nil)
	if err != nil {
		return Login{}, err
	}
	var setUp bool
	if refusal == nil {
		signIn := store.HaloConnection{
			PartnerID: login.PartnerID, ResourceURL: inst.resource, AuthURL: inst.auth, Tenant: inst.tenant,
			ClientID: st.ClientID, GrantType: store.GrantAuthorizationCode, Scope: haloScope,
			RefreshToken: tokens.current(), AgentID: me.ID,
		}
		if setUp, err = s.Provisioner.SetUp(ctx, client, me, signIn); err != nil {
			return Login{}, err
		}
	}
	cookie, err := s.startSession(ctx, account)
	if err != nil {
		return Login{}, err
	}
	s.logger().Info("signed in with HaloPSA", "partner_id", account.PartnerID, "account_id", account.ID, "halo_agent_id", me.ID)
	return Login{Account: account, Cookie: cookie, SetUp: setUp}, nil
}

// exchange trades the code for tokens and returns a client acting as the
// agent who signed in. Its refresh token stays in memory until the
// partner's connection is saved.
func (s *Service) exchange(ctx context.Context, inst haloInstance, st store.HaloLoginState, code string) (*halo.Client, *memoryTokens, error) {
	flow, err := halo.NewAuthCodeFlow(s.haloConfig(inst, st.ClientID), s.RedirectURI())
	if err != nil {
		return nil, nil, fmt.Errorf("finish HaloPSA sign-in: %w", err)
	}
	tok, err := flow.Exchange(ctx, code, st.Verifier)
	if err != nil {
		return nil, nil, fmt.Errorf("HaloPSA did not complete the sign-in: %w", err)
	}
	if tok.RefreshToken == "" {
		return nil, nil, errors.New("HaloPSA completed the sign-in but issued no refresh token, so halobridge could not keep working for you; check that your halobridge application in HaloPSA uses the Authorization Code method")
	}
	tokens := &memoryTokens{token: tok.RefreshToken}
	cfg := s.haloConfig(inst, st.ClientID)
	cfg.GrantType, cfg.Tokens = halo.GrantAuthorizationCode, tokens
	client, err := halo.New(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("finish HaloPSA sign-in: %w", err)
	}
	return client, tokens, nil
}

// adminRefusal tells whether the agent may create agents and applications
// by reading the API applications, which HaloPSA shows only to
// administrators: the agent records halo.Client reads do not carry the
// administrator flag. It returns the refusal to give, or nil.
func adminRefusal(ctx context.Context, client *halo.Client, me halo.Agent) (*NotAdministratorError, error) {
	_, err := client.Applications(ctx)
	if halo.IsForbidden(err) {
		return &NotAdministratorError{Agent: me.Name, Halo: err.Error()}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("check whether HaloPSA agent %q is an administrator: %w", me.Name, err)
	}
	return nil, nil
}

// instanceName is the name the HaloPSA instance gives itself, "" when it
// gives none or cannot say: it only names the partner until the admin does.
func (s *Service) instanceName(ctx context.Context, client *halo.Client) string {
	info, err := client.InstanceInfo(ctx)
	if err != nil {
		s.logger().Info("HaloPSA did not describe its instance; the partner is named after its address", "error", err)
		return ""
	}
	return info.OwnName()
}

// createPartner creates the partner of a HaloPSA instance, named as
// GuessPartnerName guesses from its address and the instance's own name;
// the admin names it in the setup. Another sign-in may create it at the
// same moment; then that partner is the one.
func (s *Service) createPartner(ctx context.Context, root, clientID, instance string) (store.PartnerLogin, error) {
	guess := GuessPartnerName(root, instance)
	if name, err := store.CheckPartnerName(guess); err == nil {
		guess = name
	} else {
		guess = GuessPartnerName(root, "")
	}
	var lastErr error
	for i := 1; i <= 5; i++ {
		name := guess
		if i > 1 {
			name = fmt.Sprintf("%s %d", guess, i)
		}
		_, login, err := s.Store.CreatePartnerWithLogin(ctx, store.Partner{Name: name}, store.PartnerLogin{HaloURL: root, ClientID: clientID})
		if err == nil {
			s.logger().Info("created a partner for a HaloPSA instance", "partner_id", login.PartnerID, "halo_url", root)
			return login, nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return store.PartnerLogin{}, fmt.Errorf("create the partner of %s: %w", root, err)
		}
		if existing, err := s.Store.PartnerLoginByURL(ctx, root); err == nil {
			return existing, nil
		}
		// The name's slug is taken by a partner of another instance.
		lastErr = err
	}
	return store.PartnerLogin{}, fmt.Errorf("create the partner of %s: every name tried is taken: %w", root, lastErr)
}

// haloAccount finds or creates the account of the agent who signed in. An
// operator account with the agent's email is linked to the agent. HaloPSA
// decides the role at every sign-in: administrators there are admins here.
func (s *Service) haloAccount(ctx context.Context, partnerID int64, root string, me halo.Agent, admin bool) (store.Account, error) {
	role := store.RoleMember
	if admin {
		role = store.RoleAdmin
	}
	a, err := s.Store.AccountByHaloAgent(ctx, partnerID, me.ID)
	if err == nil {
		if a.Role == role && a.Name == me.Name {
			return a, nil
		}
		a.Role, a.Name = role, me.Name
		return s.Store.UpdateAccount(ctx, a)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return store.Account{}, fmt.Errorf("find the account of HaloPSA agent %d: %w", me.ID, err)
	}
	email := me.Email
	if email == "" {
		// Emails are how accounts are told apart; an agent without one
		// gets an address that names it and cannot belong to anyone.
		host := root
		if u, err := url.Parse(root); err == nil {
			host = u.Hostname()
		}
		email = fmt.Sprintf("halo-agent-%d@%s", me.ID, host)
	}
	a, err = s.Store.AccountByEmail(ctx, partnerID, email)
	switch {
	case err == nil && a.HaloAgentID != 0:
		return store.Account{}, fmt.Errorf("the halobridge account %s belongs to another HaloPSA agent (id %d), not to %q (id %d) who signed in; ask an admin to remove it", a.Email, a.HaloAgentID, me.Name, me.ID)
	case err == nil:
		a.HaloAgentID, a.Role = me.ID, role
		if a.Name == "" {
			a.Name = me.Name
		}
		return s.Store.UpdateAccount(ctx, a)
	case !errors.Is(err, store.ErrNotFound):
		return store.Account{}, fmt.Errorf("find the account %s: %w", email, err)
	}
	a, err = s.Store.CreateAccount(ctx, store.Account{PartnerID: partnerID, Email: email, Name: me.Name, HaloAgentID: me.ID, Role: role})
	if err != nil {
		return store.Account{}, fmt.Errorf("create the account of HaloPSA agent %q: %w", me.Name, err)
	}
	return a, nil
}

// haloConfig is a partner's HaloPSA connection on top of HaloDefaults.
func (s *Service) haloConfig(inst haloInstance, clientID string) halo.Config {
	cfg := s.HaloDefaults
	cfg.ResourceURL, cfg.AuthURL, cfg.Tenant = inst.resource, inst.auth, inst.tenant
	cfg.ClientID, cfg.ClientSecret, cfg.Scope = clientID, "", haloScope
	cfg.GrantType, cfg.Tokens = "", nil
	return cfg
}

// memoryTokens holds the refresh token of a sign-in before it is stored.
type memoryTokens struct {
	mu    sync.Mutex
	token string
}

func (m *memoryTokens) RotateRefreshToken(_ context.Context, fn func(current string) (string, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	next, err := fn(m.token)
	if err != nil {
		return err
	}
	m.token = next
	return nil
}

func (m *memoryTokens) current() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.token
}
