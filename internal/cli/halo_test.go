package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"halobridge/internal/halo/halosim"
)

func TestHaloTest(t *testing.T) {
	t.Parallel()

	run := func(t *testing.T, sim *halosim.Sim, extra ...string) (int, *testBundle) {
		t.Helper()
		srv := httptest.NewServer(sim)
		t.Cleanup(srv.Close)
		b := setup(t, map[string]string{"HALOBRIDGE_CLIENT_SECRET": halosim.DefaultClientSecret})
		args := append([]string{"halo", "test", "--url", srv.URL, "--client-id", halosim.DefaultClientID}, extra...)
		return Main(context.Background(), args, b.env), b
	}

	t.Run("PrintsConnectionSuccessfulAgainstTheSimulator", func(t *testing.T) {
		t.Parallel()
		code, b := run(t, halosim.New(halosim.Options{Clients: 10}))
		if code != 0 {
			t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, b.stdout, b.stderr)
		}
		if !strings.Contains(b.stdout.String(), "Connection successful") {
			t.Errorf("stdout:\n%s", b.stdout)
		}
	})

	t.Run("NamesTheMissingPermission", func(t *testing.T) {
		t.Parallel()
		sim := halosim.New(halosim.Options{Clients: 10})
		sim.SetScopes(halosim.DefaultClientID, "edit:tickets", "edit:items", "edit:invoices", "all:teams")
		code, b := run(t, sim)
		if code != 1 {
			t.Fatalf("exit code %d, want 1\nstdout:\n%s", code, b.stdout)
		}
		out := b.stdout.String()
		if strings.Contains(out, "Connection successful") {
			t.Errorf("claims success without read:customers:\n%s", out)
		}
		if !strings.Contains(out, "read:customers") {
			t.Errorf("does not name read:customers:\n%s", out)
		}
	})

	t.Run("RequiresTheTenantWhenHaloDoes", func(t *testing.T) {
		t.Parallel()
		sim := halosim.New(halosim.Options{Clients: 10, Tenant: "acme"})
		if code, b := run(t, sim); code != 1 {
			t.Fatalf("without --tenant: exit code %d\n%s", code, b.stdout)
		}
		if code, b := run(t, sim, "--tenant", "acme"); code != 0 {
			t.Fatalf("with --tenant: exit code %d\n%s%s", code, b.stdout, b.stderr)
		}
	})

	t.Run("RejectsAURLThatIsNotOne", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		code := Main(context.Background(), []string{"halo", "test", "--url", "acme", "--client-id", "x", "--client-secret", "y"}, b.env)
		if code != 1 || !strings.Contains(b.stderr.String(), "https://acme.halopsa.com") {
			t.Fatalf("exit code %d, stderr %s", code, b.stderr)
		}
	})
}

func TestSimHalo(t *testing.T) {
	t.Parallel()

	t.Run("ServesTheSimulatorStandalone", func(t *testing.T) {
		t.Parallel()
		addr := freeAddr(t)
		b := setup(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		go func() { done <- Main(ctx, []string{"sim", "halo", "--listen", addr}, b.env) }()
		waitFor(t, "http://"+addr+"/api/AuthInfo")
		if want := "halobridge needs: --allow-private-urls loopback --allow-http (HALOBRIDGE_ALLOW_PRIVATE_URLS=loopback HALOBRIDGE_ALLOW_HTTP=true)"; !strings.Contains(b.stdout.String(), want) {
			t.Errorf("sim halo does not say what halobridge needs to reach it (%q):\n%s", want, b.stdout)
		}
		if want := "web view:        http://" + addr + "/ (tickets, customers, recurring invoices; read-only)"; !strings.Contains(b.stdout.String(), want) {
			t.Errorf("sim halo does not say where its web view is (%q):\n%s", want, b.stdout)
		}

		tb := setup(t, nil)
		code := Main(context.Background(), []string{"halo", "test", "--url", "http://" + addr,
			"--client-id", halosim.DefaultClientID, "--client-secret", halosim.DefaultClientSecret}, tb.env)
		if code != 0 || !strings.Contains(tb.stdout.String(), "Connection successful") {
			t.Errorf("halo test against sim halo: exit %d\n%s%s", code, tb.stdout, tb.stderr)
		}
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("exit code %d: %s", code, b.stderr)
		}
	})
}

func TestSimHaloFaults(t *testing.T) {
	t.Parallel()

	t.Run("FailsWritesAsFlaggedAndTakesNewSettingsWhileRunning", func(t *testing.T) {
		t.Parallel()
		addr := freeAddr(t)
		b := setup(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		go func() { done <- Main(ctx, []string{"sim", "halo", "--listen", addr, "--fail-rate", "1"}, b.env) }()
		base := "http://" + addr
		waitFor(t, base+"/api/AuthInfo")
		if out := b.stdout.String(); !strings.Contains(out, "faults:          1 of writes fail with 500 before they apply") ||
			!strings.Contains(out, base+"/_sim/trouble") {
			t.Errorf("start-up lines do not say which faults are set, nor where to change them:\n%s", out)
		}
		token := simToken(t, base)
		if status := postTicket(t, base, token, `[{"summary":"fault flags","client_id":1}]`); status != http.StatusInternalServerError {
			t.Errorf("create with --fail-rate 1: %d, want 500", status)
		}
		req, _ := http.NewRequest(http.MethodPut, base+"/_sim/trouble", strings.NewReader(`{"fail_rate":0}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("PUT /_sim/trouble: %d", resp.StatusCode)
		}
		// The simulator's own answer now, whatever it is: client 1 may not
		// take tickets, but no 500 comes any more.
		if status := postTicket(t, base, token, `[{"summary":"fault flags","client_id":1}]`); status == http.StatusInternalServerError {
			t.Errorf("create after the fault was turned off: %d", status)
		}
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("exit code %d: %s", code, b.stderr)
		}
	})

	t.Run("RefusesARateThatIsNotAFraction", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		code := Main(context.Background(), []string{"sim", "halo", "--listen", freeAddr(t), "--fail-rate", "1.5"}, b.env)
		if code != 1 || !strings.Contains(b.stderr.String(), "fail rate 1.5 must be a fraction between 0 and 1") {
			t.Errorf("exit code %d, stderr %q", code, b.stderr)
		}
	})

	t.Run("TheDemoPassesItsHaloFlagsOn", func(t *testing.T) {
		t.Parallel()
		addr := freeAddr(t)
		b := setup(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		go func() {
			done <- Main(ctx, []string{"demo", "--listen", addr, "--data-dir", t.TempDir(), "--halo-down", "--halo-latency", "5ms"}, b.env)
		}()
		waitFor(t, "http://"+addr+"/healthz")
		out := b.stdout.String()
		if !strings.Contains(out, "Simulated HaloPSA faults: down (every request refused); 5ms added to every answer") {
			t.Errorf("demo output does not say which HaloPSA faults are set:\n%s", out)
		}
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("exit code %d: %s", code, b.stderr)
		}
	})
}

// simToken signs in to the simulator at base as its default application.
func simToken(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.PostForm(base+"/auth/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {halosim.DefaultClientID}, "client_secret": {halosim.DefaultClientSecret}, "scope": {"all"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %d, %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// postTicket posts tickets (a JSON array) to the simulator at base and
// returns the answer's status.
func postTicket(t *testing.T, base, token, tickets string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/Tickets", strings.NewReader(tickets))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestHaloURLs(t *testing.T) {
	t.Parallel()
	cases := []struct{ base, auth, wantResource, wantAuth string }{
		{"https://acme.halopsa.com", "", "https://acme.halopsa.com/api", "https://acme.halopsa.com/auth"},
		{"https://acme.halopsa.com/", "", "https://acme.halopsa.com/api", "https://acme.halopsa.com/auth"},
		{"https://acme.halopsa.com/api", "", "https://acme.halopsa.com/api", "https://acme.halopsa.com/auth"},
		{"https://support.example.com/api", "https://auth.example.com/", "https://support.example.com/api", "https://auth.example.com"},
	}
	for _, c := range cases {
		r, a, err := haloURLs(c.base, c.auth)
		if err != nil || r != c.wantResource || a != c.wantAuth {
			t.Errorf("haloURLs(%q, %q) = %q, %q, %v; want %q, %q", c.base, c.auth, r, a, err, c.wantResource, c.wantAuth)
		}
	}
}
