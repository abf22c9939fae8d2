package deliver

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/outbound"
)

func TestReachOf(t *testing.T) {
	t.Parallel()
	refused := func(syscall string) error {
		return fmt.Errorf("POST /Tickets: %w", &url.Error{Op: "Post", URL: "https://acme.halopsa.com/api/Tickets",
			Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New(syscall)}})
	}
	reset := fmt.Errorf("POST /Tickets: %w", &url.Error{Op: "Post", URL: "https://acme.halopsa.com/api/Tickets",
		Err: &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}})
	apiErr := func(status int) error { return &halo.APIError{Method: "POST", Path: "/api/Tickets", Status: status} }
	tests := []struct {
		name string
		err  error
		want reach
	}{
		{"the tenant's budget spent", &halo.RateLimitError{RetryAfter: time.Minute}, reachPass},
		{"halobridge's own database", errors.New("begin transaction: database is locked"), reachPass},
		{"a 400 about the ticket", apiErr(400), reachGroup},
		{"a 404", apiErr(404), reachGroup},
		{"a 403: a permission every ticket needs", apiErr(403), reachServer},
		{"a 500", apiErr(500), reachServer},
		{"a 503 on a write that may have applied", &halo.MaybeAppliedError{Err: apiErr(503)}, reachServer},
		{"a connection reset", reset, reachServer},
		{"a 401 after a fresh token", apiErr(401), reachTenant},
		{"the client refused at sign-in", &halo.OAuthError{Status: 401, Code: "invalid_client"}, reachTenant},
		{"the sign-in endpoint failing", &halo.OAuthError{Status: 502}, reachServer},
		{"no connection saved", fmt.Errorf("connect to HaloPSA: %w", connect.ErrNotConnected), reachTenant},
		{"no refresh token", halo.ErrNoRefreshToken, reachTenant},
		{"connection refused", refused("connect: connection refused"), reachTenant},
		{"a name that does not resolve", fmt.Errorf("get: %w", &net.DNSError{Err: "no such host", Name: "acme.halopsa.com"}), reachTenant},
		{"a refusal of the ticket's own", &refusedError{problem: Problem{Kind: KindSiteWithoutGeneralUser}}, reachGroup},
		{"a refusal naming a policy field", &refusedError{problem: Problem{Kind: KindTicketRefused, Data: map[string]any{"field": "tickettype_id"}}}, reachServer},
		{"a refusal naming a required field", &refusedError{problem: Problem{Kind: KindTicketRefused, Data: map[string]any{"field": "", "required": "Category"}}}, reachServer},
		{"a refusal for want of a permission", &refusedError{problem: Problem{Kind: KindPermissionMissing}}, reachServer},
		{"a rate limit met while looking for a maybe-created ticket", errors.Join(&halo.MaybeAppliedError{Err: apiErr(500)}, &halo.RateLimitError{}), reachPass},
	}
	for _, tc := range tests {
		if got := reachOf(tc.err); got != tc.want {
			t.Errorf("%s (%v): reach %d, want %d", tc.name, tc.err, got, tc.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	first, limit := 10*time.Second, 15*time.Minute
	for attempts, nominal := range map[int]time.Duration{
		1: 10 * time.Second, 2: 20 * time.Second, 3: 40 * time.Second, 6: 320 * time.Second, 7: 640 * time.Second,
		8: 15 * time.Minute, 30: 15 * time.Minute, 1000: 15 * time.Minute,
	} {
		for range 50 {
			if d := backoff(attempts, first, limit); d < nominal*4/5 || d > nominal {
				t.Fatalf("backoff after %d failures = %v, want within [%v, %v]", attempts, d, nominal*4/5, nominal)
			}
		}
	}
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[backoff(1, first, limit)] = true
	}
	if len(seen) < 10 {
		t.Errorf("50 first backoffs took %d values: groups failing together would come back together", len(seen))
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"AnAddressThatDidNotAnswerWithoutTheFixTheEventHas",
			fmt.Errorf("create ticket: %w", outbound.Unanswered("The HaloPSA address", "https://acme.halopsa.com", "Check the HaloPSA URL.", refused)),
			"The HaloPSA address https://acme.halopsa.com did not answer (connection refused)"},
		{"HaloPSAsOwnWords", &halo.APIError{Method: "POST", Path: "/api/Tickets", Status: 500, Message: "Timeout expired"},
			"HaloPSA answered POST /api/Tickets with 500: Timeout expired"},
	}
	for _, tc := range tests {
		if got := describe(tc.err); got != tc.want {
			t.Errorf("%s: describe = %q, want %q", tc.name, got, tc.want)
		}
	}
}
