package portal_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/portal/browsertest"
)

// Every way "Log in with HaloPSA" can fail ends on halobridge's sign-in
// page, saying what went wrong and what to do, with the HaloPSA address
// and Client ID still filled in: never on a browser error or HaloPSA's raw
// JSON.
func TestBrowserHaloSignInFailures(t *testing.T) {
	t.Parallel()
	ctx := browsertest.Browser(t)
	b := setup(t)
	shots := browsertest.Artifacts(t)
	wait := 30 * time.Second

	website := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>Acme Dental</title><h1>Welcome to Acme Dental</h1>")
	}))
	t.Cleanup(website.Close)
	nothing := httptest.NewServer(http.NotFoundHandler())
	nothing.Close() // a mistyped port: nothing answers there

	// start fills the form and presses Log in with HaloPSA.
	start := func(haloURL, clientID string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			browsertest.Navigate(b.srv.URL+"/login"),
			chromedp.WaitVisible(browsertest.CSS(`input[name="halo_url"]`)),
			chromedp.SetValue(browsertest.CSS(`input[name="halo_url"]`), haloURL),
			chromedp.SetValue(browsertest.CSS(`input[name="client_id"]`), clientID),
			chromedp.Click(browsertest.CSS(`form[action="/login/halo"] button[type="submit"]`)),
		)
	}
	// kept waits for the sign-in page to show what was typed again.
	kept := func(haloURL, clientID string) chromedp.Action[chromedp.Void] {
		u, _ := json.Marshal(haloURL)
		c, _ := json.Marshal(clientID)
		return browsertest.Until(fmt.Sprintf(`location.pathname !== '/auth/authorize' && document.querySelector('input[name="halo_url"]') !== null && `+
			`document.querySelector('input[name="halo_url"]').value === %s && document.querySelector('input[name="client_id"]').value === %s`, u, c), wait)
	}
	// onHalobridge checks the failure is on halobridge's own page.
	onHalobridge := browsertest.Until(`document.querySelector('p.flash.error[role="alert"]') !== null && document.body.innerText.includes('Sign in to halobridge')`, wait)

	browsertest.Step(t, ctx, "an address where nothing answers",
		start(nothing.URL, halosim.DefaultPublicClientID),
		browsertest.WaitText("The HaloPSA address "+nothing.URL+" did not answer (connection refused)", wait),
		browsertest.WaitText("Check the HaloPSA address: it is the address you open HaloPSA at in your browser", wait),
		onHalobridge, kept(nothing.URL, halosim.DefaultPublicClientID),
		browsertest.Screenshot(shots, "signin-01-no-answer"),
	)

	browsertest.Step(t, ctx, "an address that is a web site, not a HaloPSA",
		start(website.URL, halosim.DefaultPublicClientID),
		browsertest.WaitText("The address "+website.URL+" does not look like a HaloPSA: /api/authinfo answered with a web page", wait),
		onHalobridge, kept(website.URL, halosim.DefaultPublicClientID),
		browsertest.Screenshot(shots, "signin-02-not-halopsa"),
	)

	browsertest.Step(t, ctx, "a Client ID HaloPSA does not know",
		start(b.haloURL, "0d5c-mistyped"),
		browsertest.WaitText(`HaloPSA does not know the Client ID "0d5c-mistyped"`, wait),
		browsertest.WaitText("The specified 'client_id' is invalid", wait),
		browsertest.WaitText("Configuration > Integrations > HaloPSA API > View Applications", wait),
		onHalobridge, kept(b.haloURL, "0d5c-mistyped"),
		browsertest.Screenshot(shots, "signin-03-unknown-client-id"),
	)

	browsertest.Step(t, ctx, "Deny on HaloPSA's page",
		start(b.haloURL, halosim.DefaultPublicClientID),
		chromedp.WaitVisible(browsertest.CSS(`button[value="deny"]`)),
		chromedp.Click(browsertest.CSS(`button[value="deny"]`)),
		browsertest.WaitText("You chose Deny on HaloPSA's page", wait),
		onHalobridge, kept(b.haloURL, halosim.DefaultPublicClientID),
		browsertest.Screenshot(shots, "signin-04-denied"),
	)

	browsertest.Step(t, ctx, "an agent who is not an administrator",
		start(b.haloURL, halosim.DefaultPublicClientID),
		chromedp.WaitVisible(browsertest.CSS(`select[name="agent_id"]`)),
		chromedp.SetValue(browsertest.CSS(`select[name="agent_id"]`), "3"),
		chromedp.Click(browsertest.CSS(`button[value="approve"]`)),
		browsertest.WaitText("cannot set up halobridge", wait),
		browsertest.WaitText("Sign in as an administrator", wait),
		onHalobridge, kept(b.haloURL, halosim.DefaultPublicClientID),
		browsertest.Screenshot(shots, "signin-05-not-administrator"),
	)
}

// The first HaloPSA sign-in names the partner after its HaloPSA; the admin
// gives it the company's name in the setup's first step, and the header
// says it.
func TestBrowserNameThePartner(t *testing.T) {
	t.Parallel()
	ctx := browsertest.Browser(t)
	b := setup(t)
	shots := browsertest.Artifacts(t)
	wait := 30 * time.Second

	browsertest.Step(t, ctx, "log in with HaloPSA as its administrator",
		browsertest.Navigate(b.srv.URL+"/login"),
		chromedp.WaitVisible(browsertest.CSS(`input[name="halo_url"]`)),
		chromedp.SendKeys(browsertest.CSS(`input[name="halo_url"]`), b.haloURL),
		chromedp.SendKeys(browsertest.CSS(`input[name="client_id"]`), halosim.DefaultPublicClientID),
		chromedp.Click(browsertest.CSS(`form[action="/login/halo"] button[type="submit"]`)),
		chromedp.WaitVisible(browsertest.CSS(`select[name="agent_id"]`)),
		chromedp.SetValue(browsertest.CSS(`select[name="agent_id"]`), "2"),
		chromedp.Click(browsertest.CSS(`button[value="approve"]`)),
		browsertest.WaitText("halobridge in your HaloPSA", wait),
	)

	browsertest.Step(t, ctx, "name the partner in the first step",
		browsertest.Navigate(b.srv.URL+"/setup?step=integration"),
		browsertest.WaitText("halobridge took this name from your HaloPSA address", wait),
		chromedp.SetValue(browsertest.CSS(`form[action="/setup/partner"] input[name="name"]`), "Harbour Managed IT"),
		chromedp.Click(browsertest.CSS(`form[action="/setup/partner"] button[type="submit"]`)),
		browsertest.WaitText("Saved.", wait),
		browsertest.Until(`document.querySelector('header.top').innerText.includes('Harbour Managed IT')`, wait),
		browsertest.Until(`!document.body.innerText.includes('halobridge took this name from your HaloPSA address')`, wait),
		browsertest.Screenshot(shots, "partner-01-named"),
	)
}
