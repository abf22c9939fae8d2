package defensx_test

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
	"halobridge/internal/source/defensx"
)

// TestErrorsSayWhatFailedAndWhatToDo calls the Partner API at each kind of wrong address and
// refusal, and reads the error as the person who typed the API root and key does.
func TestErrorsSayWhatFailedAndWhatToDo(t *testing.T) {
	t.Parallel()

	const fix = "Check the DefensX API root: leave it empty to use DefensX's cloud (https://cloud.defensx.com/api/partner/v1)."
	failing, answer := outboundtest.Failing, outboundtest.Answer
	tests := []struct {
		name string
		// serve answers at a test server's address (tls: over https); without serve the API
		// root is root, reached through client.
		serve  http.HandlerFunc
		tls    bool
		root   string
		client *http.Client
		// want is the whole error; {root} is the server's API root.
		want string
	}{
		{
			name: "ConnectionRefused", root: "http://127.0.0.1:1/api/partner/v1",
			want: "The DefensX API root http://127.0.0.1:1/api/partner/v1 did not answer (connection refused). " + fix,
		},
		{
			name: "NameNotFound", root: "https://cloud.defensx.example/api/partner/v1",
			client: failing(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "cloud.defensx.example", IsNotFound: true}}),
			want:   "The DefensX API root https://cloud.defensx.example/api/partner/v1 was not found (DNS has no address for cloud.defensx.example). " + fix,
		},
		{
			name: "CertificateNotTrusted", serve: answer(200, "application/json", `{"data":[]}`), tls: true,
			want: "The DefensX API root {root} failed the secure connection (its certificate is signed by an authority this machine does not trust). " + fix,
		},
		{
			name: "TimedOut", root: "https://cloud.defensx.example/api/partner/v1",
			client: failing(&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}),
			want:   "The DefensX API root https://cloud.defensx.example/api/partner/v1 did not answer in time (timed out). " + fix,
		},
		{
			name: "APathEveryRootHasAnswers404", serve: http.NotFound,
			want: "{root} does not look like the DefensX Partner API: /customers answered 404 (page not found). " + fix,
		},
		{
			name: "A404InDefensXsOwnWordsIsDefensXs", serve: answer(404, "application/json", `{"error":{"status":404,"message":"Customer not found"}}`),
			want: "DefensX has no such record: GET /customers (404): Customer not found",
		},
		{
			name: "AWebPageInsteadOfJSON", serve: answer(200, "text/html", "<!DOCTYPE html><title>DefensX</title>"),
			want: "{root} does not look like the DefensX Partner API: /customers answered with a web page, not JSON. " + fix,
		},
		{
			name: "Unauthorized", serve: answer(401, "application/json", `{"error":{"status":401,"message":"Invalid API key"}}`),
			want: "DefensX did not accept the Partner API key (401 on GET /customers): Invalid API key: create a new key on the API Keys page of the DefensX portal and save it in halobridge",
		},
		{
			name: "Forbidden", serve: answer(403, "application/json", `{"error":{"status":403,"message":"Forbidden"}}`),
			want: "DefensX denied GET /customers (403): Forbidden: the Partner API key may not see this customer",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := tt.root
			if tt.serve != nil {
				root = outboundtest.Serve(t, tt.serve, tt.tls) + "/api/partner/v1"
			}
			c, err := defensx.New(defensx.Config{Outbound: outbound.Local(), APIRoot: root, APIKey: "dx-key", HTTPClient: tt.client})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Customers(context.Background())
			want := strings.ReplaceAll(tt.want, "{root}", root)
			if err == nil || err.Error() != want {
				t.Errorf("error:\n%v\nwant\n%s", err, want)
			}
		})
	}
}

func TestErrorsKeepTheirTypes(t *testing.T) {
	t.Parallel()

	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	c, err := defensx.New(defensx.Config{Outbound: outbound.Local(), APIRoot: srv.URL, APIKey: "dx-key"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Customers(context.Background())
	var dxErr *defensx.Error
	var ns *outbound.NotServiceError
	if !errors.As(err, &dxErr) || dxErr.Status != http.StatusNotFound || !errors.As(err, &ns) {
		t.Errorf("a 404 at the API root: %v (%T), want a NotServiceError around the *Error", err, err)
	}
}
