package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"halobridge/internal/store"
	"halobridge/internal/web"
)

// ErrWrongPassword refuses a password sign-in without saying whether the
// email or the password was wrong.
var ErrWrongPassword = errors.New("wrong email or password")

// timingHash is checked when no account has the email, so that an unknown
// email takes as long to refuse as a wrong password: answer times must not
// tell which emails have accounts. Nobody's password: it hashes a fixed
// phrase with the current parameters.
const timingHash = "$argon2id$v=19$m=19456,t=2,p=1$qS0koaCBS5EFQvzaMh2KFA$FbLr8Uroty+1lFgNSqIO1W/rVH/68k+pPvdo8qAiN58"

// maxEmailBytes is the longest email an address can have (RFC 5321's
// path limit); a longer one names no account.
const maxEmailBytes = 254

// NewAccount is an operator account to add.
type NewAccount struct {
	PartnerID int64
	Email     string
	Name      string
	// Password is checked against CheckPasswordRules and stored hashed.
	Password string
	// Role is store.RoleAdmin or store.RoleMember.
	Role string
}

// AddAccount creates an account that signs in with a password.
func (s *Service) AddAccount(ctx context.Context, n NewAccount) (store.Account, error) {
	if err := CheckPasswordRules(n.Password); err != nil {
		return store.Account{}, fmt.Errorf("add account %s: %w", n.Email, err)
	}
	hash, err := HashPassword(n.Password)
	if err != nil {
		return store.Account{}, fmt.Errorf("add account %s: %w", n.Email, err)
	}
	a, err := s.Store.CreateAccount(ctx, store.Account{
		PartnerID: n.PartnerID, Email: n.Email, Name: n.Name, PasswordHash: hash, Role: n.Role,
	})
	if err != nil {
		return store.Account{}, fmt.Errorf("add account: %w", err)
	}
	return a, nil
}

// PasswordLogin signs in with an email and a password, from clientIP.
// Emails are unique per partner, not across partners; when several
// partners have an account with this email, the oldest account whose
// password matches is signed in. Too many failures for the email from this
// address, or from this address at all, answer *TooManyAttemptsError
// before any password is checked (see attempts for the limits).
func (s *Service) PasswordLogin(ctx context.Context, email, password, clientIP string) (Login, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	now := s.now()
	if wait := s.attempts.blocked(now, email, clientIP); wait > 0 {
		s.logger().Warn("sign-in refused: too many failures", "client_ip", clientIP, "retry_after", wait.String())
		return Login{}, &TooManyAttemptsError{RetryAfter: wait}
	}
	account, err := s.matchPassword(ctx, email, password)
	if errors.Is(err, ErrWrongPassword) {
		s.attempts.fail(now, email, clientIP)
		s.logger().Info("failed password sign-in", "client_ip", clientIP)
		return Login{}, err
	}
	if err != nil {
		return Login{}, err
	}
	s.attempts.succeed(email, clientIP)
	cookie, err := s.startSession(ctx, account)
	if err != nil {
		return Login{}, err
	}
	s.logger().Info("signed in with a password", "partner_id", account.PartnerID, "account_id", account.ID)
	return Login{Account: account, Cookie: cookie}, nil
}

// matchPassword finds the account email and password open.
func (s *Service) matchPassword(ctx context.Context, email, password string) (store.Account, error) {
	// An email no account can have is no database lookup: PostgreSQL would
	// refuse a NUL in it where SQLite finds nothing.
	if email == "" || len(email) > maxEmailBytes || web.Unreadable(email) || password == "" || len(password) > maxPasswordBytes {
		return store.Account{}, ErrWrongPassword
	}
	accounts, err := s.Store.AccountsByEmail(ctx, email)
	if err != nil {
		return store.Account{}, fmt.Errorf("password sign-in: %w", err)
	}
	checked := false
	for _, a := range accounts {
		if a.PasswordHash == "" {
			continue
		}
		checked = true
		ok, err := CheckPassword(a.PasswordHash, password)
		if err != nil {
			return store.Account{}, fmt.Errorf("password sign-in: account %d: %w", a.ID, err)
		}
		if ok {
			return a, nil
		}
	}
	if !checked {
		if _, err := CheckPassword(timingHash, password); err != nil {
			return store.Account{}, fmt.Errorf("password sign-in: %w", err)
		}
	}
	return store.Account{}, ErrWrongPassword
}
