package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Account roles: admins manage the partner's accounts and API tokens.
const (
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// Account is a person who signs in to a partner's portal, with a password,
// as a HaloPSA agent, or both.
type Account struct {
	ID        int64
	PartnerID int64
	Email     string
	Name      string
	// PasswordHash is an encoded argon2id hash; "" for accounts that only
	// log in with HaloPSA.
	PasswordHash string
	// HaloAgentID is the HaloPSA agent the account logs in as; 0 for none.
	HaloAgentID int
	Role        string
	CreatedAt   time.Time
	// LastLoginAt is zero until the first sign-in.
	LastLoginAt time.Time
}

// Session is a signed-in browser. ID is the hex SHA-256 of the cookie value.
type Session struct {
	ID        string
	AccountID int64
	PartnerID int64
	// CSRFSecret is the token every form of the session must carry.
	CSRFSecret string
	CreatedAt  time.Time
	// ExpiresAt is the absolute end of the session, however active it is.
	ExpiresAt  time.Time
	LastSeenAt time.Time
}

// APIToken is a partner's credential for the JSON API.
type APIToken struct {
	ID        int64
	PartnerID int64
	Name      string
	// Prefix is the public part of the token, shown so people can tell
	// their tokens apart.
	Prefix string
	// Hash is the hex SHA-256 of the whole token.
	Hash      string
	CreatedAt time.Time
	// LastUsedAt and RevokedAt are zero until the token is used or revoked.
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// PartnerLogin recognises a partner by its HaloPSA instance and records
// what halobridge created there on the first sign-in.
type PartnerLogin struct {
	PartnerID int64
	// HaloURL is the instance's address, e.g. https://acme.halopsa.com.
	HaloURL string
	// ClientID is the partner's "Log in with HaloPSA" application.
	ClientID string
	// AgentID and AgentName are the API-only agent halobridge created.
	AgentID   int
	AgentName string
	// ApplicationID, ApplicationName and ServiceClientID are the service
	// application (client credentials) halobridge created.
	ApplicationID   string
	ApplicationName string
	ServiceClientID string
	// SetupProblem says what stopped provisioning and how to fix it.
	SetupProblem string
	// ProvisionedAt is zero until everything was created.
	ProvisionedAt time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// HaloLoginState is a "Log in with HaloPSA" between the redirect to HaloPSA
// and its callback. ID is the hex SHA-256 of the OAuth state; Verifier is
// plaintext here and sealed in the database.
type HaloLoginState struct {
	ID          string
	HaloURL     string
	ResourceURL string
	AuthURL     string
	Tenant      string
	ClientID    string
	Verifier    string
	ExpiresAt   time.Time
}

// timeOrZero scans a time column that is NULL until something happens
// into the zero time.
type timeOrZero struct{ t *time.Time }

func (c timeOrZero) Scan(src any) error {
	if src == nil {
		*c.t = time.Time{}
		return nil
	}
	return timeColumn(c).Scan(src)
}

// optionalTimeArg stores the zero time as NULL.
func (s *Store) optionalTimeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.d.timeArg(t)
}

// exactTime is t at the precision both engines keep, so that what a caller
// passes in equals what it reads back.
func exactTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

const accountColumns = "id, partner_id, email, name, password_hash, halo_agent_id, role, created_at, last_login_at"

func scanAccount(row scanner) (Account, error) {
	var a Account
	var hash sql.NullString
	err := row.Scan(&a.ID, &a.PartnerID, &a.Email, &a.Name, &hash, &a.HaloAgentID, &a.Role,
		timeColumn{&a.CreatedAt}, timeOrZero{&a.LastLoginAt})
	a.PasswordHash = hash.String
	return a, err
}

func normaliseEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

func checkAccount(a Account) (Account, error) {
	a.Email = normaliseEmail(a.Email)
	a.Name = strings.TrimSpace(a.Name)
	if _, err := mail.ParseAddress(a.Email); err != nil || strings.ContainsAny(a.Email, "<> ") {
		return Account{}, fmt.Errorf("account email %q: %w: not an email address", a.Email, ErrInvalid)
	}
	if a.Role != RoleAdmin && a.Role != RoleMember {
		return Account{}, fmt.Errorf("account %s: role %q: %w: want %q or %q", a.Email, a.Role, ErrInvalid, RoleAdmin, RoleMember)
	}
	if a.PasswordHash == "" && a.HaloAgentID == 0 {
		return Account{}, fmt.Errorf("account %s: %w: it needs a password or a HaloPSA agent to sign in with", a.Email, ErrInvalid)
	}
	return a, nil
}

// nullIfEmpty stores an absent password hash as NULL.
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateAccount stores a new account. The email is kept lower-case and
// is unique within the partner (ErrConflict).
func (s *Store) CreateAccount(ctx context.Context, a Account) (Account, error) {
	a, err := checkAccount(a)
	if err != nil {
		return Account{}, fmt.Errorf("create account: %w", err)
	}
	a.CreatedAt = s.timestamp()
	a.LastLoginAt = exactTime(a.LastLoginAt)
	err = s.writer.QueryRowContext(ctx, `
		INSERT INTO accounts (partner_id, email, name, password_hash, halo_agent_id, role, created_at, last_login_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		a.PartnerID, a.Email, a.Name, nullIfEmpty(a.PasswordHash), a.HaloAgentID, a.Role,
		s.d.timeArg(a.CreatedAt), s.optionalTimeArg(a.LastLoginAt)).Scan(&a.ID)
	if err != nil {
		return Account{}, fmt.Errorf("create account %s of partner %d: %w", a.Email, a.PartnerID, mapError(err))
	}
	return a, nil
}

// UpdateAccount changes the name, password hash, HaloPSA agent and role
// of account a.ID of partner a.PartnerID.
func (s *Store) UpdateAccount(ctx context.Context, a Account) (Account, error) {
	a, err := checkAccount(a)
	if err != nil {
		return Account{}, fmt.Errorf("update account: %w", err)
	}
	updated, err := scanAccount(s.writer.QueryRowContext(ctx, `
		UPDATE accounts SET name = $3, password_hash = $4, halo_agent_id = $5, role = $6
		WHERE id = $1 AND partner_id = $2 RETURNING `+accountColumns,
		a.ID, a.PartnerID, a.Name, nullIfEmpty(a.PasswordHash), a.HaloAgentID, a.Role))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, fmt.Errorf("update account %d of partner %d: %w", a.ID, a.PartnerID, ErrNotFound)
	}
	if err != nil {
		return Account{}, fmt.Errorf("update account %d: %w", a.ID, mapError(err))
	}
	return updated, nil
}

func (s *Store) Account(ctx context.Context, partnerID, id int64) (Account, error) {
	return s.oneAccount(ctx, "partner_id = $1 AND id = $2", fmt.Sprintf("account %d of partner %d", id, partnerID), partnerID, id)
}

func (s *Store) AccountByEmail(ctx context.Context, partnerID int64, email string) (Account, error) {
	email = normaliseEmail(email)
	return s.oneAccount(ctx, "partner_id = $1 AND email = $2", fmt.Sprintf("account %s of partner %d", email, partnerID), partnerID, email)
}

func (s *Store) AccountByHaloAgent(ctx context.Context, partnerID int64, agentID int) (Account, error) {
	// The lowest id wins should two accounts ever name the same agent.
	return s.oneAccount(ctx, "partner_id = $1 AND halo_agent_id = $2 AND halo_agent_id <> 0 ORDER BY id LIMIT 1",
		fmt.Sprintf("account of HaloPSA agent %d of partner %d", agentID, partnerID), partnerID, agentID)
}

func (s *Store) oneAccount(ctx context.Context, where, what string, args ...any) (Account, error) {
	a, err := scanAccount(s.reader.QueryRowContext(ctx, "SELECT "+accountColumns+" FROM accounts WHERE "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if err != nil {
		return Account{}, fmt.Errorf("read %s: %w", what, err)
	}
	return a, nil
}

// AccountsByEmail finds the accounts with this email in every partner,
// oldest first: a password sign-in names no partner.
func (s *Store) AccountsByEmail(ctx context.Context, email string) ([]Account, error) {
	return s.listAccounts(ctx, "email = $1 ORDER BY id", "accounts with this email", normaliseEmail(email))
}

// Accounts lists a partner's accounts, oldest first.
func (s *Store) Accounts(ctx context.Context, partnerID int64) ([]Account, error) {
	return s.listAccounts(ctx, "partner_id = $1 ORDER BY id", fmt.Sprintf("accounts of partner %d", partnerID), partnerID)
}

func (s *Store) listAccounts(ctx context.Context, where, what string, args ...any) ([]Account, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+accountColumns+" FROM accounts WHERE "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", what, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	return out, nil
}

// DeleteAccount removes an account and its sessions.
func (s *Store) DeleteAccount(ctx context.Context, partnerID, id int64) error {
	res, err := s.writer.ExecContext(ctx, "DELETE FROM accounts WHERE id = $1 AND partner_id = $2", id, partnerID)
	if err != nil {
		return fmt.Errorf("delete account %d of partner %d: %w", id, partnerID, err)
	}
	return requireRow(res, fmt.Sprintf("delete account %d of partner %d", id, partnerID))
}

// RecordLogin notes that the account signed in at at.
func (s *Store) RecordLogin(ctx context.Context, accountID int64, at time.Time) error {
	res, err := s.writer.ExecContext(ctx, "UPDATE accounts SET last_login_at = $2 WHERE id = $1", accountID, s.d.timeArg(exactTime(at)))
	if err != nil {
		return fmt.Errorf("record sign-in of account %d: %w", accountID, err)
	}
	return requireRow(res, fmt.Sprintf("record sign-in of account %d", accountID))
}

const sessionColumns = "id, account_id, partner_id, csrf_secret, created_at, expires_at, last_seen_at"

func scanSession(row scanner) (Session, error) {
	var ses Session
	err := row.Scan(&ses.ID, &ses.AccountID, &ses.PartnerID, &ses.CSRFSecret,
		timeColumn{&ses.CreatedAt}, timeColumn{&ses.ExpiresAt}, timeColumn{&ses.LastSeenAt})
	return ses, err
}

// CreateSession refuses a session whose account belongs to another partner,
// so that a session can never act for a partner its account is not in.
func (s *Store) CreateSession(ctx context.Context, ses Session) (Session, error) {
	if ses.ID == "" || ses.CSRFSecret == "" {
		return Session{}, fmt.Errorf("create session: %w: an id and a CSRF secret are required", ErrInvalid)
	}
	ses.CreatedAt, ses.ExpiresAt, ses.LastSeenAt = exactTime(ses.CreatedAt), exactTime(ses.ExpiresAt), exactTime(ses.LastSeenAt)
	res, err := s.writer.ExecContext(ctx, `
		INSERT INTO sessions (`+sessionColumns+`)
		SELECT $1, id, partner_id, $4, $5, $6, $7 FROM accounts WHERE id = $2 AND partner_id = $3`,
		ses.ID, ses.AccountID, ses.PartnerID, ses.CSRFSecret,
		s.d.timeArg(ses.CreatedAt), s.d.timeArg(ses.ExpiresAt), s.d.timeArg(ses.LastSeenAt))
	if err != nil {
		return Session{}, fmt.Errorf("create session of account %d: %w", ses.AccountID, mapError(err))
	}
	if err := requireRow(res, fmt.Sprintf("create session: account %d of partner %d", ses.AccountID, ses.PartnerID)); err != nil {
		return Session{}, err
	}
	return ses, nil
}

// Session returns the session with this id, expired or not.
func (s *Store) Session(ctx context.Context, id string) (Session, error) {
	ses, err := scanSession(s.reader.QueryRowContext(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return Session{}, fmt.Errorf("read session: %w", err)
	}
	return ses, nil
}

// TouchSession moves the session's last activity to at.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	res, err := s.writer.ExecContext(ctx, "UPDATE sessions SET last_seen_at = $2 WHERE id = $1", id, s.d.timeArg(exactTime(at)))
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return requireRow(res, "touch session")
}

func (s *Store) DeleteSession(ctx context.Context, id string) error {
	res, err := s.writer.ExecContext(ctx, "DELETE FROM sessions WHERE id = $1", id)
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return requireRow(res, "delete session")
}

// DeleteStaleSessions removes the sessions that expired by expiredBy or
// were last seen before idleSince, and returns how many it removed.
func (s *Store) DeleteStaleSessions(ctx context.Context, expiredBy, idleSince time.Time) (int, error) {
	res, err := s.writer.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2",
		s.d.timeArg(exactTime(expiredBy)), s.d.timeArg(exactTime(idleSince)))
	if err != nil {
		return 0, fmt.Errorf("delete stale sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete stale sessions: %w", err)
	}
	return int(n), nil
}

const apiTokenColumns = "id, partner_id, name, prefix, hash, created_at, last_used_at, revoked_at"

func scanAPIToken(row scanner) (APIToken, error) {
	var t APIToken
	err := row.Scan(&t.ID, &t.PartnerID, &t.Name, &t.Prefix, &t.Hash,
		timeColumn{&t.CreatedAt}, timeOrZero{&t.LastUsedAt}, timeOrZero{&t.RevokedAt})
	return t, err
}

func (s *Store) CreateAPIToken(ctx context.Context, t APIToken) (APIToken, error) {
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" || t.Prefix == "" || t.Hash == "" {
		return APIToken{}, fmt.Errorf("create API token: %w: a name, a prefix and a hash are required", ErrInvalid)
	}
	t.CreatedAt = s.timestamp()
	t.LastUsedAt, t.RevokedAt = time.Time{}, time.Time{}
	err := s.writer.QueryRowContext(ctx, `
		INSERT INTO api_tokens (partner_id, name, prefix, hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		t.PartnerID, t.Name, t.Prefix, t.Hash, s.d.timeArg(t.CreatedAt)).Scan(&t.ID)
	if err != nil {
		return APIToken{}, fmt.Errorf("create API token %q of partner %d: %w", t.Name, t.PartnerID, mapError(err))
	}
	return t, nil
}

// APITokenByHash finds a token, revoked or not, by the hash of its value.
func (s *Store) APITokenByHash(ctx context.Context, hash string) (APIToken, error) {
	t, err := scanAPIToken(s.reader.QueryRowContext(ctx, "SELECT "+apiTokenColumns+" FROM api_tokens WHERE hash = $1", hash))
	if errors.Is(err, sql.ErrNoRows) {
		return APIToken{}, fmt.Errorf("API token: %w", ErrNotFound)
	}
	if err != nil {
		return APIToken{}, fmt.Errorf("read API token: %w", err)
	}
	return t, nil
}

// APITokens lists a partner's tokens, revoked ones included, by id.
func (s *Store) APITokens(ctx context.Context, partnerID int64) ([]APIToken, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+apiTokenColumns+" FROM api_tokens WHERE partner_id = $1 ORDER BY id", partnerID)
	if err != nil {
		return nil, fmt.Errorf("list API tokens of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list API tokens of partner %d: %w", partnerID, err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list API tokens of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// TouchAPIToken notes that the token was used at at.
func (s *Store) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	res, err := s.writer.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1", id, s.d.timeArg(exactTime(at)))
	if err != nil {
		return fmt.Errorf("record use of API token %d: %w", id, err)
	}
	return requireRow(res, fmt.Sprintf("record use of API token %d", id))
}

// RevokeAPIToken revokes one of the partner's tokens at at; a token
// revoked before keeps its first revocation time.
func (s *Store) RevokeAPIToken(ctx context.Context, partnerID, id int64, at time.Time) (APIToken, error) {
	t, err := scanAPIToken(s.writer.QueryRowContext(ctx, `
		UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $3) WHERE id = $1 AND partner_id = $2
		RETURNING `+apiTokenColumns, id, partnerID, s.d.timeArg(exactTime(at))))
	if errors.Is(err, sql.ErrNoRows) {
		return APIToken{}, fmt.Errorf("revoke API token %d of partner %d: %w", id, partnerID, ErrNotFound)
	}
	if err != nil {
		return APIToken{}, fmt.Errorf("revoke API token %d: %w", id, err)
	}
	return t, nil
}

const partnerLoginColumns = "partner_id, halo_url, client_id, agent_id, agent_name, application_id, application_name, " +
	"service_client_id, setup_problem, provisioned_at, created_at, updated_at"

func scanPartnerLogin(row scanner) (PartnerLogin, error) {
	var l PartnerLogin
	err := row.Scan(&l.PartnerID, &l.HaloURL, &l.ClientID, &l.AgentID, &l.AgentName, &l.ApplicationID, &l.ApplicationName,
		&l.ServiceClientID, &l.SetupProblem, timeOrZero{&l.ProvisionedAt}, timeColumn{&l.CreatedAt}, timeColumn{&l.UpdatedAt})
	return l, err
}

// CreatePartnerWithLogin stores a new partner and its HaloPSA login in
// one transaction; ErrConflict when another partner has the HaloURL.
func (s *Store) CreatePartnerWithLogin(ctx context.Context, p Partner, l PartnerLogin) (Partner, PartnerLogin, error) {
	p, err := checkPartner(p)
	if err != nil {
		return Partner{}, PartnerLogin{}, fmt.Errorf("create partner with login: %w", err)
	}
	if l.HaloURL == "" || l.ClientID == "" {
		return Partner{}, PartnerLogin{}, fmt.Errorf("create partner %q: %w: a HaloPSA URL and client id are required", p.Slug, ErrInvalid)
	}
	now := s.timestamp()
	p.CreatedAt, p.UpdatedAt = now, now
	l.CreatedAt, l.UpdatedAt = now, now
	l.ProvisionedAt = exactTime(l.ProvisionedAt)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx,
			"INSERT INTO partners (name, slug, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id",
			p.Name, p.Slug, s.d.timeArg(now)).Scan(&p.ID)
		if err != nil {
			return fmt.Errorf("partner %q: %w", p.Slug, mapError(err))
		}
		l.PartnerID = p.ID
		_, err = tx.ExecContext(ctx, "INSERT INTO partner_logins ("+partnerLoginColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
			l.PartnerID, l.HaloURL, l.ClientID, l.AgentID, l.AgentName, l.ApplicationID, l.ApplicationName,
			l.ServiceClientID, l.SetupProblem, s.optionalTimeArg(l.ProvisionedAt), s.d.timeArg(now))
		if err != nil {
			return fmt.Errorf("login of %s: %w", l.HaloURL, mapError(err))
		}
		return nil
	})
	if err != nil {
		return Partner{}, PartnerLogin{}, fmt.Errorf("create partner with login: %w", err)
	}
	return p, l, nil
}

func (s *Store) PartnerLogin(ctx context.Context, partnerID int64) (PartnerLogin, error) {
	return s.onePartnerLogin(ctx, "partner_id = $1", partnerID, fmt.Sprintf("HaloPSA login of partner %d", partnerID))
}

func (s *Store) PartnerLoginByURL(ctx context.Context, haloURL string) (PartnerLogin, error) {
	return s.onePartnerLogin(ctx, "halo_url = $1", haloURL, fmt.Sprintf("partner logging in with HaloPSA %s", haloURL))
}

func (s *Store) onePartnerLogin(ctx context.Context, where string, arg any, what string) (PartnerLogin, error) {
	l, err := scanPartnerLogin(s.reader.QueryRowContext(ctx, "SELECT "+partnerLoginColumns+" FROM partner_logins WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return PartnerLogin{}, fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if err != nil {
		return PartnerLogin{}, fmt.Errorf("read %s: %w", what, err)
	}
	return l, nil
}

// SavePartnerLogin leaves the HaloURL alone: it is what the partner is
// recognised by.
func (s *Store) SavePartnerLogin(ctx context.Context, l PartnerLogin) (PartnerLogin, error) {
	saved, err := scanPartnerLogin(s.writer.QueryRowContext(ctx, `
		UPDATE partner_logins SET client_id = $2, agent_id = $3, agent_name = $4, application_id = $5,
			application_name = $6, service_client_id = $7, setup_problem = $8, provisioned_at = $9, updated_at = $10
		WHERE partner_id = $1 RETURNING `+partnerLoginColumns,
		l.PartnerID, l.ClientID, l.AgentID, l.AgentName, l.ApplicationID, l.ApplicationName, l.ServiceClientID,
		l.SetupProblem, s.optionalTimeArg(exactTime(l.ProvisionedAt)), s.d.timeArg(s.timestamp())))
	if errors.Is(err, sql.ErrNoRows) {
		return PartnerLogin{}, fmt.Errorf("save HaloPSA login of partner %d: %w", l.PartnerID, ErrNotFound)
	}
	if err != nil {
		return PartnerLogin{}, fmt.Errorf("save HaloPSA login of partner %d: %w", l.PartnerID, err)
	}
	return saved, nil
}

// SaveHaloLoginState keeps a "Log in with HaloPSA" until its callback.
func (s *Store) SaveHaloLoginState(ctx context.Context, st HaloLoginState) error {
	if st.ID == "" || st.Verifier == "" {
		return fmt.Errorf("save HaloPSA login state: %w: an id and a verifier are required", ErrInvalid)
	}
	sealed, err := s.keys.Seal(st.Verifier)
	if err != nil {
		return fmt.Errorf("save HaloPSA login state: seal verifier: %w", err)
	}
	_, err = s.writer.ExecContext(ctx, `
		INSERT INTO halo_login_states (id, halo_url, resource_url, auth_url, tenant, client_id, verifier, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		st.ID, st.HaloURL, st.ResourceURL, st.AuthURL, st.Tenant, st.ClientID, sealed, s.d.timeArg(exactTime(st.ExpiresAt)))
	if err != nil {
		return fmt.Errorf("save HaloPSA login state for %s: %w", st.HaloURL, mapError(err))
	}
	return nil
}

// TakeHaloLoginState also clears every expired state, so that abandoned
// logins do not pile up.
func (s *Store) TakeHaloLoginState(ctx context.Context, id string, now time.Time) (HaloLoginState, error) {
	var st HaloLoginState
	var sealed string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
			DELETE FROM halo_login_states WHERE id = $1
			RETURNING id, halo_url, resource_url, auth_url, tenant, client_id, verifier, expires_at`, id).Scan(
			&st.ID, &st.HaloURL, &st.ResourceURL, &st.AuthURL, &st.Tenant, &st.ClientID, &sealed, timeColumn{&st.ExpiresAt})
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("HaloPSA login state: %w", ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("take HaloPSA login state: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM halo_login_states WHERE expires_at <= $1", s.d.timeArg(exactTime(now))); err != nil {
			return fmt.Errorf("clear expired HaloPSA login states: %w", err)
		}
		return nil
	})
	if err != nil {
		return HaloLoginState{}, err
	}
	if !now.Before(st.ExpiresAt) {
		return HaloLoginState{}, fmt.Errorf("HaloPSA login state expired at %s: %w", st.ExpiresAt.Format(time.RFC3339), ErrNotFound)
	}
	if st.Verifier, err = s.keys.Open(sealed); err != nil {
		return HaloLoginState{}, fmt.Errorf("HaloPSA login state: verifier: %w", err)
	}
	return st, nil
}
