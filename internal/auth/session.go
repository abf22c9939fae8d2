package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"halobridge/internal/store"
)

// SessionCookie names the cookie that carries a browser's session.
const SessionCookie = "halobridge_session"

// Session lifetimes: a session ends after idleTimeout without a request, and
// after maxLifetime however active it is.
const (
	idleTimeout = 12 * time.Hour
	maxLifetime = 7 * 24 * time.Hour
	// touchEvery spares the database a write per request: the last activity
	// is only moved when it is this stale, which shortens the idle timeout
	// by at most this much.
	touchEvery = time.Minute
)

// errNoSession means the request carries no session that is still valid.
var errNoSession = errors.New("no valid session")

// Login is a successful sign-in.
type Login struct {
	Account store.Account
	// Cookie starts the new session; set it on the answer.
	Cookie *http.Cookie
	// SetUp says the sign-in set halobridge up in HaloPSA, or tried to:
	// the page of what it did (/setup/created) comes next.
	SetUp bool
}

// startSession opens a session for account and returns its cookie. Stale
// sessions of everyone are cleared on the way: sign-ins are rare enough to
// carry that cost.
func (s *Service) startSession(ctx context.Context, account store.Account) (*http.Cookie, error) {
	now := s.now()
	if _, err := s.Store.DeleteStaleSessions(ctx, now, now.Add(-idleTimeout)); err != nil {
		s.logger().Warn("could not clear stale sessions", "error", err)
	}
	value := randomToken(32)
	_, err := s.Store.CreateSession(ctx, store.Session{
		ID: digest(value), AccountID: account.ID, PartnerID: account.PartnerID, CSRFSecret: randomToken(32),
		CreatedAt: now, ExpiresAt: now.Add(maxLifetime), LastSeenAt: now,
	})
	if err != nil {
		return nil, fmt.Errorf("start session: %w", err)
	}
	if err := s.Store.RecordLogin(ctx, account.ID, now); err != nil {
		return nil, fmt.Errorf("start session: %w", err)
	}
	return s.cookie(SessionCookie, value, "/", maxLifetime), nil
}

// session returns the valid session a cookie value opens, ending it when
// it has expired.
func (s *Service) session(ctx context.Context, value string) (store.Session, error) {
	if value == "" {
		return store.Session{}, errNoSession
	}
	ses, err := s.Store.Session(ctx, digest(value))
	if errors.Is(err, store.ErrNotFound) {
		return store.Session{}, errNoSession
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("read session: %w", err)
	}
	now := s.now()
	if !now.Before(ses.ExpiresAt) || now.Sub(ses.LastSeenAt) >= idleTimeout {
		if err := s.Store.DeleteSession(ctx, ses.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Session{}, fmt.Errorf("end expired session: %w", err)
		}
		return store.Session{}, errNoSession
	}
	if now.Sub(ses.LastSeenAt) >= touchEvery {
		if err := s.Store.TouchSession(ctx, ses.ID, now); err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Session{}, fmt.Errorf("touch session: %w", err)
		}
		ses.LastSeenAt = now
	}
	return ses, nil
}

// Logout ends the session a cookie value opens; ending one that is already
// over is not an error.
func (s *Service) Logout(ctx context.Context, cookieValue string) error {
	if cookieValue == "" {
		return nil
	}
	err := s.Store.DeleteSession(ctx, digest(cookieValue))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("log out: %w", err)
	}
	return nil
}

// endRequestSession ends the session the request arrived with, if any: a
// sign-in always starts a new session, so that a session id planted in the
// browser before the sign-in is worth nothing after it.
func (s *Service) endRequestSession(r *http.Request) error {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil
	}
	return s.Logout(r.Context(), c.Value)
}

// cookie builds one of halobridge's cookies: never readable by scripts,
// sent on top-level navigations from other sites (the HaloPSA callback is
// one) but not on their sub-requests or form posts. It lasts maxAge, or
// until the browser closes when maxAge is 0; a relative lifetime rather
// than an expiry date keeps it right when the browser's clock is not.
func (s *Service) cookie(name, value, path string, maxAge time.Duration) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: path, MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode,
	}
}

// expiredCookie tells the browser to forget a cookie.
func (s *Service) expiredCookie(name, path string) *http.Cookie {
	c := s.cookie(name, "", path, 0)
	c.MaxAge = -1
	return c
}
