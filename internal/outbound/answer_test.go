package outbound

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"testing"
)

func TestUnanswered(t *testing.T) {
	t.Parallel()

	const what, at, fix = "The GravityZone access URL", "https://gz.example/api", "Check the access URL."
	post := func(err error) error {
		return fmt.Errorf("GravityZone network.getCompaniesList: %w", &url.Error{Op: "Post", URL: at + "/v1.0/jsonrpc/network", Err: err})
	}
	dial := func(err error) error { return post(&net.OpError{Op: "dial", Net: "tcp", Err: err}) }
	tests := []struct {
		name  string
		err   error
		cause Cause
		want  string
	}{
		{"ConnectionRefused", dial(os.NewSyscallError("connect", syscall.ECONNREFUSED)), CauseRefused,
			"The GravityZone access URL https://gz.example/api did not answer (connection refused). Check the access URL."},
		{"NoSuchHost", dial(&net.DNSError{Err: "no such host", Name: "gz.example", IsNotFound: true}), CauseNoSuchHost,
			"The GravityZone access URL https://gz.example/api was not found (DNS has no address for gz.example). Check the access URL."},
		{"DNSTimedOut", dial(&net.DNSError{Err: "i/o timeout", Name: "gz.example", IsTimeout: true}), CauseTimeout,
			"The GravityZone access URL https://gz.example/api did not answer in time (the DNS lookup of gz.example timed out). Check the access URL."},
		{"UnknownAuthority", post(&tlsVerifyError{x509.UnknownAuthorityError{}}), CauseTLS,
			"The GravityZone access URL https://gz.example/api failed the secure connection (its certificate is signed by an authority this machine does not trust). Check the access URL."},
		{"CertificateForAnotherName", post(x509.HostnameError{Certificate: &x509.Certificate{DNSNames: []string{"www.example.org"}}, Host: "gz.example"}), CauseTLS,
			"The GravityZone access URL https://gz.example/api failed the secure connection (its certificate is for www.example.org, not gz.example). Check the access URL."},
		{"CertificateExpired", post(x509.CertificateInvalidError{Reason: x509.Expired}), CauseTLS,
			"The GravityZone access URL https://gz.example/api failed the secure connection (its certificate has expired or is not valid yet). Check the access URL."},
		{"PlainHTTPOnTheHTTPSPort", post(errors.New("http: server gave HTTP response to HTTPS client")), CauseTLS,
			"The GravityZone access URL https://gz.example/api failed the secure connection (it answers plain http there, not https). Check the access URL."},
		{"ReadTimedOut", post(&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}), CauseTimeout,
			"The GravityZone access URL https://gz.example/api did not answer in time (timed out). Check the access URL."},
		{"DeadlineOfTheCaller", post(context.DeadlineExceeded), CauseTimeout,
			"The GravityZone access URL https://gz.example/api did not answer in time (timed out). Check the access URL."},
		{"ConnectionReset", post(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), CauseClosed,
			"The GravityZone access URL https://gz.example/api closed the connection without answering (connection reset). Check the access URL."},
		{"ConnectionClosed", post(io.EOF), CauseClosed,
			"The GravityZone access URL https://gz.example/api closed the connection without answering (connection closed). Check the access URL."},
		{"SomethingElse", post(errors.New("proxyconnect tcp: boom")), CauseOther,
			"The GravityZone access URL https://gz.example/api could not be reached (proxyconnect tcp: boom). Check the access URL."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Unanswered(what, at, fix, tt.err)
			var na *NoAnswerError
			if !errors.As(err, &na) || na.Cause != tt.cause || err.Error() != tt.want {
				t.Errorf("Unanswered:\n%v\nwant cause %d and\n%s", err, tt.cause, tt.want)
			}
			if !errors.Is(err, tt.err) {
				t.Error("the transport's error is no longer in the chain")
			}
		})
	}

	t.Run("LeavesTheGuardsRefusalAndACancelAlone", func(t *testing.T) {
		t.Parallel()
		for _, err := range []error{post(&Refused{Reason: "10.0.0.1 is a private address"}), post(context.Canceled), nil} {
			if got := Unanswered(what, at, fix, err); got != err {
				t.Errorf("Unanswered(%v) = %v, want it unchanged", err, got)
			}
		}
	})
}

// tlsVerifyError stands for crypto/tls's wrapping of a verification failure.
type tlsVerifyError struct{ err error }

func (e *tlsVerifyError) Error() string { return "tls: failed to verify certificate: " + e.err.Error() }
func (e *tlsVerifyError) Unwrap() error { return e.err }

func TestSaid(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"DropsTheStatusTheTextRepeats", http.StatusNotFound, "404 page not found\n", "page not found"},
		{"KeepsOtherWords", http.StatusNotFound, "No such route", "No such route"},
		{"NamesAWebPage", http.StatusOK, "  <!DOCTYPE html><html>", "a web page"},
		{"NamesTheStatusOfAnEmptyAnswer", http.StatusMethodNotAllowed, "", "method not allowed"},
		{"RedactsASecretItEchoes", http.StatusBadRequest, "bad key s3cr3t-key", "bad key [redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Said(tt.status, []byte(tt.body), "s3cr3t-key"); got != tt.want {
				t.Errorf("Said = %q, want %q", got, tt.want)
			}
		})
	}
}
