package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Mapping links a source's customer to a HaloPSA client (and optionally a
// site), with switches for ticketing and billing. Suggestions are mappings
// not yet confirmed by a person.
type Mapping struct {
	PartnerID  int64
	SourceID   int64
	CustomerID string
	ClientID   int
	SiteID     int // 0: none; tickets go to the client's main site
	Ticketing  bool
	Billing    bool
	Confirmed  bool
	// Rule and Score say how an unconfirmed suggestion was found
	// (mapping.Rule values; Score for fuzzy matches).
	Rule      string
	Score     float64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Event is an integration event: a problem that needs a person, with how
// to fix it. Key identifies the problem so that it is stored once however
// often it is detected.
type Event struct {
	ID        int64
	PartnerID int64
	Kind      string // e.g. client_not_found, site_without_general_user, permission_missing
	Key       string // stable per problem, e.g. "client_not_found/<source>/<customer>/<client>"
	Subject   string // what it is about, in words ("HaloPSA client 'Contoso Ltd' (id 42)")
	Message   string
	Fix       string
	State     string // EventOpen, EventResolved, EventAcknowledged
	FirstSeen time.Time
	LastSeen  time.Time
	Count     int
	// Data holds what Recheck and Resolve need to act (ids), as JSON.
	Data json.RawMessage
}

// Event states.
const (
	EventOpen         = "open"
	EventResolved     = "resolved"
	EventAcknowledged = "acknowledged"
)

// EventQuery filters Events; zero fields do not filter.
type EventQuery struct {
	State string
	Kind  string
	Limit int
}

const mappingColumns = "partner_id, source_id, customer_id, client_id, site_id, ticketing, billing, confirmed, rule, score, created_at, updated_at"

func scanMapping(row scanner) (Mapping, error) {
	var m Mapping
	err := row.Scan(&m.PartnerID, &m.SourceID, &m.CustomerID, &m.ClientID, &m.SiteID, &m.Ticketing, &m.Billing, &m.Confirmed,
		&m.Rule, &m.Score, timeColumn{&m.CreatedAt}, timeColumn{&m.UpdatedAt})
	return m, err
}

// SaveMapping creates or replaces the mapping of (SourceID, CustomerID).
func (s *Store) SaveMapping(ctx context.Context, m Mapping) (Mapping, error) {
	if m.CustomerID == "" || m.ClientID <= 0 {
		return Mapping{}, fmt.Errorf("save mapping: %w: a customer id and a HaloPSA client id are required", ErrInvalid)
	}
	now := s.timestamp()
	row := s.writer.QueryRowContext(ctx, `
		INSERT INTO mappings (`+mappingColumns+`)
		SELECT partner_id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11 FROM sources WHERE id = $2 AND partner_id = $1
		ON CONFLICT (source_id, customer_id) DO UPDATE SET client_id = excluded.client_id, site_id = excluded.site_id,
			ticketing = excluded.ticketing, billing = excluded.billing, confirmed = excluded.confirmed,
			rule = excluded.rule, score = excluded.score, updated_at = excluded.updated_at
		RETURNING `+mappingColumns,
		m.PartnerID, m.SourceID, m.CustomerID, m.ClientID, m.SiteID, m.Ticketing, m.Billing, m.Confirmed, m.Rule, m.Score, s.d.timeArg(now))
	saved, err := scanMapping(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Mapping{}, fmt.Errorf("save mapping: source %d of partner %d: %w", m.SourceID, m.PartnerID, ErrNotFound)
	}
	if err != nil {
		return Mapping{}, fmt.Errorf("save mapping of customer %q: %w", m.CustomerID, mapError(err))
	}
	return saved, nil
}

func (s *Store) Mapping(ctx context.Context, sourceID int64, customerID string) (Mapping, error) {
	m, err := scanMapping(s.reader.QueryRowContext(ctx, "SELECT "+mappingColumns+" FROM mappings WHERE source_id = $1 AND customer_id = $2", sourceID, customerID))
	if errors.Is(err, sql.ErrNoRows) {
		return Mapping{}, fmt.Errorf("mapping of customer %q of source %d: %w", customerID, sourceID, ErrNotFound)
	}
	if err != nil {
		return Mapping{}, fmt.Errorf("read mapping of customer %q: %w", customerID, err)
	}
	return m, nil
}

// Mappings lists a partner's mappings, confirmed or not.
func (s *Store) Mappings(ctx context.Context, partnerID int64) ([]Mapping, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+mappingColumns+" FROM mappings WHERE partner_id = $1 ORDER BY source_id, customer_id", partnerID)
	if err != nil {
		return nil, fmt.Errorf("list mappings of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	var out []Mapping
	for rows.Next() {
		m, err := scanMapping(rows)
		if err != nil {
			return nil, fmt.Errorf("list mappings of partner %d: %w", partnerID, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *Store) DeleteMapping(ctx context.Context, sourceID int64, customerID string) error {
	res, err := s.writer.ExecContext(ctx, "DELETE FROM mappings WHERE source_id = $1 AND customer_id = $2", sourceID, customerID)
	if err != nil {
		return fmt.Errorf("delete mapping of customer %q: %w", customerID, err)
	}
	return requireRow(res, fmt.Sprintf("delete mapping of customer %q of source %d", customerID, sourceID))
}

const eventColumns = "id, partner_id, kind, key, subject, message, fix, state, first_seen, last_seen, count, data"

func scanEvent(row scanner) (Event, error) {
	var e Event
	var data string
	err := row.Scan(&e.ID, &e.PartnerID, &e.Kind, &e.Key, &e.Subject, &e.Message, &e.Fix, &e.State,
		timeColumn{&e.FirstSeen}, timeColumn{&e.LastSeen}, &e.Count, &data)
	e.Data = json.RawMessage(data)
	return e, err
}

// RaiseEvent records that a problem was seen now: a new problem is
// stored open with Count 1; a known one gets LastSeen, Count+1, the new
// message, and is reopened if it had been resolved.
func (s *Store) RaiseEvent(ctx context.Context, e Event) (Event, error) {
	if e.Kind == "" || e.Key == "" || e.Message == "" {
		return Event{}, fmt.Errorf("raise event: %w: kind, key and message are required", ErrInvalid)
	}
	if len(e.Data) == 0 {
		e.Data = json.RawMessage("{}")
	}
	if !json.Valid(e.Data) {
		return Event{}, fmt.Errorf("raise event %q: %w: data is not JSON", e.Key, ErrInvalid)
	}
	now := s.d.timeArg(s.timestamp())
	row := s.writer.QueryRowContext(ctx, `
		INSERT INTO events (partner_id, kind, key, subject, message, fix, state, first_seen, last_seen, count, data)
		VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $7, 1, $8)
		ON CONFLICT (partner_id, key) DO UPDATE SET kind = excluded.kind, subject = excluded.subject,
			message = excluded.message, fix = excluded.fix, data = excluded.data, last_seen = excluded.last_seen,
			count = events.count + 1,
			state = CASE WHEN events.state = 'resolved' THEN 'open' ELSE events.state END,
			first_seen = CASE WHEN events.state = 'resolved' THEN excluded.first_seen ELSE events.first_seen END
		RETURNING `+eventColumns,
		e.PartnerID, e.Kind, e.Key, e.Subject, e.Message, e.Fix, now, string(e.Data))
	saved, err := scanEvent(row)
	if err != nil {
		return Event{}, fmt.Errorf("raise event %q: %w", e.Key, mapError(err))
	}
	return saved, nil
}

// ClearEvent marks the problem with key resolved (it was not seen again).
func (s *Store) ClearEvent(ctx context.Context, partnerID int64, key string) error {
	_, err := s.writer.ExecContext(ctx, "UPDATE events SET state = 'resolved' WHERE partner_id = $1 AND key = $2 AND state <> 'resolved'", partnerID, key)
	if err != nil {
		return fmt.Errorf("clear event %q: %w", key, err)
	}
	return nil
}

// SetEventState acknowledges or resolves one event.
func (s *Store) SetEventState(ctx context.Context, partnerID, id int64, state string) (Event, error) {
	if state != EventOpen && state != EventResolved && state != EventAcknowledged {
		return Event{}, fmt.Errorf("event %d state %q: %w", id, state, ErrInvalid)
	}
	e, err := scanEvent(s.writer.QueryRowContext(ctx, "UPDATE events SET state = $3 WHERE partner_id = $1 AND id = $2 RETURNING "+eventColumns, partnerID, id, state))
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, fmt.Errorf("event %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Event{}, fmt.Errorf("set state of event %d: %w", id, err)
	}
	return e, nil
}

func (s *Store) Event(ctx context.Context, partnerID, id int64) (Event, error) {
	e, err := scanEvent(s.reader.QueryRowContext(ctx, "SELECT "+eventColumns+" FROM events WHERE partner_id = $1 AND id = $2", partnerID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, fmt.Errorf("event %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Event{}, fmt.Errorf("read event %d: %w", id, err)
	}
	return e, nil
}

// Events lists a partner's events, most recently seen first.
func (s *Store) Events(ctx context.Context, partnerID int64, q EventQuery) ([]Event, error) {
	query := "SELECT " + eventColumns + " FROM events WHERE partner_id = $1"
	args := []any{partnerID}
	if q.State != "" {
		args = append(args, q.State)
		query += fmt.Sprintf(" AND state = $%d", len(args))
	}
	if q.Kind != "" {
		args = append(args, q.Kind)
		query += fmt.Sprintf(" AND kind = $%d", len(args))
	}
	limit := q.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	query += fmt.Sprintf(" ORDER BY last_seen DESC, id DESC LIMIT %d", limit)
	rows, err := s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list events of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("list events of partner %d: %w", partnerID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
