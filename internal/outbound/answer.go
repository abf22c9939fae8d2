package outbound

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
)

// Cause is why a request to a user-given address got no answer.
type Cause int

// The causes a person can act on differently.
const (
	// CauseOther: none of the below; the reason quotes the network's error.
	CauseOther Cause = iota
	// CauseRefused: the host is there, but nothing listens on the port.
	CauseRefused
	// CauseNoSuchHost: DNS knows no address for the name.
	CauseNoSuchHost
	// CauseTLS: the secure connection failed, mostly on the certificate.
	CauseTLS
	// CauseTimeout: no answer in the time allowed.
	CauseTimeout
	// CauseClosed: the connection was dropped before an answer.
	CauseClosed
)

// NoAnswerError is a request to an address a person gave that got no
// answer at all. What names the address as the person knows it ("The
// GravityZone access URL") and Fix says where to find the right one; Err is
// the transport's own error, for the log and for errors.As.
type NoAnswerError struct {
	What   string
	URL    string
	Cause  Cause
	Reason string
	Fix    string
	Err    error
}

// Problem says what failed, without what to do.
func (e *NoAnswerError) Problem() string {
	switch e.Cause {
	case CauseNoSuchHost:
		return fmt.Sprintf("%s %s was not found (%s)", e.What, e.URL, e.Reason)
	case CauseTLS:
		return fmt.Sprintf("%s %s failed the secure connection (%s)", e.What, e.URL, e.Reason)
	case CauseTimeout:
		return fmt.Sprintf("%s %s did not answer in time (%s)", e.What, e.URL, e.Reason)
	case CauseClosed:
		return fmt.Sprintf("%s %s closed the connection without answering (%s)", e.What, e.URL, e.Reason)
	case CauseRefused:
		return fmt.Sprintf("%s %s did not answer (%s)", e.What, e.URL, e.Reason)
	}
	return fmt.Sprintf("%s %s could not be reached (%s)", e.What, e.URL, e.Reason)
}

func (e *NoAnswerError) Error() string { return sentences(e.Problem(), e.Fix) }

func (e *NoAnswerError) Unwrap() error { return e.Err }

// Unanswered names err, the failure of a request to url (the address as the
// person typed it) that got no answer, as a *NoAnswerError. The guard's
// refusal and a caller that gave up (context.Canceled) already say
// everything and are returned as they are.
func Unanswered(what, url, fix string, err error) error {
	if err == nil || IsRefused(err) || errors.Is(err, context.Canceled) {
		return err
	}
	cause, reason := classify(err)
	return &NoAnswerError{What: what, URL: url, Cause: cause, Reason: reason, Fix: fix, Err: err}
}

// classify tells why a request got no answer, in a few words of the
// network's own.
func classify(err error) (Cause, string) {
	var dns *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	var verify *tls.CertificateVerificationError
	var alert tls.AlertError
	var netErr net.Error
	switch {
	case errors.As(err, &dns) && dns.IsTimeout:
		return CauseTimeout, "the DNS lookup of " + dns.Name + " timed out"
	case errors.As(err, &dns):
		return CauseNoSuchHost, "DNS has no address for " + dns.Name
	case errors.Is(err, syscall.ECONNREFUSED):
		return CauseRefused, "connection refused"
	case errors.As(err, &unknownCA):
		return CauseTLS, "its certificate is signed by an authority this machine does not trust"
	case errors.As(err, &hostname):
		return CauseTLS, "its certificate is for " + certNames(hostname.Certificate) + ", not " + hostname.Host
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return CauseTLS, "its certificate has expired or is not valid yet"
	case errors.As(err, &record), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		// net/http turns the record header error into text of its own.
		return CauseTLS, "it answers plain http there, not https"
	case errors.As(err, &verify), errors.As(err, &invalid):
		return CauseTLS, "its certificate is not valid: " + Excerpt(innermost(err).Error())
	case errors.As(err, &alert):
		return CauseTLS, "it refused the secure connection: " + Excerpt(alert.Error())
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return CauseTimeout, "timed out"
	case errors.Is(err, syscall.ECONNRESET):
		return CauseClosed, "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return CauseClosed, "connection closed"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return CauseOther, "no route to the host"
	}
	return CauseOther, Excerpt(innermost(err).Error())
}

// certNames lists the names a certificate is for.
func certNames(c *x509.Certificate) string {
	if c == nil {
		return "other names"
	}
	names := c.DNSNames
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = []string{c.Subject.CommonName}
	}
	if len(names) == 0 {
		return "other names"
	}
	return Excerpt(strings.Join(names, ", "))
}

// innermost is the last error of err's chain, without the request and
// address every wrapper adds.
func innermost(err error) error {
	for {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// NotServiceError is an answer from an address a person gave that is not
// the answer of the service expected there: a 404 on a path the service
// always has, a web page or other text where its API answers JSON. It
// mostly means a mistyped address. Err is the client's own error of the
// answer, when it made one, so that errors.As still finds it.
type NotServiceError struct {
	// URL is the address as the person typed it, Service what it should
	// be ("a HaloPSA"), Path the path that answered.
	URL     string
	Service string
	Path    string
	Status  int
	// Said is what the answer said, in its own words where it had some
	// (see Said).
	Said string
	Fix  string
	Err  error
}

// Problem says what failed, without what to do.
func (e *NotServiceError) Problem() string {
	if e.Status >= 200 && e.Status < 300 {
		return fmt.Sprintf("%s does not look like %s: %s answered with %s", e.URL, e.Service, e.Path, e.Said)
	}
	return fmt.Sprintf("%s does not look like %s: %s answered %d (%s)", e.URL, e.Service, e.Path, e.Status, e.Said)
}

func (e *NotServiceError) Error() string { return sentences(e.Problem(), e.Fix) }

func (e *NotServiceError) Unwrap() error { return e.Err }

// Said is what an answer of status with body said, for an error to quote:
// its text on one line and cut short (see Excerpt), without the status
// line many servers repeat in it ("404 page not found"); "a web page" for
// HTML; the status's own name when the body is empty.
func Said(status int, body []byte, secrets ...string) string {
	text := strings.TrimSpace(string(body))
	switch {
	case text == "":
		return strings.ToLower(http.StatusText(status))
	case IsWebPage(body):
		return "a web page"
	}
	text = Excerpt(text, secrets...)
	code := strconv.Itoa(status)
	if rest, ok := strings.CutPrefix(text, code+" "); ok && rest != "" {
		text = rest
	}
	return text
}

// IsWebPage reports whether body is HTML (or XML), what a web server, a
// proxy or a sign-in page answers where an API would answer JSON.
func IsWebPage(body []byte) bool {
	return strings.HasPrefix(strings.TrimSpace(string(body)), "<")
}

// sentences joins what failed and what to do.
func sentences(problem, fix string) string {
	if fix == "" {
		return problem
	}
	return problem + ". " + fix
}

// Fixer is a failure that says what to do about it apart from what
// failed: NoAnswerError and NotServiceError.
type Fixer interface {
	error
	Problem() string
	FixText() string
}

// FixText is what to do.
func (e *NoAnswerError) FixText() string { return e.Fix }

// FixText is what to do.
func (e *NotServiceError) FixText() string { return e.Fix }

// AsFixer finds the first Fixer in err's chain.
func AsFixer(err error) (Fixer, bool) {
	var f Fixer
	ok := errors.As(err, &f)
	return f, ok
}

// Detail is, for the log, the underlying error of the first NoAnswerError or NotServiceError
// in err's chain (the dial error, the client's own error of the answer), which their message
// to a person leaves out; "" when there is none.
func Detail(err error) string {
	var na *NoAnswerError
	var ns *NotServiceError
	switch {
	case errors.As(err, &na) && na.Err != nil:
		return na.Err.Error()
	case errors.As(err, &ns) && ns.Err != nil:
		return ns.Err.Error()
	}
	return ""
}
