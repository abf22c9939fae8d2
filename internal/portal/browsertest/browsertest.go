// Package browsertest drives a headless Chromium for halobridge's browser
// tests: starting it with a fresh profile (or skipping when it is not
// installed), failing the test when a page breaks its content security
// policy, waiting for text and scripts, clicking through steps, and keeping
// screenshots as test artifacts.
package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"
)

// chromiumPaths are where Debian and other systems install Chromium.
var chromiumPaths = []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}

// Browser starts a headless Chromium with a fresh profile, or skips the
// test when none is installed. The test fails when Chromium reports a
// security error, such as a script or style its page's content security
// policy blocked: a page that works only with its policy off is broken.
func Browser(t *testing.T) context.Context {
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
	// A bound for a test that hangs, not a measure: a walkthrough that
	// also checks its pages at two sizes on a busy machine takes minutes.
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium %s: %v", path, err)
	}
	var (
		mu       sync.Mutex
		refusals []string
	)
	// The listener runs in the tab's message loop, in order: every report
	// sent before the test's last command answered is in by its end.
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*log.EventEntryAdded); ok && e.Entry.Source == log.EntrySourceSecurity && e.Entry.Level == log.EntryLevelError {
			mu.Lock()
			refusals = append(refusals, e.Entry.URL+": "+e.Entry.Text)
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("listen to Chromium's log: %v", err)
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range refusals {
			t.Errorf("Chromium refused part of a page: %s", r)
		}
	})
	return ctx
}

// Artifacts is where screenshots go: $HALOBRIDGE_ARTIFACTS, or
// artifacts/screenshots at the module root.
func Artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("HALOBRIDGE_ARTIFACTS")
	if dir == "" {
		root, err := ModuleRoot()
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

// ModuleRoot is the directory of go.mod above the test's working directory.
func ModuleRoot() (string, error) {
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

// Screenshot saves the whole page as <dir>/<name>.png.
func Screenshot(dir, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		// A page that is being swapped or laid out has no size for a
		// moment ("Cannot take screenshot with 0 width"): try again briefly.
		var png []byte
		var err error
		for try := 0; try < 10; try++ {
			if png, err = chromedp.FullScreenshot(100)(ctx, t); err == nil || ctx.Err() != nil {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("screenshot %s: %w", name, err)
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	})
}

// Until waits until a script's expression is true in the page. The page
// may be navigating meanwhile (a form posted, htmx redirected), which
// interrupts one evaluation but not the wait.
func Until(expression string, timeout time.Duration) chromedp.Action[chromedp.Void] {
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

// WaitText waits until the page shows text.
func WaitText(text string, timeout time.Duration) chromedp.Action[chromedp.Void] {
	q, _ := json.Marshal(text)
	return Until(fmt.Sprintf("document.body !== null && document.body.innerText.includes(%s)", q), timeout)
}

// Ready waits until the page has loaded and htmx has processed it, so that
// what the test does next is what htmx listens for.
func Ready(timeout time.Duration) chromedp.Action[chromedp.Void] {
	return Until(`document.readyState === 'complete' && window.htmx !== undefined`, timeout)
}

// JS runs a script in the page, as a person's clicks and choices would.
func JS(script string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[chromedp.Void]("(() => {"+script+"})(); undefined")(ctx, t)
		return err
	})
}

// Navigate opens url. A navigation the page was still making (a form
// that was just submitted, a redirect) can abort it with net::ERR_ABORTED;
// it is then made again, a few times.
func Navigate(url string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		var err error
		for range 3 {
			if _, err = chromedp.Navigate(url)(ctx, t); err == nil || !strings.Contains(err.Error(), "net::ERR_ABORTED") {
				return err
			}
			time.Sleep(200 * time.Millisecond)
		}
		return err
	})
}

// Step runs actions, naming the step and showing the page's text when one
// fails.
func Step(t *testing.T, ctx context.Context, name string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
		t.Fatalf("%s: %v\npage text:\n%s", name, err, page)
	}
}

// CSS selects by CSS selector.
func CSS(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// TestBrowserWalkthrough is a new partner's first visit, in a real
// Chromium: log in with the simulated HaloPSA, walk the wizard, map a
// client, see an alert from the simulated GravityZone become a ticket,
// and run Sync now while watching its progress. Screenshots of each stage
// are kept as test artifacts.

// Viewport is a screen a page must fit.
type Viewport struct {
	Name          string
	Width, Height int64
}

// Viewports are the screens every portal page is checked on: a common
// laptop and a common phone.
var Viewports = []Viewport{{"1366x768", 1366, 768}, {"390x844", 390, 844}}

// fitScript lists what does not fit the window: a page wider than it, and
// any visible control whose text is cut (an input's value or placeholder,
// a select's chosen option, a button's label).
const fitScript = `(() => {
	const problems = [];
	const doc = document.documentElement;
	if (doc.scrollWidth > window.innerWidth) {
		problems.push('the page scrolls sideways: ' + doc.scrollWidth + 'px wide in a ' + window.innerWidth + 'px window');
	}
	const canvas = document.createElement('canvas').getContext('2d');
	const textWidth = (el, text) => {
		const cs = getComputedStyle(el);
		canvas.font = cs.fontStyle + ' ' + cs.fontWeight + ' ' + cs.fontSize + ' ' + cs.fontFamily;
		return canvas.measureText(text).width;
	};
	const describe = el => el.tagName.toLowerCase() + (el.name ? '[name="' + el.name + '"]' : '') + (el.id ? '#' + el.id : '');
	for (const el of document.querySelectorAll('input, select, button, textarea')) {
		if (el.type === 'hidden' || el.type === 'checkbox' || el.type === 'radio' || !el.checkVisibility({visibilityProperty: true})) continue;
		const rect = el.getBoundingClientRect();
		if (rect.width === 0 || rect.height === 0) continue;
		if (rect.right > window.innerWidth + 1) {
			problems.push(describe(el) + ' reaches past the window (' + Math.round(rect.right) + 'px)');
			continue;
		}
		const cs = getComputedStyle(el);
		const inner = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
		if (el.tagName === 'SELECT') {
			const opt = el.selectedOptions[0];
			// Chromium draws the select's arrow inside its padding box.
			if (opt && textWidth(el, opt.text) > inner - 16) {
				problems.push(describe(el) + ' cuts its choice "' + opt.text + '"');
			}
			continue;
		}
		if (el.scrollWidth > el.clientWidth + 1) {
			problems.push(describe(el) + ' cuts its text "' + (el.value || el.textContent || '').trim().slice(0, 60) + '"');
			continue;
		}
		if (el.tagName === 'INPUT' && el.value === '' && el.placeholder && textWidth(el, el.placeholder) > inner + 1) {
			problems.push(describe(el) + ' cuts its placeholder "' + el.placeholder + '"');
		}
	}
	return problems;
})()`

// Fits shows the current page on each of Viewports, saves a screenshot
// of it as <dir>/<name>-<viewport>.png, and fails when the page scrolls
// sideways or cuts the text of a control. It leaves the last viewport on.
func Fits(dir, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		var problems []string
		for _, v := range Viewports {
			if _, err := chromedp.EmulateViewport(v.Width, v.Height)(ctx, t); err != nil {
				return err
			}
			// Let the page lay itself out for the new width.
			if _, err := Until(`document.readyState === 'complete'`, 10*time.Second)(ctx, t); err != nil {
				return err
			}
			if _, err := Screenshot(dir, name+"-"+v.Name)(ctx, t); err != nil {
				return err
			}
			found, err := chromedp.Evaluate[[]string](fitScript)(ctx, t)
			if err != nil {
				return fmt.Errorf("check that %s fits %s: %w", name, v.Name, err)
			}
			for _, p := range found {
				problems = append(problems, v.Name+": "+p)
			}
		}
		if len(problems) > 0 {
			return fmt.Errorf("%s does not fit the screen:\n  %s", name, strings.Join(problems, "\n  "))
		}
		return nil
	})
}
