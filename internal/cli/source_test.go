package cli

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"halobridge/internal/secret"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
)

// withPartner makes a data directory holding one partner, as 'partner add' would.
func withPartner(t *testing.T, slug string) string {
	t.Helper()
	dir := t.TempDir()
	keys, err := secret.LoadKeyring("", filepath.Join(dir, "secret.key"), nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), store.Config{DataDir: dir, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreatePartner(t.Context(), store.Partner{Name: "Acme IT", Slug: slug}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestSource(t *testing.T) {
	t.Parallel()

	t.Run("AddsAGravityZoneSourceAndRegistersItsPush", func(t *testing.T) {
		t.Parallel()
		dir, gz, _, added := withGravityZoneSource(t)
		settings, ok := gz.PushSettings()
		if !ok || !strings.HasPrefix(settings.ServiceSettings.URL, "https://hb.example.com/ingest/") {
			t.Errorf("push settings %+v", settings)
		}
		if !strings.Contains(added, settings.ServiceSettings.URL) {
			t.Errorf("stdout does not show the delivery URL:\n%s", added)
		}

		l := setup(t, nil)
		if code := Main(context.Background(), []string{"source", "list", "--data-dir", dir, "--partner", "acme"}, l.env); code != 0 {
			t.Fatalf("list: exit code %d: %s", code, l.stderr)
		}
		if !strings.Contains(l.stdout.String(), "gravityzone") || !strings.Contains(l.stdout.String(), gz.srv.URL) {
			t.Errorf("list:\n%s", l.stdout)
		}
	})

	t.Run("PrintsThePushTokenOnce", func(t *testing.T) {
		t.Parallel()
		dir := withPartner(t, "acme")
		b := setup(t, nil)
		if code := Main(context.Background(), []string{"source", "add", "--data-dir", dir, "--partner", "acme", "--kind", "push", "--name", "EDR"}, b.env); code != 0 {
			t.Fatalf("exit code %d: %s", code, b.stderr)
		}
		if !strings.Contains(b.stdout.String(), "Token:") || !strings.Contains(b.stdout.String(), "/api/push/v1") {
			t.Errorf("stdout:\n%s", b.stdout)
		}
	})

	t.Run("SetsAndRemovesAPushSourcesCallbackURL", func(t *testing.T) {
		t.Parallel()
		dir := withPartner(t, "acme")
		run := func(args ...string) (int, string, string) {
			b := setup(t, nil)
			code := Main(context.Background(), append([]string{"source"}, append(args[:1:1], append([]string{"--data-dir", dir, "--partner", "acme"}, args[1:]...)...)...), b.env)
			return code, b.stdout.String(), b.stderr.String()
		}
		if code, _, stderr := run("add", "--kind", "push", "--name", "EDR"); code != 0 {
			t.Fatalf("add: exit code %d: %s", code, stderr)
		}
		if code, stdout, stderr := run("update", "--source", "1", "--callback-url", "https://edr.example.com/halo"); code != 0 || !strings.Contains(stdout, "Saved") {
			t.Fatalf("update: exit code %d, stdout %s, stderr %s", code, stdout, stderr)
		}
		if _, stdout, _ := run("list"); !strings.Contains(stdout, "https://edr.example.com/halo") {
			t.Errorf("list does not show the callback URL:\n%s", stdout)
		}
		if code, _, stderr := run("update", "--source", "1", "--callback-url", "http://10.0.0.5/halo"); code != 1 || !strings.Contains(stderr, "--callback-url: the callback URL is refused") {
			t.Errorf("a private plain-http callback URL: exit code %d, stderr %s", code, stderr)
		}
		if code, _, stderr := run("update", "--source", "1", "--no-callback"); code != 0 {
			t.Fatalf("--no-callback: exit code %d: %s", code, stderr)
		}
		if _, stdout, _ := run("list"); strings.Contains(stdout, "edr.example.com") {
			t.Errorf("list still shows the removed callback URL:\n%s", stdout)
		}
	})

	t.Run("NamesAnUnknownPartner", func(t *testing.T) {
		t.Parallel()
		dir := withPartner(t, "acme")
		b := setup(t, nil)
		code := Main(context.Background(), []string{"source", "add", "--data-dir", dir, "--partner", "nope", "--kind", "push"}, b.env)
		if code != 1 || !strings.Contains(b.stderr.String(), `no partner "nope"`) {
			t.Errorf("exit code %d, stderr %s", code, b.stderr)
		}
	})

	t.Run("UpdatesTheNameAndRefusesAKeyThatFailsTheTest", func(t *testing.T) {
		t.Parallel()
		dir, sim, id, _ := withGravityZoneSource(t)
		b := setup(t, nil)
		code := Main(context.Background(), []string{"source", "update", "--data-dir", dir, "--partner", "acme", "--source", id,
			"--name", "GravityZone US", "--base-url", "https://hb.example.com"}, b.env)
		if code != 0 || !strings.Contains(b.stdout.String(), "Saved GravityZone 'GravityZone US' (id "+id+").") {
			t.Fatalf("exit code %d, stdout %s, stderr %s", code, b.stdout, b.stderr)
		}
		bad := setup(t, map[string]string{"HALOBRIDGE_API_KEY": "not-the-key"})
		code = Main(context.Background(), []string{"source", "update", "--data-dir", dir, "--partner", "acme", "--source", id,
			"--base-url", "https://hb.example.com"}, bad.env)
		if code != 1 || !strings.Contains(bad.stderr.String(), "--api-key: listing the customers with the new settings failed, so nothing was saved") ||
			!strings.Contains(bad.stderr.String(), "did not accept the API key") {
			t.Errorf("a wrong key: exit code %d, stderr %s", code, bad.stderr)
		}
		if settings, _ := sim.PushSettings(); settings.Status != 1 || !strings.HasPrefix(settings.ServiceSettings.URL, "https://hb.example.com/ingest/") {
			t.Errorf("push settings after a refused key: %+v", settings)
		}
	})

	t.Run("RemoveSaysWhatWouldGoThenRemovesWithYes", func(t *testing.T) {
		t.Parallel()
		dir, sim, id, _ := withGravityZoneSource(t)
		b := setup(t, nil)
		code := Main(context.Background(), []string{"source", "remove", "--data-dir", dir, "--partner", "acme", "--source", id}, b.env)
		if code != 1 || !strings.Contains(b.stdout.String(), "Removing GravityZone 'GZ' would delete its alerts (0)") ||
			!strings.Contains(b.stderr.String(), "nothing was removed: add --yes") {
			t.Fatalf("without --yes: exit code %d, stdout %s, stderr %s", code, b.stdout, b.stderr)
		}
		if settings, _ := sim.PushSettings(); settings.Status != 1 {
			t.Fatal("the push was switched off without --yes")
		}
		y := setup(t, nil)
		code = Main(context.Background(), []string{"source", "remove", "--data-dir", dir, "--partner", "acme", "--source", id, "--yes",
			"--base-url", "https://hb.example.com"}, y.env)
		if code != 0 || !strings.Contains(y.stdout.String(), "GravityZone 'GZ' is removed") || !strings.Contains(y.stdout.String(), "was switched off") {
			t.Fatalf("with --yes: exit code %d, stdout %s, stderr %s", code, y.stdout, y.stderr)
		}
		if settings, _ := sim.PushSettings(); settings.Status != 0 {
			t.Errorf("GravityZone still pushes: %+v", settings)
		}
		again := setup(t, nil)
		code = Main(context.Background(), []string{"source", "remove", "--data-dir", dir, "--partner", "acme", "--source", id, "--yes"}, again.env)
		if code != 1 || !strings.Contains(again.stderr.String(), "the partner has no source "+id) {
			t.Errorf("removing twice: exit code %d, stderr %s", code, again.stderr)
		}
	})

	t.Run("RemoveWithGravityZoneGoneSaysWhatIsLeftThere", func(t *testing.T) {
		t.Parallel()
		dir, sim, id, _ := withGravityZoneSource(t)
		sim.Close()
		b := setup(t, nil)
		code := Main(context.Background(), []string{"source", "remove", "--data-dir", dir, "--partner", "acme", "--source", id, "--yes",
			"--base-url", "https://hb.example.com"}, b.env)
		if code != 0 || !strings.Contains(b.stdout.String(), "Left to do by hand: GravityZone's Event Push Service could not be switched off") ||
			!strings.Contains(b.stdout.String(), "https://hb.example.com/ingest/") {
			t.Errorf("exit code %d, stdout %s, stderr %s", code, b.stdout, b.stderr)
		}
	})

	t.Run("HelpExplainsUpdateAndRemove", func(t *testing.T) {
		t.Parallel()
		for cmd, want := range map[string]string{"update": "tested before it is saved", "remove": "Without --yes nothing is removed"} {
			b := setup(t, nil)
			if code := Main(context.Background(), []string{"source", cmd, "--help"}, b.env); code != 0 ||
				!strings.Contains(b.stdout.String(), want) || !strings.Contains(b.stdout.String(), "HALOBRIDGE_BASE_URL") {
				t.Errorf("source %s --help: exit code %d\n%s", cmd, code, b.stdout)
			}
		}
	})
}

// gzServer is a simulated GravityZone that can be taken away.
type gzServer struct {
	*gzsim.Sim
	srv *httptest.Server
}

func (g gzServer) Close() { g.srv.Close() }

// withGravityZoneSource makes a data directory whose partner acme has
// connected a simulated GravityZone as source "GZ", and returns its id and
// what adding it printed.
func withGravityZoneSource(t *testing.T) (string, gzServer, string, string) {
	t.Helper()
	dir := withPartner(t, "acme")
	sim := gzsim.New(gzsim.Options{RateLimit: -1})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	b := setup(t, map[string]string{"HALOBRIDGE_API_KEY": gzsim.DefaultAPIKey})
	code := Main(context.Background(), []string{"source", "add", "--data-dir", dir, "--partner", "acme", "--kind", "gravityzone",
		"--name", "GZ", "--api-url", srv.URL + "/api", "--base-url", "https://hb.example.com"}, b.env)
	if code != 0 {
		t.Fatalf("source add: exit code %d: %s", code, b.stderr)
	}
	m := regexp.MustCompile(`\(id (\d+)\)`).FindStringSubmatch(b.stdout.String())
	if m == nil {
		t.Fatalf("source add printed no id:\n%s", b.stdout)
	}
	return dir, gzServer{Sim: sim, srv: srv}, m[1], b.stdout.String()
}
