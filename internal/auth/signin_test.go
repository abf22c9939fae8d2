package auth_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"halobridge/internal/auth"
	"halobridge/internal/store"
	"halobridge/internal/web"
)

// Client addresses of the tests' requests, named in X-Forwarded-For.
const (
	guesserAddr = "203.0.113.9"
	ownerAddr   = "198.51.100.7"
)

func TestPasswordLogin(t *testing.T) {
	t.Parallel()

	t.Run("SignsInAndTheSessionActsForTheAccountsPartner", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := b.createPartner(t, "acme")
		b.addAccount(t, p.ID, "ops@acme.example", store.RoleAdmin)
		br := b.browser(t)
		page := br.passwordLogin(t, "Ops@Acme.example", testPassword)
		wantStatus(t, "the sign-in", page, http.StatusOK)
		me, status := br.whoami(t)
		if status != http.StatusOK || me.PartnerID != p.ID || me.Email != "ops@acme.example" || me.CSRFToken == "" {
			t.Errorf("whoami = %+v (%d), want ops@acme.example of partner %d with a CSRF token", me, status, p.ID)
		}
		account, _ := b.store.AccountByEmail(t.Context(), p.ID, "ops@acme.example")
		if !account.LastLoginAt.Equal(b.clock.Now()) {
			t.Errorf("LastLoginAt = %v, want %v", account.LastLoginAt, b.clock.Now())
		}
	})

	t.Run("ReturnsToThePageAskedForOnThisSiteOnly", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := b.createPartner(t, "acme")
		b.addAccount(t, p.ID, "ops@acme.example", store.RoleAdmin)
		// next as it appears in a sign-in link (?next=...), and where the
		// sign-in must send the browser.
		cases := []struct{ query, want string }{
			{"%2Fmapping%3Fsource%3D2%26search%3Dacme", "/mapping?source=2&search=acme"},
			{"%2Fapi%2Fv1%2Fwhoami", "/api/v1/whoami"},
			// The reviewer's: the form decodes it to "/\t/evil.example",
			// which browsers follow to //evil.example.
			{"%2F%09%2Fevil.example", "/"},
			{"//evil", "/"},
			{"%2F%2Fevil.example%2Fx", "/"},
			{"/%5Cevil", "/"},
			{"https://evil", "/"},
			{"https%3A%2F%2Fevil.example%2F", "/"},
			{"/%0d%0aSet-Cookie", "/"},
			{"/%250d%250aSet-Cookie", "/"},
			{"javascript:alert(1)", "/"},
		}
		for _, c := range cases {
			br := b.browser(t)
			page := br.get(t, "/login?next="+c.query)
			m := regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(page.body)
			if m == nil || html.UnescapeString(m[1]) != c.want {
				t.Errorf("GET /login?next=%s: the form returns to %q, want %q", c.query, m, c.want)
			}
			q, err := url.ParseQuery("next=" + c.query)
			if err != nil {
				t.Fatal(err)
			}
			// The form posted with next as the link gave it, as a forged
			// form would.
			req, _ := http.NewRequest(http.MethodPost, br.target("/login"), strings.NewReader(url.Values{"email": {"ops@acme.example"},
				"password": {testPassword}, "next": {q.Get("next")}, "csrf_token": {br.formToken(t)}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			signedIn := do(t, br.noFollow, req)
			if signedIn.status != http.StatusSeeOther || signedIn.header.Get("Location") != c.want {
				t.Errorf("POST /login with next %q: %d to %q, want 303 to %q", q.Get("next"), signedIn.status, signedIn.header.Get("Location"), c.want)
			}
		}
	})

	t.Run("RefusesAWrongPasswordAndAnUnknownEmailAlike", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := b.createPartner(t, "acme")
		b.addAccount(t, p.ID, "ops@acme.example", store.RoleAdmin)
		for _, c := range []struct{ email, password string }{
			{"ops@acme.example", "not the password at all"},
			{"nobody@acme.example", testPassword},
		} {
			br := b.browser(t)
			page := br.passwordLogin(t, c.email, c.password)
			if page.status != http.StatusUnauthorized || !strings.Contains(page.body, "Wrong email or password.") {
				t.Errorf("%s: %d, want 401 saying only \"Wrong email or password.\"", c.email, page.status)
			}
			if br.cookie(auth.SessionCookie) != "" {
				t.Errorf("%s: a session cookie was set", c.email)
			}
		}
	})

	t.Run("RefusesTheSixthSignInForAnEmailForFifteenMinutes", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := b.createPartner(t, "acme")
		b.addAccount(t, p.ID, "ops@acme.example", store.RoleAdmin)
		br := b.browser(t)
		for i := range 5 {
			wantStatus(t, fmt.Sprintf("wrong password %d", i+1), br.passwordLogin(t, "ops@acme.example", "wrong password!"), http.StatusUnauthorized)
		}
		page := br.passwordLogin(t, "ops@acme.example", testPassword)
		wantStatus(t, "the right password after five failures", page, http.StatusTooManyRequests)
		if page.header.Get("Retry-After") != "900" || !strings.Contains(page.body, "wait 15 minutes") {
			t.Errorf("Retry-After %q; body:\n%s", page.header.Get("Retry-After"), page.body)
		}
		b.clock.Advance(10 * time.Minute)
		if page := br.passwordLogin(t, "ops@acme.example", testPassword); page.header.Get("Retry-After") != "300" {
			t.Errorf("ten minutes later: %d, Retry-After %q; want 429 for 300 s more", page.status, page.header.Get("Retry-After"))
		}
		b.clock.Advance(5*time.Minute + time.Second)
		wantStatus(t, "the right password fifteen minutes later", br.passwordLogin(t, "ops@acme.example", testPassword), http.StatusOK)
	})

	t.Run("LetsTheOwnerInFromTheirAddressWhileAGuesserHammersFromAnother", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := b.createPartner(t, "acme")
		b.addAccount(t, p.ID, "ops@acme.example", store.RoleAdmin)
		attacker, owner := b.browser(t), b.browser(t)
		for i := range 5 {
			page := attacker.passwordLoginFrom(t, guesserAddr, "ops@acme.example", fmt.Sprintf("guess number %d", i))
			wantStatus(t, fmt.Sprintf("guess %d", i+1), page, http.StatusUnauthorized)
		}
		for i := range 20 {
			page := attacker.passwordLoginFrom(t, guesserAddr, "ops@acme.example", fmt.Sprintf("guess number %d", 5+i))
			if page.status != http.StatusTooManyRequests || page.header.Get("Retry-After") != "900" {
				t.Fatalf("guess %d: %d, Retry-After %q; want 429 for 900 s", 6+i, page.status, page.header.Get("Retry-After"))
			}
		}
		wantStatus(t, "the owner from their own address", owner.passwordLoginFrom(t, ownerAddr, "ops@acme.example", testPassword), http.StatusOK)
		if me, status := owner.whoami(t); status != http.StatusOK || me.Email != "ops@acme.example" {
			t.Errorf("the owner is not signed in: %+v (%d)", me, status)
		}
		wantStatus(t, "the guesser with the right password", attacker.passwordLoginFrom(t, guesserAddr, "ops@acme.example", testPassword),
			http.StatusTooManyRequests)
	})

	t.Run("SlowsAnAddressPastTwentyFailuresWithoutLockingItOut", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := b.createPartner(t, "acme")
		b.addAccount(t, p.ID, "ops@acme.example", store.RoleAdmin)
		br := b.browser(t)
		for i := range 20 {
			wantStatus(t, fmt.Sprintf("failure %d", i+1), br.passwordLogin(t, fmt.Sprintf("guess%d@acme.example", i), testPassword), http.StatusUnauthorized)
		}
		page := br.passwordLogin(t, "ops@acme.example", testPassword)
		wantStatus(t, "a real account from the same address at once", page, http.StatusTooManyRequests)
		if page.header.Get("Retry-After") != "1" || !strings.Contains(page.body, "wait 1 second, then try again") {
			t.Errorf("Retry-After %q; want 1 s, said on the page:\n%s", page.header.Get("Retry-After"), page.body)
		}
		b.clock.Advance(time.Second)
		wantStatus(t, "the same account a second later", br.passwordLogin(t, "ops@acme.example", testPassword), http.StatusOK)
	})

	t.Run("AnswersItsOwnFaultsWithTheRequestID", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		signedIn, _ := b.signedInAdmin(t)
		br := b.browser(t)
		token := br.formToken(t)
		// The database goes away under the running service.
		b.svc.Store = closedStore(t)
		page := br.postForm(t, "/login", url.Values{"email": {"ops@acme.example"}, "password": {testPassword}, "csrf_token": {token}})
		id := page.header.Get(web.RequestIDHeader)
		if page.status != http.StatusInternalServerError || id == "" || !strings.Contains(page.body, "request id "+id) {
			t.Errorf("sign-in without the database: %d, X-Request-Id %q; want 500 showing the id:\n%s", page.status, id, page.body)
		}
		api := signedIn.get(t, "/api/v1/tokens")
		id = api.header.Get(web.RequestIDHeader)
		if api.status != http.StatusInternalServerError || id == "" || !strings.Contains(api.body, `"request_id":"`+id+`"`) {
			t.Errorf("an API call without the database: %d, X-Request-Id %q; want 500 with the id:\n%s", api.status, id, api.body)
		}
	})

	t.Run("StartsANewSessionAtEverySignIn", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := b.createPartner(t, "acme")
		b.addAccount(t, p.ID, "ops@acme.example", store.RoleAdmin)
		br := b.browser(t)
		br.passwordLogin(t, "ops@acme.example", testPassword)
		first := br.cookie(auth.SessionCookie)
		br.passwordLogin(t, "ops@acme.example", testPassword)
		second := br.cookie(auth.SessionCookie)
		if first == "" || first == second {
			t.Fatalf("session cookie before %q, after %q; want a new one", first, second)
		}
		old := b.apiCall(t, nil, http.MethodGet, "/api/v1/whoami", "", "Cookie", auth.SessionCookie+"="+first)
		wantStatus(t, "the first session after the second sign-in", old, http.StatusUnauthorized)
		if _, status := br.whoami(t); status != http.StatusOK {
			t.Errorf("the new session: %d", status)
		}
	})
}

func TestSessions(t *testing.T) {
	t.Parallel()

	signedIn := func(t *testing.T) (*testBundle, *browser) {
		t.Helper()
		b := setup(t)
		p := b.createPartner(t, "acme")
		b.addAccount(t, p.ID, "ops@acme.example", store.RoleAdmin)
		br := b.browser(t)
		wantStatus(t, "sign-in", br.passwordLogin(t, "ops@acme.example", testPassword), http.StatusOK)
		return b, br
	}

	t.Run("SendsPagesToTheSignInAndTheAPIA401", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		br := b.browser(t)
		page := br.getNoFollow(t, "/?tab=events")
		if page.status != http.StatusSeeOther || page.header.Get("Location") != "/login?next=%2F%3Ftab%3Devents" {
			t.Errorf("GET / without a session: %d to %q, want 303 to the sign-in", page.status, page.header.Get("Location"))
		}
		api := br.get(t, "/api/v1/tokens")
		want := `{"error":{"code":"unauthenticated","message":"Sign in first: send a session cookie or an 'Authorization: Bearer \u003cAPI token\u003e' header."}}` + "\n"
		if api.status != http.StatusUnauthorized || api.body != want || api.header.Get("Content-Type") != "application/json" {
			t.Errorf("GET /api/v1/tokens without a session: %d %q\n%s", api.status, api.header.Get("Content-Type"), api.body)
		}
	})

	t.Run("LogoutEndsTheSession", func(t *testing.T) {
		t.Parallel()
		b, br := signedIn(t)
		me, _ := br.whoami(t)
		cookie := br.cookie(auth.SessionCookie)
		page := br.postForm(t, "/logout", url.Values{"csrf_token": {me.CSRFToken}})
		if page.status != http.StatusOK || page.url.Path != "/login" {
			t.Errorf("log out: %d at %s, want the sign-in page", page.status, page.url)
		}
		if br.cookie(auth.SessionCookie) != "" {
			t.Error("the browser still has the session cookie")
		}
		again := b.apiCall(t, nil, http.MethodGet, "/api/v1/whoami", "", "Cookie", auth.SessionCookie+"="+cookie)
		wantStatus(t, "the old cookie after log out", again, http.StatusUnauthorized)
	})

	t.Run("EndsAfterTwelveHoursWithoutARequest", func(t *testing.T) {
		t.Parallel()
		b, br := signedIn(t)
		b.clock.Advance(12*time.Hour - time.Minute)
		if _, status := br.whoami(t); status != http.StatusOK {
			t.Fatalf("after 11 h 59 min idle: %d, want the session alive", status)
		}
		b.clock.Advance(12 * time.Hour)
		if _, status := br.whoami(t); status != http.StatusUnauthorized {
			t.Errorf("after 12 h idle: %d, want 401", status)
		}
		if page := br.getNoFollow(t, "/"); page.status != http.StatusSeeOther || !strings.HasPrefix(page.header.Get("Location"), "/login") {
			t.Errorf("a page after 12 h idle: %d to %q, want the sign-in", page.status, page.header.Get("Location"))
		}
	})

	t.Run("EndsSevenDaysAfterSignInHoweverActive", func(t *testing.T) {
		t.Parallel()
		b, br := signedIn(t)
		for elapsed := 11 * time.Hour; elapsed < 7*24*time.Hour; elapsed += 11 * time.Hour {
			b.clock.Advance(11 * time.Hour)
			if _, status := br.whoami(t); status != http.StatusOK {
				t.Fatalf("active after %s: %d, want the session alive", elapsed, status)
			}
		}
		b.clock.Advance(7*24*time.Hour%(11*time.Hour) + time.Minute)
		if _, status := br.whoami(t); status != http.StatusUnauthorized {
			t.Errorf("seven days after the sign-in: %d, want 401", status)
		}
	})

	t.Run("ProtectsTheCookieFromScriptsAndOtherSites", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := b.createPartner(t, "acme")
		b.addAccount(t, p.ID, "ops@acme.example", store.RoleAdmin)
		for _, c := range []struct {
			baseURL string
			secure  bool
		}{{"https://halobridge.example", true}, {"http://127.0.0.1:8080", false}} {
			svc := &auth.Service{Store: b.store, BaseURL: c.baseURL, Now: b.clock.Now}
			login, err := svc.PasswordLogin(t.Context(), "ops@acme.example", testPassword, "192.0.2.1")
			if err != nil {
				t.Fatal(err)
			}
			k := login.Cookie
			if k.Name != auth.SessionCookie || !k.HttpOnly || k.SameSite != http.SameSiteLaxMode || k.Secure != c.secure ||
				k.Path != "/" || k.MaxAge != int((7*24*time.Hour).Seconds()) || len(k.Value) < 40 {
				t.Errorf("behind %s: cookie %+v; want HttpOnly, SameSite=Lax, Secure %v, 7 days", c.baseURL, k, c.secure)
			}
		}
	})
}

func TestCSRF(t *testing.T) {
	t.Parallel()

	t.Run("RefusesASignInPostedFromAnotherSite", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := b.createPartner(t, "acme")
		b.addAccount(t, p.ID, "ops@acme.example", store.RoleAdmin)
		for _, header := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
			br := b.browser(t)
			form := url.Values{"email": {"ops@acme.example"}, "password": {testPassword}, "csrf_token": {br.formToken(t)}}
			page := br.postForm(t, "/login", form, header...)
			if page.status != http.StatusForbidden || !strings.Contains(page.body, "another web site") || br.cookie(auth.SessionCookie) != "" {
				t.Errorf("with %s: %d, want 403 and no session:\n%s", header[0], page.status, page.body)
			}
		}
	})

	t.Run("RefusesASignInFormWithoutItsToken", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := b.createPartner(t, "acme")
		b.addAccount(t, p.ID, "ops@acme.example", store.RoleAdmin)
		br := b.browser(t)
		br.formToken(t)
		for _, token := range []string{"", "forged-token-forged-token-forged-token-123"} {
			page := br.postForm(t, "/login", url.Values{"email": {"ops@acme.example"}, "password": {testPassword}, "csrf_token": {token}})
			if page.status != http.StatusForbidden || br.cookie(auth.SessionCookie) != "" {
				t.Errorf("token %q: %d, want 403 and no session", token, page.status)
			}
		}
		halo := br.postForm(t, "/login/halo", url.Values{"halo_url": {b.halo.URL}, "client_id": {"x"}})
		wantStatus(t, "Log in with HaloPSA without the token", halo, http.StatusForbidden)
	})

	t.Run("RefusesASessionFormWithoutTheSessionsToken", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := b.createPartner(t, "acme")
		b.addAccount(t, p.ID, "ops@acme.example", store.RoleAdmin)
		b.addAccount(t, p.ID, "other@acme.example", store.RoleAdmin)
		other := b.browser(t)
		other.passwordLogin(t, "other@acme.example", testPassword)
		theirs, _ := other.whoami(t)

		br := b.browser(t)
		br.passwordLogin(t, "ops@acme.example", testPassword)
		for _, token := range []string{"", theirs.CSRFToken} {
			page := br.postForm(t, "/logout", url.Values{"csrf_token": {token}})
			if page.status != http.StatusForbidden {
				t.Errorf("log out with token %q: %d, want 403", token, page.status)
			}
		}
		if _, status := br.whoami(t); status != http.StatusOK {
			t.Errorf("the session after refused log outs: %d, want alive", status)
		}
	})

	t.Run("TakesTheTokenFromAHeaderForScripts", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		br, me := b.signedInAdmin(t)
		wantStatus(t, "POST without the header", b.apiCall(t, br.follow, http.MethodPost, "/api/v1/tokens", `{"name":"ci"}`), http.StatusForbidden)
		wantStatus(t, "POST with the header", b.apiCall(t, br.follow, http.MethodPost, "/api/v1/tokens", `{"name":"ci"}`, auth.CSRFHeader, me.CSRFToken), http.StatusCreated)
	})
}
