package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"halobridge/internal/source"
	"strings"
	"time"
)

// Source is one security platform account of a partner. Secret and APIKey
// are plaintext here and sealed in the database.
type Source struct {
	ID        int64
	PartnerID int64
	Kind      source.Kind
	Name      string
	// Token names the source in the URL it pushes to; random, unguessable and unique.
	Token string
	// Secret is what the platform must present when it pushes: the
	// Authorization header GravityZone echoes, DefensX's shared secret, the
	// push API's bearer token.
	Secret string
	// APIKey and APIURL are how halobridge calls the platform's API.
	APIKey string
	APIURL string
	// Settings holds the kind's other, non-secret settings as JSON.
	Settings  json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
}

const sourceColumns = "id, partner_id, kind, name, token, secret, api_key, api_url, settings, created_at, updated_at"

// NewToken returns a random URL-safe token of 32 lower-case characters.
func NewToken() string {
	b := make([]byte, 20)
	rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

func checkSource(src Source) (Source, error) {
	switch src.Kind {
	case source.GravityZone, source.DefensX, source.Push:
	default:
		return Source{}, fmt.Errorf("source kind %q: %w: want gravityzone, defensx or push", src.Kind, ErrInvalid)
	}
	src.Name = strings.TrimSpace(src.Name)
	if src.Name == "" {
		return Source{}, fmt.Errorf("source name: %w: it is empty", ErrInvalid)
	}
	if len(src.Settings) == 0 {
		src.Settings = json.RawMessage("{}")
	}
	if !json.Valid(src.Settings) {
		return Source{}, fmt.Errorf("source %q settings: %w: not JSON", src.Name, ErrInvalid)
	}
	return src, nil
}

func (s *Store) sealSource(src Source) (secret, apiKey string, err error) {
	if secret, err = s.keys.Seal(src.Secret); err != nil {
		return "", "", fmt.Errorf("seal secret: %w", err)
	}
	if apiKey, err = s.keys.Seal(src.APIKey); err != nil {
		return "", "", fmt.Errorf("seal API key: %w", err)
	}
	return secret, apiKey, nil
}

// CreateSource stores a new source, with a fresh random Token when none is given.
func (s *Store) CreateSource(ctx context.Context, src Source) (Source, error) {
	src, err := checkSource(src)
	if err != nil {
		return Source{}, fmt.Errorf("create source: %w", err)
	}
	if src.Token == "" {
		src.Token = NewToken()
	}
	secret, apiKey, err := s.sealSource(src)
	if err != nil {
		return Source{}, fmt.Errorf("create source %q: %w", src.Name, err)
	}
	now := s.timestamp()
	src.CreatedAt, src.UpdatedAt = now, now
	err = s.writer.QueryRowContext(ctx, `
		INSERT INTO sources (partner_id, kind, name, token, secret, api_key, api_url, settings, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
		src.PartnerID, src.Kind, src.Name, src.Token, secret, apiKey, src.APIURL, string(src.Settings), s.d.timeArg(now)).Scan(&src.ID)
	if err != nil {
		return Source{}, fmt.Errorf("create source %q of partner %d: %w", src.Name, src.PartnerID, mapError(err))
	}
	return src, nil
}

// UpdateSource changes everything but the partner, the kind and the token.
func (s *Store) UpdateSource(ctx context.Context, src Source) (Source, error) {
	src, err := checkSource(src)
	if err != nil {
		return Source{}, fmt.Errorf("update source: %w", err)
	}
	secret, apiKey, err := s.sealSource(src)
	if err != nil {
		return Source{}, fmt.Errorf("update source %d: %w", src.ID, err)
	}
	src.UpdatedAt = s.timestamp()
	res, err := s.writer.ExecContext(ctx, `
		UPDATE sources SET name = $2, secret = $3, api_key = $4, api_url = $5, settings = $6, updated_at = $7
		WHERE id = $1`, src.ID, src.Name, secret, apiKey, src.APIURL, string(src.Settings), s.d.timeArg(src.UpdatedAt))
	if err != nil {
		return Source{}, fmt.Errorf("update source %d: %w", src.ID, mapError(err))
	}
	if err := requireRow(res, fmt.Sprintf("update source %d", src.ID)); err != nil {
		return Source{}, err
	}
	return s.Source(ctx, src.ID)
}

func (s *Store) Source(ctx context.Context, id int64) (Source, error) {
	return s.oneSource(ctx, "id = $1", id, fmt.Sprintf("source %d", id))
}

// SourceByToken finds the source a pushed request is addressed to.
func (s *Store) SourceByToken(ctx context.Context, token string) (Source, error) {
	return s.oneSource(ctx, "token = $1", token, "source with this token")
}

func (s *Store) oneSource(ctx context.Context, where string, arg any, what string) (Source, error) {
	src, err := s.scanSource(s.reader.QueryRowContext(ctx, "SELECT "+sourceColumns+" FROM sources WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return Source{}, fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if err != nil {
		return Source{}, fmt.Errorf("read %s: %w", what, err)
	}
	return src, nil
}

// Sources lists a partner's sources by id.
func (s *Store) Sources(ctx context.Context, partnerID int64) ([]Source, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+sourceColumns+" FROM sources WHERE partner_id = $1 ORDER BY id", partnerID)
	if err != nil {
		return nil, fmt.Errorf("list sources of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	var out []Source
	for rows.Next() {
		src, err := s.scanSource(rows)
		if err != nil {
			return nil, fmt.Errorf("list sources of partner %d: %w", partnerID, err)
		}
		out = append(out, src)
	}
	return out, rows.Err()
}

// SourceRemoval is what deleting a source took with it, and what it left.
type SourceRemoval struct {
	// Alerts were removed, Undelivered of them never reached HaloPSA.
	Alerts      int `json:"alerts"`
	Undelivered int `json:"undelivered_alerts"`
	Resolutions int `json:"resolutions"`
	Customers   int `json:"customers"`
	// Mappings counts the confirmed mappings removed, suggestions aside.
	Mappings int `json:"mappings"`
	// Events counts the integration events about the source, removed.
	Events int `json:"events"`
	// Tickets are the HaloPSA tickets of its alerts, OpenTickets those not
	// closed: they stay in HaloPSA, and so do their links, so that the same
	// account connected again notes its open tickets instead of duplicating them.
	Tickets     int `json:"tickets"`
	OpenTickets int `json:"open_tickets"`
}

// DeleteSource removes a source and everything it owns in one transaction:
// alerts, resolutions and their deliveries, customers, usage, mappings,
// rejected suggestions, cursors, and its integration events (keyed
// "source/<id>/..."). A fingerprint's link to its ticket moves to the
// latest delivered alert of another source with the same fingerprint, or
// goes. Ticket links stay: they describe HaloPSA tickets, which outlive it.
func (s *Store) DeleteSource(ctx context.Context, id int64) (SourceRemoval, error) {
	var r SourceRemoval
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var partnerID int64
		err := tx.QueryRowContext(ctx, "SELECT partner_id FROM sources WHERE id = $1", id).Scan(&partnerID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := s.countRemoval(ctx, tx, id, partnerID, &r); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO fingerprint_links (partner_id, fingerprint, alert_id, key)
			SELECT partner_id, fingerprint, id, key FROM (
				SELECT a.partner_id, a.fingerprint, a.id, d.key,
					row_number() OVER (PARTITION BY a.fingerprint ORDER BY a.id DESC) AS n
				FROM alerts a JOIN alert_deliveries d ON d.alert_id = a.id
				WHERE a.partner_id = $2 AND a.source_id <> $1 AND d.key <> ''
					AND a.fingerprint IN (SELECT f.fingerprint FROM fingerprint_links f JOIN alerts o ON o.id = f.alert_id
						WHERE f.partner_id = $2 AND o.source_id = $1)
			) AS latest WHERE n = 1
			ON CONFLICT (partner_id, fingerprint) DO UPDATE SET alert_id = excluded.alert_id, key = excluded.key`, id, partnerID); err != nil {
			return fmt.Errorf("move fingerprint links: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM fingerprint_links WHERE partner_id = $2
			AND alert_id IN (SELECT id FROM alerts WHERE source_id = $1)`, id, partnerID); err != nil {
			return fmt.Errorf("delete fingerprint links: %w", err)
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM events WHERE partner_id = $1 AND key LIKE $2", partnerID, SourceEventPrefix(id)+"%")
		if err != nil {
			return fmt.Errorf("delete events: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		r.Events = int(n)
		_, err = tx.ExecContext(ctx, "DELETE FROM sources WHERE id = $1", id)
		return err
	})
	if err != nil {
		return SourceRemoval{}, fmt.Errorf("delete source %d: %w", id, mapError(err))
	}
	return r, nil
}

// SourceEventPrefix starts the key of every integration event about the
// source, so that removing the source removes them.
func SourceEventPrefix(sourceID int64) string { return fmt.Sprintf("source/%d/", sourceID) }

// countRemoval counts what deleting the source takes with it.
func (s *Store) countRemoval(ctx context.Context, tx *sql.Tx, id, partnerID int64, r *SourceRemoval) error {
	counts := []struct {
		into  []any
		query string
	}{
		{[]any{&r.Alerts}, "SELECT COUNT(*) FROM alerts WHERE source_id = $1"},
		{[]any{&r.Undelivered}, `SELECT COUNT(*) FROM alerts a LEFT JOIN alert_deliveries d ON d.alert_id = a.id
			WHERE a.source_id = $1 AND (d.alert_id IS NULL OR d.state <> 'done')`},
		{[]any{&r.Resolutions}, "SELECT COUNT(*) FROM resolutions WHERE source_id = $1"},
		{[]any{&r.Customers}, "SELECT COUNT(*) FROM source_customers WHERE source_id = $1"},
		{[]any{&r.Mappings}, "SELECT COALESCE(SUM(CASE WHEN confirmed THEN 1 ELSE 0 END), 0) FROM mappings WHERE source_id = $1"},
		{[]any{&r.Tickets, &r.OpenTickets}, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN state <> 'closed' THEN 1 ELSE 0 END), 0)
			FROM ticket_links WHERE partner_id = $2 AND key IN (
				SELECT d.key FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id WHERE a.source_id = $1 AND d.key <> '')`},
	}
	for _, c := range counts {
		args := []any{id}
		if strings.Contains(c.query, "$2") {
			args = append(args, partnerID)
		}
		if err := tx.QueryRowContext(ctx, c.query, args...).Scan(c.into...); err != nil {
			return fmt.Errorf("count what goes with the source: %w", err)
		}
	}
	return nil
}

func (s *Store) scanSource(row scanner) (Source, error) {
	var src Source
	var secret, apiKey, settings string
	err := row.Scan(&src.ID, &src.PartnerID, &src.Kind, &src.Name, &src.Token, &secret, &apiKey, &src.APIURL, &settings,
		timeColumn{&src.CreatedAt}, timeColumn{&src.UpdatedAt})
	if err != nil {
		return Source{}, err
	}
	src.Settings = json.RawMessage(settings)
	if src.Secret, err = s.keys.Open(secret); err != nil {
		return Source{}, fmt.Errorf("source %d secret: %w", src.ID, err)
	}
	if src.APIKey, err = s.keys.Open(apiKey); err != nil {
		return Source{}, fmt.Errorf("source %d API key: %w", src.ID, err)
	}
	return src, nil
}

// SourceCursor is where a poller of the source stopped for scope (e.g. a
// customer id); nil when it has not started.
func (s *Store) SourceCursor(ctx context.Context, sourceID int64, scope string) (json.RawMessage, error) {
	var cursor string
	err := s.reader.QueryRowContext(ctx, "SELECT cursor FROM source_cursors WHERE source_id = $1 AND scope = $2", sourceID, scope).Scan(&cursor)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read cursor %q of source %d: %w", scope, sourceID, err)
	}
	return json.RawMessage(cursor), nil
}

func (s *Store) SaveSourceCursor(ctx context.Context, sourceID int64, scope string, cursor json.RawMessage) error {
	if !json.Valid(cursor) {
		return fmt.Errorf("save cursor %q of source %d: %w: not JSON", scope, sourceID, ErrInvalid)
	}
	_, err := s.writer.ExecContext(ctx, `
		INSERT INTO source_cursors (source_id, scope, cursor, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (source_id, scope) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
		sourceID, scope, string(cursor), s.d.timeArg(s.timestamp()))
	if err != nil {
		return fmt.Errorf("save cursor %q of source %d: %w", scope, sourceID, mapError(err))
	}
	return nil
}
