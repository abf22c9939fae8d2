package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The OAuth grants a Halo connection can use (HaloPSA API reference §1.3).
const (
	// GrantClientCredentials logs in with a client ID and secret.
	GrantClientCredentials = "client_credentials"
	// GrantAuthorizationCode holds a refresh token from an authorization
	// code + PKCE login.
	GrantAuthorizationCode = "authorization_code"
)

// HaloConnection is how a partner reaches its HaloPSA. ClientSecret and
// RefreshToken are plaintext here and sealed in the database.
type HaloConnection struct {
	PartnerID    int64
	ResourceURL  string
	AuthURL      string
	Tenant       string
	ClientID     string
	GrantType    string
	Scope        string
	ClientSecret string
	RefreshToken string
	// AgentID is the Halo agent the connection acts as; 0 while unknown.
	AgentID   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SaveHaloConnection creates or replaces the partner's Halo connection.
func (s *Store) SaveHaloConnection(ctx context.Context, c HaloConnection) (HaloConnection, error) {
	if c.GrantType != GrantClientCredentials && c.GrantType != GrantAuthorizationCode {
		return HaloConnection{}, fmt.Errorf("save halo connection of partner %d: grant type %q: %w: want %q or %q",
			c.PartnerID, c.GrantType, ErrInvalid, GrantClientCredentials, GrantAuthorizationCode)
	}
	sealedSecret, err := s.keys.Seal(c.ClientSecret)
	if err != nil {
		return HaloConnection{}, fmt.Errorf("save halo connection of partner %d: seal client secret: %w", c.PartnerID, err)
	}
	sealedToken, err := s.keys.Seal(c.RefreshToken)
	if err != nil {
		return HaloConnection{}, fmt.Errorf("save halo connection of partner %d: seal refresh token: %w", c.PartnerID, err)
	}
	c.UpdatedAt = s.timestamp()
	err = s.writer.QueryRowContext(ctx, `
		INSERT INTO halo_connections (partner_id, resource_url, auth_url, tenant, client_id, grant_type, scope,
			client_secret, refresh_token, agent_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
		ON CONFLICT (partner_id) DO UPDATE SET
			resource_url = excluded.resource_url, auth_url = excluded.auth_url, tenant = excluded.tenant,
			client_id = excluded.client_id, grant_type = excluded.grant_type, scope = excluded.scope,
			client_secret = excluded.client_secret, refresh_token = excluded.refresh_token,
			agent_id = excluded.agent_id, updated_at = excluded.updated_at
		RETURNING created_at`,
		c.PartnerID, c.ResourceURL, c.AuthURL, c.Tenant, c.ClientID, c.GrantType, c.Scope,
		sealedSecret, sealedToken, c.AgentID, s.d.timeArg(c.UpdatedAt)).Scan(timeColumn{&c.CreatedAt})
	if err != nil {
		err = mapError(err)
		if errors.Is(err, ErrNotFound) {
			return HaloConnection{}, fmt.Errorf("save halo connection: partner %d: %w", c.PartnerID, ErrNotFound)
		}
		return HaloConnection{}, fmt.Errorf("save halo connection of partner %d: %w", c.PartnerID, err)
	}
	return c, nil
}

func (s *Store) HaloConnection(ctx context.Context, partnerID int64) (HaloConnection, error) {
	var c HaloConnection
	var sealedSecret, sealedToken string
	err := s.reader.QueryRowContext(ctx, `
		SELECT partner_id, resource_url, auth_url, tenant, client_id, grant_type, scope,
			client_secret, refresh_token, agent_id, created_at, updated_at
		FROM halo_connections WHERE partner_id = $1`, partnerID).Scan(
		&c.PartnerID, &c.ResourceURL, &c.AuthURL, &c.Tenant, &c.ClientID, &c.GrantType, &c.Scope,
		&sealedSecret, &sealedToken, &c.AgentID, timeColumn{&c.CreatedAt}, timeColumn{&c.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return HaloConnection{}, fmt.Errorf("halo connection of partner %d: %w", partnerID, ErrNotFound)
	}
	if err != nil {
		return HaloConnection{}, fmt.Errorf("read halo connection of partner %d: %w", partnerID, err)
	}
	if c.ClientSecret, err = s.keys.Open(sealedSecret); err != nil {
		return HaloConnection{}, fmt.Errorf("halo connection of partner %d: client secret: %w", partnerID, err)
	}
	if c.RefreshToken, err = s.keys.Open(sealedToken); err != nil {
		return HaloConnection{}, fmt.Errorf("halo connection of partner %d: refresh token: %w", partnerID, err)
	}
	return c, nil
}

func (s *Store) DeleteHaloConnection(ctx context.Context, partnerID int64) error {
	res, err := s.writer.ExecContext(ctx, "DELETE FROM halo_connections WHERE partner_id = $1", partnerID)
	if err != nil {
		return fmt.Errorf("delete halo connection of partner %d: %w", partnerID, err)
	}
	return requireRow(res, fmt.Sprintf("delete halo connection of partner %d", partnerID))
}

// RotateRefreshToken locks the row with SELECT ... FOR UPDATE on
// PostgreSQL; on SQLite the writer's IMMEDIATE transaction holds the file's
// write lock, which excludes other processes too.
func (s *Store) RotateRefreshToken(ctx context.Context, partnerID int64, fn func(current string) (next string, err error)) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var sealed string
		err := tx.QueryRowContext(ctx,
			"SELECT refresh_token FROM halo_connections WHERE partner_id = $1"+s.d.forUpdate, partnerID).Scan(&sealed)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("halo connection of partner %d: %w", partnerID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("lock halo connection of partner %d: %w", partnerID, err)
		}
		current, err := s.keys.Open(sealed)
		if err != nil {
			return fmt.Errorf("open refresh token of partner %d: %w", partnerID, err)
		}
		next, err := fn(current)
		if err != nil {
			return err
		}
		if sealed, err = s.keys.Seal(next); err != nil {
			return fmt.Errorf("seal refresh token of partner %d: %w", partnerID, err)
		}
		_, err = tx.ExecContext(ctx, "UPDATE halo_connections SET refresh_token = $2, updated_at = $3 WHERE partner_id = $1",
			partnerID, sealed, s.d.timeArg(s.timestamp()))
		if err != nil {
			return fmt.Errorf("store refresh token of partner %d: %w", partnerID, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("rotate refresh token: %w", err)
	}
	return nil
}
