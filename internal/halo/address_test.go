package halo

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"halobridge/internal/outbound"
	"halobridge/internal/outbound/outboundtest"
)

// TestConnectionSaysWhatFailedAndWhatToDo runs Test Connection against each way an address
// typed for HaloPSA goes wrong, and reads the failing check as a person does.
func TestConnectionSaysWhatFailedAndWhatToDo(t *testing.T) {
	t.Parallel()

	const addressFix = "Check the HaloPSA URL (the address you sign in to HaloPSA with). " +
		"Check the authorisation server URL as well if you gave one (e.g. https://<your instance>.halopsa.com/auth), " +
		"as shown in HaloPSA under Configuration > Integrations > HaloPSA API > API Details."
	token := func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"access_token": "a", "token_type": "Bearer", "expires_in": 3600})
	}
	failing := outboundtest.Failing
	dial := func(err error) error { return &net.OpError{Op: "dial", Net: "tcp", Err: err} }

	tests := []struct {
		name string
		// serve answers at a test server's address, tls serves it over https; without serve
		// the address is url, reached through client.
		serve  http.HandlerFunc
		tls    bool
		url    string
		client *http.Client
		// The failing check as a person reads it; {url} is the server's address.
		check, message, fix string
	}{
		{
			name: "ConnectionRefused", url: "http://127.0.0.1:1",
			check: "Get an access token", message: "The HaloPSA address http://127.0.0.1:1 did not answer (connection refused)", fix: addressFix,
		},
		{
			name: "NameNotFound", url: "https://acme.halopsa.example",
			client: failing(dial(&net.DNSError{Err: "no such host", Name: "acme.halopsa.example", IsNotFound: true})),
			check:  "Get an access token", message: "The HaloPSA address https://acme.halopsa.example was not found (DNS has no address for acme.halopsa.example)", fix: addressFix,
		},
		{
			name: "CertificateNotTrusted", serve: token, tls: true,
			check: "Get an access token", message: "The HaloPSA address {url} failed the secure connection (its certificate is signed by an authority this machine does not trust)", fix: addressFix,
		},
		{
			name: "TimedOut", url: "https://acme.halopsa.example",
			client: failing(&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}),
			check:  "Get an access token", message: "The HaloPSA address https://acme.halopsa.example did not answer in time (timed out)", fix: addressFix,
		},
		{
			name: "TokenPathAnswers404", serve: http.NotFound,
			check: "Get an access token", message: "{url} does not look like a HaloPSA: /auth/token answered 404 (page not found)", fix: addressFix,
		},
		{
			name: "TokenPathAnswersAWebPage", serve: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				_, _ = w.Write([]byte("<!doctype html><title>Sign in</title>"))
			},
			check: "Get an access token", message: "{url} does not look like a HaloPSA: /auth/token answered with no access token", fix: addressFix,
		},
		{
			name: "APIPathAnswers404", serve: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/auth/token" {
					token(w, r)
					return
				}
				http.NotFound(w, r)
			},
			check: "Read clients and sites", message: "{url} does not look like a HaloPSA: /api/Client answered 404 (page not found)", fix: addressFix,
		},
		{
			name: "APIAnswersAWebPage", serve: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/auth/token" {
					token(w, r)
					return
				}
				_, _ = w.Write([]byte("<html><body>HaloPSA login</body></html>"))
			},
			check: "Read clients and sites", message: "{url} does not look like a HaloPSA: /api/Client answered with a web page, not JSON", fix: addressFix,
		},
		{
			name: "Unauthorized", serve: func(w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "The specified client credentials are invalid."})
			},
			check: "Get an access token", message: "invalid_client: The specified client credentials are invalid.",
			fix: "Copy the Client ID and Client Secret again from HaloPSA, Configuration > Integrations > HaloPSA API > Applications > <your application>: " +
				"the Client ID may change when the application is saved, and the application must be saved.",
		},
		{
			name: "Forbidden", serve: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/auth/token" {
					token(w, r)
					return
				}
				writeJSON(w, http.StatusForbidden, map[string]string{"ClassName": "System.Exception", "Message": "You do not have permission to access this area (read:customers)"})
			},
			check: "Read clients and sites", message: "You do not have permission to access this area (read:customers)",
			fix: "In HaloPSA, Configuration > Integrations > HaloPSA API > Applications > <your application> > Permissions: enable read:customers (and check that the agent it logs in as may view customers).",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base := tt.url
			if tt.serve != nil {
				base = outboundtest.Serve(t, tt.serve, tt.tls)
			}
			c, err := New(Config{
				Outbound: outbound.Local(), ResourceURL: base + "/api", AuthURL: base + "/auth",
				ClientID: "client-id", ClientSecret: "client-secret", HTTPClient: tt.client, MaxRetries: -1,
			})
			if err != nil {
				t.Fatal(err)
			}
			blocker, ok := c.TestConnection(context.Background()).Blocker()
			want := Check{Name: tt.check, Message: strings.ReplaceAll(tt.message, "{url}", base), Fix: tt.fix}
			if !ok || blocker.Name != want.Name || blocker.Message != want.Message || blocker.Fix != want.Fix {
				t.Errorf("blocker:\n%s: %s\nfix: %s\nwant\n%s: %s\nfix: %s", blocker.Name, blocker.Message, blocker.Fix, want.Name, want.Message, want.Fix)
			}
		})
	}
}

// TestAddressErrorsKeepTheirTypes checks that the plain words wrap the errors code decides on.
func TestAddressErrorsKeepTheirTypes(t *testing.T) {
	t.Parallel()

	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	c, err := New(Config{Outbound: outbound.Local(), ResourceURL: srv.URL + "/api", AuthURL: srv.URL + "/auth",
		ClientID: "client-id", ClientSecret: "client-secret", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Me(context.Background())
	var oe *OAuthError
	var ns *outbound.NotServiceError
	if !errors.As(err, &oe) || oe.Status != http.StatusNotFound || !errors.As(err, &ns) {
		t.Errorf("Me at an address that is not HaloPSA: %v (%T), want a NotServiceError around the OAuthError", err, err)
	}

	refused, err := New(Config{Outbound: outbound.Local(), ResourceURL: "http://127.0.0.1:1/api", AuthURL: "http://127.0.0.1:1/auth",
		ClientID: "client-id", ClientSecret: "client-secret", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = refused.Me(context.Background())
	var na *outbound.NoAnswerError
	var op *net.OpError
	if !errors.As(err, &na) || na.Cause != outbound.CauseRefused || !errors.As(err, &op) {
		t.Errorf("Me at a closed port: %v, want a NoAnswerError around the dial error", err)
	}
}
