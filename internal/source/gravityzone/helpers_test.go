package gravityzone

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"halobridge/internal/outbound"
	"halobridge/internal/source/gravityzone/gzsim"
)

// samplesDir holds GravityZone's Event Push samples (see testdata/README.md).
func samplesDir(tb testing.TB) string {
	tb.Helper()
	const dir = "testdata/events"
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		tb.Fatalf("the GravityZone push samples are missing from %s: %v", dir, err)
	}
	return dir
}

func readSample(tb testing.TB, name string) []byte {
	tb.Helper()
	body, err := os.ReadFile(filepath.Join(samplesDir(tb), name))
	if err != nil {
		tb.Fatalf("read sample: %v", err)
	}
	return body
}

// testBundle is a client and a connector talking to a simulator over real HTTP.
type testBundle struct {
	sim    *gzsim.Sim
	server *httptest.Server
	client *Client
	conn   *Connector
}

// received is fixed so that expectations about the receive-time fallback can be written.
var received = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// setup starts a simulator with opts and a client configured by cfg (AccessURL and, unless
// set, APIKey are filled in).
func setup(t *testing.T, opts gzsim.Options, cfg Config) *testBundle {
	t.Helper()
	sim := gzsim.New(opts)
	server := httptest.NewServer(sim)
	t.Cleanup(server.Close)
	return bundleFor(t, sim, server, cfg)
}

func bundleFor(t *testing.T, sim *gzsim.Sim, server *httptest.Server, cfg Config) *testBundle {
	t.Helper()
	cfg.AccessURL = server.URL + "/api"
	// The simulator listens on loopback over plain http.
	cfg.Outbound = outbound.Local()
	if cfg.APIKey == "" {
		cfg.APIKey = sim.APIKey()
	}
	client, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &testBundle{sim: sim, server: server, client: client,
		conn: NewConnector(client, func() time.Time { return received })}
}

// receiver is a push collector that records what it got and answers status.
type receiver struct {
	server *httptest.Server
	got    chan pushed
}

type pushed struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, status int) *receiver {
	t.Helper()
	r := &receiver{got: make(chan pushed, 16)}
	r.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case r.got <- pushed{header: req.Header.Clone(), body: body}:
		default:
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.server.Close)
	return r
}

func (r *receiver) next(t *testing.T) pushed {
	t.Helper()
	select {
	case p := <-r.got:
		return p
	case <-time.After(5 * time.Second):
		t.Fatal("no push arrived within 5 s")
		return pushed{}
	}
}
