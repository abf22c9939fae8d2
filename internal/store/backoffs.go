package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PartnerWide is the key of the backoff that pauses a partner's whole
// HaloPSA rather than one group.
const PartnerWide = ""

// DeliveryBackoff is a wait before delivery tries again after HaloPSA
// failed.
type DeliveryBackoff struct {
	PartnerID int64
	// Key is the group key whose action failed; PartnerWide pauses all.
	Key string
	// Attempts counts the failures in a row; the wait grows with it.
	Attempts int
	// Since is when the first of those failures happened.
	Since   time.Time
	RetryAt time.Time
	// Error is what failed, in words for the partner.
	Error string
	// EventKey is the integration event the failure raised ("" for none):
	// once the key works again, its problem is gone.
	EventKey  string
	UpdatedAt time.Time
}

const backoffColumns = "partner_id, key, attempts, since, retry_at, error, event_key, updated_at"

// DeliveryBackoffs lists the partner's backoffs by key; the partner-wide
// one (key "") comes first.
func (s *Store) DeliveryBackoffs(ctx context.Context, partnerID int64) ([]DeliveryBackoff, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+backoffColumns+" FROM delivery_backoffs WHERE partner_id = $1 ORDER BY key", partnerID)
	if err != nil {
		return nil, fmt.Errorf("list delivery backoffs of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	var out []DeliveryBackoff
	for rows.Next() {
		var b DeliveryBackoff
		if err := rows.Scan(&b.PartnerID, &b.Key, &b.Attempts, timeColumn{&b.Since}, timeColumn{&b.RetryAt}, &b.Error, &b.EventKey, timeColumn{&b.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("list delivery backoffs of partner %d: %w", partnerID, err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// DeferDelivery stores b, replacing the key's earlier backoff, and
// records deliveries (the alerts b holds back, usually with RetryAt set
// to b.RetryAt) in the same transaction. An alert pending under the
// same key stays pending, whatever deliveries say: the ticket HaloPSA
// may have created carries it.
func (s *Store) DeferDelivery(ctx context.Context, b DeliveryBackoff, deliveries []AlertDelivery) error {
	if b.Attempts <= 0 || b.RetryAt.IsZero() {
		return fmt.Errorf("defer delivery for key %q of partner %d: %w: a backoff needs attempts and a retry time", b.Key, b.PartnerID, ErrInvalid)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO delivery_backoffs (`+backoffColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (partner_id, key) DO UPDATE SET attempts = excluded.attempts, since = excluded.since,
				retry_at = excluded.retry_at, error = excluded.error, event_key = excluded.event_key, updated_at = excluded.updated_at`,
			b.PartnerID, b.Key, b.Attempts, s.d.timeArg(b.Since), s.d.timeArg(b.RetryAt), b.Error, b.EventKey, s.d.timeArg(s.timestamp()))
		if err != nil {
			return mapError(err)
		}
		return s.upsertDeliveries(ctx, tx, deliveries, keepPendingState)
	})
	if err != nil {
		return fmt.Errorf("defer delivery for key %q of partner %d: %w", b.Key, b.PartnerID, err)
	}
	return nil
}

// ClearDeliveryBackoff removes the key's backoff: what failed worked.
func (s *Store) ClearDeliveryBackoff(ctx context.Context, partnerID int64, key string) error {
	if _, err := s.writer.ExecContext(ctx, "DELETE FROM delivery_backoffs WHERE partner_id = $1 AND key = $2", partnerID, key); err != nil {
		return fmt.Errorf("clear delivery backoff %q of partner %d: %w", key, partnerID, err)
	}
	return nil
}

// RetryDeliveriesNow ends every wait of the partner, after a person
// fixed what HaloPSA refused: its backoffs go and its held-back alerts
// are due at once. It returns how many alerts became due.
func (s *Store) RetryDeliveriesNow(ctx context.Context, partnerID int64) (int, error) {
	var due int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM delivery_backoffs WHERE partner_id = $1", partnerID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "UPDATE alert_deliveries SET retry_at = $2 WHERE partner_id = $1 AND state <> 'done'",
			partnerID, s.d.timeArg(time.Time{}))
		if err != nil {
			return err
		}
		due, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("retry the deliveries of partner %d now: %w", partnerID, err)
	}
	return int(due), nil
}

// UndeliveredFingerprints lists the fingerprints of the partner's alerts
// that wait for a ticket (pending or failed): a resolution of one of
// them waits too, rather than find no ticket to close.
func (s *Store) UndeliveredFingerprints(ctx context.Context, partnerID int64) (map[string]bool, error) {
	rows, err := s.reader.QueryContext(ctx, `
		SELECT DISTINCT a.fingerprint FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
		WHERE d.partner_id = $1 AND d.state <> 'done'`, partnerID)
	if err != nil {
		return nil, fmt.Errorf("list undelivered fingerprints of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var fp string
		if err := rows.Scan(&fp); err != nil {
			return nil, fmt.Errorf("list undelivered fingerprints of partner %d: %w", partnerID, err)
		}
		out[fp] = true
	}
	return out, rows.Err()
}
