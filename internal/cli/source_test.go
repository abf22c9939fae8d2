package cli

import (
	"context"
	"net/http/httptest"
	"path/filepath"
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
	keys, err := secret.LoadKeyring("", filepath.Join(dir, "secret.key"))
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
		dir := withPartner(t, "acme")
		sim := gzsim.New(gzsim.Options{RateLimit: -1})
		gz := httptest.NewServer(sim)
		t.Cleanup(gz.Close)
		b := setup(t, map[string]string{"HALOBRIDGE_API_KEY": gzsim.DefaultAPIKey})
		code := Main(context.Background(), []string{"source", "add", "--data-dir", dir, "--partner", "acme", "--kind", "gravityzone",
			"--name", "GZ", "--api-url", gz.URL + "/api", "--base-url", "https://hb.example.com"}, b.env)
		if code != 0 {
			t.Fatalf("exit code %d: %s", code, b.stderr)
		}
		settings, ok := sim.PushSettings()
		if !ok || !strings.HasPrefix(settings.ServiceSettings.URL, "https://hb.example.com/ingest/") {
			t.Errorf("push settings %+v", settings)
		}
		if !strings.Contains(b.stdout.String(), settings.ServiceSettings.URL) {
			t.Errorf("stdout does not show the delivery URL:\n%s", b.stdout)
		}

		l := setup(t, nil)
		if code := Main(context.Background(), []string{"source", "list", "--data-dir", dir, "--partner", "acme"}, l.env); code != 0 {
			t.Fatalf("list: exit code %d: %s", code, l.stderr)
		}
		if !strings.Contains(l.stdout.String(), "gravityzone") || !strings.Contains(l.stdout.String(), gz.URL) {
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

	t.Run("NamesAnUnknownPartner", func(t *testing.T) {
		t.Parallel()
		dir := withPartner(t, "acme")
		b := setup(t, nil)
		code := Main(context.Background(), []string{"source", "add", "--data-dir", dir, "--partner", "nope", "--kind", "push"}, b.env)
		if code != 1 || !strings.Contains(b.stderr.String(), `no partner "nope"`) {
			t.Errorf("exit code %d, stderr %s", code, b.stderr)
		}
	})
}
