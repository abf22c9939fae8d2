package portal_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"halobridge/internal/portal/browsertest"
	"halobridge/internal/source/gravityzone/gzsim"
)

// TestBrowserEditAndRemoveSource edits a GravityZone source in the portal
// (a wrong key refused, a new name saved) and removes it, confirming.
func TestBrowserEditAndRemoveSource(t *testing.T) {
	t.Parallel()
	ctx := browsertest.Browser(t)
	b := setup(t)
	p := b.newPartner(t, "Northpoint IT")
	src := b.connectGravityZone(t, p)
	shots := browsertest.Artifacts(t)
	wait := 30 * time.Second
	page := fmt.Sprintf("/setup/sources/%d", src.ID)
	form := fmt.Sprintf(`form[action="%s"]`, page)
	remove := fmt.Sprintf(`form[action="%s/remove"]`, page)

	browsertest.Step(t, ctx, "sign in and open the source", append(b.passwordSignIn(p),
		browsertest.WaitText("Set up halobridge", wait),
		browsertest.Navigate(b.srv.URL+"/setup?step=integration"),
		chromedp.Click(browsertest.CSS(`a[href="`+page+`"]`)),
		browsertest.WaitText("Test and save", wait),
		browsertest.Screenshot(shots, "source-01-page"),
	)...)

	browsertest.Step(t, ctx, "a wrong key is refused and nothing is saved",
		chromedp.SendKeys(browsertest.CSS(form+` input[name="api_key"]`), "not-the-key"),
		chromedp.Click(browsertest.CSS(form+` button[type="submit"]`)),
		browsertest.WaitText("so nothing was saved", wait),
		browsertest.Screenshot(shots, "source-02-refused"),
	)
	if stored, err := b.store.Source(t.Context(), src.ID); err != nil || stored.APIKey != gzsim.DefaultAPIKey {
		t.Fatalf("after a refused key: %q, %v", stored.APIKey, err)
	}

	browsertest.Step(t, ctx, "a new name is saved",
		browsertest.JS(`const n = document.querySelector('`+form+` input[name="name"]'); n.value = 'GravityZone US';`),
		chromedp.Click(browsertest.CSS(form+` button[type="submit"]`)),
		browsertest.WaitText("'GravityZone US' is saved.", wait),
	)

	browsertest.Step(t, ctx, "removing asks for confirmation, then removes",
		chromedp.Click(browsertest.CSS(remove+` button[type="submit"]`)),
		browsertest.WaitText("Tick the box to confirm the removal", wait),
		browsertest.Screenshot(shots, "source-03-confirm"),
		chromedp.Click(browsertest.CSS(remove+` input[name="confirm"]`)),
		chromedp.Click(browsertest.CSS(remove+` button[type="submit"]`)),
		browsertest.WaitText("No source yet.", wait),
		browsertest.WaitText("GravityZone's Event Push Service towards", wait),
		browsertest.Screenshot(shots, "source-04-removed"),
	)
	if _, err := b.store.Source(t.Context(), src.ID); err == nil {
		t.Error("the source is still stored")
	}
	if settings, _ := b.gz.PushSettings(); settings.Status != 0 {
		t.Errorf("GravityZone still pushes: %+v", settings)
	}
}

// passwordSignIn signs p in through the password form, as a person does.
func (b *testBundle) passwordSignIn(p *partner) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		browsertest.Navigate(b.srv.URL + "/login"),
		chromedp.WaitVisible(browsertest.CSS(`form[action="/login"] input[name="email"]`)),
		chromedp.SendKeys(browsertest.CSS(`form[action="/login"] input[name="email"]`), p.email),
		chromedp.SendKeys(browsertest.CSS(`form[action="/login"] input[name="password"]`), testPassword),
		chromedp.Click(browsertest.CSS(`form[action="/login"] button[type="submit"]`)),
	}
}
