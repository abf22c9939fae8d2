package halo

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"halobridge/internal/outbound"
)

// ErrNoRefreshToken means the authorization-code connection has no refresh token stored:
// someone must log in with HaloPSA again.
var ErrNoRefreshToken = errors.New("no HaloPSA refresh token stored: log in with HaloPSA again")

// OAuthError is a refusal from Halo's authorisation server (RFC 6749 error JSON), e.g.
// Code "invalid_client" (wrong or unsaved client ID), "invalid_scope" or "invalid_grant"
// (the refresh token was used, revoked or expired).
type OAuthError struct {
	Status      int
	Code        string
	Description string
	// Tenant is the tenant name sent, when the answer is the one hosted HaloPSA gives a
	// tenant it does not know: a 5xx without an OAuth error.
	Tenant string
}

func (e *OAuthError) Error() string {
	if e.Tenant != "" {
		return fmt.Sprintf("HaloPSA sign-in failed (%d: %s); hosted HaloPSA answers so when the tenant name %q is wrong", e.Status, e.Description, e.Tenant)
	}
	msg := fmt.Sprintf("HaloPSA sign-in refused (%d)", e.Status)
	if e.Code != "" {
		msg = fmt.Sprintf("HaloPSA sign-in refused (%d %s)", e.Status, e.Code)
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg
}

// APIError is an error answer of Halo's resource server. Message is Halo's own text, on one
// line and cut short (see outbound.Excerpt): people read it, and the address it came from
// was typed by one. Body is the raw answer for the cases Halo's JSON does not fit the usual
// shapes; it never goes into Error.
type APIError struct {
	Method    string
	Path      string
	Status    int
	ClassName string
	Message   string
	// Permission is what a 403 names as needed (e.g. "read:customers", or "all:teams or
	// admin"), when Halo named it.
	Permission string
	Body       string
}

func (e *APIError) Error() string {
	switch {
	case e.Status == http.StatusBadRequest && e.Message != "":
		return "HaloPSA said: " + e.Message
	case e.Status == http.StatusBadRequest:
		return fmt.Sprintf("HaloPSA rejected %s %s (400) without saying why", e.Method, e.Path)
	case e.Status == http.StatusUnauthorized:
		return fmt.Sprintf("HaloPSA did not accept the access token for %s %s (401)%s", e.Method, e.Path, e.suffix())
	case e.Status == http.StatusForbidden:
		need := ""
		if e.Permission != "" {
			need = ", it needs the " + e.Permission + " permission"
		}
		return fmt.Sprintf("HaloPSA denied %s %s (403)%s%s", e.Method, e.Path, need, e.suffix())
	case e.Status == http.StatusNotFound:
		return fmt.Sprintf("HaloPSA has no such record: %s %s (404)%s", e.Method, e.Path, e.suffix())
	default:
		return fmt.Sprintf("HaloPSA answered %s %s with %d%s", e.Method, e.Path, e.Status, e.suffix())
	}
}

func (e *APIError) suffix() string {
	if e.Message == "" {
		return ""
	}
	return ": " + e.Message
}

// RateLimitError means the tenant's request budget is spent (by our own limiter or by a 429
// from Halo) for longer than Config.MaxRateWait allows; a durable job should snooze for
// RetryAfter.
type RateLimitError struct {
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("HaloPSA rate limit reached: retry after %s", e.RetryAfter.Round(time.Second))
}

// MaybeAppliedError wraps the failure of a write that may have reached Halo (timeout, 5xx,
// connection dropped after sending): the record may exist, so the caller must look before
// writing again.
type MaybeAppliedError struct {
	Err error
}

func (e *MaybeAppliedError) Error() string {
	return "HaloPSA may have applied this change before the request failed: " + e.Err.Error()
}

func (e *MaybeAppliedError) Unwrap() error { return e.Err }

// IsNotFound reports whether Halo answered 404.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsForbidden reports whether Halo answered 403 (a permission is missing).
func IsForbidden(err error) bool { return hasStatus(err, http.StatusForbidden) }

// IsBadRequest reports whether Halo rejected the request as invalid (400).
func IsBadRequest(err error) bool { return hasStatus(err, http.StatusBadRequest) }

// IsRateLimited reports whether the call failed on the tenant's rate limit.
func IsRateLimited(err error) bool {
	var rl *RateLimitError
	return errors.As(err, &rl)
}

// IsMaybeApplied reports whether a failed write may nevertheless have been applied by Halo.
func IsMaybeApplied(err error) bool {
	var ma *MaybeAppliedError
	return errors.As(err, &ma)
}

// IsRevoked reports a refusal of the connection's credentials that only a person can fix:
// the application was deleted or deactivated or its secret changed (invalid_client), the
// refresh token was used, revoked or expired (invalid_grant), or none is stored.
func IsRevoked(err error) bool {
	var oe *OAuthError
	return errors.Is(err, ErrNoRefreshToken) || errors.As(err, &oe) && (oe.Code == "invalid_client" || oe.Code == "invalid_grant")
}

func hasStatus(err error, status int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == status
}

// permissionPattern finds a Halo scope name in a 403 answer; "admin" and "all" stand alone.
var permissionPattern = regexp.MustCompile(`\b((?:read|edit|editMine|all|access|admin):[A-Za-z]+|admin)\b`)

// newAPIError decodes the error shapes Halo is known to send: a serialised .NET exception
// {ClassName, Message}, {resultCode, errorMessage}, {Message}, {error}, or plain text.
func newAPIError(method, path string, status int, body []byte) *APIError {
	e := &APIError{Method: method, Path: path, Status: status, Body: string(body)}
	var shape struct {
		ClassName    string `json:"ClassName"`
		Message      string `json:"Message"`
		ErrorMessage string `json:"errorMessage"`
		Error        string `json:"error"`
	}
	if json.Unmarshal(body, &shape) == nil {
		e.ClassName = shape.ClassName
		e.Message = firstNonEmpty(shape.Message, shape.ErrorMessage, shape.Error)
	} else if text := strings.TrimSpace(string(body)); text != "" && !strings.HasPrefix(text, "<") {
		e.Message = text
	}
	if status == http.StatusForbidden {
		e.Permission = strings.Join(permissionPattern.FindAllString(e.Message, -1), " or ")
	}
	e.Message = outbound.Excerpt(e.Message)
	return e
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// addressFix is what to do when the address given for HaloPSA did not answer, or answered
// as something else. The authorisation server is named too: the CLI and the forms derive it
// from the HaloPSA URL unless it was given.
const addressFix = "Check the HaloPSA URL (the address you sign in to HaloPSA with). " +
	"Check the authorisation server URL as well if you gave one (e.g. https://<your instance>.halopsa.com/auth), " +
	"as shown in HaloPSA under Configuration > Integrations > HaloPSA API > API Details."

// origin is the scheme and host of target, the address a person typed; target itself when
// it does not parse.
func origin(target string) (string, string) {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return target, ""
	}
	return u.Scheme + "://" + u.Host, u.Path
}

// noAnswer names a request to target that got no answer.
func noAnswer(target string, err error) error {
	site, _ := origin(target)
	return outbound.Unanswered("The HaloPSA address", site, addressFix, err)
}

// notHalo is an answer from target that HaloPSA would not give: a 404 on a path every
// HaloPSA has, or a web page instead of JSON. err is the client's own error of it, if any.
func notHalo(target string, status int, said string, err error) *outbound.NotServiceError {
	site, path := origin(target)
	return &outbound.NotServiceError{URL: site, Service: "a HaloPSA", Path: path, Status: status, Said: said, Fix: addressFix, Err: err}
}

// alwaysThere turns a 404 on target, a path every HaloPSA answers, into the address not being
// a HaloPSA's.
func alwaysThere(target string, err error) error {
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusNotFound {
		return err
	}
	said := outbound.Said(ae.Status, []byte(ae.Message))
	if ae.Message == "" {
		said = outbound.Said(ae.Status, []byte(ae.Body))
	}
	return notHalo(target, ae.Status, said, err)
}
