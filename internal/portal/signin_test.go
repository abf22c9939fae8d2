package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"halobridge/internal/connect"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/web"
)

// haloSignIn logs in with the simulated HaloPSA as agentID, as the sign-in
// page and HaloPSA's approval page would, and returns the session.
func (b *testBundle) haloSignIn(t *testing.T, agentID int) *partner {
	t.Helper()
	ctx := t.Context()
	target, state, err := b.auth.StartHaloLogin(ctx, b.haloURL, halosim.DefaultPublicClientID)
	if err != nil {
		t.Fatalf("StartHaloLogin: %v", err)
	}
	back, err := b.halo.ApproveURL(target, agentID)
	if err != nil {
		t.Fatalf("approve %s: %v", target, err)
	}
	u, err := url.Parse(back)
	if err != nil {
		t.Fatal(err)
	}
	login, err := b.auth.FinishHaloLogin(ctx, state, u.Query().Get("code"))
	if err != nil {
		t.Fatalf("FinishHaloLogin: %v", err)
	}
	if !login.SetUp {
		t.Fatal("the first sign-in set nothing up in HaloPSA")
	}
	p, err := b.store.Partner(ctx, login.Account.PartnerID)
	if err != nil {
		t.Fatal(err)
	}
	return &partner{Partner: p, session: login.Cookie, email: login.Account.Email}
}

func TestSignInPages(t *testing.T) {
	t.Parallel()

	t.Run("AreDrawnInThePortalsLayoutWithoutScriptOrMenu", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		page := b.get(t, nil, "/login")
		if page.status != http.StatusOK || page.header.Get("Content-Security-Policy") != web.SignInPolicy {
			t.Fatalf("GET /login: %d under %q, want 200 under the sign-in policy", page.status, page.header.Get("Content-Security-Policy"))
		}
		for _, want := range []string{`<link rel="stylesheet" href="/assets/portal.css">`, `<body class="signin">`, `<a class="brand" href="/">halobridge</a>`,
			"Sign in to halobridge", connect.IntegrationAgentName, connect.ServiceApplicationName} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the sign-in page lacks %q:\n%s", want, page.body)
			}
		}
		for _, unwanted := range []string{"<script", "hx-", `class="menu"`, "Client mapping", "Sign out"} {
			if strings.Contains(page.body, unwanted) {
				t.Errorf("the sign-in page has %q, which is for signed-in pages:\n%s", unwanted, page.body)
			}
		}
	})

	t.Run("LoadTheStylesheetThePortalServes", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		css := b.get(t, nil, "/assets/portal.css")
		if css.status != http.StatusOK || css.header.Get("Content-Type") != "text/css; charset=utf-8" || !strings.Contains(css.body, "body.signin") {
			t.Errorf("GET /assets/portal.css: %d %q:\n%.200s", css.status, css.header.Get("Content-Type"), css.body)
		}
	})

	t.Run("SayWhatWentWrongOnAPageOfTheSameLayout", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		req, _ := http.NewRequest(http.MethodPost, b.srv.URL+"/login", strings.NewReader("email=x%40acme.example"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		page := b.do(t, nil, req)
		if page.status != http.StatusForbidden || page.header.Get("Content-Security-Policy") != web.SignInPolicy {
			t.Fatalf("a sign-in form sent from another site: %d under %q, want 403 under the sign-in policy", page.status, page.header.Get("Content-Security-Policy"))
		}
		for _, want := range []string{"halobridge refused a request sent from another web site", `<p class="flash error" role="alert">`,
			`<link rel="stylesheet" href="/assets/portal.css">`, `<body class="signin">`, "Back to halobridge"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the refusal lacks %q:\n%s", want, page.body)
			}
		}
		if strings.Contains(page.body, "<script") {
			t.Errorf("the refusal has a script, which its policy blocks:\n%s", page.body)
		}
	})
}

func TestSetupCreatedPage(t *testing.T) {
	t.Parallel()

	t.Run("ShowsWhatTheFirstHaloPSASignInCreated", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := b.haloSignIn(t, 2)
		var app halosim.Application
		for _, a := range b.halo.Applications() {
			if a.Name == connect.ServiceApplicationName {
				app = a
			}
		}
		page := b.get(t, p, "/setup/created")
		if page.status != http.StatusOK || page.header.Get("Content-Security-Policy") != web.PagePolicy {
			t.Fatalf("GET /setup/created: %d under %q, want 200 as a page of the portal:\n%s", page.status, page.header.Get("Content-Security-Policy"), page.body)
		}
		for _, want := range []string{"halobridge in your HaloPSA", "halobridge is set up in your HaloPSA", connect.IntegrationAgentName, connect.ServiceApplicationName,
			"••••" + app.ClientID[len(app.ClientID)-4:], "••••" + app.Secret[len(app.Secret)-4:], `<a href="/setup" aria-current="page">Setup</a>`} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the setup page does not show %q:\n%s", want, page.body)
			}
		}
		if app.Secret == "" || strings.Contains(page.body, app.Secret) || strings.Contains(page.body, app.ClientID) {
			t.Errorf("the setup page shows the client ID or secret in full")
		}
	})

	t.Run("SaysWhatStoppedTheSetup", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.halo.InjectFault(halosim.Fault{Method: http.MethodPost, PathPrefix: "/api/Application", Status: http.StatusServiceUnavailable, Times: 1})
		page := b.get(t, b.haloSignIn(t, 2), "/setup/created")
		if page.status != http.StatusOK || !strings.Contains(page.body, "The setup is not finished") || !strings.Contains(page.body, "503") {
			t.Errorf("the setup page after an interrupted setup: %d, want it to say what went wrong:\n%s", page.status, page.body)
		}
	})

	t.Run("IsNotFoundForAPartnerThatSignsInWithAPassword", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.haloSignIn(t, 2)
		setup, err := b.store.PartnerLoginByURL(t.Context(), b.haloURL)
		if err != nil {
			t.Fatal(err)
		}
		page := b.get(t, b.newPartner(t, "Harbour MSP"), "/setup/created")
		if page.status != http.StatusNotFound || !strings.Contains(page.body, "does not log in with HaloPSA") {
			t.Errorf("the setup page of a password partner: %d, want 404 saying why:\n%s", page.status, page.body)
		}
		for _, other := range []string{setup.HaloURL, setup.ApplicationID, "••••" + setup.ServiceClientID[len(setup.ServiceClientID)-4:]} {
			if strings.Contains(page.body, other) {
				t.Errorf("the page shows %q of the partner that signed in with HaloPSA:\n%s", other, page.body)
			}
		}
	})
}
