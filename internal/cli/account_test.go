package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"halobridge/internal/auth"
	"halobridge/internal/config"
	"halobridge/internal/store"
)

// accountBundle is a data directory with partners acme and beta, and the
// environment that points commands at it.
type accountBundle struct {
	vars map[string]string
	cfg  config.Config
}

func setupAccounts(t *testing.T) *accountBundle {
	t.Helper()
	a := &accountBundle{cfg: config.Default()}
	a.cfg.DataDir = t.TempDir()
	a.cfg.LogLevel = "error"
	a.vars = map[string]string{"HALOBRIDGE_DATA_DIR": a.cfg.DataDir, "HALOBRIDGE_LOG_LEVEL": "error"}
	a.withStore(t, func(st *store.Store) {
		for _, slug := range []string{"acme", "beta"} {
			if _, err := st.CreatePartner(t.Context(), store.Partner{Name: slug, Slug: slug}); err != nil {
				t.Fatal(err)
			}
		}
	})
	return a
}

// withStore opens the data directory the way the commands do.
func (a *accountBundle) withStore(t *testing.T, fn func(st *store.Store)) {
	t.Helper()
	rt, err := openRuntime(t.Context(), a.cfg, Env{Stdout: &syncBuffer{}, Stderr: &syncBuffer{}, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	fn(rt.store)
}

// run runs the command line with extra environment variables.
func (a *accountBundle) run(t *testing.T, cmds []*command, extra map[string]string, args ...string) (int, *testBundle) {
	t.Helper()
	vars := map[string]string{}
	for k, v := range a.vars {
		vars[k] = v
	}
	for k, v := range extra {
		vars[k] = v
	}
	b := setup(t, vars)
	if cmds == nil {
		return Main(context.Background(), args, b.env), b
	}
	err := dispatch(context.Background(), b.env, cmds, args, "halobridge")
	if err != nil {
		b.stderr.Write([]byte(err.Error()))
		return 1, b
	}
	return 0, b
}

// signsIn says whether the password signs the email in.
func (a *accountBundle) signsIn(t *testing.T, email, password string) bool {
	t.Helper()
	ok := false
	a.withStore(t, func(st *store.Store) {
		_, err := (&auth.Service{Store: st}).PasswordLogin(t.Context(), email, password, "192.0.2.1")
		ok = err == nil
	})
	return ok
}

// tokenWorks says whether the token gets through auth.Middleware.
func (a *accountBundle) tokenWorks(t *testing.T, token string) bool {
	t.Helper()
	status := 0
	a.withStore(t, func(st *store.Store) {
		h := (&auth.Service{Store: st}).Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		req := httptest.NewRequest(http.MethodGet, "/api/v1/whoami", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		status = rec.Code
	})
	return status == http.StatusOK
}

const cliPassword = "a long enough password"

func TestAccountAdd(t *testing.T) {
	t.Parallel()

	t.Run("AddsAnAccountWithThePasswordFromTheEnvironment", func(t *testing.T) {
		t.Parallel()
		a := setupAccounts(t)
		code, b := a.run(t, nil, map[string]string{"HALOBRIDGE_PASSWORD": cliPassword},
			"account", "add", "--partner", "acme", "--email", "Ops@Acme.example", "--name", "Olivia Ops")
		if code != 0 || b.stdout.String() != "Added admin account ops@acme.example to partner acme.\n" {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, b.stdout, b.stderr)
		}
		if !a.signsIn(t, "ops@acme.example", cliPassword) {
			t.Error("the new account does not sign in with its password")
		}
	})

	t.Run("ReadsThePasswordFromStandardInput", func(t *testing.T) {
		t.Parallel()
		a := setupAccounts(t)
		cmds := []*command{{name: "account", children: []*command{accountAddCommand(strings.NewReader(cliPassword + "\r\nnext line\n"))}}}
		code, b := a.run(t, cmds, nil, "account", "add", "--partner", "beta", "--email", "it@beta.example", "--role", "member")
		if code != 0 || !strings.Contains(b.stdout.String(), "Added member account it@beta.example to partner beta.") {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, b.stdout, b.stderr)
		}
		if !a.signsIn(t, "it@beta.example", cliPassword) {
			t.Error("the account does not sign in with the first line of standard input")
		}
	})

	t.Run("HasNoPasswordFlag", func(t *testing.T) {
		t.Parallel()
		a := setupAccounts(t)
		code, b := a.run(t, nil, nil, "account", "add", "--partner", "acme", "--email", "ops@acme.example", "--password", cliPassword)
		if code != 2 || !strings.Contains(b.stderr.String(), "flag provided but not defined: -password") {
			t.Errorf("exit %d, stderr %s; want a usage error", code, b.stderr)
		}
	})

	t.Run("RefusesWhatCannotBecomeAnAccount", func(t *testing.T) {
		t.Parallel()
		a := setupAccounts(t)
		a.run(t, nil, map[string]string{"HALOBRIDGE_PASSWORD": cliPassword}, "account", "add", "--partner", "acme", "--email", "ops@acme.example")
		empty := []*command{{name: "account", children: []*command{accountAddCommand(strings.NewReader(""))}}}
		cases := []struct {
			name string
			cmds []*command
			env  map[string]string
			args []string
			want string
		}{
			{"NoPassword", empty, nil, []string{"--partner", "acme", "--email", "x@acme.example"}, "no password: give it on standard input or in HALOBRIDGE_PASSWORD"},
			{"ShortPassword", nil, map[string]string{"HALOBRIDGE_PASSWORD": "short"}, []string{"--partner", "acme", "--email", "x@acme.example"}, "at least 12 characters"},
			{"UnknownPartner", nil, map[string]string{"HALOBRIDGE_PASSWORD": cliPassword}, []string{"--partner", "gamma", "--email", "x@acme.example"}, `no partner "gamma"`},
			{"TakenEmail", nil, map[string]string{"HALOBRIDGE_PASSWORD": cliPassword}, []string{"--partner", "acme", "--email", "OPS@acme.example"}, "partner acme already has an account ops@acme.example"},
			{"NotAnEmail", nil, map[string]string{"HALOBRIDGE_PASSWORD": cliPassword}, []string{"--partner", "acme", "--email", "ops"}, "not an email address"},
			{"UnknownRole", nil, map[string]string{"HALOBRIDGE_PASSWORD": cliPassword}, []string{"--partner", "acme", "--email", "x@acme.example", "--role", "owner"}, `role "owner"`},
		}
		for _, c := range cases {
			code, b := a.run(t, c.cmds, c.env, append([]string{"account", "add"}, c.args...)...)
			if code != 1 || !strings.Contains(b.stderr.String(), c.want) {
				t.Errorf("%s: exit %d, stderr %q; want 1 saying %q", c.name, code, b.stderr, c.want)
			}
		}
	})
}

func TestTokenCommands(t *testing.T) {
	t.Parallel()

	t.Run("CreatesListsAndRevokesATokenOfOnePartner", func(t *testing.T) {
		t.Parallel()
		a := setupAccounts(t)
		code, b := a.run(t, nil, nil, "token", "create", "--partner", "acme", "--name", "RMM sync")
		token := strings.TrimSuffix(b.stdout.String(), "\n")
		if code != 0 || !regexp.MustCompile(`^hb_[a-z2-7]{8}_[a-z2-7]{32}$`).MatchString(token) {
			t.Fatalf("exit %d, stdout %q, want the token alone\nstderr: %s", code, b.stdout, b.stderr)
		}
		if !strings.Contains(b.stderr.String(), "only time it is shown") {
			t.Errorf("stderr does not say the token is shown once: %s", b.stderr)
		}
		if !a.tokenWorks(t, token) {
			t.Fatal("the created token is refused")
		}

		code, b = a.run(t, nil, nil, "token", "list", "--partner", "acme")
		prefix := token[:len("hb_")+8]
		if code != 0 || !strings.Contains(b.stdout.String(), "RMM sync") || !strings.Contains(b.stdout.String(), prefix+"…") || strings.Contains(b.stdout.String(), token) {
			t.Errorf("token list: exit %d\n%s", code, b.stdout)
		}
		if code, b = a.run(t, nil, nil, "token", "list", "--partner", "beta"); code != 0 || strings.Contains(b.stdout.String(), "RMM sync") {
			t.Errorf("beta's token list: exit %d, shows acme's token:\n%s", code, b.stdout)
		}

		if code, b = a.run(t, nil, nil, "token", "revoke", "--partner", "beta", "1"); code != 1 || !strings.Contains(b.stderr.String(), "partner beta has no API token 1") {
			t.Errorf("revoking acme's token as beta: exit %d, stderr %s", code, b.stderr)
		}
		if !a.tokenWorks(t, token) {
			t.Fatal("the token stopped working after beta's attempt to revoke it")
		}
		code, b = a.run(t, nil, nil, "token", "revoke", "--partner", "acme", "1")
		if code != 0 || !strings.Contains(b.stdout.String(), "Revoked API token 1 (RMM sync, "+prefix+"…).") {
			t.Errorf("revoke: exit %d\nstdout: %s\nstderr: %s", code, b.stdout, b.stderr)
		}
		if a.tokenWorks(t, token) {
			t.Error("the revoked token still works")
		}
	})

	t.Run("RefusesATokenWithoutAName", func(t *testing.T) {
		t.Parallel()
		a := setupAccounts(t)
		if code, b := a.run(t, nil, nil, "token", "create", "--partner", "acme"); code != 1 || !strings.Contains(b.stderr.String(), "give it a name") {
			t.Errorf("exit %d, stderr %s", code, b.stderr)
		}
	})
}
