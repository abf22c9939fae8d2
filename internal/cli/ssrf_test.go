package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"halobridge/internal/auth"
	"halobridge/internal/config"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// TestOutboundGuard tries every way a person can make halobridge call an
// address of their choosing against a listener on loopback that stands for
// an internal service: while the outbound URL guard is closed (as serve
// starts by default), and while it is open only for a "public" server on
// another loopback address that answers with redirects and authorisation
// servers pointing inward, the listener must receive no connection and the
// person must read a clear refusal; once the operator opens loopback and
// http, the same requests reach it.
func TestOutboundGuard(t *testing.T) {
	t.Parallel()
	policies := []struct {
		name     string
		env      map[string]string
		reaching bool
	}{
		// "" overrides the tests' default environment: nothing is opened.
		{"ByDefault", map[string]string{"HALOBRIDGE_ALLOW_PRIVATE_URLS": "", "HALOBRIDGE_ALLOW_HTTP": ""}, false},
		{"OpenedForTheFirstHopOnly", map[string]string{"HALOBRIDGE_ALLOW_PRIVATE_URLS": publicStandIn, "HALOBRIDGE_ALLOW_HTTP": "true"}, false},
		{"OpenedByTheOperator", map[string]string{"HALOBRIDGE_ALLOW_PRIVATE_URLS": "loopback", "HALOBRIDGE_ALLOW_HTTP": "true"}, true},
	}
	vectors := []struct {
		name string
		// try makes halobridge call target, an address of the internal
		// listener, and returns what the person was told.
		try func(t *testing.T, w *guardWorld, target *inward) string
	}{
		{"SignInStartsAtTheAddress", func(t *testing.T, w *guardWorld, target *inward) string {
			said, _ := w.startSignIn(t, target.url)
			return said
		}},
		{"SignInStartsAtANameThatResolvesInward", func(t *testing.T, w *guardWorld, target *inward) string {
			said, _ := w.startSignIn(t, target.named)
			return said
		}},
		{"SignInFinishesAtTheAuthorisationServerAuthInfoNames", func(t *testing.T, w *guardWorld, target *inward) string {
			said, browser := w.startSignIn(t, w.standIn+"/info/"+target.port)
			if strings.HasPrefix(said, "redirected to ") {
				// Started: HaloPSA sends the browser back with a code,
				// which halobridge then exchanges at the named server.
				u, _ := url.Parse(strings.TrimPrefix(said, "redirected to "))
				req, _ := http.NewRequest(http.MethodGet, w.base+"/auth/halo/callback?code=a-code&state="+url.QueryEscape(u.Query().Get("state")), nil)
				said = send(t, browser, req)
			}
			return said
		}},
		{"PortalSavesTheHaloPSAConnection", func(t *testing.T, w *guardWorld, target *inward) string {
			return w.postForm(t, "/setup/halo", url.Values{"halo_url": {target.url}, "client_id": {"id"}, "client_secret": {"secret"}})
		}},
		{"PortalTestsAStoredHaloPSAConnection", func(t *testing.T, w *guardWorld, target *inward) string {
			w.storeHalo(t, target.url)
			return w.postForm(t, "/setup/halo/test", url.Values{})
		}},
		{"APISavesTheHaloPSAConnection", func(t *testing.T, w *guardWorld, target *inward) string {
			return w.api(t, http.MethodPut, "/api/v1/halo/connection", fmt.Sprintf(`{"url":%q,"client_id":"id","client_secret":"secret"}`, target.url))
		}},
		{"APITestsAStoredHaloPSAConnection", func(t *testing.T, w *guardWorld, target *inward) string {
			w.storeHalo(t, target.url)
			return w.api(t, http.MethodPost, "/api/v1/halo/test", "")
		}},
		{"CLITestsAHaloPSAConnection", func(t *testing.T, w *guardWorld, target *inward) string {
			return w.cli(t, "halo", "test", "--url", target.url, "--client-id", "id", "--client-secret", "secret")
		}},
		{"CLISavesTheHaloPSAConnection", func(t *testing.T, w *guardWorld, target *inward) string {
			return w.cli(t, "halo", "connect", "--partner", "acme", "--url", target.named, "--client-id", "id", "--client-secret", "secret")
		}},
		{"HaloPSARedirectsInward", func(t *testing.T, w *guardWorld, target *inward) string {
			return w.cli(t, "halo", "test", "--url", w.standIn+"/hop/"+target.port, "--client-id", "id", "--client-secret", "secret")
		}},
		{"PortalAddsAGravityZoneSource", func(t *testing.T, w *guardWorld, target *inward) string {
			return w.postForm(t, "/setup/sources", url.Values{"kind": {string(source.GravityZone)}, "api_url": {target.url + "/api"}, "api_key": {"k"}})
		}},
		{"APIAddsAGravityZoneSourceThatRedirectsInward", func(t *testing.T, w *guardWorld, target *inward) string {
			return w.api(t, http.MethodPost, "/api/v1/sources", fmt.Sprintf(`{"kind":"gravityzone","api_url":%q,"api_key":"k"}`, w.standIn+"/hop/"+target.port+"/api"))
		}},
		{"CLIUpdatesAGravityZoneSource", func(t *testing.T, w *guardWorld, target *inward) string {
			return w.cli(t, "source", "update", "--partner", "acme", "--source", w.gravityZone, "--api-url", target.named+"/api")
		}},
		{"APIAddsADefensXSource", func(t *testing.T, w *guardWorld, target *inward) string {
			return w.api(t, http.MethodPost, "/api/v1/sources", fmt.Sprintf(`{"kind":"defensx","api_url":%q,"api_key":"k"}`, target.url))
		}},
		{"PortalUpdatesADefensXSource", func(t *testing.T, w *guardWorld, target *inward) string {
			return w.postForm(t, "/setup/sources/"+w.defensX, url.Values{"name": {"DefensX"}, "api_url": {target.url}})
		}},
		{"CLIAddsADefensXSource", func(t *testing.T, w *guardWorld, target *inward) string {
			return w.cli(t, "source", "add", "--partner", "acme", "--kind", "defensx", "--api-url", target.named, "--api-key", "k")
		}},
	}
	for _, p := range policies {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			w := newGuardWorld(t, p.env)
			for _, v := range vectors {
				t.Run(v.name, func(t *testing.T) {
					target := newInward(t)
					said := v.try(t, w, target)
					got := target.conns.Load()
					switch {
					case p.reaching && got == 0:
						t.Errorf("the internal listener received no connection although the operator opened loopback and http; halobridge said: %s", said)
					case !p.reaching && got > 0:
						t.Errorf("the internal listener received %d connections; halobridge said: %s", got, said)
					case !p.reaching && !strings.Contains(strings.ToLower(said), "halobridge will not connect there"):
						t.Errorf("halobridge did not say it refused the address: %s", said)
					}
					if strings.Contains(said, internalAnswerTail) {
						t.Errorf("halobridge showed more of the internal service's answer than a short reason: %s", said)
					}
				})
			}
		})
	}
}

// publicStandIn is the loopback address that stands for a public server in
// these tests: opening it alone opens nothing else.
const publicStandIn = "127.0.0.3"

// internalAnswer is what the internal service answers: a person may read
// a short reason of it at most (once the operator opened the address),
// never its tail.
var internalAnswer = "internal service says no\n" + strings.Repeat("internal detail ", 20) + internalAnswerTail

const internalAnswerTail = "the-tail-of-the-internal-answer"

// inward is an internal service on loopback that counts the connections it
// receives.
type inward struct {
	url, named, port string
	conns            atomic.Int64
}

func newInward(t *testing.T) *inward {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	in := &inward{}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Not found ends every client's attempt at once: a refusal to
			// retry would only slow the test down.
			http.Error(w, internalAnswer, http.StatusNotFound)
		}),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				in.conns.Add(1)
			}
		},
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	_, in.port, _ = net.SplitHostPort(ln.Addr().String())
	in.url = "http://127.0.0.1:" + in.port
	in.named = "http://localhost:" + in.port
	return in
}

// guardWorld is halobridge served as 'serve' serves it, with the outbound
// settings of env, next to a public stand-in, with partner acme signed in
// (a portal session and an API token) and a GravityZone and a DefensX
// source at public addresses; its data directory is the CLI's too.
type guardWorld struct {
	base, standIn string
	env           map[string]string
	browser       *http.Client
	csrf, token   string
	store         *store.Store
	partnerID     int64
	// gravityZone and defensX are the ids of the stored sources.
	gravityZone, defensX string
}

func newGuardWorld(t *testing.T, env map[string]string) *guardWorld {
	t.Helper()
	w := &guardWorld{standIn: newStandIn(t)}
	ctx := t.Context()
	rt, base, vars := serveForTest(t, env)
	w.base, w.env, w.store = base, vars, rt.store

	p, err := rt.store.CreatePartner(ctx, store.Partner{Name: "Acme IT", Slug: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	w.partnerID = p.ID
	signIn := &auth.Service{Store: rt.store}
	if _, err := signIn.AddAccount(ctx, auth.NewAccount{PartnerID: p.ID, Email: "admin@acme.example", Password: cliPassword, Role: store.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	login, err := signIn.PasswordLogin(ctx, "admin@acme.example", cliPassword, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if w.token, _, err = signIn.CreateToken(ctx, p.ID, "ssrf test"); err != nil {
		t.Fatal(err)
	}
	for kind, into := range map[source.Kind]*string{source.GravityZone: &w.gravityZone, source.DefensX: &w.defensX} {
		src, err := rt.store.CreateSource(ctx, store.Source{PartnerID: p.ID, Kind: kind, Name: string(kind), APIURL: "https://api.example.com/" + string(kind), APIKey: "stored-key", Secret: "s"})
		if err != nil {
			t.Fatal(err)
		}
		*into = strconv.FormatInt(src.ID, 10)
	}

	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(w.base)
	jar.SetCookies(u, []*http.Cookie{login.Cookie})
	w.browser = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	w.csrf = csrfIn(t, w.get(t, "/setup"))
	return w
}

// flagSet registers every outbound setting a server reads.
func flagSet(cfg *config.Config) *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.Outbound(fs)
	return fs
}

// newStandIn starts the "public" server: /info/<port>/api/authinfo names
// an authorisation server on the internal listener's port, and every
// request under /hop/<port>/ is redirected there.
func newStandIn(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", publicStandIn+":0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /info/{port}/api/authinfo", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"auth_url": "http://127.0.0.1:" + r.PathValue("port") + "/auth", "tenant_id": "acme"})
	})
	mux.HandleFunc("/hop/{port}/{rest...}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.1:"+r.PathValue("port")+"/"+r.PathValue("rest"), http.StatusTemporaryRedirect)
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func csrfIn(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%s", page)
	}
	return m[1]
}

// send makes a request with browser and returns the status and body, or
// where it was redirected.
func send(t *testing.T, browser *http.Client, req *http.Request) string {
	t.Helper()
	resp, err := browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 && loc != "" {
		return "redirected to " + loc
	}
	return fmt.Sprintf("%d %s", resp.StatusCode, body)
}

func (w *guardWorld) get(t *testing.T, path string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, w.base+path, nil)
	return send(t, w.browser, req)
}

func (w *guardWorld) postForm(t *testing.T, path string, form url.Values) string {
	t.Helper()
	form.Set("csrf_token", w.csrf)
	req, _ := http.NewRequest(http.MethodPost, w.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return send(t, w.browser, req)
}

func (w *guardWorld) api(t *testing.T, method, path, body string) string {
	t.Helper()
	req, _ := http.NewRequest(method, w.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+w.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return fmt.Sprintf("%d %s", resp.StatusCode, out)
}

// startSignIn is "Log in with HaloPSA" from the sign-in page, by someone
// not signed in; the browser it returns has the sign-in's cookie.
func (w *guardWorld) startSignIn(t *testing.T, haloURL string) (string, *http.Client) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	anonymous := &http.Client{Jar: jar, CheckRedirect: w.browser.CheckRedirect}
	resp, err := anonymous.Get(w.base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := url.Values{"halo_url": {haloURL}, "client_id": {"id"}, "csrf_token": {csrfIn(t, string(page))}}
	req, _ := http.NewRequest(http.MethodPost, w.base+"/login/halo", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return send(t, anonymous, req), anonymous
}

// storeHalo keeps a connection to haloURL as if it had been saved while the
// operator allowed it.
func (w *guardWorld) storeHalo(t *testing.T, haloURL string) {
	t.Helper()
	if _, err := w.store.SaveHaloConnection(t.Context(), store.HaloConnection{PartnerID: w.partnerID, ResourceURL: haloURL + "/api", AuthURL: haloURL + "/auth",
		ClientID: "id", ClientSecret: "secret", GrantType: store.GrantClientCredentials, Scope: "all"}); err != nil {
		t.Fatal(err)
	}
}

// cli runs a command on the world's data directory with its settings and
// returns what it printed.
func (w *guardWorld) cli(t *testing.T, args ...string) string {
	t.Helper()
	b := setup(t, w.env)
	code := Main(context.Background(), args, b.env)
	return fmt.Sprintf("exit %d: %s%s", code, b.stdout, b.stderr)
}
