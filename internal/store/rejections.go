package store

import (
	"context"
	"fmt"
	"time"
)

// RejectedSuggestion is a suggestion a person turned down: ClientID is not
// suggested for the customer again until the pair is mapped by hand.
type RejectedSuggestion struct {
	PartnerID  int64
	SourceID   int64
	CustomerID string
	ClientID   int
	RejectedAt time.Time
}

const rejectionColumns = "partner_id, source_id, customer_id, client_id, rejected_at"

func scanRejection(row scanner) (RejectedSuggestion, error) {
	var r RejectedSuggestion
	err := row.Scan(&r.PartnerID, &r.SourceID, &r.CustomerID, &r.ClientID, timeColumn{&r.RejectedAt})
	return r, err
}

// RejectSuggestion records that clientID is not the customer's client.
// Rejecting the same pair again only moves RejectedAt.
func (s *Store) RejectSuggestion(ctx context.Context, partnerID, sourceID int64, customerID string, clientID int) error {
	if customerID == "" || clientID <= 0 {
		return fmt.Errorf("reject suggestion: %w: a customer id and a HaloPSA client id are required", ErrInvalid)
	}
	res, err := s.writer.ExecContext(ctx, `
		INSERT INTO rejected_suggestions (`+rejectionColumns+`)
		SELECT partner_id, $2, $3, $4, $5 FROM sources WHERE id = $2 AND partner_id = $1
		ON CONFLICT (source_id, customer_id, client_id) DO UPDATE SET rejected_at = excluded.rejected_at`,
		partnerID, sourceID, customerID, clientID, s.d.timeArg(s.timestamp()))
	if err != nil {
		return fmt.Errorf("reject client %d for customer %q: %w", clientID, customerID, mapError(err))
	}
	return requireRow(res, fmt.Sprintf("reject suggestion: source %d of partner %d", sourceID, partnerID))
}

// RejectedSuggestions lists a partner's rejections by source, customer
// and client.
func (s *Store) RejectedSuggestions(ctx context.Context, partnerID int64) ([]RejectedSuggestion, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+rejectionColumns+" FROM rejected_suggestions WHERE partner_id = $1 ORDER BY source_id, customer_id, client_id", partnerID)
	if err != nil {
		return nil, fmt.Errorf("list rejected suggestions of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	var out []RejectedSuggestion
	for rows.Next() {
		r, err := scanRejection(rows)
		if err != nil {
			return nil, fmt.Errorf("list rejected suggestions of partner %d: %w", partnerID, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ForgetRejection removes the rejection of one pair, if there is one:
// a person mapping a customer by hand forgets whatever was rejected
// for the pair without first asking whether anything was.
func (s *Store) ForgetRejection(ctx context.Context, sourceID int64, customerID string, clientID int) error {
	_, err := s.writer.ExecContext(ctx, "DELETE FROM rejected_suggestions WHERE source_id = $1 AND customer_id = $2 AND client_id = $3", sourceID, customerID, clientID)
	if err != nil {
		return fmt.Errorf("forget rejection of client %d for customer %q: %w", clientID, customerID, err)
	}
	return nil
}
