package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// States of a partner's HaloPSA webhook.
const (
	WebhookNone         = "none"
	WebhookActive       = "active"
	WebhookNoPermission = "no_permission"
	WebhookFailing      = "failing"
	WebhookDisabled     = "disabled"
)

// HaloWebhook is how HaloPSA tells halobridge about a partner's tickets:
// the webhook halobridge keeps in HaloPSA and the poller's cursor. Secret is
// plaintext here and sealed in the database.
type HaloWebhook struct {
	PartnerID int64
	Token     string
	Secret    string
	// WebhookID is HaloPSA's GUID of the webhook; "" while none exists.
	WebhookID string
	URL       string
	State     string
	// Problem says what is wrong and what to do; "" when nothing is.
	Problem        string
	LastDeliveryAt time.Time
	// PollCursor is the last_update up to which the poller has read.
	PollCursor time.Time
	PolledAt   time.Time
	CheckedAt  time.Time
	UpdatedAt  time.Time
	// LogEntries and LogFailures are how many of the latest entries of HaloPSA's delivery
	// log the last check read, and how many of them failed; LastError is the latest
	// failure in HaloPSA's words ("" when none was read), at LastErrorAt.
	LogEntries  int
	LogFailures int
	LastError   string
	LastErrorAt time.Time
}

// HaloDelivery is one webhook delivery HaloPSA sent, kept by its id.
type HaloDelivery struct {
	PartnerID  int64
	DeliveryID string
	TicketID   int
	Event      string
	// Ticket is the ticket object the payload carried; nil when none.
	Ticket     []byte
	ReceivedAt time.Time
	DoneAt     time.Time
}

// Ticket changes recorded from HaloPSA.
const (
	ChangeClosed   = "closed"
	ChangeReopened = "reopened"
)

// What halobridge did at the source about a ticket change.
const (
	SourceNothing     = ""
	SourceDone        = "done"
	SourceFailed      = "failed"
	SourceNotPossible = "not_possible"
	SourceSkipped     = "skipped"
	// SourcePending: a durable job is still taking the change to the source.
	SourcePending = "pending"
)

// TicketChange is a change made to one of halobridge's tickets in HaloPSA.
type TicketChange struct {
	ID        int64
	PartnerID int64
	TicketID  int
	Key       string
	Change    string
	// By names who made the change in HaloPSA; Note is what they wrote.
	By   string
	Note string
	// Via says how halobridge learnt of it: "webhook" or "poll".
	Via          string
	SourceState  string
	SourceDetail string
	ChangedAt    time.Time
	RecordedAt   time.Time
}

const webhookColumns = "partner_id, token, secret, webhook_id, url, state, problem, last_delivery_at, poll_cursor, polled_at, checked_at, updated_at, " +
	"log_entries, log_failures, last_error, last_error_at"

func (s *Store) scanWebhook(row scanner) (HaloWebhook, error) {
	var w HaloWebhook
	var sealed string
	err := row.Scan(&w.PartnerID, &w.Token, &sealed, &w.WebhookID, &w.URL, &w.State, &w.Problem,
		timeColumn{&w.LastDeliveryAt}, timeColumn{&w.PollCursor}, timeColumn{&w.PolledAt}, timeColumn{&w.CheckedAt}, timeColumn{&w.UpdatedAt},
		&w.LogEntries, &w.LogFailures, &w.LastError, timeColumn{&w.LastErrorAt})
	if err != nil {
		return HaloWebhook{}, err
	}
	if w.Secret, err = s.keys.Open(sealed); err != nil {
		return HaloWebhook{}, fmt.Errorf("open the webhook secret: %w", err)
	}
	return w, nil
}

// EnsureHaloWebhook returns the partner's webhook record, creating it with
// token and secret when the partner has none: a record, once made, keeps
// its token and secret, so HaloPSA's copy stays valid.
func (s *Store) EnsureHaloWebhook(ctx context.Context, partnerID int64, token, secret string) (HaloWebhook, error) {
	if token == "" || secret == "" {
		return HaloWebhook{}, fmt.Errorf("webhook of partner %d: %w: a token and a secret are required", partnerID, ErrInvalid)
	}
	sealed, err := s.keys.Seal(secret)
	if err != nil {
		return HaloWebhook{}, fmt.Errorf("webhook of partner %d: seal the secret: %w", partnerID, err)
	}
	zero, now := s.d.timeArg(time.Time{}), s.d.timeArg(s.timestamp())
	if _, err := s.writer.ExecContext(ctx, `
		INSERT INTO halo_webhooks (`+webhookColumns+`) VALUES ($1, $2, $3, '', '', 'none', '', $4, $5, $4, $4, $5, 0, 0, '', $4)
		ON CONFLICT (partner_id) DO NOTHING`, partnerID, token, sealed, zero, now); err != nil {
		return HaloWebhook{}, fmt.Errorf("webhook of partner %d: %w", partnerID, mapError(err))
	}
	return s.HaloWebhook(ctx, partnerID)
}

// HaloWebhook reads the partner's webhook record.
func (s *Store) HaloWebhook(ctx context.Context, partnerID int64) (HaloWebhook, error) {
	w, err := s.scanWebhook(s.reader.QueryRowContext(ctx, "SELECT "+webhookColumns+" FROM halo_webhooks WHERE partner_id = $1", partnerID))
	if errors.Is(err, sql.ErrNoRows) {
		return HaloWebhook{}, fmt.Errorf("webhook of partner %d: %w", partnerID, ErrNotFound)
	}
	if err != nil {
		return HaloWebhook{}, fmt.Errorf("read webhook of partner %d: %w", partnerID, err)
	}
	return w, nil
}

// HaloWebhookByToken finds the webhook record a delivery's address names.
func (s *Store) HaloWebhookByToken(ctx context.Context, token string) (HaloWebhook, error) {
	w, err := s.scanWebhook(s.reader.QueryRowContext(ctx, "SELECT "+webhookColumns+" FROM halo_webhooks WHERE token = $1", token))
	if errors.Is(err, sql.ErrNoRows) {
		return HaloWebhook{}, fmt.Errorf("webhook: %w", ErrNotFound)
	}
	if err != nil {
		return HaloWebhook{}, fmt.Errorf("read webhook: %w", err)
	}
	return w, nil
}

// HaloWebhooks lists every partner's webhook record.
func (s *Store) HaloWebhooks(ctx context.Context) ([]HaloWebhook, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+webhookColumns+" FROM halo_webhooks ORDER BY partner_id")
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	defer rows.Close()
	var out []HaloWebhook
	for rows.Next() {
		w, err := s.scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// SaveHaloWebhookState records what HaloPSA holds of the partner's webhook:
// its id, address, state and problem, and what its delivery log said, as
// checked now.
func (s *Store) SaveHaloWebhookState(ctx context.Context, w HaloWebhook) error {
	now := s.timestamp()
	res, err := s.writer.ExecContext(ctx, `
		UPDATE halo_webhooks SET webhook_id = $2, url = $3, state = $4, problem = $5, checked_at = $6, updated_at = $6,
			log_entries = $7, log_failures = $8, last_error = $9, last_error_at = $10
		WHERE partner_id = $1`, w.PartnerID, w.WebhookID, w.URL, w.State, w.Problem, s.d.timeArg(now),
		w.LogEntries, w.LogFailures, w.LastError, s.d.timeArg(w.LastErrorAt))
	if err != nil {
		return fmt.Errorf("save webhook state of partner %d: %w", w.PartnerID, mapError(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("save webhook state of partner %d: %w", w.PartnerID, ErrNotFound)
	}
	return nil
}

// SavePollCursor records how far the poller read, and when.
func (s *Store) SavePollCursor(ctx context.Context, partnerID int64, cursor time.Time) error {
	now := s.d.timeArg(s.timestamp())
	if _, err := s.writer.ExecContext(ctx, "UPDATE halo_webhooks SET poll_cursor = $2, polled_at = $3, updated_at = $3 WHERE partner_id = $1",
		partnerID, s.d.timeArg(cursor), now); err != nil {
		return fmt.Errorf("save the poll cursor of partner %d: %w", partnerID, err)
	}
	return nil
}

// RecordHaloDeliveries stores the deliveries a webhook request carried, in
// one transaction, and notes the partner's last delivery. A delivery whose
// id is already stored is left as it is: it reports how many were new.
func (s *Store) RecordHaloDeliveries(ctx context.Context, partnerID int64, deliveries []HaloDelivery) (int, error) {
	stored := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stored = 0
		now := s.d.timeArg(s.timestamp())
		zero := s.d.timeArg(time.Time{})
		for _, d := range deliveries {
			res, err := tx.ExecContext(ctx, `
				INSERT INTO halo_deliveries (partner_id, delivery_id, ticket_id, event, ticket, received_at, done_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (partner_id, delivery_id) DO NOTHING`,
				partnerID, d.DeliveryID, d.TicketID, d.Event, string(d.Ticket), now, zero)
			if err != nil {
				return mapError(err)
			}
			n, _ := res.RowsAffected()
			stored += int(n)
		}
		_, err := tx.ExecContext(ctx, "UPDATE halo_webhooks SET last_delivery_at = $2 WHERE partner_id = $1", partnerID, now)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("record webhook deliveries of partner %d: %w", partnerID, err)
	}
	return stored, nil
}

// PendingHaloDeliveries lists, oldest first, up to limit deliveries not acted on yet.
func (s *Store) PendingHaloDeliveries(ctx context.Context, partnerID int64, limit int) ([]HaloDelivery, error) {
	rows, err := s.reader.QueryContext(ctx, `
		SELECT partner_id, delivery_id, ticket_id, event, ticket, received_at, done_at FROM halo_deliveries
		WHERE partner_id = $1 AND done_at = $2 ORDER BY received_at, delivery_id LIMIT $3`,
		partnerID, s.d.timeArg(time.Time{}), limit)
	if err != nil {
		return nil, fmt.Errorf("list webhook deliveries of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	var out []HaloDelivery
	for rows.Next() {
		var d HaloDelivery
		var ticket string
		if err := rows.Scan(&d.PartnerID, &d.DeliveryID, &d.TicketID, &d.Event, &ticket, timeColumn{&d.ReceivedAt}, timeColumn{&d.DoneAt}); err != nil {
			return nil, fmt.Errorf("list webhook deliveries of partner %d: %w", partnerID, err)
		}
		if ticket != "" {
			d.Ticket = []byte(ticket)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// FinishHaloDelivery marks a delivery acted on.
func (s *Store) FinishHaloDelivery(ctx context.Context, partnerID int64, deliveryID string) error {
	if _, err := s.writer.ExecContext(ctx, "UPDATE halo_deliveries SET done_at = $3 WHERE partner_id = $1 AND delivery_id = $2",
		partnerID, deliveryID, s.d.timeArg(s.timestamp())); err != nil {
		return fmt.Errorf("finish webhook delivery %s of partner %d: %w", deliveryID, partnerID, err)
	}
	return nil
}

// TicketLinkByTicket finds the link of a HaloPSA ticket.
func (s *Store) TicketLinkByTicket(ctx context.Context, partnerID int64, ticketID int) (TicketLink, error) {
	l, err := scanLink(s.reader.QueryRowContext(ctx, "SELECT "+linkColumns+" FROM ticket_links WHERE partner_id = $1 AND ticket_id = $2",
		partnerID, ticketID))
	if errors.Is(err, sql.ErrNoRows) {
		return TicketLink{}, fmt.Errorf("ticket link of ticket %d of partner %d: %w", ticketID, partnerID, ErrNotFound)
	}
	if err != nil {
		return TicketLink{}, fmt.Errorf("find ticket link of ticket %d of partner %d: %w", ticketID, partnerID, err)
	}
	return l, nil
}

// ReopenTicketLink marks the closed link of a ticket open again: HaloPSA
// reopened it, so the next alert of its group notes it.
func (s *Store) ReopenTicketLink(ctx context.Context, partnerID int64, key string) (TicketLink, error) {
	l, err := scanLink(s.writer.QueryRowContext(ctx, `
		UPDATE ticket_links SET state = 'open', closed_at = $3, updated_at = $4
		WHERE partner_id = $1 AND key = $2 AND state = 'closed'
		RETURNING `+linkColumns, partnerID, key, s.d.timeArg(time.Time{}), s.d.timeArg(s.timestamp())))
	if errors.Is(err, sql.ErrNoRows) {
		return TicketLink{}, fmt.Errorf("reopen ticket link %q of partner %d: no closed link: %w", key, partnerID, ErrNotFound)
	}
	if err != nil {
		return TicketLink{}, fmt.Errorf("reopen ticket link %q of partner %d: %w", key, partnerID, err)
	}
	return l, nil
}

const changeColumns = "id, partner_id, ticket_id, key, change, by_name, note, via, source_state, source_detail, changed_at, recorded_at"

func scanChange(row scanner) (TicketChange, error) {
	var c TicketChange
	err := row.Scan(&c.ID, &c.PartnerID, &c.TicketID, &c.Key, &c.Change, &c.By, &c.Note, &c.Via, &c.SourceState, &c.SourceDetail,
		timeColumn{&c.ChangedAt}, timeColumn{&c.RecordedAt})
	return c, err
}

// RecordTicketChange keeps a change made in HaloPSA.
func (s *Store) RecordTicketChange(ctx context.Context, c TicketChange) (TicketChange, error) {
	saved, err := scanChange(s.writer.QueryRowContext(ctx, `
		INSERT INTO ticket_changes (partner_id, ticket_id, key, change, by_name, note, via, source_state, source_detail, changed_at, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING `+changeColumns,
		c.PartnerID, c.TicketID, c.Key, c.Change, c.By, c.Note, c.Via, c.SourceState, c.SourceDetail,
		s.d.timeArg(c.ChangedAt), s.d.timeArg(s.timestamp())))
	if err != nil {
		return TicketChange{}, fmt.Errorf("record the %s change of ticket %d of partner %d: %w", c.Change, c.TicketID, c.PartnerID, mapError(err))
	}
	return saved, nil
}

// SetChangeSource records what halobridge did at the source about a change.
func (s *Store) SetChangeSource(ctx context.Context, id int64, state, detail string) error {
	if _, err := s.writer.ExecContext(ctx, "UPDATE ticket_changes SET source_state = $2, source_detail = $3 WHERE id = $1", id, state, detail); err != nil {
		return fmt.Errorf("record what was done at the source for ticket change %d: %w", id, err)
	}
	return nil
}

// TicketChanges lists the partner's latest changes, newest first; ticketID
// 0 lists every ticket's.
func (s *Store) TicketChanges(ctx context.Context, partnerID int64, ticketID, limit int) ([]TicketChange, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+changeColumns+` FROM ticket_changes
		WHERE partner_id = $1 AND ($2 = 0 OR ticket_id = $2) ORDER BY id DESC LIMIT $3`, partnerID, ticketID, limit)
	if err != nil {
		return nil, fmt.Errorf("list ticket changes of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	var out []TicketChange
	for rows.Next() {
		c, err := scanChange(rows)
		if err != nil {
			return nil, fmt.Errorf("list ticket changes of partner %d: %w", partnerID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// LatestAlertOfLink is the latest alert delivered under a group key: the
// one a change in HaloPSA is taken back to at its source. Its raw payload
// is left out.
func (s *Store) LatestAlertOfLink(ctx context.Context, partnerID int64, key string) (StoredAlert, error) {
	columns := prefixed("a.", strings.TrimSuffix(alertColumns, ", raw")) + ", 'null'"
	a, err := scanAlert(s.reader.QueryRowContext(ctx, "SELECT a.id, "+columns+`
		FROM fingerprint_links f JOIN alerts a ON a.id = f.alert_id
		WHERE f.partner_id = $1 AND f.key = $2 ORDER BY f.alert_id DESC LIMIT 1`, partnerID, key))
	if errors.Is(err, sql.ErrNoRows) {
		return StoredAlert{}, fmt.Errorf("latest alert of %q of partner %d: %w", key, partnerID, ErrNotFound)
	}
	if err != nil {
		return StoredAlert{}, fmt.Errorf("read the latest alert of %q of partner %d: %w", key, partnerID, err)
	}
	return a, nil
}

// EventIDsOfLink are the source's event ids (with their customer) of the alerts delivered
// under a group key, oldest first, at most limit of them.
func (s *Store) EventIDsOfLink(ctx context.Context, partnerID int64, key string, sourceID int64, limit int) ([]LinkedEvent, error) {
	rows, err := s.reader.QueryContext(ctx, `
		SELECT a.customer_id, a.event_id FROM fingerprint_links f JOIN alerts a ON a.id = f.alert_id
		WHERE f.partner_id = $1 AND f.key = $2 AND a.source_id = $3 ORDER BY f.alert_id LIMIT $4`, partnerID, key, sourceID, limit)
	if err != nil {
		return nil, fmt.Errorf("read the alerts of %q of partner %d: %w", key, partnerID, err)
	}
	defer rows.Close()
	var out []LinkedEvent
	for rows.Next() {
		var e LinkedEvent
		if err := rows.Scan(&e.CustomerID, &e.EventID); err != nil {
			return nil, fmt.Errorf("read the alerts of %q of partner %d: %w", key, partnerID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// LinkedEvent is one alert delivered under a group key, as its source named it.
type LinkedEvent struct {
	CustomerID, EventID string
}

// AlertTicket is where one alert stands: when halobridge received it, and the ticket of
// its group when it has one.
type AlertTicket struct {
	ReceivedAt time.Time
	// Link is the alert's ticket link; nil while the alert has none (not delivered yet,
	// its customer not mapped, or its type not ticketed).
	Link *TicketLink
	// ChangedAt is when the link last changed state: opened, closed, or reopened in
	// HaloPSA.
	ChangedAt time.Time
}

// AlertTicketOf finds a source's alert by its event id, and its ticket.
func (s *Store) AlertTicketOf(ctx context.Context, partnerID, sourceID int64, eventID string) (AlertTicket, error) {
	var fingerprint string
	at := AlertTicket{}
	err := s.reader.QueryRowContext(ctx, `SELECT fingerprint, received_at FROM alerts
		WHERE partner_id = $1 AND source_id = $2 AND event_id = $3 ORDER BY id DESC LIMIT 1`, partnerID, sourceID, eventID).Scan(&fingerprint, timeColumn{&at.ReceivedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return AlertTicket{}, fmt.Errorf("alert %q of source %d: %w", eventID, sourceID, ErrNotFound)
	}
	if err != nil {
		return AlertTicket{}, fmt.Errorf("read alert %q of source %d: %w", eventID, sourceID, err)
	}
	link, err := s.LinkForFingerprint(ctx, partnerID, fingerprint)
	if errors.Is(err, ErrNotFound) {
		at.ChangedAt = at.ReceivedAt
		return at, nil
	}
	if err != nil {
		return AlertTicket{}, err
	}
	at.Link = &link
	switch link.State {
	case LinkClosed:
		at.ChangedAt = link.ClosedAt
	case LinkPending:
		at.ChangedAt = link.UpdatedAt
	default:
		at.ChangedAt = link.OpenedAt
		if link.TicketID != 0 {
			changes, err := s.TicketChanges(ctx, partnerID, link.TicketID, 1)
			if err != nil {
				return AlertTicket{}, err
			}
			if len(changes) == 1 && changes[0].Change == ChangeReopened && changes[0].ChangedAt.After(at.ChangedAt) {
				at.ChangedAt = changes[0].ChangedAt
			}
		}
	}
	return at, nil
}
