package portal_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/source/gravityzone/gzsim"
)

// chromiumPaths are where Debian and other systems install Chromium.
var chromiumPaths = []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}

// browser starts a headless Chromium with a fresh profile, or skips the
// test when none is installed.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, p := range chromiumPaths {
		if _, err := os.Stat(p); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if p, err := exec.LookPath("chromium"); err == nil {
			path = p
		}
	}
	if path == "" {
		t.Skip("Chromium is not installed (looked for " + strings.Join(chromiumPaths, ", ") + "); install it with 'apt-get install -y chromium' to run the browser tests")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium %s: %v", path, err)
	}
	return ctx
}

// artifacts is where screenshots go: $HALOBRIDGE_ARTIFACTS, or
// artifacts/screenshots at the module root.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("HALOBRIDGE_ARTIFACTS")
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(root, "artifacts", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// screenshot saves the whole page as <dir>/<name>.png.
func screenshot(dir, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		png, err := chromedp.FullScreenshot(100)(ctx, t)
		if err != nil {
			return fmt.Errorf("screenshot %s: %w", name, err)
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	})
}

// until waits until a script's expression is true in the page. The page
// may be navigating meanwhile (a form posted, htmx redirected), which
// interrupts one evaluation but not the wait.
func until(expression string, timeout time.Duration) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		deadline := time.Now().Add(timeout)
		var last error
		for {
			ok, err := chromedp.Evaluate[bool]("Boolean("+expression+")")(ctx, t)
			if err == nil && ok {
				return nil
			}
			last = err
			if ctx.Err() != nil || time.Now().After(deadline) {
				return fmt.Errorf("waiting %s for %s (last error: %v)", timeout, expression, last)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// waitText waits until the page shows text.
func waitText(text string, timeout time.Duration) chromedp.Action[chromedp.Void] {
	q, _ := json.Marshal(text)
	return until(fmt.Sprintf("document.body !== null && document.body.innerText.includes(%s)", q), timeout)
}

// ready waits until the page has loaded and htmx has processed it, so that
// what the test does next is what htmx listens for.
func ready(timeout time.Duration) chromedp.Action[chromedp.Void] {
	return until(`document.readyState === 'complete' && window.htmx !== undefined`, timeout)
}

// js runs a script in the page, as a person's clicks and choices would.
func js(script string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[chromedp.Void]("(() => {"+script+"})(); undefined")(ctx, t)
		return err
	})
}

// step runs actions, naming the step and showing the page's text when one
// fails.
func step(t *testing.T, ctx context.Context, name string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
		t.Fatalf("%s: %v\npage text:\n%s", name, err, page)
	}
}

// css selects by CSS selector.
func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// TestBrowserWalkthrough is a new partner's first visit, in a real
// Chromium: log in with the simulated HaloPSA, walk the wizard, map a
// client, see an alert from the simulated GravityZone become a ticket,
// and run Sync now while watching its progress. Screenshots of each stage
// are kept as test artifacts.
func TestBrowserWalkthrough(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	b := setup(t)
	b.work(t)
	shots := artifacts(t)
	wait := 30 * time.Second

	step(t, ctx, "log in with HaloPSA",
		chromedp.Navigate(b.srv.URL+"/"),
		chromedp.WaitVisible(css(`input[name="halo_url"]`)),
		chromedp.SendKeys(css(`input[name="halo_url"]`), b.haloURL),
		chromedp.SendKeys(css(`input[name="client_id"]`), halosim.DefaultPublicClientID),
		screenshot(shots, "01-login"),
		chromedp.Click(css(`form[action="/login/halo"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`select[name="agent_id"]`)),
		chromedp.SetValue(css(`select[name="agent_id"]`), "2"),
		chromedp.Click(css(`button[value="approve"]`)),
		waitText("halobridge in your HaloPSA", wait),
		screenshot(shots, "02-halo-setup-created"),
		chromedp.Click(css(`a[href="/"]`)),
		waitText("Set up halobridge", wait),
		ready(wait),
	)

	step(t, ctx, "test the connection and connect GravityZone",
		chromedp.Click(css(`button[hx-post="/setup/halo/test"]`)),
		waitText("Connection successful.", wait),
		chromedp.SendKeys(css(`form[action="/setup/sources"] input[name="name"]`), "GravityZone EU"),
		chromedp.SendKeys(css(`form[action="/setup/sources"] input[name="api_url"]`), b.gzURL),
		chromedp.SendKeys(css(`form[action="/setup/sources"] input[name="api_key"]`), gzsim.DefaultAPIKey),
		chromedp.Click(css(`form[action="/setup/sources"] button[type="submit"]`)),
		waitText(`"GravityZone EU" is connected.`, wait),
		screenshot(shots, "03-integration"),
		chromedp.Click(css(`input[name="consent"]`)),
		chromedp.Click(css(`form[action="/setup/integration"] button[type="submit"]`)),
	)

	step(t, ctx, "billing: create the items of the protection models",
		waitText("HaloPSA item", wait),
		js(`document.querySelectorAll('select[name^="products."]').forEach(s => {
			const row = s.closest('tr');
			if (row.innerText.includes('Protection model (mandatory)') && s.querySelector('option[value="new"]')) { s.value = 'new'; }
		})`),
		screenshot(shots, "04-billing"),
		chromedp.Click(css(`form[action="/setup/billing"] button[type="submit"]`)),
		waitText("Alert types", wait),
		ready(wait),
	)

	step(t, ctx, "ticketing: choose the ticket type and fill each alert type",
		js(`const tt = document.querySelector('select[name="tickettype_id"]'); tt.value = '21'; tt.dispatchEvent(new Event('change', {bubbles: true}));`),
		until(`document.querySelector('select[name="initial_status_id"]').value === '1'`, wait),
		chromedp.Click(css(`input[name="show_updates_to_user"][value="no"]`)),
		js(`const sla = document.querySelector('select[name="types.av.sla_id"]'); sla.value = '3'; sla.dispatchEvent(new Event('change', {bubbles: true}));`),
		until(`document.querySelector('#prio-av option[value="2"]') !== null`, wait),
		chromedp.SetValue(css(`#prio-av`), "2"),
		chromedp.SendKeys(css(`input[name="title_template"]`), "{{report_type}} on {{hostname}}"),
		waitText("Antimalware on WS-0042", wait),
		js(`document.querySelectorAll('input[name$=".enabled"]:checked').forEach(box => {
			const row = box.closest('tr');
			row.querySelector('select[name$=".sla_id"]').value = '3';
			row.querySelector('select[name$=".category_1"]').value = 'Security';
		}); document.querySelector('select[name="team"]').value = 'Security Operations';`),
		screenshot(shots, "05-ticketing"),
		chromedp.Click(css(`#ticket-policy > .actions button[type="submit"]`)),
		waitText("Save configuration", wait),
		screenshot(shots, "06-finalize"),
		chromedp.Click(css(`form[action="/setup/activate"] button[type="submit"]`)),
		waitText("The integration is active", wait),
		screenshot(shots, "07-overview"),
	)

	step(t, ctx, "accept the suggestion for Brightwater Dental",
		chromedp.Navigate(b.srv.URL+"/mapping"),
		waitText("Brightwater Dental LLC", wait),
		ready(wait),
		js(`[...document.querySelectorAll('li.suggested')].find(r => r.innerText.includes('Brightwater Dental')).querySelector('form[action="/mapping/accept"] button').click()`),
		waitText("Accepted", wait),
		screenshot(shots, "08-mapping"),
	)
	partnerID := b.onlyPartner(t)

	ev, err := b.gz.NewEvent("av", "gz-bright")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.gz.Push(t.Context(), ev); err != nil {
		t.Fatalf("GravityZone push: %v", err)
	}
	step(t, ctx, "see the alert's ticket",
		// Delivery runs in the background: look again until the ticket shows.
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			deadline := time.Now().Add(wait)
			for {
				if _, err := chromedp.Navigate(b.srv.URL+"/ticketing")(ctx, t); err != nil {
					return err
				}
				text, err := chromedp.Evaluate[string]("document.body.innerText")(ctx, t)
				if err == nil && strings.Contains(text, "created") && strings.Contains(text, "Ticket #") {
					return nil
				}
				if time.Now().After(deadline) {
					return errors.New("no ticket appeared on the ticketing page")
				}
				time.Sleep(300 * time.Millisecond)
			}
		}),
		screenshot(shots, "09-ticketing"),
	)
	tickets := b.halo.Tickets()
	if len(tickets) == 0 || tickets[len(tickets)-1].ClientID != 109 {
		t.Errorf("the simulated HaloPSA has no ticket for Brightwater Dental LLC (client 109): %d tickets", len(tickets))
	}

	step(t, ctx, "Sync now and watch its progress",
		chromedp.Navigate(b.srv.URL+"/sync"),
		ready(wait),
		chromedp.Click(css(`form[action="/sync"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`#sync-now .progress`)),
		screenshot(shots, "10-sync-running"),
		until(`document.querySelectorAll('tbody .badge.succeeded').length >= 2 && document.querySelector('#sync-now .progress[hx-trigger]') === null`, wait),
		screenshot(shots, "11-sync-done"),
	)
	runs, err := b.store.SyncRuns(t.Context(), partnerID, "catalog", 10)
	if err != nil || len(runs) < 2 || runs[0].State != "succeeded" {
		t.Errorf("sync runs after Sync now: %+v, %v", runs, err)
	}

	step(t, ctx, "the pages fit a phone",
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(b.srv.URL+"/mapping"),
		waitText("Client mapping", wait),
		screenshot(shots, "12-mapping-phone"),
		chromedp.Navigate(b.srv.URL+"/"),
		waitText("Overview", wait),
		screenshot(shots, "13-overview-phone"),
	)
}

// onlyPartner is the partner the HaloPSA sign-in created.
func (b *testBundle) onlyPartner(t *testing.T) int64 {
	t.Helper()
	partners, err := b.store.Partners(t.Context())
	if err != nil || len(partners) != 1 {
		t.Fatalf("partners: %+v, %v", partners, err)
	}
	return partners[0].ID
}
