package gravityzone

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

// TestErrorsSayWhatFailedAndWhatToDo calls GravityZone at each kind of wrong address and
// refusal, and reads the error as the person who typed the access URL and key does.
func TestErrorsSayWhatFailedAndWhatToDo(t *testing.T) {
	t.Parallel()

	const fix = "Check the access URL: copy it from GravityZone, Control Center > My Account > Control Center API (e.g. https://cloudgz.gravityzone.bitdefender.com/api)."
	dial := func(err error) *http.Client {
		return outboundtest.Failing(&net.OpError{Op: "dial", Net: "tcp", Err: err})
	}
	answer := outboundtest.Answer
	tests := []struct {
		name string
		// serve answers at a test server's address (tls: over https); without serve the
		// access URL is url, reached through client.
		serve  http.HandlerFunc
		tls    bool
		url    string
		client *http.Client
		// want is the whole error; {url} is the server's address.
		want string
	}{
		{
			name: "ConnectionRefused", url: "http://127.0.0.1:1/api",
			want: "The GravityZone access URL http://127.0.0.1:1/api did not answer (connection refused). " + fix,
		},
		{
			name: "NameNotFound", url: "https://cloudgz.gravityzone.example/api",
			client: dial(&net.DNSError{Err: "no such host", Name: "cloudgz.gravityzone.example", IsNotFound: true}),
			want:   "The GravityZone access URL https://cloudgz.gravityzone.example/api was not found (DNS has no address for cloudgz.gravityzone.example). " + fix,
		},
		{
			name: "CertificateNotTrusted", serve: answer(200, "application/json", `{"id":1,"jsonrpc":"2.0","result":{}}`), tls: true,
			want: "The GravityZone access URL {url}/api failed the secure connection (its certificate is signed by an authority this machine does not trust). " + fix,
		},
		{
			name: "TimedOut", url: "https://cloudgz.gravityzone.example/api",
			client: outboundtest.Failing(&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}),
			want:   "The GravityZone access URL https://cloudgz.gravityzone.example/api did not answer in time (timed out). " + fix,
		},
		{
			name: "ServicePathAnswers404", serve: http.NotFound,
			want: "{url}/api does not look like a GravityZone access URL: /v1.0/jsonrpc/companies answered 404 (page not found). " + fix,
		},
		{
			name: "AWebPageInsteadOfJSON", serve: answer(200, "text/html", "<!doctype html><title>Bitdefender GravityZone</title>"),
			want: "{url}/api does not look like a GravityZone access URL: /v1.0/jsonrpc/companies answered with a web page, not JSON-RPC. " + fix,
		},
		{
			name: "Unauthorized", serve: answer(401, "application/json", `{"id":1,"jsonrpc":"2.0","error":{"code":-32001,"message":"Unauthorized","data":{"details":"Invalid API key"}}}`),
			want: "GravityZone did not accept the API key on companies.getCompanyDetails (401: Unauthorized: Invalid API key): check the key, and that the access URL is the GravityZone instance that issued it",
		},
		{
			name: "Forbidden", serve: answer(403, "application/json", `{"id":1,"jsonrpc":"2.0","error":{"code":-32001,"message":"Forbidden","data":{"details":"The API key does not allow access to the Companies API"}}}`),
			want: "this API key may not use the Companies API (403 on companies.getCompanyDetails: Forbidden: The API key does not allow access to the Companies API): " +
				"enable the Companies API on this API key in GravityZone > My Account > API keys",
		},
		{
			name: "AProxyInFrontOfAGravityZoneThatIsDown", serve: answer(502, "text/html", "<html><body>502 Bad Gateway</body></html>"),
			want: "GravityZone failed on companies.getCompanyDetails (HTTP 502): a problem on GravityZone's side, try again later",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base := tt.url
			if tt.serve != nil {
				base = outboundtest.Serve(t, tt.serve, tt.tls) + "/api"
			}
			c, err := New(Config{Outbound: outbound.Local(), AccessURL: base, APIKey: "gz-key", HTTPClient: tt.client})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.CompanyDetails(context.Background(), "")
			want := strings.ReplaceAll(tt.want, "{url}/api", base)
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
	c, err := New(Config{Outbound: outbound.Local(), AccessURL: srv.URL + "/api", APIKey: "gz-key"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CompanyDetails(context.Background(), "")
	var gzErr *Error
	var ns *outbound.NotServiceError
	if !errors.As(err, &gzErr) || gzErr.HTTPStatus != http.StatusNotFound || !errors.As(err, &ns) {
		t.Errorf("a 404 at the access URL: %v (%T), want a NotServiceError around the *Error", err, err)
	}
}
