package deliver

import (
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	"halobridge/internal/connect"
	"halobridge/internal/halo"
)

// reach is how far a failed HaloPSA call reaches: what it holds back.
type reach int

const (
	// reachPass ends the pass and hands the error to the job: a rate limit
	// (the job snoozes), the pass's context ending, or halobridge's own
	// database failing.
	reachPass reach = iota
	// reachGroup holds back the one group whose action failed: HaloPSA
	// refused that ticket or note for reasons of its own.
	reachGroup
	// reachServer holds back the group, and counts towards pausing the
	// partner: HaloPSA failed in a way that may be the whole tenant's (a
	// server error, a timeout, a dropped connection, a permission or policy
	// field every ticket needs).
	reachServer
	// reachTenant pauses the partner's whole delivery at once: HaloPSA
	// cannot be reached, or does not accept halobridge's credentials.
	reachTenant
)

// reachOf says how far err reaches. Errors that did not come from talking
// to HaloPSA stop the pass, so that a failing database is never mistaken
// for a failing ticket; the caller has already stopped if the pass's own
// context ended.
func reachOf(err error) reach {
	var (
		api     *halo.APIError
		oauth   *halo.OAuthError
		refusal *refusedError
	)
	switch {
	case err == nil || halo.IsRateLimited(err):
		return reachPass
	case errors.As(err, &refusal):
		if refusal.problem.systemic() {
			return reachServer
		}
		return reachGroup
	case errors.As(err, &oauth):
		// The sign-in itself: a refusal is about the credentials, a server
		// error is HaloPSA's.
		if oauth.Status >= 500 {
			return reachServer
		}
		return reachTenant
	case errors.Is(err, connect.ErrNotConnected), errors.Is(err, halo.ErrNoRefreshToken):
		return reachTenant
	case errors.As(err, &api):
		switch {
		case api.Status == http.StatusUnauthorized:
			return reachTenant
		case api.Status == http.StatusForbidden || api.Status >= 500:
			return reachServer
		}
		return reachGroup
	case isDialFailure(err):
		return reachTenant
	case isTransport(err):
		return reachServer
	}
	return reachPass
}

// isDialFailure reports whether no connection to HaloPSA could be made at
// all: the name does not resolve, the connection is refused, TLS fails.
func isDialFailure(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// isTransport reports whether err is the HTTP client's: the request got no
// complete answer (timeout, reset, EOF).
func isTransport(err error) bool {
	var ne net.Error
	return errors.As(err, &ne)
}

// backoff is how long to wait after the attempts-th failure in a row:
// first, doubling each time up to limit, then shortened by up to a fifth
// at random so that many groups failing together do not come back
// together. A caller that waits the full unjittered delay finds it due.
func backoff(attempts int, first, limit time.Duration) time.Duration {
	d := first
	for i := 1; i < attempts && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}
