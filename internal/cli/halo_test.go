package cli

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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
		waitFor(t, "http://"+addr+"/api/AuthInfo", 5*time.Second)

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
