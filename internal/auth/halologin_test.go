package auth_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"halobridge/internal/auth"
	"halobridge/internal/connect"
	"halobridge/internal/halo/halosim"
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
		if a.Name == connect.IntegrationAgentName {
			agents = append(agents, a)
		}
	}
	var apps []halosim.Application
	for _, a := range sim.Applications() {
		if a.Name == connect.ServiceApplicationName && !a.Inactive {
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

	t.Run("HandsTheFirstSignInToProvisioningAndEndsOnTheSetupPage", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		br := b.browser(t)
		page := br.haloLogin(t, simAdmin)
		wantStatus(t, "the sign-in", page, http.StatusOK)
		if page.url.Path != "/setup/created" {
			t.Fatalf("the sign-in ends at %s, want /setup/created", page.url)
		}
		// What provisioning creates is connect's to test (TestProvisioning);
		// here: that the sign-in handed it over.
		if agents, apps := created(t, b.sim); len(agents) != 1 || len(apps) != 1 {
			t.Fatalf("HaloPSA holds %d integration agents and %d service applications, want one of each", len(agents), len(apps))
		}

		me, status := br.whoami(t)
		login := b.partnerLogin(t)
		if status != http.StatusOK || me.PartnerID != login.PartnerID || me.Email != "admin@northpoint-it.example" {
			t.Errorf("whoami after the sign-in = %+v (%d), want the admin of partner %d", me, status, login.PartnerID)
		}
		if login.ProvisionedAt.IsZero() || login.ClientID != halosim.DefaultPublicClientID {
			t.Errorf("recorded setup = %+v; want finished, with the login application's client ID", login)
		}
		account, err := b.store.AccountByHaloAgent(t.Context(), login.PartnerID, simAdmin)
		if err != nil || account.Role != store.RoleAdmin || account.PasswordHash != "" {
			t.Errorf("the administrator's account = %+v, %v; want an admin without a password", account, err)
		}
	})

	t.Run("CreatesNothingOnTheSecondSignIn", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.browser(t).haloLogin(t, simAdmin)

		page := b.browser(t).haloLogin(t, simAdmin)
		wantStatus(t, "the second sign-in", page, http.StatusOK)
		if page.url.Path != "/" {
			t.Errorf("the second sign-in ends at %s, want / (nothing new to show)", page.url)
		}
		agents, apps := created(t, b.sim)
		if len(agents) != 1 || len(apps) != 1 {
			t.Errorf("after two sign-ins HaloPSA holds %d integration agents and %d service applications, want one of each", len(agents), len(apps))
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
		if !strings.Contains(page.body, "You chose Deny on HaloPSA&#39;s page") || !strings.Contains(page.body, "choose Approve") {
			t.Errorf("the sign-in page does not say the sign-in was denied:\n%s", page.body)
		}
		wantTyped(t, page, b.halo.URL, halosim.DefaultPublicClientID)
	})

	t.Run("KeepsTheFieldsWhenAnAgentIsNotAnAdministrator", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		br := b.browser(t)
		page := br.haloLogin(t, simAnalyst)
		wantStatus(t, "the analyst's sign-in", page, http.StatusForbidden)
		wantTyped(t, page, b.halo.URL, halosim.DefaultPublicClientID)
	})

	t.Run("ExplainsAClientIDHaloPSADoesNotKnowBeforeLeaving", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		br := b.browser(t)
		page := br.postForm(t, "/login/halo", url.Values{"halo_url": {b.halo.URL}, "client_id": {"d1f0-not-a-client"}, "csrf_token": {br.formToken(t)}})
		wantStatus(t, "a Client ID HaloPSA does not know", page, http.StatusBadRequest)
		// HaloPSA's own words (OpenIddict's error_description), then what to do.
		for _, want := range []string{"HaloPSA does not know the Client ID &#34;d1f0-not-a-client&#34;", "The specified &#39;client_id&#39; is invalid",
			"Configuration &gt; Integrations &gt; HaloPSA API &gt; View Applications"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the sign-in page lacks %q:\n%s", want, page.body)
			}
		}
		wantTyped(t, page, b.halo.URL, "d1f0-not-a-client")
	})

	t.Run("ExplainsAnAddressThatIsNotAHaloPSA", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!doctype html><title>Acme dental</title><p>Welcome"))
		}))
		t.Cleanup(web.Close)
		missing := httptest.NewServer(http.NotFoundHandler())
		t.Cleanup(missing.Close)
		closed := httptest.NewServer(http.NotFoundHandler())
		closed.Close()
		cases := []struct{ name, haloURL, want string }{
			{"AWebSite", web.URL, "The address " + web.URL + " does not look like a HaloPSA: /api/authinfo answered with a web page"},
			{"ASiteWithoutAuthInfo", missing.URL, "The address " + missing.URL + " does not look like a HaloPSA: /api/authinfo answered 404 (page not found)"},
			{"NothingThere", closed.URL, "The HaloPSA address " + closed.URL + " did not answer (connection refused)"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				br := b.browser(t)
				page := br.postForm(t, "/login/halo", url.Values{"halo_url": {c.haloURL}, "client_id": {halosim.DefaultPublicClientID}, "csrf_token": {br.formToken(t)}})
				wantStatus(t, "the sign-in", page, http.StatusBadRequest)
				for _, want := range []string{c.want, "Check the HaloPSA address: it is the address you open HaloPSA at in your browser"} {
					if !strings.Contains(page.body, want) {
						t.Errorf("the sign-in page lacks %q:\n%s", want, page.body)
					}
				}
				wantTyped(t, page, c.haloURL, halosim.DefaultPublicClientID)
			})
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

// wantTyped checks that the sign-in page shows the HaloPSA address and
// Client ID again.
func wantTyped(t *testing.T, page response, haloURL, clientID string) {
	t.Helper()
	for _, want := range []string{`name="halo_url" value="` + haloURL + `"`, `name="client_id" value="` + clientID + `"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the sign-in page does not keep %s:\n%s", want, page.body)
		}
	}
}
