package connect_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/outbound"
	"halobridge/internal/store"
	"halobridge/internal/store/storetest"
)

// credentialsBundle is a partner connected to a simulated HaloPSA over
// real HTTP, reached through connect.Halo as every part of halobridge
// reaches it.
type credentialsBundle struct {
	st      *store.Store
	sim     *halosim.Sim
	url     string
	partner store.Partner
	halo    *connect.Halo
}

func newCredentialsBundle(t *testing.T, st *store.Store, opts halosim.Options) *credentialsBundle {
	t.Helper()
	opts.RateLimit = -1
	b := &credentialsBundle{st: st, sim: halosim.New(opts), halo: &connect.Halo{Outbound: outbound.Local(), Store: st}}
	srv := httptest.NewServer(b.sim)
	t.Cleanup(srv.Close)
	b.url = srv.URL
	var err error
	if b.partner, err = st.CreatePartner(t.Context(), store.Partner{Name: "Northpoint IT"}); err != nil {
		t.Fatal(err)
	}
	return b
}

// clientCredentials is the simulator's default application as a partner
// would enter it.
func (b *credentialsBundle) clientCredentials(secret string) store.HaloConnection {
	return store.HaloConnection{
		PartnerID: b.partner.ID, ResourceURL: b.url + "/api", AuthURL: b.url + "/auth",
		ClientID: halosim.DefaultClientID, ClientSecret: secret, GrantType: store.GrantClientCredentials, Scope: "all",
	}
}

func (b *credentialsBundle) save(t *testing.T, conn store.HaloConnection) store.HaloConnection {
	t.Helper()
	saved, err := b.st.SaveHaloConnection(t.Context(), conn)
	if err != nil {
		t.Fatal(err)
	}
	return saved
}

// connectRefused connects a partner without a connection, wants a
// refusal and nothing stored, and returns the refusal.
func (b *credentialsBundle) connectRefused(t *testing.T, secret string) *connect.RefusedError {
	t.Helper()
	_, _, err := b.halo.Connect(t.Context(), b.clientCredentials(secret))
	var refused *connect.RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("Connect: %v, want *connect.RefusedError", err)
	}
	if _, err := b.st.HaloConnection(t.Context(), b.partner.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a connection was stored: %v", err)
	}
	return refused
}

// call is any background job's first request: who the connection acts as.
func (b *credentialsBundle) call(t *testing.T) error {
	t.Helper()
	client, err := b.halo.Client(t.Context(), b.partner.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.Me(t.Context())
	return err
}

// credentialsEvents are the partner's credentials events in any state.
func (b *credentialsBundle) credentialsEvents(t *testing.T) []store.Event {
	t.Helper()
	events, err := b.st.Events(t.Context(), b.partner.ID, store.EventQuery{Kind: connect.EventCredentialsRevoked})
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// onlyEvent is the partner's one credentials event.
func (b *credentialsBundle) onlyEvent(t *testing.T) store.Event {
	t.Helper()
	events := b.credentialsEvents(t)
	if len(events) != 1 {
		t.Fatalf("%d credentials events, want 1: %+v", len(events), events)
	}
	return events[0]
}

// signIn logs in with HaloPSA as agent 2 through the simulator's public
// application and returns the refresh token it issued.
func (b *credentialsBundle) signIn(t *testing.T) string {
	t.Helper()
	cfg := halo.Config{Outbound: outbound.Local(), ResourceURL: b.url + "/api", AuthURL: b.url + "/auth", ClientID: halosim.DefaultPublicClientID}
	return approvedSignIn(t, b.sim, cfg, 2)
}

// approvedSignIn logs in with the HaloPSA of cfg as agentID, approving
// the sign-in in the simulator as the agent would, and returns the
// refresh token it issued.
func approvedSignIn(t *testing.T, sim *halosim.Sim, cfg halo.Config, agentID int) string {
	t.Helper()
	flow, err := halo.NewAuthCodeFlow(cfg, "http://127.0.0.1:8080/auth/halo/callback")
	if err != nil {
		t.Fatal(err)
	}
	const verifier = "a-verifier-long-enough-for-pkce-0123456789-abcdefghijklmnop"
	back, err := sim.ApproveURL(flow.AuthCodeURL(t.Context(), "state", verifier), agentID)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(back)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := flow.Exchange(t.Context(), u.Query().Get("code"), verifier)
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("exchange the code: %v (refresh token %q)", err, tok.RefreshToken)
	}
	return tok.RefreshToken
}

// eachEngine runs test once per database engine.
func eachEngine(t *testing.T, test func(t *testing.T, eng storetest.Engine)) {
	t.Helper()
	for _, eng := range storetest.Engines("connecttest") {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			test(t, eng)
		})
	}
}

func TestCredentialsRevoked(t *testing.T) {
	t.Parallel()
	eachEngine(t, testCredentialsRevoked)
}

func testCredentialsRevoked(t *testing.T, eng storetest.Engine) {
	t.Run("ADeletedApplicationIsOneEventAtTheFirstFailingCall", func(t *testing.T) {
		t.Parallel()
		b := newCredentialsBundle(t, eng.Open(t), halosim.Options{Clients: 3})
		b.save(t, b.clientCredentials(halosim.DefaultClientSecret))
		if err := b.call(t); err != nil {
			t.Fatal(err)
		}
		if events := b.credentialsEvents(t); len(events) != 0 {
			t.Fatalf("credentials events while HaloPSA accepts them: %+v", events)
		}
		b.sim.RevokeApplication(halosim.DefaultClientID)
		for range 3 {
			if err := b.call(t); !halo.IsRevoked(err) {
				t.Fatalf("call after the revocation: %v, want invalid_client", err)
			}
		}
		e := b.onlyEvent(t)
		if e.State != store.EventOpen || e.Count != 1 {
			t.Errorf("event %s seen %d times after three failing calls; want open, raised once", e.State, e.Count)
		}
		for _, want := range []string{"invalid_client", "no longer accepts"} {
			if !strings.Contains(e.Message, want) {
				t.Errorf("message %q lacks %q", e.Message, want)
			}
		}
		for _, want := range []string{"'" + halosim.DefaultClientID + "'", "open Setup", `"Use another application's Client ID and Secret"`, `"Save and test connection"`} {
			if !strings.Contains(e.Fix, want) {
				t.Errorf("fix %q lacks %q", e.Fix, want)
			}
		}

		t.Run("ClearsItselfAtTheFirstTokenOnceTheApplicationIsBack", func(t *testing.T) {
			b.sim.AddApplication(halosim.Application{ClientID: halosim.DefaultClientID, Secret: halosim.DefaultClientSecret, Scopes: []string{"all"}})
			if err := b.call(t); err != nil {
				t.Fatalf("call with the application back: %v", err)
			}
			if e := b.onlyEvent(t); e.State != store.EventResolved {
				t.Errorf("event %s, want resolved", e.State)
			}
		})

		t.Run("ComesBackAtTheNextRevocation", func(t *testing.T) {
			b.sim.RevokeApplication(halosim.DefaultClientID)
			if err := b.call(t); !halo.IsRevoked(err) {
				t.Fatalf("call after the second revocation: %v", err)
			}
			if e := b.onlyEvent(t); e.State != store.EventOpen {
				t.Errorf("event %s, want open again", e.State)
			}
		})
	})

	t.Run("AChangedSecretIsAnEventAndSavingTheNewOneClearsIt", func(t *testing.T) {
		t.Parallel()
		b := newCredentialsBundle(t, eng.Open(t), halosim.Options{Clients: 3})
		b.save(t, b.clientCredentials(halosim.DefaultClientSecret))
		const newSecret = "the-secret-after-the-change"
		b.sim.AddApplication(halosim.Application{ClientID: halosim.DefaultClientID, Secret: newSecret, Scopes: []string{"all"}})
		if err := b.call(t); !halo.IsRevoked(err) {
			t.Fatalf("call with the old secret: %v, want invalid_client", err)
		}
		if e := b.onlyEvent(t); e.State != store.EventOpen {
			t.Fatalf("event %s, want open", e.State)
		}
		if _, _, err := b.halo.Connect(t.Context(), b.clientCredentials(newSecret)); err != nil {
			t.Fatalf("Connect with the new secret: %v", err)
		}
		if e := b.onlyEvent(t); e.State != store.EventResolved {
			t.Errorf("event %s after saving the new secret, want resolved", e.State)
		}
		if err := b.call(t); err != nil {
			t.Errorf("call with the new secret: %v", err)
		}
		if e := b.onlyEvent(t); e.State != store.EventResolved || e.Count != 1 {
			t.Errorf("event %s, seen %d times; want it left resolved", e.State, e.Count)
		}
	})

	t.Run("ARevokedRefreshTokenAsksToLogInAgain", func(t *testing.T) {
		t.Parallel()
		b := newCredentialsBundle(t, eng.Open(t), halosim.Options{Clients: 3})
		conn := b.clientCredentials("")
		conn.ClientID, conn.GrantType, conn.RefreshToken = halosim.DefaultPublicClientID, store.GrantAuthorizationCode, b.signIn(t)
		b.save(t, conn)
		if err := b.call(t); err != nil {
			t.Fatal(err)
		}
		b.sim.RevokeApplication(halosim.DefaultPublicClientID)
		if err := b.call(t); !halo.IsRevoked(err) {
			t.Fatalf("call after the revocation: %v, want invalid_grant", err)
		}
		e := b.onlyEvent(t)
		if e.State != store.EventOpen || !strings.Contains(e.Message, "invalid_grant") || !strings.Contains(e.Fix, `"Log in with HaloPSA"`) {
			t.Errorf("event %+v; want open, with invalid_grant, asking to log in with HaloPSA", e)
		}
	})

	t.Run("RotatingTheRefreshTokenKeepsTheClientAndItsAccessToken", func(t *testing.T) {
		t.Parallel()
		b := newCredentialsBundle(t, eng.Open(t), halosim.Options{Clients: 3})
		conn := b.clientCredentials("")
		conn.ClientID, conn.GrantType, conn.RefreshToken = halosim.DefaultPublicClientID, store.GrantAuthorizationCode, b.signIn(t)
		b.save(t, conn)
		b.sim.ResetRequests()
		for range 3 {
			if err := b.call(t); err != nil {
				t.Fatal(err)
			}
		}
		refreshes := 0
		for _, r := range b.sim.Requests() {
			if r.Method == http.MethodPost && strings.EqualFold(r.Path, "/auth/token") {
				refreshes++
			}
		}
		if refreshes != 1 {
			t.Errorf("%d token requests for three calls, want one: the access token serves them all", refreshes)
		}
	})

	t.Run("AnotherRefusalRaisesNothing", func(t *testing.T) {
		t.Parallel()
		b := newCredentialsBundle(t, eng.Open(t), halosim.Options{Clients: 3, Tenant: "northpoint"})
		conn := b.clientCredentials(halosim.DefaultClientSecret)
		conn.Tenant = "southpoint"
		b.save(t, conn)
		var oe *halo.OAuthError
		if err := b.call(t); !errors.As(err, &oe) || oe.Code != "invalid_request" {
			t.Fatalf("call with an unknown tenant: %v, want invalid_request", err)
		}
		if events := b.credentialsEvents(t); len(events) != 0 {
			t.Errorf("events %+v for a refusal that is not a revocation", events)
		}
	})

	t.Run("TwoReplicasKeepOneEvent", func(t *testing.T) {
		t.Parallel()
		b := newCredentialsBundle(t, eng.Open(t), halosim.Options{Clients: 3})
		b.save(t, b.clientCredentials(halosim.DefaultClientSecret))
		replicas := []*connect.Halo{b.halo, {Outbound: outbound.Local(), Store: b.st}}
		b.sim.RevokeApplication(halosim.DefaultClientID)
		for _, r := range replicas {
			b.halo = r
			if err := b.call(t); !halo.IsRevoked(err) {
				t.Fatalf("call: %v, want invalid_client", err)
			}
		}
		if e := b.onlyEvent(t); e.State != store.EventOpen || e.Count != 2 {
			t.Errorf("event %s seen %d times; want one open event, seen by each replica", e.State, e.Count)
		}
		b.sim.AddApplication(halosim.Application{ClientID: halosim.DefaultClientID, Secret: halosim.DefaultClientSecret, Scopes: []string{"all"}})
		for _, r := range replicas {
			b.halo = r
			if err := b.call(t); err != nil {
				t.Fatal(err)
			}
		}
		if e := b.onlyEvent(t); e.State != store.EventResolved {
			t.Errorf("event %s once both replicas got a token, want resolved", e.State)
		}
	})
}

func TestConnect(t *testing.T) {
	t.Parallel()
	eachEngine(t, testConnect)
}

func testConnect(t *testing.T, eng storetest.Engine) {
	t.Run("SavesWorkingCredentialsWithTheAgentTheyActAs", func(t *testing.T) {
		t.Parallel()
		b := newCredentialsBundle(t, eng.Open(t), halosim.Options{Clients: 3})
		report, saved, err := b.halo.Connect(t.Context(), b.clientCredentials(halosim.DefaultClientSecret))
		if err != nil || !report.OK {
			t.Fatalf("Connect: %v, report OK %v", err, report.OK)
		}
		stored, err := b.st.HaloConnection(t.Context(), b.partner.ID)
		if err != nil || stored.AgentID != 7 || stored.ClientSecret != halosim.DefaultClientSecret || saved.AgentID != 7 {
			t.Errorf("stored %+v, %v; want the secret, acting as agent 7", stored, err)
		}
	})

	// A server that answers like a web site, not like HaloPSA.
	notHalo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("<html><body>Page not found</body></html>"))
	}))
	t.Cleanup(notHalo.Close)

	cases := []struct {
		name string
		edit func(b *credentialsBundle, c *store.HaloConnection)
		// want is in the refusal, from HaloPSA's answer or the fix.
		want []string
	}{
		{"AWrongSecret", func(_ *credentialsBundle, c *store.HaloConnection) { c.ClientSecret = "wrong" },
			[]string{`"Get an access token"`, "invalid_client: The specified client credentials are invalid", "Copy the Client ID and Client Secret again"}},
		{"AWrongClientID", func(_ *credentialsBundle, c *store.HaloConnection) { c.ClientID = "not-an-application" },
			[]string{`"Get an access token"`, "invalid_client: The specified 'client_id' is invalid or the application is inactive", "Copy the Client ID"}},
		{"AWrongTenant", func(_ *credentialsBundle, c *store.HaloConnection) { c.Tenant = "southpoint" },
			[]string{`"Get an access token"`, `The tenant "southpoint" is unknown`, "tenant name"}},
		{"AnUnreachableAddress", func(_ *credentialsBundle, c *store.HaloConnection) {
			c.ResourceURL, c.AuthURL = "http://127.0.0.1:1/api", "http://127.0.0.1:1/auth"
		}, []string{`"Get an access token"`, "connection refused", "authorisation server URL"}},
		{"AnAddressThatIsNotHaloPSA", func(_ *credentialsBundle, c *store.HaloConnection) {
			c.ResourceURL, c.AuthURL = notHalo.URL+"/api", notHalo.URL+"/auth"
		}, []string{`"Get an access token"`, "404", "authorisation server URL"}},
		{"NoPermissionToReadClients", func(b *credentialsBundle, _ *store.HaloConnection) {
			b.sim.SetScopes(halosim.DefaultClientID, "edit:tickets", "read:items", "edit:invoices", "all:teams")
		}, []string{`"Read clients and sites"`, "read:customers", "Permissions: enable read:customers"}},
	}
	for _, tc := range cases {
		t.Run("Refuses"+tc.name+"AndKeepsTheStoredConnection", func(t *testing.T) {
			t.Parallel()
			b := newCredentialsBundle(t, eng.Open(t), halosim.Options{Clients: 3, Tenant: "northpoint"})
			working := b.clientCredentials(halosim.DefaultClientSecret)
			working.Tenant = "northpoint"
			before := b.save(t, working)
			typed := working
			tc.edit(b, &typed)
			report, _, err := b.halo.Connect(t.Context(), typed)
			var refused *connect.RefusedError
			if !errors.As(err, &refused) {
				t.Fatalf("Connect: %v, want *connect.RefusedError", err)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("refusal %q lacks %q", err, want)
				}
			}
			if len(report.Checks) == 0 || report.OK {
				t.Errorf("report %+v, want the failing checks", report)
			}
			after, err := b.st.HaloConnection(t.Context(), b.partner.ID)
			if err != nil || after.ClientID != before.ClientID || after.ClientSecret != before.ClientSecret || after.Tenant != before.Tenant ||
				after.ResourceURL != before.ResourceURL || !after.UpdatedAt.Equal(before.UpdatedAt) {
				t.Errorf("stored connection changed: %+v, %v; want %+v", after, err, before)
			}
		})
	}

	t.Run("RefusesWhenNothingWasStoredAndStoresNothing", func(t *testing.T) {
		t.Parallel()
		b := newCredentialsBundle(t, eng.Open(t), halosim.Options{Clients: 3})
		if refused := b.connectRefused(t, "wrong"); refused.Blocker.Name != "Get an access token" {
			t.Errorf("refused at %q, want the token check", refused.Blocker.Name)
		}
	})

	t.Run("RefusesWhenHaloPSACannotAnswerAnOptionalCheck", func(t *testing.T) {
		t.Parallel()
		b := newCredentialsBundle(t, eng.Open(t), halosim.Options{Clients: 3})
		b.sim.InjectFault(halosim.Fault{PathPrefix: "/api/Item", Status: http.StatusTooManyRequests, RetryAfter: time.Hour})
		if refused := b.connectRefused(t, halosim.DefaultClientSecret); refused.Blocker.Name != "Read items" || !strings.Contains(refused.Error(), "rate limit") {
			t.Errorf("refusal %v; want it at Read items, naming the rate limit", refused)
		}
	})

	t.Run("SavesWhenOnlyOptionalPermissionsAreMissing", func(t *testing.T) {
		t.Parallel()
		b := newCredentialsBundle(t, eng.Open(t), halosim.Options{Clients: 3})
		b.sim.SetScopes(halosim.DefaultClientID, "read:customers", "read:tickets", "all:teams")
		report, _, err := b.halo.Connect(t.Context(), b.clientCredentials(halosim.DefaultClientSecret))
		if err != nil || report.OK {
			t.Fatalf("Connect: %v, report OK %v; want saved, with failed checks", err, report.OK)
		}
		if _, err := b.st.HaloConnection(t.Context(), b.partner.ID); err != nil {
			t.Errorf("nothing stored: %v", err)
		}
	})

	t.Run("RefusesASignInGrant", func(t *testing.T) {
		t.Parallel()
		b := newCredentialsBundle(t, eng.Open(t), halosim.Options{Clients: 3})
		conn := b.clientCredentials("")
		conn.GrantType = store.GrantAuthorizationCode
		if _, _, err := b.halo.Connect(t.Context(), conn); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Connect with a sign-in grant: %v, want store.ErrInvalid", err)
		}
	})
}
