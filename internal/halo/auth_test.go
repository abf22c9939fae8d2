package halo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"halobridge/internal/outbound"
)

// memoryTokens is a TokenStore holding the refresh token in memory, serialising rotations
// with a mutex the way the real store does with a row lock.
type memoryTokens struct {
	mu        sync.Mutex
	token     string
	rotations int
}

func (m *memoryTokens) RotateRefreshToken(_ context.Context, fn func(string) (string, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	next, err := fn(m.token)
	if err != nil {
		return err
	}
	m.token = next
	m.rotations++
	return nil
}

func (m *memoryTokens) current() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.token
}

// rotatingAuth is an authorisation server with single-use refresh tokens.
type rotatingAuth struct {
	mu        sync.Mutex
	valid     map[string]bool
	issued    int
	omitNext  bool // answer the next refresh without a refresh_token
	refreshes []url.Values
}

func (a *rotatingAuth) handler(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refreshes = append(a.refreshes, r.PostForm)
	rt := r.PostForm.Get("refresh_token")
	if r.PostForm.Get("grant_type") != "refresh_token" || !a.valid[rt] {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "The specified refresh token is invalid."})
		return
	}
	delete(a.valid, rt)
	a.issued++
	body := map[string]any{"access_token": fmt.Sprintf("access-%d", a.issued), "token_type": "Bearer", "expires_in": 3600}
	if a.omitNext {
		a.omitNext = false
		a.valid[rt] = true
	} else {
		next := fmt.Sprintf("rt-%d", a.issued+1)
		a.valid[next] = true
		body["refresh_token"] = next
	}
	writeJSON(w, http.StatusOK, body)
}

func TestRefreshTokenRotation(t *testing.T) {
	t.Parallel()

	ctx := context.Background()

	type testBundle struct {
		auth   *rotatingAuth
		store  *memoryTokens
		server *httptest.Server
	}
	setup := func(t *testing.T, stored string) (func() *Client, *testBundle) {
		t.Helper()
		b := &testBundle{auth: &rotatingAuth{valid: map[string]bool{"rt-1": true}}, store: &memoryTokens{token: stored}}
		mux := http.NewServeMux()
		mux.HandleFunc("POST /auth/token", b.auth.handler)
		mux.HandleFunc("GET /api/InstanceInfo", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"app_name": "Halo PSA"})
		})
		b.server = httptest.NewServer(mux)
		t.Cleanup(b.server.Close)
		newClient := func() *Client {
			c, err := New(Config{
				Outbound:    outbound.Local(),
				ResourceURL: b.server.URL + "/api", AuthURL: b.server.URL + "/auth",
				ClientID: "public-app", GrantType: GrantAuthorizationCode, Tokens: b.store,
			})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		return newClient, b
	}

	t.Run("SpendsTheStoredTokenAndStoresItsSuccessor", func(t *testing.T) {
		t.Parallel()
		newClient, b := setup(t, "rt-1")
		if _, err := newClient().InstanceInfo(ctx); err != nil {
			t.Fatal(err)
		}
		form := b.auth.refreshes[0]
		if form.Get("grant_type") != "refresh_token" || form.Get("refresh_token") != "rt-1" || form.Get("client_id") != "public-app" {
			t.Errorf("refresh form = %v", form)
		}
		if got := b.store.current(); got != "rt-2" {
			t.Errorf("stored token = %q, want rt-2", got)
		}
	})

	t.Run("RefreshesOnceForConcurrentCalls", func(t *testing.T) {
		t.Parallel()
		newClient, b := setup(t, "rt-1")
		c := newClient()
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for range 20 {
			wg.Go(func() {
				_, err := c.InstanceInfo(ctx)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := len(b.auth.refreshes); got != 1 {
			t.Errorf("got %d refresh requests, want 1", got)
		}
	})

	t.Run("NeverSpendsATokenTwiceAcrossProcesses", func(t *testing.T) {
		t.Parallel()
		newClient, b := setup(t, "rt-1")
		// Two clients sharing one store stand for two replicas sharing the database row.
		first, second := newClient(), newClient()
		var wg sync.WaitGroup
		for _, c := range []*Client{first, second} {
			wg.Go(func() {
				if _, err := c.InstanceInfo(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if got := b.store.current(); got != "rt-3" {
			t.Errorf("stored token = %q, want rt-3 after two rotations", got)
		}
	})

	t.Run("KeepsTheTokenWhenTheAnswerHasNone", func(t *testing.T) {
		t.Parallel()
		newClient, b := setup(t, "rt-1")
		b.auth.omitNext = true
		if _, err := newClient().InstanceInfo(ctx); err != nil {
			t.Fatal(err)
		}
		if got := b.store.current(); got != "rt-1" {
			t.Errorf("stored token = %q, want rt-1 kept", got)
		}
	})

	t.Run("ReportsARevokedTokenAsInvalidGrant", func(t *testing.T) {
		t.Parallel()
		newClient, b := setup(t, "rt-revoked")
		_, err := newClient().InstanceInfo(ctx)
		if !isInvalidGrant(err) {
			t.Fatalf("err = %v, want invalid_grant", err)
		}
		if got := b.store.current(); got != "rt-revoked" {
			t.Errorf("stored token = %q, want it untouched", got)
		}
	})

	t.Run("AsksForALoginWhenNothingIsStored", func(t *testing.T) {
		t.Parallel()
		newClient, b := setup(t, "")
		if _, err := newClient().InstanceInfo(ctx); !errors.Is(err, ErrNoRefreshToken) {
			t.Fatalf("err = %v, want ErrNoRefreshToken", err)
		}
		if got := len(b.auth.refreshes); got != 0 {
			t.Errorf("got %d token requests, want 0", got)
		}
	})
}

func TestAuthCodeFlow(t *testing.T) {
	t.Parallel()

	var exchange url.Values
	var exchangeURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		exchange, exchangeURL = r.PostForm, r.URL.String()
		writeJSON(w, http.StatusOK, map[string]any{"access_token": "a", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "rt-1"})
	}))
	t.Cleanup(srv.Close)

	flow, err := NewAuthCodeFlow(Config{
		Outbound:    outbound.Local(),
		ResourceURL: srv.URL + "/api", AuthURL: srv.URL + "/auth", Tenant: "acme", ClientID: "public-app",
	}, "https://bridge.example/oauth/callback")
	if err != nil {
		t.Fatal(err)
	}
	verifier := oauth2.GenerateVerifier()

	t.Run("BuildsTheAuthorizeURLWithPKCE", func(t *testing.T) {
		u, err := url.Parse(flow.AuthCodeURL(t.Context(), "state-1", verifier))
		if err != nil {
			t.Fatal(err)
		}
		if u.Path != "/auth/authorize" {
			t.Errorf("path = %q, want /auth/authorize", u.Path)
		}
		want := map[string]string{
			"tenant": "acme", "response_type": "code", "client_id": "public-app",
			"redirect_uri": "https://bridge.example/oauth/callback", "scope": "all offline_access",
			"state": "state-1", "code_challenge": oauth2.S256ChallengeFromVerifier(verifier), "code_challenge_method": "S256",
		}
		for k, v := range want {
			if got := u.Query().Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
	})

	t.Run("ExchangesTheCodeWithTheVerifier", func(t *testing.T) {
		tok, err := flow.Exchange(context.Background(), "code-1", verifier)
		if err != nil {
			t.Fatal(err)
		}
		if tok.RefreshToken != "rt-1" {
			t.Errorf("refresh token = %q, want rt-1", tok.RefreshToken)
		}
		if exchangeURL != "/auth/token?tenant=acme" {
			t.Errorf("token URL = %q", exchangeURL)
		}
		want := map[string]string{
			"grant_type": "authorization_code", "code": "code-1", "code_verifier": verifier,
			"redirect_uri": "https://bridge.example/oauth/callback", "client_id": "public-app",
		}
		for k, v := range want {
			if got := exchange.Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
	})
}

// isInvalidGrant reports whether the authorisation server refused the refresh token (or
// authorization code) with invalid_grant.
func isInvalidGrant(err error) bool {
	var oe *OAuthError
	return errors.As(err, &oe) && oe.Code == "invalid_grant"
}
