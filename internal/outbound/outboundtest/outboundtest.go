// Package outboundtest stands in for the addresses people type wrong, for the tests of the
// clients that call them (HaloPSA, GravityZone, DefensX): a server answering what a test
// says, over http or https with a certificate nobody trusts, and a client whose every
// request fails as a test says.
package outboundtest

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Serve serves h until the test ends, over https with httptest's own certificate when tls,
// and returns its address. Handshakes refused by clients that do not trust the certificate
// are not logged.
func Serve(t testing.TB, h http.Handler, tls bool) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv.URL
}

// Answer answers every request with status, contentType and body.
func Answer(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// Failing is a client whose every request fails with err, as its transport would.
func Failing(err error) *http.Client {
	return &http.Client{Transport: failing{err}}
}

type failing struct{ err error }

func (f failing) RoundTrip(*http.Request) (*http.Response, error) { return nil, f.err }
