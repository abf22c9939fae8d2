package defensx_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"halobridge/internal/outbound"
	"halobridge/internal/source/defensx"
	"halobridge/internal/source/defensx/dxsim"
)

// testNow is the fixed clock of every test: mid-March 2026.
var testNow = time.Date(2026, time.March, 15, 12, 0, 0, 0, time.UTC)

func fixedClock() time.Time { return testNow }

type testBundle struct {
	sim    *dxsim.Sim
	url    string
	client *defensx.Client
	conn   *defensx.Connector
}

// setup starts a simulator with opts (clock fixed at testNow) and a connector on it.
func setup(t *testing.T, opts dxsim.Options) *testBundle {
	t.Helper()
	opts.Now = fixedClock
	sim := dxsim.New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	conn, err := defensx.NewConnector(defensx.Config{
		Outbound:   outbound.Local(),
		APIRoot:    srv.URL + dxsim.BasePath,
		APIKey:     sim.APIKey(),
		HTTPClient: srv.Client(),
		Now:        fixedClock,
	})
	if err != nil {
		t.Fatalf("NewConnector: %v", err)
	}
	return &testBundle{sim: sim, url: srv.URL, client: conn.Client(), conn: conn}
}

// clientFor is a client with cfg's options on the bundle's simulator.
func (b *testBundle) clientFor(t *testing.T, cfg defensx.Config) *defensx.Client {
	t.Helper()
	cfg.APIRoot = b.url + dxsim.BasePath
	// The simulator listens on loopback over plain http.
	cfg.Outbound = outbound.Local()
	if cfg.APIKey == "" {
		cfg.APIKey = b.sim.APIKey()
	}
	cfg.Now = fixedClock
	c, err := defensx.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}
