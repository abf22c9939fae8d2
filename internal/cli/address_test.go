package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// lastLine is the last line of out, where a command's error stands after
// its logs.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestAddressErrors(t *testing.T) {
	t.Parallel()

	t.Run("HaloTestSaysAServerIsNotHaloPSA", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		t.Cleanup(srv.Close)
		b := setup(t, nil)
		code := Main(context.Background(), []string{"halo", "test", "--url", srv.URL, "--client-id", "x", "--client-secret", "y"}, b.env)
		want := "✗ Get an access token: " + srv.URL + " does not look like a HaloPSA: /auth/token answered 404 (page not found)\n" +
			"Fix these to finish the connection:\n" +
			"1. Check the HaloPSA URL (the address you sign in to HaloPSA with). " +
			"Check the authorisation server URL as well if you gave one (e.g. https://<your instance>.halopsa.com/auth), " +
			"as shown in HaloPSA under Configuration > Integrations > HaloPSA API > API Details.\n"
		if code != 1 || b.stdout.String() != want || b.stderr.String() != "halobridge: the connection is not ready\n" {
			t.Errorf("exit code %d\nstdout:\n%s\nwant\n%s\nstderr:\n%s", code, b.stdout, want, b.stderr)
		}
	})

	t.Run("SourceAddSaysTheGravityZoneURLDidNotAnswer", func(t *testing.T) {
		t.Parallel()
		dir := withPartner(t, "acme")
		b := setup(t, map[string]string{"HALOBRIDGE_API_KEY": "gz-key"})
		code := Main(context.Background(), []string{"source", "add", "--data-dir", dir, "--partner", "acme", "--kind", "gravityzone",
			"--name", "GZ", "--api-url", "http://127.0.0.1:1/api", "--base-url", "https://hb.example.com"}, b.env)
		want := "halobridge: The GravityZone access URL http://127.0.0.1:1/api did not answer (connection refused). " +
			"Check the access URL: copy it from GravityZone, Control Center > My Account > Control Center API (e.g. https://cloudgz.gravityzone.bitdefender.com/api)."
		if got := lastLine(b.stderr.String()); code != 1 || got != want {
			t.Errorf("exit code %d, last line:\n%s\nwant\n%s", code, got, want)
		}

		l := setup(t, nil)
		if code := Main(context.Background(), []string{"source", "list", "--data-dir", dir, "--partner", "acme"}, l.env); code != 0 || strings.Contains(l.stdout.String(), "gravityzone") {
			t.Errorf("after the failure, source list: exit code %d\n%s", code, l.stdout)
		}
	})
}
