package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"halobridge/internal/source"
)

// TicketPolicy is a partner's ticket policy as stored: the JSON of
// ticketing.Policy, which the store does not interpret.
type TicketPolicy struct {
	PartnerID int64
	Policy    json.RawMessage
	// FallbackClientID receives the tickets of unmapped customers; 0: none.
	FallbackClientID int
	UpdatedAt        time.Time
}

// Ticket link states, spelled as ticketing.LinkState spells them.
const (
	LinkPending = "pending"
	LinkOpen    = "open"
	LinkClosed  = "closed"
)

// TicketLink is the HaloPSA ticket one group of alerts goes to.
type TicketLink struct {
	PartnerID int64
	Key       string
	TicketID  int // 0 while pending, unless reconciliation found it
	// ReplacesTicketID is the closed ticket a pending link replaces (0:
	// none): reconciliation after a crash only considers newer tickets.
	ReplacesTicketID int
	State            string
	AlertType        string
	OpenedAt         time.Time
	ClosedAt         time.Time
	LastAlertAt      time.Time
	// NotedAt is when HaloPSA last heard of new alerts on the ticket (its
	// creation or its latest note): notes wait for the flush window from it.
	NotedAt    time.Time
	AlertCount int
	UpdatedAt  time.Time
}

// TicketLinkQuery filters TicketLinks.
type TicketLinkQuery struct {
	Keys  []string
	State string
}

// Delivery states of one alert.
const (
	// DeliveryPending marks an alert a ticket was being created for.
	DeliveryPending = "pending"
	DeliveryDone    = "done"
	// DeliveryFailed marks an alert HaloPSA refused or failed to take; it
	// is tried again at its RetryAt.
	DeliveryFailed = "failed"
)

// AlertDelivery is what delivery did with one alert.
type AlertDelivery struct {
	AlertID   int64
	PartnerID int64
	State     string
	// Action is the ticketing.Action taken (create, note, reopen, skip…).
	Action string
	// Reason says why, in words for the partner.
	Reason   string
	Key      string
	TicketID int
	Attempts int
	// RetryAt is when a pending or failed alert is due again; zero: now.
	RetryAt   time.Time
	UpdatedAt time.Time
}

// PendingAlert is an alert waiting for delivery.
type PendingAlert struct {
	StoredAlert
	// Delivery is the earlier attempt; nil when the alert was never tried.
	Delivery *AlertDelivery
}

// AlertSpan counts alerts and spans their reception.
type AlertSpan struct {
	Count                       int
	FirstReceived, LastReceived time.Time
}

// StoredResolution is a resolution as kept, with the kind of its source.
type StoredResolution struct {
	ID         int64
	PartnerID  int64
	SourceID   int64
	ReceivedAt time.Time
	source.Resolution
}

// ResolutionDelivery is what delivery did with one resolution.
type ResolutionDelivery struct {
	ResolutionID int64
	PartnerID    int64
	Action       string
	Reason       string
	TicketID     int
	UpdatedAt    time.Time
}

// SaveTicketPolicy creates or replaces the partner's ticket policy.
func (s *Store) SaveTicketPolicy(ctx context.Context, p TicketPolicy) (TicketPolicy, error) {
	if !json.Valid(p.Policy) {
		return TicketPolicy{}, fmt.Errorf("save ticket policy of partner %d: %w: the policy is not JSON", p.PartnerID, ErrInvalid)
	}
	if p.FallbackClientID < 0 {
		return TicketPolicy{}, fmt.Errorf("save ticket policy of partner %d: %w: negative fallback client", p.PartnerID, ErrInvalid)
	}
	p.UpdatedAt = s.timestamp()
	_, err := s.writer.ExecContext(ctx, `
		INSERT INTO ticket_policies (partner_id, policy, fallback_client_id, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (partner_id) DO UPDATE SET policy = excluded.policy,
			fallback_client_id = excluded.fallback_client_id, updated_at = excluded.updated_at`,
		p.PartnerID, string(p.Policy), p.FallbackClientID, s.d.timeArg(p.UpdatedAt))
	if err != nil {
		return TicketPolicy{}, fmt.Errorf("save ticket policy of partner %d: %w", p.PartnerID, mapError(err))
	}
	return p, nil
}

func (s *Store) TicketPolicy(ctx context.Context, partnerID int64) (TicketPolicy, error) {
	p := TicketPolicy{PartnerID: partnerID}
	var policy string
	err := s.reader.QueryRowContext(ctx, "SELECT policy, fallback_client_id, updated_at FROM ticket_policies WHERE partner_id = $1",
		partnerID).Scan(&policy, &p.FallbackClientID, timeColumn{&p.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return TicketPolicy{}, fmt.Errorf("ticket policy of partner %d: %w", partnerID, ErrNotFound)
	}
	if err != nil {
		return TicketPolicy{}, fmt.Errorf("read ticket policy of partner %d: %w", partnerID, err)
	}
	p.Policy = json.RawMessage(policy)
	return p, nil
}

// pendingDelivery is the condition on alert a (joined with its delivery d)
// that PendingAlerts and PartnersWithPendingWork share; $1 is the time by
// which held-back alerts must be due.
const pendingDelivery = "(d.alert_id IS NULL OR (d.state <> 'done' AND d.retry_at <= $1))"

const deliveryColumns = "alert_id, partner_id, state, action, reason, key, ticket_id, attempts, retry_at, updated_at"

// PendingAlerts lists, oldest first, up to limit alerts of the partner
// that delivery has not finished and that are due by dueBy: never
// tried, or caught while their ticket was being created or failed and
// held back until a RetryAt no later than dueBy. Their Raw payload is
// left out: delivery works from the normalised fields.
func (s *Store) PendingAlerts(ctx context.Context, partnerID int64, dueBy time.Time, limit int) ([]PendingAlert, error) {
	if limit <= 0 {
		limit = 1000
	}
	// The raw payload, the bulk of a stored alert, stays in the database:
	// a storm's pass holds every pending alert in memory at once.
	columns := prefixed("a.", strings.TrimSuffix(alertColumns, ", raw")) + ", 'null'"
	rows, err := s.reader.QueryContext(ctx, "SELECT a.id, "+columns+", "+prefixed("d.", deliveryColumns)+`
		FROM alerts a LEFT JOIN alert_deliveries d ON d.alert_id = a.id
		WHERE a.partner_id = $2 AND `+pendingDelivery+` ORDER BY a.id LIMIT $3`,
		s.d.timeArg(dueBy), partnerID, limit)
	if err != nil {
		return nil, fmt.Errorf("list pending alerts of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	var out []PendingAlert
	for rows.Next() {
		p, err := scanPendingAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("list pending alerts of partner %d: %w", partnerID, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// scanPendingAlert reads an alert and its optional delivery: the delivery
// columns are all NULL when the alert was never tried.
func scanPendingAlert(rows *sql.Rows) (PendingAlert, error) {
	var a StoredAlert
	var severity, facts, raw, kind string
	var d struct {
		alertID, partnerID, ticketID, attempts sql.NullInt64
		state, action, reason, key             sql.NullString
		retryAt, updatedAt                     nullTime
	}
	err := rows.Scan(&a.ID, &a.PartnerID, &a.SourceID, &a.EventID, &kind, &a.Type, &a.CustomerID, &severity,
		&a.HostName, &a.HostIP, &a.User, &a.URL, &facts, &a.Fingerprint, &a.Test,
		timeColumn{&a.OccurredAt}, timeColumn{&a.ReceivedAt}, &raw,
		&d.alertID, &d.partnerID, &d.state, &d.action, &d.reason, &d.key, &d.ticketID, &d.attempts, &d.retryAt, &d.updatedAt)
	if err != nil {
		return PendingAlert{}, err
	}
	a.Source, a.Severity, a.Raw = source.Kind(kind), source.Severity(severity), json.RawMessage(raw)
	if err := json.Unmarshal([]byte(facts), &a.Facts); err != nil {
		return PendingAlert{}, fmt.Errorf("alert %d facts: %w", a.ID, err)
	}
	p := PendingAlert{StoredAlert: a}
	if d.alertID.Valid {
		p.Delivery = &AlertDelivery{
			AlertID: d.alertID.Int64, PartnerID: d.partnerID.Int64, State: d.state.String, Action: d.action.String,
			Reason: d.reason.String, Key: d.key.String, TicketID: int(d.ticketID.Int64), Attempts: int(d.attempts.Int64),
			RetryAt: d.retryAt.t, UpdatedAt: d.updatedAt.t,
		}
	}
	return p, nil
}

// NewAlerts counts the partner's alerts delivery never tried and says
// when the first and the last of them were received.
func (s *Store) NewAlerts(ctx context.Context, partnerID int64) (AlertSpan, error) {
	var span AlertSpan
	var first, last nullTime
	err := s.reader.QueryRowContext(ctx, `
		SELECT count(*), min(a.received_at), max(a.received_at)
		FROM alerts a LEFT JOIN alert_deliveries d ON d.alert_id = a.id
		WHERE a.partner_id = $1 AND d.alert_id IS NULL`, partnerID).Scan(&span.Count, &first, &last)
	if err != nil {
		return AlertSpan{}, fmt.Errorf("count new alerts of partner %d: %w", partnerID, err)
	}
	span.FirstReceived, span.LastReceived = first.t, last.t
	return span, nil
}

// nullTime scans a time column of either engine that may be NULL.
type nullTime struct{ t time.Time }

func (n *nullTime) Scan(src any) error {
	if src == nil {
		n.t = time.Time{}
		return nil
	}
	return timeColumn{&n.t}.Scan(src)
}

// prefixed qualifies every column of a comma-separated list with prefix.
func prefixed(prefix, columns string) string {
	parts := strings.Split(columns, ", ")
	for i, p := range parts {
		parts[i] = prefix + p
	}
	return strings.Join(parts, ", ")
}

// PartnersWithPendingWork lists the partners with alerts due by dueBy
// (as PendingAlerts counts them) or resolutions not acted on yet.
func (s *Store) PartnersWithPendingWork(ctx context.Context, dueBy time.Time) ([]int64, error) {
	rows, err := s.reader.QueryContext(ctx, `
		SELECT DISTINCT a.partner_id FROM alerts a LEFT JOIN alert_deliveries d ON d.alert_id = a.id WHERE `+pendingDelivery+`
		UNION
		SELECT DISTINCT r.partner_id FROM resolutions r LEFT JOIN resolution_deliveries rd ON rd.resolution_id = r.id
		WHERE rd.resolution_id IS NULL
		ORDER BY 1`, s.d.timeArg(dueBy))
	if err != nil {
		return nil, fmt.Errorf("list partners with pending deliveries: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list partners with pending deliveries: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// RecordDeliveries stores what delivery did with alerts that touched no
// ticket link (skipped, failed), counting an attempt for each.
func (s *Store) RecordDeliveries(ctx context.Context, deliveries []AlertDelivery) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error { return s.writeDeliveries(ctx, tx, deliveries) })
	if err != nil {
		return fmt.Errorf("record %d alert deliveries: %w", len(deliveries), err)
	}
	return nil
}

// writeDeliveries upserts deliveries, counting one more attempt for each.
func (s *Store) writeDeliveries(ctx context.Context, tx *sql.Tx, deliveries []AlertDelivery) error {
	return s.upsertDeliveries(ctx, tx, deliveries, "excluded.state")
}

// keepPendingState keeps an alert pending under its key: a ticket that
// HaloPSA may have created carries it.
const keepPendingState = "CASE WHEN alert_deliveries.state = 'pending' AND alert_deliveries.key = excluded.key THEN 'pending' ELSE excluded.state END"

// upsertDeliveries upserts deliveries, setting the state to the SQL
// expression state, and counts one more attempt for each.
func (s *Store) upsertDeliveries(ctx context.Context, tx *sql.Tx, deliveries []AlertDelivery, state string) error {
	now := s.d.timeArg(s.timestamp())
	for _, d := range deliveries {
		switch d.State {
		case DeliveryPending, DeliveryDone, DeliveryFailed:
		default:
			return fmt.Errorf("delivery of alert %d: state %q: %w", d.AlertID, d.State, ErrInvalid)
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO alert_deliveries (`+deliveryColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9)
			ON CONFLICT (alert_id) DO UPDATE SET state = `+state+`, action = excluded.action, reason = excluded.reason,
				key = excluded.key, ticket_id = excluded.ticket_id, attempts = alert_deliveries.attempts + 1,
				retry_at = excluded.retry_at, updated_at = excluded.updated_at`,
			d.AlertID, d.PartnerID, d.State, d.Action, d.Reason, d.Key, d.TicketID, s.d.timeArg(d.RetryAt), now)
		if err != nil {
			return fmt.Errorf("record delivery of alert %d: %w", d.AlertID, mapError(err))
		}
		if d.Key == "" {
			continue
		}
		// The latest delivered alert of a fingerprint names its ticket.
		_, err = tx.ExecContext(ctx, `
			INSERT INTO fingerprint_links (partner_id, fingerprint, alert_id, key)
			SELECT partner_id, fingerprint, id, $2 FROM alerts WHERE id = $1
			ON CONFLICT (partner_id, fingerprint) DO UPDATE SET alert_id = excluded.alert_id, key = excluded.key
			WHERE excluded.alert_id >= fingerprint_links.alert_id`, d.AlertID, d.Key)
		if err != nil {
			return fmt.Errorf("record ticket of alert %d's fingerprint: %w", d.AlertID, mapError(err))
		}
	}
	return nil
}

func (s *Store) AlertDelivery(ctx context.Context, alertID int64) (AlertDelivery, error) {
	var d AlertDelivery
	err := s.reader.QueryRowContext(ctx, "SELECT "+deliveryColumns+" FROM alert_deliveries WHERE alert_id = $1", alertID).Scan(
		&d.AlertID, &d.PartnerID, &d.State, &d.Action, &d.Reason, &d.Key, &d.TicketID, &d.Attempts, timeColumn{&d.RetryAt}, timeColumn{&d.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return AlertDelivery{}, fmt.Errorf("delivery of alert %d: %w", alertID, ErrNotFound)
	}
	if err != nil {
		return AlertDelivery{}, fmt.Errorf("read delivery of alert %d: %w", alertID, err)
	}
	return d, nil
}

const linkColumns = "partner_id, key, ticket_id, replaces_ticket_id, state, alert_type, opened_at, closed_at, last_alert_at, noted_at, alert_count, updated_at"

func scanLink(row scanner) (TicketLink, error) {
	var l TicketLink
	err := row.Scan(&l.PartnerID, &l.Key, &l.TicketID, &l.ReplacesTicketID, &l.State, &l.AlertType,
		timeColumn{&l.OpenedAt}, timeColumn{&l.ClosedAt}, timeColumn{&l.LastAlertAt}, timeColumn{&l.NotedAt},
		&l.AlertCount, timeColumn{&l.UpdatedAt})
	return l, err
}

// TicketLinks lists the partner's links, by key; q's zero fields do not filter.
func (s *Store) TicketLinks(ctx context.Context, partnerID int64, q TicketLinkQuery) ([]TicketLink, error) {
	query := "SELECT " + linkColumns + " FROM ticket_links WHERE partner_id = $1"
	args := []any{partnerID}
	if q.State != "" {
		args = append(args, q.State)
		query += fmt.Sprintf(" AND state = $%d", len(args))
	}
	var out []TicketLink
	read := func(query string, args []any) error {
		rows, err := s.reader.QueryContext(ctx, query+" ORDER BY key", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			l, err := scanLink(rows)
			if err != nil {
				return err
			}
			out = append(out, l)
		}
		return rows.Err()
	}
	if q.Keys == nil {
		if err := read(query, args); err != nil {
			return nil, fmt.Errorf("list ticket links of partner %d: %w", partnerID, err)
		}
		return out, nil
	}
	// Keys go in chunks to stay under both engines' limits on parameters.
	for start := 0; start < len(q.Keys); start += rowsPerInsert {
		in, chunkArgs := inList(args, q.Keys[start:min(start+rowsPerInsert, len(q.Keys))])
		if err := read(query+" AND key IN ("+in+")", chunkArgs); err != nil {
			return nil, fmt.Errorf("list ticket links of partner %d: %w", partnerID, err)
		}
	}
	return out, nil
}

func (s *Store) TicketLink(ctx context.Context, partnerID int64, key string) (TicketLink, error) {
	l, err := scanLink(s.reader.QueryRowContext(ctx, "SELECT "+linkColumns+" FROM ticket_links WHERE partner_id = $1 AND key = $2", partnerID, key))
	if errors.Is(err, sql.ErrNoRows) {
		return TicketLink{}, fmt.Errorf("ticket link %q of partner %d: %w", key, partnerID, ErrNotFound)
	}
	if err != nil {
		return TicketLink{}, fmt.Errorf("read ticket link %q of partner %d: %w", key, partnerID, err)
	}
	return l, nil
}

// LinkForFingerprint is the link of the latest delivered alert with
// this fingerprint: what a resolution of that alert closes.
func (s *Store) LinkForFingerprint(ctx context.Context, partnerID int64, fingerprint string) (TicketLink, error) {
	l, err := scanLink(s.reader.QueryRowContext(ctx, "SELECT "+prefixed("l.", linkColumns)+`
		FROM fingerprint_links f JOIN ticket_links l ON l.partner_id = f.partner_id AND l.key = f.key
		WHERE f.partner_id = $1 AND f.fingerprint = $2`, partnerID, fingerprint))
	if errors.Is(err, sql.ErrNoRows) {
		return TicketLink{}, fmt.Errorf("ticket link of fingerprint %q of partner %d: %w", fingerprint, partnerID, ErrNotFound)
	}
	if err != nil {
		return TicketLink{}, fmt.Errorf("find ticket link of fingerprint %q of partner %d: %w", fingerprint, partnerID, err)
	}
	return l, nil
}

// StartTicket relies on one statement: the upsert only replaces a closed
// link, so of two deliveries racing for one key (on any number of
// replicas), one writes the pending link and the other gets no row back.
func (s *Store) StartTicket(ctx context.Context, link TicketLink, alertIDs []int64) (TicketLink, error) {
	if link.Key == "" {
		return TicketLink{}, fmt.Errorf("start ticket: %w: the group key is empty", ErrInvalid)
	}
	var saved TicketLink
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.d.timeArg(s.timestamp())
		zero := s.d.timeArg(time.Time{})
		var err error
		saved, err = scanLink(tx.QueryRowContext(ctx, `
			INSERT INTO ticket_links (`+linkColumns+`) VALUES ($1, $2, 0, 0, 'pending', $3, $4, $4, $4, $4, 0, $5)
			ON CONFLICT (partner_id, key) DO UPDATE SET state = 'pending', ticket_id = 0,
				replaces_ticket_id = ticket_links.ticket_id, alert_type = excluded.alert_type, updated_at = excluded.updated_at
			WHERE ticket_links.state = 'closed'
			RETURNING `+linkColumns, link.PartnerID, link.Key, link.AlertType, zero, now))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("key %q already has an open or pending ticket: %w", link.Key, ErrConflict)
		}
		if err != nil {
			return mapError(err)
		}
		deliveries := make([]AlertDelivery, len(alertIDs))
		for i, id := range alertIDs {
			deliveries[i] = AlertDelivery{AlertID: id, PartnerID: link.PartnerID, State: DeliveryPending, Action: "create",
				Reason: "the ticket is being created in HaloPSA", Key: link.Key}
		}
		return s.writeDeliveries(ctx, tx, deliveries)
	})
	if err != nil {
		return TicketLink{}, fmt.Errorf("start ticket of partner %d: %w", link.PartnerID, err)
	}
	return saved, nil
}

// OpenTicket confirms a pending link with the ticket HaloPSA created
// (or reconciliation found) and records the alerts it carries.
func (s *Store) OpenTicket(ctx context.Context, partnerID int64, key string, ticketID int, at time.Time, deliveries []AlertDelivery) (TicketLink, error) {
	if ticketID <= 0 {
		return TicketLink{}, fmt.Errorf("open ticket %q: %w: no ticket id", key, ErrInvalid)
	}
	var saved TicketLink
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		saved, err = scanLink(tx.QueryRowContext(ctx, `
			UPDATE ticket_links SET state = 'open', ticket_id = $3, replaces_ticket_id = 0, opened_at = $4, closed_at = $5,
				last_alert_at = $4, noted_at = $4, alert_count = $6, updated_at = $7
			WHERE partner_id = $1 AND key = $2 AND state = 'pending'
			RETURNING `+linkColumns,
			partnerID, key, ticketID, s.d.timeArg(at), s.d.timeArg(time.Time{}), len(deliveries), s.d.timeArg(s.timestamp())))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("no pending link: %w", ErrNotFound)
		}
		if err != nil {
			return err
		}
		return s.writeDeliveries(ctx, tx, deliveries)
	})
	if err != nil {
		return TicketLink{}, fmt.Errorf("open ticket %d for key %q of partner %d: %w", ticketID, key, partnerID, err)
	}
	return saved, nil
}

// AbandonTicket undoes StartTicket after HaloPSA did not create the
// ticket: the link goes back to the closed ticket it replaced, or away,
// and the alerts marked pending under the key become failed (due at
// once unless deliveries say otherwise).
func (s *Store) AbandonTicket(ctx context.Context, partnerID int64, key string, deliveries []AlertDelivery) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM ticket_links WHERE partner_id = $1 AND key = $2 AND state = 'pending' AND replaces_ticket_id = 0",
			partnerID, key); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE ticket_links SET state = 'closed', ticket_id = replaces_ticket_id, replaces_ticket_id = 0, updated_at = $3
			WHERE partner_id = $1 AND key = $2 AND state = 'pending'`, partnerID, key, s.d.timeArg(s.timestamp())); err != nil {
			return err
		}
		// No ticket carries the alerts that were on their way in it.
		if _, err := tx.ExecContext(ctx, `
			UPDATE alert_deliveries SET state = 'failed', reason = 'HaloPSA did not create the ticket'
			WHERE partner_id = $1 AND key = $2 AND state = 'pending'`, partnerID, key); err != nil {
			return err
		}
		return s.writeDeliveries(ctx, tx, deliveries)
	})
	if err != nil {
		return fmt.Errorf("abandon ticket for key %q of partner %d: %w", key, partnerID, err)
	}
	return nil
}

// NoteTicket records a note on the link's ticket (reopening it when
// reopened) and the alerts the note listed.
func (s *Store) NoteTicket(ctx context.Context, partnerID int64, key string, at time.Time, reopened bool, deliveries []AlertDelivery) (TicketLink, error) {
	var saved TicketLink
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		saved, err = scanLink(tx.QueryRowContext(ctx, `
			UPDATE ticket_links SET last_alert_at = $3, noted_at = $3, alert_count = alert_count + $4, updated_at = $5,
				state = CASE WHEN $6 THEN 'open' ELSE state END,
				closed_at = CASE WHEN $6 THEN $7 ELSE closed_at END
			WHERE partner_id = $1 AND key = $2 AND (state = 'open' OR ($6 AND state = 'closed'))
			RETURNING `+linkColumns,
			partnerID, key, s.d.timeArg(at), len(deliveries), s.d.timeArg(s.timestamp()), reopened, s.d.timeArg(time.Time{})))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("no open link: %w", ErrNotFound)
		}
		if err != nil {
			return err
		}
		return s.writeDeliveries(ctx, tx, deliveries)
	})
	if err != nil {
		return TicketLink{}, fmt.Errorf("note ticket for key %q of partner %d: %w", key, partnerID, err)
	}
	return saved, nil
}

// CloseTicketLink marks the link's ticket closed at closedAt.
func (s *Store) CloseTicketLink(ctx context.Context, partnerID int64, key string, closedAt time.Time) (TicketLink, error) {
	l, err := scanLink(s.writer.QueryRowContext(ctx, `
		UPDATE ticket_links SET state = 'closed', closed_at = $3, updated_at = $4
		WHERE partner_id = $1 AND key = $2 AND state = 'open'
		RETURNING `+linkColumns, partnerID, key, s.d.timeArg(closedAt), s.d.timeArg(s.timestamp())))
	if errors.Is(err, sql.ErrNoRows) {
		return TicketLink{}, fmt.Errorf("close ticket link %q of partner %d: no open link: %w", key, partnerID, ErrNotFound)
	}
	if err != nil {
		return TicketLink{}, fmt.Errorf("close ticket link %q of partner %d: %w", key, partnerID, err)
	}
	return l, nil
}

// PendingResolutions lists, oldest first, up to limit resolutions of the
// partner not acted on yet.
func (s *Store) PendingResolutions(ctx context.Context, partnerID int64, limit int) ([]StoredResolution, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.reader.QueryContext(ctx, `
		SELECT r.id, r.partner_id, r.source_id, s.kind, r.event_id, r.customer_id, r.fingerprint, r.reason, r.resolved_at, r.received_at, r.raw
		FROM resolutions r JOIN sources s ON s.id = r.source_id
		LEFT JOIN resolution_deliveries rd ON rd.resolution_id = r.id
		WHERE r.partner_id = $1 AND rd.resolution_id IS NULL ORDER BY r.id LIMIT $2`, partnerID, limit)
	if err != nil {
		return nil, fmt.Errorf("list pending resolutions of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	var out []StoredResolution
	for rows.Next() {
		var r StoredResolution
		var kind, raw string
		if err := rows.Scan(&r.ID, &r.PartnerID, &r.SourceID, &kind, &r.EventID, &r.CustomerID, &r.Fingerprint, &r.Reason,
			timeColumn{&r.ResolvedAt}, timeColumn{&r.ReceivedAt}, &raw); err != nil {
			return nil, fmt.Errorf("list pending resolutions of partner %d: %w", partnerID, err)
		}
		r.Source, r.Raw = source.Kind(kind), json.RawMessage(raw)
		out = append(out, r)
	}
	return out, rows.Err()
}

// RecordResolution stores what was done with a resolution.
func (s *Store) RecordResolution(ctx context.Context, d ResolutionDelivery) error {
	_, err := s.writer.ExecContext(ctx, `
		INSERT INTO resolution_deliveries (resolution_id, partner_id, action, reason, ticket_id, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (resolution_id) DO UPDATE SET action = excluded.action, reason = excluded.reason,
			ticket_id = excluded.ticket_id, updated_at = excluded.updated_at`,
		d.ResolutionID, d.PartnerID, d.Action, d.Reason, d.TicketID, s.d.timeArg(s.timestamp()))
	if err != nil {
		return fmt.Errorf("record delivery of resolution %d: %w", d.ResolutionID, mapError(err))
	}
	return nil
}

// TakeDeliveryLease lets holder run the partner's delivery until ttl
// from now, when nobody holds the lease, it lapsed, or holder already
// has it (a renewal); it reports false when another holder has it.
func (s *Store) TakeDeliveryLease(ctx context.Context, partnerID int64, holder string, ttl time.Duration) (bool, error) {
	if holder == "" || ttl <= 0 {
		return false, fmt.Errorf("take delivery lease of partner %d: %w: a holder and a positive ttl are required", partnerID, ErrInvalid)
	}
	now := s.timestamp()
	var got string
	err := s.writer.QueryRowContext(ctx, `
		INSERT INTO delivery_leases (partner_id, holder, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (partner_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE delivery_leases.holder = excluded.holder OR delivery_leases.expires_at < $4
		RETURNING holder`, partnerID, holder, s.d.timeArg(now.Add(ttl)), s.d.timeArg(now)).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("take delivery lease of partner %d: %w", partnerID, mapError(err))
	}
	return true, nil
}

// ReleaseDeliveryLease gives the lease up, if holder still has it.
func (s *Store) ReleaseDeliveryLease(ctx context.Context, partnerID int64, holder string) error {
	if _, err := s.writer.ExecContext(ctx, "DELETE FROM delivery_leases WHERE partner_id = $1 AND holder = $2", partnerID, holder); err != nil {
		return fmt.Errorf("release delivery lease of partner %d: %w", partnerID, err)
	}
	return nil
}

// OpenTicketCount counts the partner's links to open tickets.
func (s *Store) OpenTicketCount(ctx context.Context, partnerID int64) (int, error) {
	var n int
	if err := s.reader.QueryRowContext(ctx, "SELECT count(*) FROM ticket_links WHERE partner_id = $1 AND state = 'open'", partnerID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count the open tickets of partner %d: %w", partnerID, err)
	}
	return n, nil
}
