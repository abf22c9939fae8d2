package cli

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"halobridge/internal/config"
	"halobridge/internal/wait"
)

// syncBuffer lets a test read what a still-running command has written.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type testBundle struct {
	stdout, stderr *syncBuffer
	env            Env
}

// setup gives the commands vars as their environment. The simulators these
// tests run listen on loopback over plain http, so the outbound URL guard is
// opened for them as an operator would, unless a test sets the two
// variables itself ("" leaves the guard closed).
func setup(t *testing.T, vars map[string]string) *testBundle {
	t.Helper()
	vars = maps.Clone(vars)
	if vars == nil {
		vars = map[string]string{}
	}
	for k, v := range map[string]string{"HALOBRIDGE_ALLOW_PRIVATE_URLS": "loopback", "HALOBRIDGE_ALLOW_HTTP": "true"} {
		if _, set := vars[k]; !set {
			vars[k] = v
		}
	}
	b := &testBundle{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	b.env = Env{Stdout: b.stdout, Stderr: b.stderr, Getenv: func(k string) string { return vars[k] }}
	return b
}

// freeAddr finds a loopback port nobody listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// serveForTest runs halobridge as 'serve' does, with the settings env
// gives as HALOBRIDGE_* variables, on a loopback port until the test ends.
// It returns the runtime, the server's address, and the variables that
// point a CLI command at the same data directory.
func serveForTest(t *testing.T, env map[string]string) (*runtime, string, map[string]string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg := config.Default()
	cfg.DataDir, cfg.BaseURL, cfg.LogLevel = t.TempDir(), base, "error"
	vars := map[string]string{"HALOBRIDGE_DATA_DIR": cfg.DataDir, "HALOBRIDGE_BASE_URL": base, "HALOBRIDGE_LOG_LEVEL": "error"}
	for k, v := range env {
		vars[k] = v
	}
	// The server reads its settings as every command does.
	fs := flagSet(&cfg)
	if err := config.ApplyEnv(fs, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	rt, err := openRuntime(ctx, cfg, Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { rt.serve(ctx, ln); close(served) }()
	t.Cleanup(func() { cancel(); <-served; rt.Close() })
	return rt, base, vars
}

// waitFor polls url until it answers 200.
func waitFor(t *testing.T, url string) {
	t.Helper()
	wait.For(t, url+" to answer 200", func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

func TestHelp(t *testing.T) {
	t.Parallel()

	t.Run("ListsEveryCommand", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		if code := Main(context.Background(), []string{"--help"}, b.env); code != 0 {
			t.Fatalf("exit code %d", code)
		}
		for _, want := range []string{"serve", "migrate", "demo", "halo test", "sim halo"} {
			if !strings.Contains(b.stdout.String(), "  "+want+" ") {
				t.Errorf("--help does not list %q:\n%s", want, b.stdout.String())
			}
		}
	})

	t.Run("EachCommandExplainsItsFlagsAndEnvironment", func(t *testing.T) {
		t.Parallel()
		cases := map[string][]string{
			"serve":     {"--listen", "HALOBRIDGE_DATABASE_URL", "/healthz", "SIGTERM", "--allow-private-urls  [HALOBRIDGE_ALLOW_PRIVATE_URLS]", "--allow-http  [HALOBRIDGE_ALLOW_HTTP]", "--max-events-per-push  [HALOBRIDGE_MAX_EVENTS_PER_PUSH]", "text_cleaned"},
			"migrate":   {"--database-url", "safe"},
			"demo":      {"--listen", "simulated HaloPSA"},
			"halo test": {"--client-id", "--tenant", "HALOBRIDGE_CLIENT_SECRET", "Connection successful", "HALOBRIDGE_ALLOW_PRIVATE_URLS", "HALOBRIDGE_ALLOW_HTTP"},
			"sim halo":  {"--rate-limit", "--tenant"},
		}
		for cmd, wants := range cases {
			b := setup(t, nil)
			args := append(strings.Fields(cmd), "--help")
			if code := Main(context.Background(), args, b.env); code != 0 {
				t.Fatalf("%s --help: exit code %d, stderr %s", cmd, code, b.stderr.String())
			}
			for _, want := range wants {
				if !strings.Contains(b.stdout.String(), want) {
					t.Errorf("%s --help lacks %q:\n%s", cmd, want, b.stdout.String())
				}
			}
		}
	})

	t.Run("UnknownCommandIsAUsageError", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		if code := Main(context.Background(), []string{"frobnicate"}, b.env); code != 2 {
			t.Fatalf("exit code %d, want 2", code)
		}
		if !strings.Contains(b.stderr.String(), `unknown command "frobnicate"`) {
			t.Errorf("stderr: %s", b.stderr.String())
		}
	})

	t.Run("AGroupGivenFlagsRunsItsShowOrList", func(t *testing.T) {
		t.Parallel()
		dir := withPartner(t, "acme")
		code, b := runIn(t, dir, nil, "billing policy", "--partner", "acme")
		if code != 1 || !strings.Contains(b.stderr.String(), "no billing policy is set") || strings.Contains(b.stderr.String(), "unknown command") {
			t.Errorf("billing policy --partner: exit %d, stderr %s", code, b.stderr)
		}
		code, b = runIn(t, dir, nil, "mapping", "--partner", "acme")
		if code != 0 || !strings.Contains(b.stdout.String(), "No HaloPSA clients yet") {
			t.Errorf("mapping --partner: exit %d: %s%s", code, b.stdout, b.stderr)
		}
	})

	t.Run("AnEmptyMappingListSaysWhatToDoNext", func(t *testing.T) {
		t.Parallel()
		dir := withPartner(t, "acme")
		code, b := runIn(t, dir, nil, "mapping list", "--partner", "acme")
		if code != 0 || !strings.Contains(b.stdout.String(), "Next: halobridge sync --partner acme --wait") {
			t.Errorf("exit %d: %s%s", code, b.stdout, b.stderr)
		}
		code, b = runIn(t, dir, nil, "mapping list", "--partner", "acme", "--search", "contoso")
		if code != 0 || !strings.Contains(b.stdout.String(), "No HaloPSA client matches these filters") {
			t.Errorf("with a filter: exit %d: %s%s", code, b.stdout, b.stderr)
		}
	})

	t.Run("AWrongSourceKindNamesTheValidOnesFirst", func(t *testing.T) {
		t.Parallel()
		dir := withPartner(t, "acme")
		code, b := runIn(t, dir, nil, "source add", "--partner", "acme", "--kind", "gz", "--name", "GZ")
		if code != 1 || !strings.Contains(b.stderr.String(), `halobridge: --kind must be gravityzone, defensx or push, not "gz"`) {
			t.Errorf("exit %d: %s", code, b.stderr)
		}
	})

	t.Run("AFreshDataDirectoryLogsOneLineOfMigrations", func(t *testing.T) {
		t.Parallel()
		code, b := runIn(t, filepath.Join(t.TempDir(), "new"), nil, "partner list")
		if code != 0 || !strings.HasPrefix(b.stdout.String(), "No partners yet") {
			t.Fatalf("exit %d: %s%s", code, b.stdout, b.stderr)
		}
		if lines := strings.Count(b.stderr.String(), "\n"); lines != 1 || !strings.Contains(b.stderr.String(), "database schema brought up to date") {
			t.Errorf("stderr holds %d lines, want the one line of the migrations:\n%s", lines, b.stderr)
		}
	})

	t.Run("UnknownFlagIsAUsageError", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		if code := Main(context.Background(), []string{"serve", "--no-such-flag"}, b.env); code != 2 {
			t.Fatalf("exit code %d, want 2", code)
		}
	})

	t.Run("BadEnvironmentValueIsNamed", func(t *testing.T) {
		t.Parallel()
		b := setup(t, map[string]string{"HALOBRIDGE_HALO_RATE_LIMIT": "lots"})
		if code := Main(context.Background(), []string{"serve", "--data-dir", t.TempDir()}, b.env); code != 1 {
			t.Fatalf("exit code %d, want 1", code)
		}
		if !strings.Contains(b.stderr.String(), "HALOBRIDGE_HALO_RATE_LIMIT") {
			t.Errorf("stderr does not name the variable: %s", b.stderr.String())
		}
	})
}

func TestServe(t *testing.T) {
	t.Parallel()

	t.Run("ServesProbesAndStopsGracefully", func(t *testing.T) {
		t.Parallel()
		addr := freeAddr(t)
		b := setup(t, map[string]string{"HALOBRIDGE_LISTEN": addr, "HALOBRIDGE_DATA_DIR": t.TempDir()})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		go func() { done <- Main(ctx, []string{"serve"}, b.env) }()

		waitFor(t, "http://"+addr+"/healthz")
		for path, want := range map[string]string{"/readyz": `"ready"`, "/metrics": "go_goroutines"} {
			resp, err := http.Get("http://" + addr + path)
			if err != nil {
				t.Fatal(err)
			}
			var body bytes.Buffer
			body.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(body.String(), want) {
				t.Errorf("GET %s: %d %s", path, resp.StatusCode, body.String())
			}
		}
		cancel() // what SIGTERM does through signal.NotifyContext in main
		select {
		case code := <-done:
			if code != 0 {
				t.Fatalf("exit code %d, stderr %s", code, b.stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not stop after its context ended")
		}
	})

	t.Run("MigrateTwiceIsANoOp", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		for i := range 2 {
			b := setup(t, nil)
			if code := Main(context.Background(), []string{"migrate", "--data-dir", dir}, b.env); code != 0 {
				t.Fatalf("run %d: exit code %d, stderr %s", i, code, b.stderr.String())
			}
			if !strings.Contains(b.stdout.String(), "up to date") {
				t.Errorf("run %d: %s", i, b.stdout.String())
			}
		}
	})
}

func TestDemo(t *testing.T) {
	t.Parallel()

	t.Run("ServesHealthzWithinFiveSecondsAndTellsANewUserWhatToType", func(t *testing.T) {
		t.Parallel()
		addr := freeAddr(t)
		b := setup(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan int, 1)
		start := time.Now()
		go func() {
			done <- Main(ctx, []string{"demo", "--listen", addr, "--data-dir", t.TempDir(), "--push-every", "100ms"}, b.env)
		}()
		waitFor(t, "http://"+addr+"/healthz")
		t.Logf("demo answered /healthz %s after start", time.Since(start))

		// A first-time user is told what to type, and the sign-in page answers.
		for _, want := range []string{"open http://" + addr, "HaloPSA URL:  http://127.0.0.1:", "Client ID:    halobridge-sim-login", "API key gz-sim-key",
			"Outbound URL guard: opened for the simulators: --allow-private-urls loopback --allow-http (HALOBRIDGE_ALLOW_PRIVATE_URLS=loopback HALOBRIDGE_ALLOW_HTTP=true)"} {
			if !strings.Contains(b.stdout.String(), want) {
				t.Errorf("demo output lacks %q:\n%s", want, b.stdout)
			}
		}
		resp, err := http.Get("http://" + addr + "/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET /login: %d", resp.StatusCode)
		}
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("exit code %d: %s", code, b.stderr.String())
		}
	})

	t.Run("SimulatorsListenOnThePortsGivenAndHaloPSAShowsItsSide", func(t *testing.T) {
		t.Parallel()
		addr, halo, gz, dx := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
		port := func(a string) string { _, p, _ := net.SplitHostPort(a); return p }
		b := setup(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan int, 1)
		go func() {
			done <- Main(ctx, []string{"demo", "--listen", addr, "--data-dir", t.TempDir(),
				"--halo-port", port(halo), "--gravityzone-port", port(gz), "--defensx-port", port(dx)}, b.env)
		}()
		waitFor(t, "http://"+addr+"/healthz")
		for _, want := range []string{"HaloPSA URL:  http://" + halo + "\n", "access URL http://" + gz + "/api,", "API root http://" + dx + "/",
			"See HaloPSA's side: http://" + halo + "/ shows the simulated HaloPSA's tickets"} {
			if !strings.Contains(b.stdout.String(), want) {
				t.Errorf("demo output lacks %q:\n%s", want, b.stdout)
			}
		}
		page := func() string {
			resp, err := http.Get("http://" + halo + "/")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET the simulated HaloPSA's ticket list: %d\n%s", resp.StatusCode, body)
			}
			return string(body)
		}
		if !strings.Contains(page(), "<h1>Tickets</h1>") {
			t.Fatal("the simulated HaloPSA's web view shows no ticket list")
		}
		base := "http://" + halo
		if status := postTicket(t, base, simToken(t, base), `[{"summary":"Printer <b>on fire</b>","client_id":101}]`); status != http.StatusCreated {
			t.Fatalf("POST /api/Tickets: %d", status)
		}
		if got := page(); !strings.Contains(got, "Printer &lt;b&gt;on fire&lt;/b&gt;</a>") {
			t.Errorf("the ticket list does not show the new ticket:\n%s", got)
		}
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("exit code %d: %s", code, b.stderr.String())
		}
	})

	t.Run("APortInUseNamesItsFlag", func(t *testing.T) {
		t.Parallel()
		taken, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer taken.Close()
		_, port, _ := net.SplitHostPort(taken.Addr().String())
		b := setup(t, nil)
		code := Main(context.Background(), []string{"demo", "--listen", freeAddr(t), "--data-dir", t.TempDir(), "--defensx-port", port}, b.env)
		if want := "listen for the simulated DefensX"; code != 1 || !strings.Contains(b.stderr.String(), want) || !strings.Contains(b.stderr.String(), "choose another --defensx-port, or 0 for any free port") {
			t.Errorf("exit code %d, stderr %q", code, b.stderr)
		}
	})
}
